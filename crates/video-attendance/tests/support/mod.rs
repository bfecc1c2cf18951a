//! Databases for the storage tests: a fresh SQLite file in a temporary directory, or a fresh
//! database on a real PostgreSQL. PostgreSQL is `TEST_DATABASE_URL` when set (its role must be
//! allowed to `CREATE DATABASE`); otherwise this test binary starts its own throw-away cluster
//! with `scripts/postgres.sh start --owner-pid`, which stops it when the binary exits.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::SecretString;
use sqlx::{Connection, Executor};
use video_attendance::SqlStore;

/// The server URL (of its maintenance database), started at most once per test binary.
pub(crate) fn postgres_server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            return url;
        }
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
        let output = Command::new("bash")
            .arg(&script)
            .args(["start", "--owner-pid", &std::process::id().to_string()])
            .stdin(Stdio::null())
            .output()
            .expect("run scripts/postgres.sh start");
        assert!(
            output.status.success(),
            "scripts/postgres.sh start failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let settings: HashMap<String, String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        settings
            .get("DATABASE_URL")
            .cloned()
            .expect("scripts/postgres.sh printed DATABASE_URL")
    })
}

/// A PostgreSQL database of its own for one test.
pub(crate) struct PostgresDatabase {
    /// Its URL.
    pub(crate) url: SecretString,
    name: String,
}

impl PostgresDatabase {
    /// Creates a new, empty database on the test server.
    pub(crate) async fn create() -> PostgresDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "attendance_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let server = postgres_server_url();
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(server)
            .await
            .expect("connect to the test PostgreSQL");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("CREATE DATABASE");
        admin.close().await.expect("close");
        let (base, query) = match server.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (server, String::new()),
        };
        let (prefix, _) = base.rsplit_once('/').expect("a database URL has a path");
        PostgresDatabase {
            url: SecretString::from(format!("{prefix}/{name}{query}")),
            name,
        }
    }

    /// Drops the database (after the test's stores are closed).
    pub(crate) async fn drop_database(self) {
        let mut admin = sqlx::AnyConnection::connect(postgres_server_url())
            .await
            .expect("connect to the test PostgreSQL");
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {} WITH (FORCE)",
                self.name
            )))
            .await
            .expect("DROP DATABASE");
    }
}

/// A migrated store on a new PostgreSQL database.
pub(crate) async fn postgres_store(database: &PostgresDatabase) -> SqlStore {
    let store = SqlStore::connect(&database.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    store
}
