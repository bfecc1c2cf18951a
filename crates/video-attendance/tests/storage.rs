//! The `sqlx` store against real databases: a SQLite file in a temporary directory, and a real
//! PostgreSQL (see `support`). Every scenario runs on both, through the same code path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, SystemTime};

use sqlx::Row;
use support::{PostgresDatabase, postgres_store};
use video_attendance::{
    Appended, AttendanceError, AttendanceStore, Backend, SqlStore, TimeRange, fold,
};
use video_core::{
    DisplayName, EventId, ParticipantEvent, ParticipantIdentity, ParticipantSessionId, Role,
    RoomName, RoomRecords, SessionEvent, SessionEventKind,
};

fn t(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_760_000_000 + secs)
}

fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

fn ada(sid: &str) -> ParticipantEvent {
    ParticipantEvent::new(ParticipantIdentity::parse("student-42").unwrap())
        .with_session_id(ParticipantSessionId::parse(sid).unwrap())
        .with_display_name(DisplayName::parse("Ada Lovelace — ü").unwrap())
        .with_role(Role::Participant)
}

fn ev(id: &str, room_name: &str, secs: u64, kind: SessionEventKind) -> SessionEvent {
    SessionEvent {
        id: EventId::parse(id).unwrap(),
        room: room(room_name),
        at: t(secs),
        kind,
    }
}

/// One meeting: every kind of event, with all the optional fields and without them.
fn meeting(room_name: &str) -> Vec<SessionEvent> {
    let bob = ParticipantEvent::new(ParticipantIdentity::parse("bob").unwrap());
    vec![
        ev("EV_start", room_name, 0, SessionEventKind::RoomStarted),
        ev(
            "EV_j1",
            room_name,
            10,
            SessionEventKind::ParticipantJoined(ada("PA_1")),
        ),
        ev(
            "EV_l1",
            room_name,
            70,
            SessionEventKind::ParticipantLeft(ada("PA_1")),
        ),
        ev(
            "EV_j2",
            room_name,
            100,
            SessionEventKind::ParticipantJoined(ada("PA_2")),
        ),
        ev(
            "EV_ab",
            room_name,
            20,
            SessionEventKind::ParticipantConnectionAborted(bob.clone()),
        ),
        ev(
            "EV_jb",
            room_name,
            30,
            SessionEventKind::ParticipantJoined(bob),
        ),
        ev("EV_end", room_name, 400, SessionEventKind::RoomFinished),
    ]
}

async fn appends_are_idempotent_and_the_report_is_folded_from_storage(store: &SqlStore) {
    let events = meeting("physics-101");
    // Delivered in reverse (leaves before joins), each twice.
    for event in events.iter().rev() {
        assert_eq!(
            store.append(event).await.unwrap(),
            Appended::Stored,
            "{:?}",
            event.id
        );
    }
    for event in &events {
        assert_eq!(
            store.append(event).await.unwrap(),
            Appended::Duplicate,
            "{:?}",
            event.id
        );
    }
    let stored = store.room_events(&room("physics-101")).await.unwrap();
    assert_eq!(stored.len(), events.len());
    for event in &events {
        assert!(stored.contains(event), "{event:?} reads back unchanged");
    }

    let report = store
        .report(&room("physics-101"), TimeRange::ALL, t(10_000))
        .await
        .unwrap();
    assert_eq!(
        report,
        fold(&room("physics-101"), events).report(TimeRange::ALL, t(10_000))
    );
    let lines: Vec<_> = report
        .participants
        .iter()
        .map(|p| {
            (
                p.identity.as_str(),
                p.connected_seconds(),
                p.sessions,
                p.last_leave,
            )
        })
        .collect();
    // Ada: 10..70 and 100..400 (closed by room_finished); Bob: 30..400.
    assert_eq!(
        lines,
        vec![
            ("student-42", 360, 2, Some(t(400))),
            ("bob", 370, 1, Some(t(400)))
        ]
    );
    assert_eq!(report.participants[0].role, Some(Role::Participant));
    assert_eq!(report.room_sessions.len(), 1);
}

