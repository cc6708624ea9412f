//! Who holds the Discord gateway (`Store::try_take_gateway`, `Store::gateway_owner`) and the
//! session its holder records (`GatewayLease::save_session`, `Store::gateway_session`): one
//! holder at a time on PostgreSQL, freed the moment its connection ends, and a holder that lost
//! its connection cannot overwrite its successor's session. The PostgreSQL tests run when
//! `FLEXCORD_TEST_POSTGRES_URL` is set (required when `CI=true`).

#![expect(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`; a skipped PostgreSQL run says so on stderr"
)]

mod common;

use std::time::Duration;

use common::Db;

use flexcord_store::{GatewaySession, Store};

/// Upper bound for anything the tests wait for.
const PATIENCE: Duration = Duration::from_secs(20);

fn session(sequence: u64) -> GatewaySession {
    GatewaySession {
        session_id: "s-1".to_owned(),
        sequence,
        resume_url: Some("wss://gateway-resume.example".to_owned()),
    }
}

/// Asks for the gateway as a standby does, until it is granted.
async fn take_eventually(store: &Store, instance: &str) -> flexcord_store::GatewayLease {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(lease) = store.try_take_gateway(instance).await.unwrap() {
            return lease;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{instance} never got the gateway"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_holder_at_a_time_and_a_dead_holders_lease_is_free_at_once() {
    let Some(db) = Db::new("flexcord_gwlease", "gateway lease tests") else {
        return;
    };
    let a = db.instance().await;
    let b = db.instance().await;
    let mut lease = a.try_take_gateway("host-a-1").await.unwrap().expect("free");
    assert!(
        b.try_take_gateway("host-b-2").await.unwrap().is_none(),
        "held by a"
    );
    assert_eq!(
        b.gateway_owner().await.unwrap().map(|o| o.instance),
        Some("host-a-1".to_owned())
    );
    lease.save_session(Some(&session(41))).await.unwrap();
    assert_eq!(b.gateway_session().await.unwrap(), Some(session(41)));

    // a's process is killed: its connection ends, PostgreSQL drops the lock with it.
    db.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE query LIKE 'UPDATE gateway SET session_id%' AND datname = current_database() \
         AND pid <> pg_backend_pid()",
    )
    .await;
    let mut successor = take_eventually(&b, "host-b-2").await;
    assert_eq!(
        a.gateway_owner().await.unwrap().map(|o| o.instance),
        Some("host-b-2".to_owned())
    );
    // The old holder cannot overwrite what its successor records.
    successor.save_session(Some(&session(57))).await.unwrap();
    assert!(lease.save_session(Some(&session(42))).await.is_err());
    assert!(lease.check().await.is_err());
    assert_eq!(a.gateway_session().await.unwrap(), Some(session(57)));

    // A clean stop hands over at once and names nobody until then.
    successor.release().await;
    assert_eq!(a.gateway_owner().await.unwrap(), None);
    let again = a.try_take_gateway("host-a-3").await.unwrap();
    assert!(again.is_some(), "free right after the release");
    if let Some(lease) = again {
        lease.release().await;
    }
    a.close().await;
    b.close().await;
    db.drop_schema().await;
}

#[tokio::test]
async fn deployments_in_other_schemas_do_not_share_the_gateway() {
    let Some(one) = Db::new("flexcord_gwlease", "gateway lease tests") else {
        return;
    };
    let Some(other) = Db::new("flexcord_gwlease", "gateway lease tests") else {
        return;
    };
    let a = one.instance().await;
    let b = other.instance().await;
    let first = a.try_take_gateway("one").await.unwrap();
    let second = b.try_take_gateway("other").await.unwrap();
    assert!(first.is_some() && second.is_some());
    assert_eq!(
        b.gateway_owner().await.unwrap().map(|o| o.instance),
        Some("other".to_owned())
    );
    for lease in [first, second].into_iter().flatten() {
        lease.release().await;
    }
    a.close().await;
    b.close().await;
    one.drop_schema().await;
    other.drop_schema().await;
}

#[tokio::test]
async fn sqlite_always_grants_the_gateway_and_keeps_the_session_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.gateway_session().await.unwrap(), None);
    let mut lease = store
        .try_take_gateway("solo")
        .await
        .unwrap()
        .expect("granted");
    lease.save_session(Some(&session(7))).await.unwrap();
    // Killed: no release. The restarted process takes it again and finds the session.
    drop(lease);
    store.close().await;
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.gateway_session().await.unwrap(), Some(session(7)));
    let mut lease = store
        .try_take_gateway("solo-2")
        .await
        .unwrap()
        .expect("granted");
    lease.save_session(None).await.unwrap();
    assert_eq!(store.gateway_session().await.unwrap(), None, "invalidated");
    lease.release().await;
    store.close().await;
}
