//! Attendance in the server: where it is stored (`DATA_DIR` or `DATABASE_URL`), how long it is
//! kept (`ATTENDANCE_RETENTION_DAYS`), the store opened and migrated at startup, and the hourly
//! purge. The fold, the report and the storage itself are `video-attendance`'s; verifying the
//! provider's webhooks is the provider crate's ([`video_core::SessionEventReceiver`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;
use video_attendance::{AttendanceError, AttendanceStore as _, Backend, SqlStore};
use video_core::config::{ConfigError, Environment};

use crate::metrics::Metrics;

/// Where attendance is stored and for how long.
#[derive(Clone)]
pub struct AttendanceConfig {
    /// The database.
    pub database: Database,
    /// `ATTENDANCE_RETENTION_DAYS`: events older than this are purged (default 365).
    pub retention_days: u32,
}

/// The attendance database.
#[derive(Clone)]
pub enum Database {
    /// `DATA_DIR` (default `data`): an SQLite file in WAL mode in that directory, for one server.
    Sqlite(PathBuf),
    /// `DATABASE_URL` (`postgres://…`): PostgreSQL, shared by several token-server replicas. The
    /// URL may hold a password: it is kept secret and never shown.
    Postgres(SecretString),
}

impl fmt::Debug for AttendanceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttendanceConfig")
            .field("database", &self.describe_database())
            .field("retention_days", &self.retention_days)
            .finish()
    }
}

impl AttendanceConfig {
    /// The default `DATA_DIR`, relative to the working directory.
    pub const DEFAULT_DATA_DIR: &'static str = "data";
    /// The default `ATTENDANCE_RETENTION_DAYS`.
    pub const DEFAULT_RETENTION_DAYS: u32 = 365;
    /// The largest `ATTENDANCE_RETENTION_DAYS` (ten years).
    pub const MAX_RETENTION_DAYS: u32 = 3650;

    /// Reads `DATABASE_URL`, `DATA_DIR` and `ATTENDANCE_RETENTION_DAYS`.
    pub fn from_env(env: &Environment) -> Result<Self, ConfigError> {
        let database = match env.get("DATABASE_URL")? {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Database::Postgres(SecretString::from(url.to_owned()))
            }
            Some(_) => {
                return Err(ConfigError::invalid(
                    "DATABASE_URL",
                    "must be a postgres:// or postgresql:// URL (leave it unset for SQLite in DATA_DIR)",
                ));
            }
            None => {
                let dir = env.get("DATA_DIR")?.unwrap_or(Self::DEFAULT_DATA_DIR);
                if dir.trim().is_empty() {
                    return Err(ConfigError::invalid("DATA_DIR", "must not be empty"));
                }
                Database::Sqlite(PathBuf::from(dir))
            }
        };
        let retention_days = match env.get("ATTENDANCE_RETENTION_DAYS")? {
            None => Self::DEFAULT_RETENTION_DAYS,
            Some(days) => days
                .parse::<u32>()
                .ok()
                .filter(|days| (1..=Self::MAX_RETENTION_DAYS).contains(days))
                .ok_or_else(|| {
                    ConfigError::invalid(
                        "ATTENDANCE_RETENTION_DAYS",
                        "must be a whole number of days from 1 to 3650",
                    )
                })?,
        };
        Ok(Self {
            database,
            retention_days,
        })
    }

    fn describe_database(&self) -> String {
        match &self.database {
            Database::Sqlite(dir) => format!("SQLite in DATA_DIR={}", dir.display()),
            Database::Postgres(_) => "PostgreSQL at DATABASE_URL=[REDACTED]".to_owned(),
        }
    }

    /// `NAME=value` lines for `check-config`, the database URL redacted.
    pub fn describe(&self) -> Vec<String> {
        let database = match &self.database {
            Database::Sqlite(dir) => format!(
                "DATA_DIR={} (attendance in SQLite; set DATABASE_URL for PostgreSQL)",
                dir.display()
            ),
            Database::Postgres(_) => {
                "DATABASE_URL=[REDACTED] (attendance in PostgreSQL)".to_owned()
            }
        };
        vec![
            database,
            format!("ATTENDANCE_RETENTION_DAYS={}", self.retention_days),
        ]
    }

    /// Opens the database and applies the embedded migrations.
    pub async fn open(&self) -> Result<SqlStore, AttendanceError> {
        let store = match &self.database {
            Database::Sqlite(dir) => SqlStore::open_sqlite(dir).await?,
            Database::Postgres(url) => SqlStore::connect(url).await?,
        };
        store.migrate().await?;
        Ok(store)
    }
}

/// Attendance as the running server holds it: the store and the retention. The providers'
/// webhook receivers are the providers' ([`crate::providers::Provider::events`]).
#[derive(Clone)]
pub struct Attendance {
    /// Where events are stored and reports read from.
    pub store: Arc<SqlStore>,
    /// `ATTENDANCE_RETENTION_DAYS`.
    pub retention_days: u32,
}

impl fmt::Debug for Attendance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attendance")
            .field("backend", &self.store.backend())
            .field("retention_days", &self.retention_days)
            .finish()
    }
}

/// How often the purge of old events runs.
pub const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);
/// How long a removed participant's token revocation is kept: longer than any token lives
/// (`LIVEKIT_TOKEN_TTL_HOURS` is at most 24).
pub const REVOCATIONS_KEPT: Duration = Duration::from_secs(25 * 60 * 60);

impl Attendance {
    /// Purges the events and the providers' room records older than the retention (and token
    /// revocations older than [`REVOCATIONS_KEPT`]) now, and then every [`PURGE_EVERY`], on the
    /// current actix runtime. A failure is logged, counted in `metrics`, and tried again at the
    /// next round.
    pub fn spawn_purge(&self, metrics: &Metrics) {
        let store = Arc::clone(&self.store);
        let metrics = metrics.clone();
        let days = self.retention_days;
        actix_web::rt::spawn(async move {
            let mut every = actix_web::rt::time::interval(PURGE_EVERY);
            loop {
                every.tick().await;
                // A removal's revocation outlives every token issued before it (24 h at most).
                let moot = SystemTime::now() - REVOCATIONS_KEPT;
                if let Err(error) = store.purge_revocations_before(moot).await {
                    metrics.database_error("purge", &error);
                    log::warn!(
                        "attendance: purging old token revocations failed: {}",
                        crate::telemetry::error_chain(&error)
                    );
                }
                // The providers' room records (Google Meet's spaces) live as long as attendance.
                let retention = Duration::from_secs(u64::from(days) * 86_400);
                if let Err(error) = store
                    .purge_room_records_before(
                        SystemTime::now()
                            .checked_sub(retention)
                            .unwrap_or(SystemTime::UNIX_EPOCH),
                    )
                    .await
                {
                    metrics.database_error("purge", &error);
                    log::warn!(
                        "attendance: purging old room records failed: {}",
                        crate::telemetry::error_chain(&error)
                    );
                }
                match store.purge_older_than(days, SystemTime::now()).await {
                    Ok(0) => {}
                    Ok(purged) => log::info!(
                        "attendance: purged {purged} events older than {days} days (ATTENDANCE_RETENTION_DAYS)"
                    ),
                    Err(error) => {
                        metrics.database_error("purge", &error);
                        log::warn!(
                            "attendance: purging events older than {days} days failed: {}",
                            crate::telemetry::error_chain(&error)
                        );
                    }
                }
            }
        });
    }

    /// `sqlite` or `postgres`, for the log.
    pub fn backend_name(&self) -> &'static str {
        match self.store.backend() {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}
