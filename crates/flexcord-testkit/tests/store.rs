//! The in-memory store keeps the `SessionStore` contract: atomic commits, versions, dedupe,
//! one in flight per ordering key, leases, retries and dead letters.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::content::Announcement;
use flexcord_core::ids::{ChannelId, UserId};
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore, StoreError};
use flexcord_core::session::Session;
use flexcord_testkit::{InMemoryStore, ManualClock};

fn announce(title: &str) -> OutboxMessage {
    OutboxMessage::Announce {
        announcement: Announcement {
            title: title.into(),
            body: String::new(),
            url: None,
        },
    }
}

#[tokio::test]
async fn versions_conflict_and_nothing_is_written() {
    let store = InMemoryStore::new();
    let s = Session::new(UserId(1), "u", ChannelId(2));
    let first = Commit {
        session: Some(s.clone()),
        ..Commit::default()
    };
    assert!(matches!(
        store.commit(&first).await,
        Ok(CommitOutcome::Committed {
            session_version: Some(1),
            ..
        })
    ));
    let stale = Commit {
        dedupe_key: Some("k".into()),
        session: Some(s),
        outbox: vec![announce("a")],
    };
    assert_eq!(store.commit(&stale).await, Err(StoreError::Conflict));
    assert!(!store.seen("k"), "a conflicting commit writes nothing");
    assert!(store.entries().is_empty());
}

#[tokio::test]
async fn a_seen_key_is_a_duplicate() {
    let store = InMemoryStore::new();
    let c = Commit {
        dedupe_key: Some("k".into()),
        outbox: vec![announce("a")],
        ..Commit::default()
    };
    assert!(matches!(
        store.commit(&c).await,
        Ok(CommitOutcome::Committed { .. })
    ));
    assert_eq!(store.commit(&c).await, Ok(CommitOutcome::Duplicate));
    assert_eq!(store.entries().len(), 1);
}

#[tokio::test]
async fn one_entry_per_ordering_key_is_in_flight_and_leases_expire() {
    let clock = Arc::new(ManualClock::default());
    let store = InMemoryStore::with_clock(clock.clone());
    let c = Commit {
        outbox: vec![announce("1"), announce("2")],
        ..Commit::default()
    };
    store.commit(&c).await.unwrap();
    let lease = Duration::from_secs(10);

    let a = store.claim("w1", lease, 10).await.unwrap();
    assert_eq!(a.len(), 1, "same ordering key: only the oldest");
    assert_eq!(a[0].attempts, 0);
    assert!(
        store.claim("w2", lease, 10).await.unwrap().is_empty(),
        "leased"
    );

    clock.advance(10_001);
    let again = store.claim("w2", lease, 10).await.unwrap();
    assert_eq!(again[0].id, a[0].id);
    assert_eq!(
        again[0].attempts, 1,
        "an expired lease counts as an attempt"
    );

    store.dead_letter(again[0].id, "boom").await.unwrap();
    let next = store.claim("w2", lease, 10).await.unwrap();
    assert_eq!(
        next[0].message,
        announce("2"),
        "a dead entry does not block its key"
    );
    store.complete(next[0].id).await.unwrap();
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert_eq!(
        store.complete(999).await,
        Err(StoreError::NotFound("outbox 999".into()))
    );
}

#[tokio::test]
async fn a_retried_entry_waits_for_its_delay_and_prune_removes_old_rows() {
    let clock = Arc::new(ManualClock::default());
    let store = InMemoryStore::with_clock(clock.clone());
    let c = Commit {
        dedupe_key: Some("k".into()),
        outbox: vec![announce("1")],
        ..Commit::default()
    };
    store.commit(&c).await.unwrap();
    let e = store
        .claim("w", Duration::from_secs(30), 1)
        .await
        .unwrap()
        .remove(0);
    store
        .retry_later(e.id, "429", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        store
            .claim("w", Duration::from_secs(30), 1)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(5_000);
    let e = store
        .claim("w", Duration::from_secs(30), 1)
        .await
        .unwrap()
        .remove(0);
    store.complete(e.id).await.unwrap();

    clock.advance(60_000);
    assert_eq!(
        store.prune(Duration::from_secs(30)).await.unwrap(),
        2,
        "the key and the entry"
    );
    assert!(!store.seen("k"));
}
