//! [`InMemoryCases`] keeps the shared `CaseManagement` contract, so tests built on it promise
//! nothing the real case systems do not.

use std::sync::Arc;

use flexcord_core::ports::CaseManagement;
use flexcord_testkit::{InMemoryCases, ManualClock};

fn in_memory() -> Arc<dyn CaseManagement> {
    Arc::new(InMemoryCases::new())
}

flexcord_testkit::case_management_contract! {
    #[tokio::test]
    setup: async { Some(in_memory()) },
}

#[tokio::test]
async fn the_whole_suite_runs_on_one_system() {
    // A moving clock, and every check sharing one system, as a long-lived deployment would.
    let cases = InMemoryCases::with_clock(Arc::new(ManualClock::default()));
    flexcord_testkit::contract::case_management::run_all(&cases).await;
}
