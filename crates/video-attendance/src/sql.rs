//! [`SqlStore`]: the [`AttendanceStore`] on SQLite or PostgreSQL, through `sqlx`'s `Any` driver:
//! one set of queries (plain SQL that both accept, `$N` parameters) and one code path for both.

use std::path::Path;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};
use video_core::{
    BoxFuture, DisplayName, EventId, ParticipantEvent, ParticipantIdentity, ParticipantSessionId,
    RoomName, RoomRecords, RoomRecordsError, SessionEvent, SessionEventKind,
};

use crate::store::{Appended, AttendanceError, AttendanceStore};

/// The schema, embedded in the binary (`migrations/` of this crate). Migrations only ever add
/// (tables, indexes, columns with defaults), so a server runs on a schema that a newer release
/// migrated further: it ignores the migrations it does not know (`ignore_missing`) instead of
/// refusing to start. That is what lets an upgrade be undone by redeploying the previous release.
fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!();
    migrator.set_ignore_missing(true);
    migrator
}

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file, in WAL mode with `synchronous = FULL`.
    Sqlite,
    /// A PostgreSQL server (several token-server replicas may share it).
    Postgres,
}

/// Attendance stored in SQLite or PostgreSQL.
///
/// Every append is one auto-committed `INSERT … ON CONFLICT (event_id) DO NOTHING`: durable when
/// it returns (SQLite: WAL with `synchronous = FULL`; PostgreSQL: `synchronous_commit` as the
/// server is configured, `on` by default), and idempotent in the database, so concurrent writers
/// store an event id once.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// How long a call waits for a pooled connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl SqlStore {
    /// The SQLite file's name inside the data directory.
    pub const SQLITE_FILE_NAME: &'static str = "attendance.sqlite3";

    /// Opens (creating when missing) the SQLite file [`SQLITE_FILE_NAME`](Self::SQLITE_FILE_NAME)
    /// in `data_dir`, which is created too, and switches it to WAL mode. Apply the schema with
    /// [`migrate`](Self::migrate).
    pub async fn open_sqlite(data_dir: &Path) -> Result<Self, AttendanceError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|error| AttendanceError::Unavailable(Box::new(error)))?;
        let url = SqliteConnectOptions::new()
            .filename(data_dir.join(Self::SQLITE_FILE_NAME))
            .create_if_missing(true)
            .to_url_lossy();
        let options = AnyConnectOptions::from_url(&url).map_err(classify)?;
        Self::open(options, Backend::Sqlite).await
    }

    /// Connects to the database at `url`: `postgres://…` / `postgresql://…`, or `sqlite:…`.
    /// Apply the schema with [`migrate`](Self::migrate).
    pub async fn connect(url: &SecretString) -> Result<Self, AttendanceError> {
        let url = url.expose_secret();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(AttendanceError::Configuration(
                "the database URL must start with postgres://, postgresql:// or sqlite:",
            ));
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|_| AttendanceError::Configuration("the database URL is not a valid URL"))?;
        Self::open(options, backend).await
    }

    async fn open(options: AnyConnectOptions, backend: Backend) -> Result<Self, AttendanceError> {
        sqlx::any::install_default_drivers();
        let pool_options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        let pool = match backend {
            Backend::Postgres => pool_options.connect_with(options).await.map_err(classify)?,
            Backend::Sqlite => {
                // WAL is a property of the file: set once, on one connection, before the pool
                // opens others (switching takes a lock that the busy timeout does not wait for).
                let mut first = sqlx::AnyConnection::connect_with(&options)
                    .await
                    .map_err(classify)?;
                first
                    .execute("PRAGMA journal_mode = WAL")
                    .await
                    .map_err(classify)?;
                first.close().await.map_err(classify)?;
                pool_options
                    // FULL (not WAL's usual NORMAL): a commit is on disk before it returns.
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            connection.execute("PRAGMA synchronous = FULL").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
                    .map_err(classify)?
            }
        };
        Ok(Self { pool, backend })
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations not applied yet. Safe to run from several replicas at
    /// once (PostgreSQL: the migrator takes an advisory lock), and on a database a newer
    /// release migrated further (its migrations are left as they are).
    pub async fn migrate(&self) -> Result<(), AttendanceError> {
        migrator()
            .run(&self.pool)
            .await
            .map_err(|error| AttendanceError::Internal(Box::new(error)))
    }

    /// Whether the database answers a trivial query (for a readiness probe).
    pub async fn ping(&self) -> Result<(), AttendanceError> {
        self.pool.execute("SELECT 1").await.map_err(classify)?;
        Ok(())
    }

    /// Records that the tokens issued to `identity` for `room` before `before` no longer admit
    /// them (the participant was removed); a later removal moves the time forward.
    pub async fn revoke_tokens(
        &self,
        room: &RoomName,
        identity: &ParticipantIdentity,
        before: SystemTime,
    ) -> Result<(), AttendanceError> {
        sqlx::query(
            "INSERT INTO token_revocations (room, identity, revoked_before_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (room, identity) DO UPDATE SET revoked_before_ms = \
             CASE WHEN excluded.revoked_before_ms > token_revocations.revoked_before_ms \
             THEN excluded.revoked_before_ms ELSE token_revocations.revoked_before_ms END",
        )
        .bind(room.as_str())
        .bind(identity.as_str())
        .bind(to_millis(before))
        .execute(&self.pool)
        .await
        .map_err(classify)?;
        Ok(())
    }

    /// The time before which the tokens issued to `identity` for `room` are revoked, if they are.
    pub async fn tokens_revoked_before(
        &self,
        room: &RoomName,
        identity: &ParticipantIdentity,
    ) -> Result<Option<SystemTime>, AttendanceError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT revoked_before_ms FROM token_revocations WHERE room = $1 AND identity = $2",
        )
        .bind(room.as_str())
        .bind(identity.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(classify)?;
        Ok(row.and_then(|(millis,)| from_millis(millis)))
    }

    /// Forgets the revocations older than `cutoff` (no token issued before them is still valid);
    /// returns how many.
    pub async fn purge_revocations_before(
        &self,
        cutoff: SystemTime,
    ) -> Result<u64, AttendanceError> {
        let result = sqlx::query("DELETE FROM token_revocations WHERE revoked_before_ms < $1")
            .bind(to_millis(cutoff))
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(result.rows_affected())
    }

    /// Forgets the providers' room records written before `cutoff` (`RoomRecords`); returns how
    /// many. A room's next join then starts afresh (Google Meet: a new meeting space).
    pub async fn purge_room_records_before(
        &self,
        cutoff: SystemTime,
    ) -> Result<u64, AttendanceError> {
        let result = sqlx::query("DELETE FROM room_records WHERE created_at_ms < $1")
            .bind(to_millis(cutoff))
            .execute(&self.pool)
            .await
            .map_err(classify)?;
        Ok(result.rows_affected())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl AttendanceStore for SqlStore {
    fn append<'a>(
        &'a self,
        event: &'a SessionEvent,
    ) -> BoxFuture<'a, Result<Appended, AttendanceError>> {
        Box::pin(async move {
            let participant = event.participant();
            let result = sqlx::query(
                "INSERT INTO attendance_events \
                 (event_id, room, kind, occurred_at_ms, identity, participant_session, display_name, role) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(event.id.as_str())
            .bind(event.room.as_str())
            .bind(event.kind.name())
            .bind(to_millis(event.at))
            .bind(participant.map(|p| p.identity.as_str()))
            .bind(participant.and_then(|p| p.session_id.as_ref().map(ParticipantSessionId::as_str)))
            .bind(participant.and_then(|p| p.display_name.as_ref().map(DisplayName::as_str)))
            .bind(participant.and_then(|p| p.role.map(|role| role.as_str())))
            .execute(&self.pool)
            .await
            .map_err(classify)?;
            let appended = if result.rows_affected() == 0 {
                Appended::Duplicate
            } else {
                Appended::Stored
            };
            log::debug!(
                "attendance: {} {} ({appended:?})",
                event.kind.name(),
                event.id
            );
            Ok(appended)
        })
    }

    fn room_events<'a>(
        &'a self,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Vec<SessionEvent>, AttendanceError>> {
        Box::pin(async move {
            let rows: Vec<EventRow> = sqlx::query_as(
                "SELECT event_id, kind, occurred_at_ms, identity, participant_session, display_name, role \
                 FROM attendance_events WHERE room = $1 ORDER BY occurred_at_ms, event_id",
            )
            .bind(room.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(classify)?;
            rows.into_iter().map(|row| decode(room, row)).collect()
        })
    }

    fn purge_before(&self, cutoff: SystemTime) -> BoxFuture<'_, Result<u64, AttendanceError>> {
        Box::pin(async move {
            let result = sqlx::query("DELETE FROM attendance_events WHERE occurred_at_ms < $1")
                .bind(to_millis(cutoff))
                .execute(&self.pool)
                .await
                .map_err(classify)?;
            Ok(result.rows_affected())
        })
    }
}