async fn an_unknown_room_is_not_found(store: &SqlStore) {
    for event in meeting("physics-101") {
        store.append(&event).await.unwrap();
    }
    let error = store
        .report(&room("chemistry"), TimeRange::ALL, t(0))
        .await
        .unwrap_err();
    assert!(matches!(error, AttendanceError::NotFound), "{error:?}");
    assert!(!error.is_retryable());
}

async fn the_purge_deletes_only_older_events(store: &SqlStore) {
    for event in meeting("physics-101") {
        store.append(&event).await.unwrap();
    }
    // Cut-off at 70 s: the events at 0, 10, 20 and 30 s go; 70, 100 and 400 stay.
    assert_eq!(store.purge_before(t(70)).await.unwrap(), 4);
    let mut left: Vec<_> = store
        .room_events(&room("physics-101"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id.into_string())
        .collect();
    left.sort();
    assert_eq!(left, ["EV_end", "EV_j2", "EV_l1"]);
    // Retention in days, from a `now` 2 days after the meeting: a 1-day retention purges the rest.
    let now = t(2 * 24 * 60 * 60);
    assert_eq!(store.purge_older_than(3, now).await.unwrap(), 0);
    assert_eq!(store.purge_older_than(1, now).await.unwrap(), 3);
}

/// Two stores on one database (two token-server replicas) receive the same deliveries at once.
async fn two_writers_store_each_event_once(first: &SqlStore, second: &SqlStore) {
    let events = meeting("physics-101");
    let deliver = |store: &SqlStore| {
        let store = store.clone();
        let events = events.clone();
        tokio::spawn(async move {
            let mut stored = 0;
            for event in &events {
                if store.append(event).await.unwrap() == Appended::Stored {
                    stored += 1;
                }
            }
            stored
        })
    };
    let (a, b) = (deliver(first), deliver(second));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a + b, events.len(), "each event stored exactly once");
    let one = first
        .report(&room("physics-101"), TimeRange::ALL, t(500))
        .await
        .unwrap();
    let other = second
        .report(&room("physics-101"), TimeRange::ALL, t(500))
        .await
        .unwrap();
    assert_eq!(one, other);
    assert_eq!(one.participants.len(), 2);
}

