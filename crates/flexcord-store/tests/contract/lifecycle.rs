//! Opening, reopening and migrating.

use std::time::Duration;

use flexcord_core::case::CaseFilter;
use flexcord_core::ids::UserId;
use flexcord_core::ports::{CaseManagement, Commit, CommitOutcome, OutboxStore, SessionStore};
use flexcord_core::session::Session;
use flexcord_store::Store;

use crate::cases::new_case;
use crate::harness::TestDb;
use crate::sessions::notice;

pub(crate) async fn reopening_keeps_sessions_outbox_and_cases(db: &TestDb) {
    let store = db.open().await;
    let session = Session::new(UserId(11), "Ada", flexcord_core::ids::ChannelId(12));
    store
        .commit(&Commit {
            dedupe_key: Some("dc:msg:5".into()),
            session: Some(session.clone()),
            outbox: vec![notice(1, "queued")],
        })
        .await
        .unwrap();
    let case = store.cases().create(&new_case("k1", 11)).await.unwrap();
    store.close().await;
    drop(store);

    let store = db.open().await;
    assert_eq!(
        store.session(UserId(11)).await.unwrap(),
        Some(Session {
            version: 1,
            ..session
        })
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    let claimed = store.claim("w", Duration::from_secs(60), 5).await.unwrap();
    assert_eq!(claimed[0].message, notice(1, "queued"));
    assert_eq!(store.cases().get(case.id).await.unwrap(), case);
    assert_eq!(
        store
            .commit(&Commit {
                dedupe_key: Some("dc:msg:5".into()),
                ..Commit::default()
            })
            .await,
        Ok(flexcord_core::ports::CommitOutcome::Duplicate)
    );
    // Numbering continues after a restart.
    let next = store.cases().create(&new_case("k2", 11)).await.unwrap();
    assert_eq!(next.id.0, case.id.0 + 1);
}

pub(crate) async fn concurrent_opens_migrate_once(db: &TestDb) {
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let config = db.config().clone();
            tokio::spawn(async move { Store::open(&config).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().expect("every concurrent open succeeds"));
    }
    // And once more, on an already migrated database.
    stores.push(db.open().await);
    let cases = stores[0].cases();
    cases.create(&new_case("one", 1)).await.unwrap();
    assert_eq!(
        stores[4]
            .cases()
            .list(&CaseFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

pub(crate) async fn ping_answers(db: &TestDb) {
    let store = db.open().await;
    store.ping().await.unwrap();
    store.close().await;
    assert!(store.ping().await.is_err(), "a closed store is unavailable");
}

pub(crate) async fn checkpoints_keep_everything_and_never_block_writers(db: &TestDb) {
    let store = db.open().await;
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..200 {
                let commit = Commit {
                    dedupe_key: Some(format!("dc:msg:{i}")),
                    ..Commit::default()
                };
                store.commit(&commit).await.unwrap();
            }
        })
    };
    for _ in 0..20 {
        store.checkpoint().await.unwrap();
        tokio::task::yield_now().await;
    }
    writer.await.unwrap();
    store.checkpoint().await.unwrap();
    store.close().await;
    let reopened = db.open().await;
    let again = Commit {
        dedupe_key: Some("dc:msg:199".into()),
        ..Commit::default()
    };
    assert_eq!(
        reopened.commit(&again).await.unwrap(),
        CommitOutcome::Duplicate
    );
}

pub(crate) async fn retention_task_prunes_periodically(db: &TestDb) {
    let store = db.open().await;
    let commit = Commit {
        dedupe_key: Some("dc:msg:old".into()),
        ..Commit::default()
    };
    store.commit(&commit).await.unwrap();

    let retention = flexcord_store::spawn_retention(
        std::sync::Arc::new(store.clone()),
        Duration::from_millis(20),
        Duration::ZERO,
    );
    // Once the key is pruned, the same event commits again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while store.commit(&commit).await.unwrap() == flexcord_core::ports::CommitOutcome::Duplicate {
        assert!(
            tokio::time::Instant::now() < deadline,
            "retention never pruned"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    retention.abort();
}