/// The providers' per-room records, in the `room_records` table of the same database: the first
/// record of a `(provider, room)` pair is kept (`ON CONFLICT DO NOTHING` on the primary key), so
/// replicas racing on a room's first join all read back the same one.
impl RoomRecords for SqlStore {
    fn get<'a>(
        &'a self,
        provider: &'static str,
        room: &'a RoomName,
    ) -> BoxFuture<'a, Result<Option<String>, RoomRecordsError>> {
        Box::pin(async move {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT record FROM room_records WHERE provider = $1 AND room = $2")
                    .bind(provider)
                    .bind(room.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(|error| RoomRecordsError::new(classify(error)))?;
            Ok(row.map(|(record,)| record))
        })
    }

    fn insert_if_absent<'a>(
        &'a self,
        provider: &'static str,
        room: &'a RoomName,
        record: String,
    ) -> BoxFuture<'a, Result<String, RoomRecordsError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO room_records (provider, room, record, created_at_ms) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (provider, room) DO NOTHING",
            )
            .bind(provider)
            .bind(room.as_str())
            .bind(record.as_str())
            .bind(to_millis(SystemTime::now()))
            .execute(&self.pool)
            .await
            .map_err(|error| RoomRecordsError::new(classify(error)))?;
            // The record kept: this one, or the first another writer stored. Only a purge between
            // the two statements could leave none, and then this one is the answer.
            Ok(self.get(provider, room).await?.unwrap_or(record))
        })
    }
}