/// A removal revokes the tokens issued before it, per room and identity; a later removal moves
/// the time forward, an earlier one never back; revocations older than a cutoff are forgotten.
async fn revocations_are_kept_per_room_and_identity(store: &SqlStore) {
    let ada = ParticipantIdentity::parse("ada").unwrap();
    let bob = ParticipantIdentity::parse("bob").unwrap();
    let physics = room("physics-101");
    assert_eq!(
        store.tokens_revoked_before(&physics, &ada).await.unwrap(),
        None
    );
    store.revoke_tokens(&physics, &ada, t(100)).await.unwrap();
    assert_eq!(
        store.tokens_revoked_before(&physics, &ada).await.unwrap(),
        Some(t(100))
    );
    assert_eq!(
        store.tokens_revoked_before(&physics, &bob).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .tokens_revoked_before(&room("chemistry"), &ada)
            .await
            .unwrap(),
        None
    );
    store.revoke_tokens(&physics, &ada, t(200)).await.unwrap();
    store.revoke_tokens(&physics, &ada, t(150)).await.unwrap();
    assert_eq!(
        store.tokens_revoked_before(&physics, &ada).await.unwrap(),
        Some(t(200))
    );
    store.revoke_tokens(&physics, &bob, t(50)).await.unwrap();
    assert_eq!(store.purge_revocations_before(t(100)).await.unwrap(), 1);
    assert_eq!(
        store.tokens_revoked_before(&physics, &bob).await.unwrap(),
        None
    );
    assert_eq!(
        store.tokens_revoked_before(&physics, &ada).await.unwrap(),
        Some(t(200))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_revocations_are_kept_per_room_and_identity() {
    let dir = tempfile::tempdir().unwrap();
    revocations_are_kept_per_room_and_identity(&sqlite_store(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_revocations_are_kept_per_room_and_identity() {
    let database = PostgresDatabase::create().await;
    let store = postgres_store(&database).await;
    revocations_are_kept_per_room_and_identity(&store).await;
    store.close().await;
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_appends_are_idempotent_and_the_report_is_folded_from_storage() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(dir.path()).await;
    appends_are_idempotent_and_the_report_is_folded_from_storage(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_unknown_room_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    an_unknown_room_is_not_found(&sqlite_store(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_the_purge_deletes_only_older_events() {
    let dir = tempfile::tempdir().unwrap();
    the_purge_deletes_only_older_events(&sqlite_store(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_writers_store_each_event_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = sqlite_store(dir.path()).await;
    let second = sqlite_store(dir.path()).await;
    two_writers_store_each_event_once(&first, &second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_is_a_wal_file_in_the_data_directory_and_appends_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("nested/data dir");
    let store = sqlite_store(&data_dir).await;
    assert_eq!(store.backend(), Backend::Sqlite);
    let event = &meeting("physics-101")[1];
    assert_eq!(store.append(event).await.unwrap(), Appended::Stored);
    store.close().await;

    assert!(data_dir.join(SqlStore::SQLITE_FILE_NAME).is_file());
    let reopened = sqlite_store(&data_dir).await;
    assert_eq!(reopened.append(event).await.unwrap(), Appended::Duplicate);
    assert_eq!(
        reopened.room_events(&room("physics-101")).await.unwrap(),
        vec![event.clone()]
    );
    reopened.close().await;

    // Read the file's journal mode with a connection of our own.
    let url = format!(
        "sqlite://{}",
        data_dir
            .join(SqlStore::SQLITE_FILE_NAME)
            .display()
            .to_string()
            .replace(' ', "%20")
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_url_of_another_kind_is_a_configuration_error() {
    for url in ["mysql://localhost/db", "not a url", ""] {
        let error = SqlStore::connect(&url.to_owned().into()).await.unwrap_err();
        assert!(
            matches!(error, AttendanceError::Configuration(_)),
            "{url}: {error:?}"
        );
        assert!(
            !error.to_string().contains("localhost"),
            "the message never repeats the URL"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_postgres_is_unavailable_and_retryable() {
    // A port nobody listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres").into();
    let error = SqlStore::connect(&url).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_appends_are_idempotent_and_the_report_is_folded_from_storage() {
    let database = PostgresDatabase::create().await;
    let store = postgres_store(&database).await;
    assert_eq!(store.backend(), Backend::Postgres);
    appends_are_idempotent_and_the_report_is_folded_from_storage(&store).await;
    store.close().await;
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_unknown_room_is_not_found() {
    let database = PostgresDatabase::create().await;
    let store = postgres_store(&database).await;
    an_unknown_room_is_not_found(&store).await;
    store.close().await;
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_purge_deletes_only_older_events() {
    let database = PostgresDatabase::create().await;
    let store = postgres_store(&database).await;
    the_purge_deletes_only_older_events(&store).await;
    store.close().await;
    database.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_writers_store_each_event_once() {
    let database = PostgresDatabase::create().await;
    // Both replicas migrate at start-up, at the same time.
    let (first, second) = tokio::join!(postgres_store(&database), postgres_store(&database));
    two_writers_store_each_event_once(&first, &second).await;
    first.close().await;
    second.close().await;
    database.drop_database().await;
}

/// A provider's room records: the first one written is kept, per provider and room, also when
/// two stores (two replicas) write a room's first record at the same moment; the purge forgets
/// old ones.
async fn room_records_keep_the_first_per_provider_and_room(first: &SqlStore, second: &SqlStore) {
    let physics = room("physics-101");
    assert_eq!(first.get("google-meet", &physics).await.unwrap(), None);
    // Both replicas race on the room's first join, many times over on fresh rooms.
    for i in 0..20 {
        let room = room(&format!("race-{i}"));
        let (a, b) = tokio::join!(
            first.insert_if_absent("google-meet", &room, format!("from-first-{i}")),
            second.insert_if_absent("google-meet", &room, format!("from-second-{i}")),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b, "both replicas read back the one record kept");
        assert_eq!(second.get("google-meet", &room).await.unwrap(), Some(a));
    }
    let kept = first
        .insert_if_absent("google-meet", &physics, "space-a".to_owned())
        .await
        .unwrap();
    assert_eq!(kept, "space-a");
    let again = second
        .insert_if_absent("google-meet", &physics, "space-b".to_owned())
        .await
        .unwrap();
    assert_eq!(again, "space-a", "the first record is kept");
    // Another provider's record of the same room is its own.
    let other = first
        .insert_if_absent("other", &physics, "x".to_owned())
        .await
        .unwrap();
    assert_eq!(other, "x");
    assert_eq!(
        first.get("google-meet", &physics).await.unwrap().as_deref(),
        Some("space-a")
    );
    // The purge: records written before the cutoff go; a room's next join starts afresh.
    assert_eq!(first.purge_room_records_before(t(0)).await.unwrap(), 0);
    let everything = SystemTime::now() + Duration::from_secs(1);
    assert_eq!(
        first.purge_room_records_before(everything).await.unwrap(),
        22
    );
    assert_eq!(second.get("google-meet", &physics).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_room_records_keep_the_first_per_provider_and_room() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (
        sqlite_store(dir.path()).await,
        sqlite_store(dir.path()).await,
    );
    room_records_keep_the_first_per_provider_and_room(&first, &second).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_room_records_keep_the_first_per_provider_and_room() {
    let database = PostgresDatabase::create().await;
    let (first, second) = tokio::join!(postgres_store(&database), postgres_store(&database));
    room_records_keep_the_first_per_provider_and_room(&first, &second).await;
    first.close().await;
    second.close().await;
    database.drop_database().await;
}

/// Makes the database at `url` look migrated by a newer release: a table this build does not
/// know, and its migration recorded as applied (`checksum` a literal of the database's bytes).
async fn migrate_as_a_newer_release(url: &str, checksum: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::query("CREATE TABLE from_a_newer_release (x INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    let record = format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (29991231000000, 'from a newer release', TRUE, {checksum}, 0)"
    );
    sqlx::query(sqlx::AssertSqlSafe(record))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// After `store`'s database was migrated by a newer release, this build still migrates and serves
/// it (an upgrade undone by redeploying the previous release), and leaves the newer table alone.
async fn an_older_release_still_serves(store: &SqlStore) {
    store.migrate().await.unwrap();
    let event = &meeting("physics-101")[1];
    assert_eq!(store.append(event).await.unwrap(), Appended::Stored);
    assert_eq!(store.purge_room_records_before(t(0)).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_an_older_release_starts_on_a_schema_a_newer_one_migrated() {
    let dir = tempfile::tempdir().unwrap();
    sqlite_store(dir.path()).await.close().await;
    let file = dir.path().join(SqlStore::SQLITE_FILE_NAME);
    migrate_as_a_newer_release(&format!("sqlite://{}", file.display()), "x'00'").await;
    an_older_release_still_serves(&sqlite_store(dir.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_older_release_starts_on_a_schema_a_newer_one_migrated() {
    use secrecy::ExposeSecret as _;
    let database = PostgresDatabase::create().await;
    postgres_store(&database).await.close().await;
    migrate_as_a_newer_release(database.url.expose_secret(), "'\\x00'::bytea").await;
    let store = postgres_store(&database).await;
    an_older_release_still_serves(&store).await;
    store.close().await;
    database.drop_database().await;
}

async fn sqlite_store(dir: &std::path::Path) -> SqlStore {
    let store = SqlStore::open_sqlite(dir).await.unwrap();
    store.migrate().await.unwrap();
    store
}
