//! What the PostgreSQL test binaries share: one schema per test in the database
//! `FLEXCORD_TEST_POSTGRES_URL` names (required when `CI=true`; skipped with a notice locally
//! when unset), dropped at the end.

use std::sync::atomic::{AtomicU32, Ordering};

use flexcord_store::{Store, StoreConfig};
use sqlx::Connection as _;

/// One test's schema in the test database.
pub(crate) struct Db {
    pub(crate) url: String,
    pub(crate) schema: String,
}

impl Db {
    /// A fresh schema named `<prefix>_<pid>_<n>`; `None` (after saying which `tests` are
    /// skipped) when PostgreSQL is not configured locally, a failure in CI.
    pub(crate) fn new(prefix: &str, tests: &str) -> Option<Self> {
        let Ok(url) = std::env::var("FLEXCORD_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "FLEXCORD_TEST_POSTGRES_URL must be set when CI=true"
            );
            eprintln!("skipping {tests}: FLEXCORD_TEST_POSTGRES_URL not set");
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let schema = format!(
            "{prefix}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Some(Self { url, schema })
    }

    /// An instance on the schema's data (each call another one, as another process).
    pub(crate) async fn instance(&self) -> Store {
        Store::open(&StoreConfig::new(self.url.clone()).schema(self.schema.clone()))
            .await
            .unwrap()
    }

    /// Runs `sql` on a connection of its own, outside any store.
    pub(crate) async fn admin(&self, sql: &str) {
        let mut admin = sqlx::PgConnection::connect(&self.url).await.unwrap();
        sqlx::raw_sql(sql).execute(&mut admin).await.unwrap();
    }

    pub(crate) async fn drop_schema(self) {
        self.admin(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .await;
    }
}