/// One stored event: id, kind, time, identity, participant session, display name, role.
type EventRow = (
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A stored row back into an event. A row this crate could not have written is an internal error
/// that names the column, never the value.
fn decode(room: &RoomName, row: EventRow) -> Result<SessionEvent, AttendanceError> {
    let (id, kind, at, identity, session_id, display_name, role) = row;
    let bad = |column: &'static str| {
        AttendanceError::Internal(format!("stored attendance event has an invalid {column}").into())
    };
    let participant = || -> Result<ParticipantEvent, AttendanceError> {
        let identity = identity
            .clone()
            .ok_or_else(|| bad("identity"))
            .and_then(|value| ParticipantIdentity::parse(value).map_err(|_| bad("identity")))?;
        Ok(ParticipantEvent {
            identity,
            session_id: session_id
                .clone()
                .map(ParticipantSessionId::parse)
                .transpose()
                .map_err(|_| bad("participant_session"))?,
            display_name: display_name
                .clone()
                .map(DisplayName::parse)
                .transpose()
                .map_err(|_| bad("display_name"))?,
            role: role
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|_| bad("role"))?,
            // Not stored: attendance does not need it (removals are checked as events arrive).
            token_issued_at: None,
        })
    };
    let kind = match kind.as_str() {
        "room_started" => SessionEventKind::RoomStarted,
        "room_finished" => SessionEventKind::RoomFinished,
        "participant_joined" => SessionEventKind::ParticipantJoined(participant()?),
        "participant_left" => SessionEventKind::ParticipantLeft(participant()?),
        "participant_connection_aborted" => {
            SessionEventKind::ParticipantConnectionAborted(participant()?)
        }
        _ => return Err(bad("kind")),
    };
    Ok(SessionEvent {
        id: EventId::parse(id).map_err(|_| bad("event_id"))?,
        room: room.clone(),
        at: from_millis(at).ok_or_else(|| bad("occurred_at_ms"))?,
        kind,
    })
}

/// Milliseconds since the Unix epoch (negative before it; saturating far outside any real date).
fn to_millis(at: SystemTime) -> i64 {
    match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

fn from_millis(ms: i64) -> Option<SystemTime> {
    let offset = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        SystemTime::UNIX_EPOCH.checked_add(offset)
    } else {
        SystemTime::UNIX_EPOCH.checked_sub(offset)
    }
}

/// Sorts a `sqlx` error into retryable (the database is unreachable or busy) or not.
fn classify(error: sqlx::Error) -> AttendanceError {
    let retryable = match &error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // PostgreSQL: connection exceptions (08), serialization failure and deadlock (40001,
            // 40P01), insufficient resources (53), operator intervention (57P0x).
            // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
            code.starts_with("08")
                || code == "40001"
                || code == "40P01"
                || code.starts_with("53")
                || code.starts_with("57P0")
                || code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
        }),
        _ => false,
    };
    if retryable {
        AttendanceError::Unavailable(Box::new(error))
    } else {
        AttendanceError::Internal(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip_on_both_sides_of_the_epoch() {
        for ms in [0_i64, 1, -1, 1_760_000_000_123, -86_400_000] {
            let at = from_millis(ms);
            assert_eq!(at.map(to_millis), Some(ms), "{ms}");
        }
    }
}
