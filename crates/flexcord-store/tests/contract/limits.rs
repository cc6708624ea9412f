//! Per-user limit usage (kept with the session) and the blocklist.

use std::sync::Arc;

use flexcord_core::ids::{ChannelId, UserId};
use flexcord_core::limits::{Block, LimitKind, Limits, Verdict};
use flexcord_core::ports::{Commit, CommitOutcome, SessionStore, StoreError};
use flexcord_core::session::Session;

use crate::harness::TestDb;

const DAY: u64 = 24 * 3600 * 1000;

async fn save(store: &dyn SessionStore, session: &Session) -> Result<u64, StoreError> {
    let commit = Commit {
        session: Some(session.clone()),
        ..Commit::default()
    };
    match store.commit(&commit).await? {
        CommitOutcome::Committed {
            session_version: Some(v),
            ..
        } => Ok(v),
        other => panic!("unexpected {other:?}"),
    }
}

pub(crate) async fn limit_usage_is_saved_with_the_session_under_its_version(db: &TestDb) {
    let limits = Limits::default();
    let store = db.open().await;
    let mut s = Session::new(UserId(u64::MAX - 3), "Ada", ChannelId(5));
    // Nothing used: stored empty, read back empty.
    s.version = save(&store, &s).await.unwrap();
    for n in 0..3 {
        assert_eq!(
            s.usage.check(LimitKind::Report, &limits, 1_000 + n),
            Verdict::Allowed
        );
    }
    s.usage.check(LimitKind::AgentDm, &limits, 2_000);
    let stale = s.clone();
    s.version = save(&store, &s).await.unwrap();
    assert_eq!(s.version, 2);

    // A second instance that read the session before spends the same allowance: it loses.
    let mut racing = stale;
    racing.usage.check(LimitKind::Report, &limits, 3_000);
    assert_eq!(save(&store, &racing).await, Err(StoreError::Conflict));

    // Read back by a fresh process (no cache): the counts hold.
    store.close().await;
    let store = db.open().await;
    let read = store.session(s.user).await.unwrap().unwrap();
    assert_eq!(read.usage, s.usage);
    assert_eq!(read.usage.count(LimitKind::Report, &limits, 3_000), 3);
    assert_eq!(read.usage.count(LimitKind::AgentDm, &limits, 3_000), 1);

    // Used up and tidied away: stored as nothing again.
    let mut read = read;
    read.usage.tidy(&limits, 10 * DAY);
    assert!(read.usage.windows.is_empty());
    save(&store, &read).await.unwrap();
    store.close().await;
    let store = db.open().await;
    let again = store.session(s.user).await.unwrap().unwrap();
    assert!(again.usage.windows.is_empty());
}

pub(crate) async fn blocks_are_listed_lifted_and_noticed_once_a_day(db: &TestDb) {
    let store = db.open().await;
    let ann = UserId(u64::MAX - 1);
    let bob = UserId(7);
    assert_eq!(store.blocked(ann).await.unwrap(), None);
    assert!(!store.claim_block_notice(ann, 10, DAY).await.unwrap());

    let block = |user, reason: &str, at_ms| Block {
        user,
        reason: reason.to_owned(),
        by: "discord:5".to_owned(),
        at_ms,
    };
    store.block(&block(ann, "raid", 100)).await.unwrap();
    store.block(&block(bob, "spam 🥫", 200)).await.unwrap();
    assert_eq!(
        store.blocked(ann).await.unwrap(),
        Some(block(ann, "raid", 100))
    );
    assert_eq!(
        store.blocked_users().await.unwrap(),
        [block(bob, "spam 🥫", 200), block(ann, "raid", 100)]
    );

    // Told once; not again within the day, again after it.
    assert!(store.claim_block_notice(ann, 1_000, DAY).await.unwrap());
    assert!(
        !store
            .claim_block_notice(ann, 1_000 + DAY - 1, DAY)
            .await
            .unwrap()
    );
    // Blocking again updates why and when but does not reset the notice.
    store.block(&block(ann, "raid again", 300)).await.unwrap();
    assert_eq!(
        store.blocked(ann).await.unwrap().map(|b| b.reason),
        Some("raid again".to_owned())
    );
    assert!(!store.claim_block_notice(ann, 2_000, DAY).await.unwrap());
    assert!(
        store
            .claim_block_notice(ann, 1_000 + DAY, DAY)
            .await
            .unwrap()
    );

    assert!(store.unblock(ann).await.unwrap());
    assert!(!store.unblock(ann).await.unwrap());
    assert_eq!(store.blocked(ann).await.unwrap(), None);
    assert_eq!(
        store.blocked_users().await.unwrap(),
        [block(bob, "spam 🥫", 200)]
    );
}

pub(crate) async fn concurrent_notice_claims_admit_one(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let user = UserId(42);
    store
        .block(&Block {
            user,
            reason: "r".into(),
            by: "cli".into(),
            at_ms: 1,
        })
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_block_notice(user, 5_000, DAY).await })
        })
        .collect();
    let mut claimed = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            claimed += 1;
        }
    }
    assert_eq!(claimed, 1);
}

pub(crate) async fn a_block_written_elsewhere_is_seen_within_moments(db: &TestDb) {
    let bridge = db.open().await;
    let operator = db.open().await;
    let user = UserId(99);
    // The bridge has read the (empty) blocklist already.
    assert_eq!(bridge.blocked(user).await.unwrap(), None);
    operator
        .block(&Block {
            user,
            reason: "raid".into(),
            by: "cli".into(),
            at_ms: 1,
        })
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bridge.blocked(user).await.unwrap().is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the block was never seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    operator.unblock(user).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while bridge.blocked(user).await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the unblock was never seen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
