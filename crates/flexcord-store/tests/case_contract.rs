//! The embedded case system ([`LocalCases`]) keeps the shared `CaseManagement` contract of
//! `flexcord_testkit::contract::case_management`: on SQLite always, on PostgreSQL when
//! `FLEXCORD_TEST_POSTGRES_URL` is set (skipped with a notice otherwise; required when `CI=true`).
//! Each test gets a fresh SQLite file or PostgreSQL schema (the store suite's harness).

// Fixture helpers outside `#[test]` functions: a failed expectation there fails the test too.
#![expect(
    clippy::expect_used,
    clippy::print_stderr,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`; a skipped PostgreSQL run says so on stderr"
)]

#[path = "contract/harness.rs"]
#[expect(
    dead_code,
    reason = "shared with the store suite, which uses more of it"
)]
mod harness;

use flexcord_core::ports::CaseManagement;
use flexcord_store::LocalCases;
use flexcord_testkit::contract::case_management::run_all;

use crate::harness::TestDb;

/// A store's case system and the database it lives in (dropped after a PostgreSQL test).
#[derive(Debug)]
struct Fixture {
    db: TestDb,
    cases: LocalCases,
}

impl Fixture {
    async fn on(db: TestDb) -> Self {
        let cases = db.open().await.cases();
        Self { db, cases }
    }

    async fn sqlite() -> Option<Self> {
        Some(Self::on(TestDb::sqlite()).await)
    }

    async fn postgres() -> Option<Self> {
        Some(Self::on(TestDb::postgres().await?).await)
    }

    async fn finish(self) {
        self.db.drop_schema().await;
    }
}

impl AsRef<dyn CaseManagement> for Fixture {
    fn as_ref(&self) -> &(dyn CaseManagement + 'static) {
        &self.cases
    }
}

mod sqlite {
    use super::Fixture;

    flexcord_testkit::case_management_contract! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        setup: Fixture::sqlite(),
        teardown: Fixture::finish,
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_whole_suite_runs_on_one_database() {
        let fixture = Fixture::sqlite().await.expect("SQLite is always available");
        super::run_all(&fixture.cases).await;
        fixture.finish().await;
    }
}

mod postgres {
    use super::Fixture;

    flexcord_testkit::case_management_contract! {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        setup: Fixture::postgres(),
        teardown: Fixture::finish,
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_whole_suite_runs_on_one_database() {
        let Some(fixture) = Fixture::postgres().await else {
            return;
        };
        super::run_all(&fixture.cases).await;
        fixture.finish().await;
    }
}
