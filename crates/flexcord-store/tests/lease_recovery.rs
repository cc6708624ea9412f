//! Getting a dead process's outbox leases back on PostgreSQL (`Store::register_instance`,
//! `Store::release_leases`): a crashed instance's conversations move on at once, a live
//! instance's deliveries are never taken from it. Runs when `FLEXCORD_TEST_POSTGRES_URL` is
//! set (required when `CI=true`). SQLite's start-up release is tested in `direct_delivery`.

// Helpers outside `#[test]` functions are not covered by clippy's test allowances.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`; a skipped PostgreSQL run says so on stderr"
)]

mod common;

use std::time::Duration;

use common::Db;

use flexcord_core::ids::ConversationSid;
use flexcord_core::outbox::{ClaimedEntry, OutboxMessage};
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore};
use flexcord_store::Store;

const LEASE: Duration = Duration::from_secs(60);
/// Upper bound for anything the tests wait for.
const PATIENCE: Duration = Duration::from_secs(20);

fn notice(text: &str) -> OutboxMessage {
    OutboxMessage::NoticeToConversation {
        conversation: ConversationSid::parse(&format!("CH{:032x}", 1)).unwrap(),
        text: text.into(),
    }
}

/// Queues `texts` in one conversation; returns their ids.
async fn enqueue(store: &Store, texts: &[&str]) -> Vec<i64> {
    let commit = Commit {
        outbox: texts.iter().map(|t| notice(t)).collect(),
        ..Commit::default()
    };
    match store.commit(&commit).await.unwrap() {
        CommitOutcome::Committed { outbox_ids, .. } => outbox_ids,
        CommitOutcome::Duplicate => panic!("no dedupe key, cannot be a duplicate"),
    }
}

fn claimed(entries: &[ClaimedEntry]) -> Vec<(i64, u32)> {
    entries.iter().map(|e| (e.id, e.attempts)).collect()
}

/// The instance name's key, which is also the backend pid of its first presence connection.
fn backend_pid(worker: &str) -> i32 {
    worker
        .strip_prefix("flexcord-pg-")
        .and_then(|key| key.parse().ok())
        .unwrap_or_else(|| panic!("unexpected worker name {worker}"))
}

/// Asserts that `store`, registered as `name`, neither releases nor claims anything.
async fn takes_nothing(store: &Store, name: &str, why: &str) {
    assert_eq!(store.release_leases().await.unwrap(), 0, "{why}");
    assert!(
        store.claim(name, LEASE, 10).await.unwrap().is_empty(),
        "{why}"
    );
}

/// Calls `release_leases` until it releases something; returns how much.
async fn released_eventually(store: &Store) -> u64 {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let released = store.release_leases().await.unwrap();
        if released > 0 {
            return released;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dead instance's lease was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_crashed_instances_lease_is_released_and_a_live_ones_kept() {
    let Some(db) = Db::new("flexcord_recovery", "lease recovery tests") else {
        return;
    };
    let first = db.instance().await;
    let first_name = first.register_instance().await.unwrap();
    let ids = enqueue(&first, &["in flight", "behind it"]).await;
    assert_eq!(
        claimed(&first.claim(&first_name, LEASE, 10).await.unwrap()),
        vec![(ids[0], 0)]
    );

    let second = db.instance().await;
    let second_name = second.register_instance().await.unwrap();
    assert_ne!(first_name, second_name);
    assert_eq!(
        second.register_instance().await.unwrap(),
        second_name,
        "registering again changes nothing"
    );
    takes_nothing(
        &second,
        &second_name,
        "the first instance is alive: its delivery is its own",
    )
    .await;

    // The first instance dies mid-delivery: its connections just end, nothing is settled.
    drop(first);
    assert_eq!(released_eventually(&second).await, 1);
    assert_eq!(
        claimed(&second.claim(&second_name, LEASE, 10).await.unwrap()),
        vec![(ids[0], 1)],
        "long before the lease would run out, and marked as maybe sent"
    );
    second.close().await;
    db.drop_schema().await;
}

#[tokio::test]
async fn an_instance_that_lost_its_database_connection_takes_its_name_back() {
    let Some(db) = Db::new("flexcord_recovery", "lease recovery tests") else {
        return;
    };
    let first = db.instance().await;
    let name = first.register_instance().await.unwrap();
    let ids = enqueue(&first, &["in flight"]).await;
    assert_eq!(
        claimed(&first.claim(&name, LEASE, 10).await.unwrap()),
        vec![(ids[0], 0)]
    );
    // A database restart or a network cut ends the presence connection; the process lives on.
    db.admin(&format!(
        "SELECT pg_terminate_backend({})",
        backend_pid(&name)
    ))
    .await;
    let second = db.instance().await;
    let second_name = second.register_instance().await.unwrap();

    // The first instance's next round reconnects under the same name and keeps its lease.
    assert_eq!(first.release_leases().await.unwrap(), 0);
    assert_eq!(first.register_instance().await.unwrap(), name);
    takes_nothing(
        &second,
        &second_name,
        "alive again: its delivery is its own",
    )
    .await;
    first.close().await;
    second.close().await;
    db.drop_schema().await;
}

#[tokio::test]
async fn leases_under_other_names_are_left_to_run_out() {
    let Some(db) = Db::new("flexcord_recovery", "lease recovery tests") else {
        return;
    };
    let store = db.instance().await;
    let ids = enqueue(&store, &["claimed by an older flexcord"]).await;
    assert_eq!(
        claimed(&store.claim("4242-1700000000000", LEASE, 10).await.unwrap()),
        vec![(ids[0], 0)]
    );
    assert_eq!(
        store.release_leases().await.unwrap(),
        0,
        "an instance not registered itself judges nobody"
    );
    store.register_instance().await.unwrap();
    assert_eq!(
        store.release_leases().await.unwrap(),
        0,
        "no presence lock to go by: the lease runs out as it always did"
    );
    store.close().await;
    db.drop_schema().await;
}
