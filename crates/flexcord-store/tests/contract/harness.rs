//! Test databases: a fresh SQLite file, or a fresh schema in the PostgreSQL database named by
//! `FLEXCORD_TEST_POSTGRES_URL`, per test, so tests run in parallel without seeing each other.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flexcord_store::{Store, StoreConfig};
use sqlx::Connection;

const URL_VAR: &str = "FLEXCORD_TEST_POSTGRES_URL";

/// Where one test's data lives.
#[derive(Debug)]
pub(crate) struct TestDb {
    config: StoreConfig,
    /// Keeps the SQLite file's directory alive for the test.
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the admin URL and this test's schema.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub(crate) fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
        Self {
            config: config(url),
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// `None` (after a notice) when PostgreSQL is not configured locally; a failure in CI.
    pub(crate) async fn postgres() -> Option<Self> {
        let Ok(url) = std::env::var(URL_VAR) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{URL_VAR} must be set when CI=true (run `source .ci/postgres.sh` first)"
            );
            eprintln!("skipping PostgreSQL contract tests: {URL_VAR} not set");
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let schema = format!(
            "flexcord_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        // The store creates the schema itself; this only makes sure no stale one is in the way.
        let mut admin = sqlx::PgConnection::connect(&url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .expect("drop stale schema");
        Some(Self {
            config: config(url.clone()).schema(schema.clone()),
            _dir: None,
            postgres: Some((url, schema)),
        })
    }

    pub(crate) fn config(&self) -> &StoreConfig {
        &self.config
    }

    pub(crate) async fn open(&self) -> Store {
        Store::open(&self.config).await.expect("open store")
    }

    pub(crate) async fn drop_schema(&self) {
        if let Some((url, schema)) = &self.postgres {
            let mut admin = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut admin)
                .await
                .expect("drop schema");
        }
    }
}

fn config(url: String) -> StoreConfig {
    // Generous: tests run in parallel on a loaded 2-core machine.
    StoreConfig::new(url)
        .max_connections(4)
        .busy_timeout(Duration::from_secs(30))
        .acquire_timeout(Duration::from_secs(30))
}
