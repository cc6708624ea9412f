//! Direct delivery (`Store::lease_new_entries`, SQLite): entries reach the registered worker
//! without a claim, leased as they become deliverable, and per-key order and exactly-once still
//! hold.

// Helpers outside `#[test]` functions are not covered by clippy's test allowances.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::time::Duration;

use flexcord_core::ids::{ChannelId, ConversationSid, UserId};
use flexcord_core::outbox::{ClaimedEntry, HandedOver, OutboxMessage};
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore, StoreError};
use flexcord_core::session::{Session, SessionState};
use flexcord_store::{Store, StoreConfig};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::mpsc::error::TryRecvError;

const LEASE: Duration = Duration::from_secs(60);

struct Db {
    store: Store,
    dir: tempfile::TempDir,
}

impl Db {
    fn store_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("flexcord.db").display())
    }
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
    Db {
        store: Store::open(&StoreConfig::new(url)).await.unwrap(),
        dir,
    }
}

async fn with_worker(lease: Duration) -> (Db, UnboundedReceiver<HandedOver>) {
    let db = sqlite().await;
    let rx = db.store.lease_new_entries("me", lease).unwrap();
    (db, rx)
}

fn conversation(n: u32) -> ConversationSid {
    ConversationSid::parse(&format!("CH{n:032x}")).unwrap()
}

fn notice(conv: u32, text: &str) -> OutboxMessage {
    OutboxMessage::NoticeToConversation {
        conversation: conversation(conv),
        text: text.into(),
    }
}

fn text_of(entry: &ClaimedEntry) -> &str {
    match &entry.message {
        OutboxMessage::NoticeToConversation { text, .. } => text,
        other => panic!("unexpected {other:?}"),
    }
}

async fn enqueue(store: &Store, key: Option<&str>, messages: Vec<OutboxMessage>) -> Vec<i64> {
    let commit = Commit {
        dedupe_key: key.map(str::to_owned),
        outbox: messages,
        ..Commit::default()
    };
    match store.commit(&commit).await.unwrap() {
        CommitOutcome::Committed { outbox_ids, .. } => outbox_ids,
        CommitOutcome::Duplicate => panic!("unexpected duplicate"),
    }
}

/// Everything handed over so far.
fn handed(rx: &mut UnboundedReceiver<HandedOver>) -> Vec<ClaimedEntry> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(handed) => out.push(handed.entry),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => return out,
        }
    }
}

#[tokio::test]
async fn a_new_entry_is_handed_over_leased_and_is_not_claimable() {
    let (db, mut rx) = with_worker(LEASE).await;
    let ids = enqueue(&db.store, Some("dc:msg:1"), vec![notice(1, "hello")]).await;
    let got = handed(&mut rx);
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id, got[0].attempts, text_of(&got[0])),
        (ids[0], 0, "hello")
    );
    assert!(db.store.claim("other", LEASE, 10).await.unwrap().is_empty());
    assert_eq!(db.store.outbox_depth().await.unwrap(), 1);
}

#[tokio::test]
async fn a_later_entry_of_the_same_key_comes_once_the_first_is_settled() {
    let (db, mut rx) = with_worker(LEASE).await;
    let first = enqueue(&db.store, None, vec![notice(1, "one"), notice(2, "other")]).await;
    let second = enqueue(&db.store, None, vec![notice(1, "two")]).await;
    let got = handed(&mut rx);
    assert_eq!(
        got.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first[0], first[1]],
        "the heads of both keys, not the second entry of conversation 1"
    );
    assert!(db.store.claim("other", LEASE, 10).await.unwrap().is_empty());

    db.store.complete_many(&[first[0]]).await.unwrap();
    let next = handed(&mut rx);
    assert_eq!(next.len(), 1);
    assert_eq!(
        (next[0].id, next[0].attempts, text_of(&next[0])),
        (second[0], 0, "two")
    );

    // Settling an entry whose key has nothing behind it hands over nothing.
    db.store
        .complete_many(&[first[1], second[0]])
        .await
        .unwrap();
    assert!(handed(&mut rx).is_empty());
    assert_eq!(db.store.outbox_depth().await.unwrap(), 0);
}

#[tokio::test]
async fn two_entries_of_one_key_in_one_commit_come_one_at_a_time() {
    let (db, mut rx) = with_worker(LEASE).await;
    let ids = enqueue(&db.store, None, vec![notice(1, "a"), notice(1, "b")]).await;
    assert_eq!(
        handed(&mut rx).iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    db.store.complete(ids[0]).await.unwrap();
    assert_eq!(
        handed(&mut rx).iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![ids[1]]
    );
}

#[tokio::test]
async fn a_dead_letter_unblocks_its_successor_and_a_retry_does_not() {
    let (db, mut rx) = with_worker(LEASE).await;
    let ids = enqueue(
        &db.store,
        None,
        vec![notice(1, "a"), notice(1, "b"), notice(1, "c")],
    )
    .await;
    assert_eq!(handed(&mut rx).len(), 1);

    db.store
        .retry_later(ids[0], "503", Duration::ZERO)
        .await
        .unwrap();
    assert!(
        handed(&mut rx).is_empty(),
        "the retried entry is still the head"
    );
    let again = db.store.claim("me", LEASE, 10).await.unwrap();
    assert_eq!((again[0].id, again[0].attempts), (ids[0], 1));

    db.store.dead_letter(ids[0], "gone").await.unwrap();
    let next = handed(&mut rx);
    assert_eq!(
        next.iter().map(|e| (e.id, e.attempts)).collect::<Vec<_>>(),
        vec![(ids[1], 0)]
    );
}

#[tokio::test]
async fn an_entry_behind_one_waiting_to_retry_is_not_leased() {
    let (db, mut rx) = with_worker(LEASE).await;
    let first = enqueue(&db.store, None, vec![notice(1, "a")]).await;
    db.store
        .retry_later(first[0], "503", Duration::from_secs(3600))
        .await
        .unwrap();
    let _ = handed(&mut rx);
    enqueue(&db.store, None, vec![notice(1, "b")]).await;
    assert!(handed(&mut rx).is_empty());
    assert!(db.store.claim("me", LEASE, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_abandoned_lease_expires_and_the_entry_is_claimed_with_its_attempt_counted() {
    let (db, mut rx) = with_worker(Duration::from_millis(50)).await;
    let ids = enqueue(&db.store, None, vec![notice(1, "a")]).await;
    assert_eq!(handed(&mut rx).len(), 1);
    tokio::time::sleep(Duration::from_millis(120)).await;
    let claimed = db.store.claim("after-restart", LEASE, 10).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|e| (e.id, e.attempts))
            .collect::<Vec<_>>(),
        vec![(ids[0], 1)],
        "an earlier attempt may have gone through: the adapter must check"
    );
}

fn live(user: u64, version: u64) -> Session {
    let mut s = Session::new(UserId(user), "Ada", ChannelId(user + 1_000));
    s.state = SessionState::WithAgent;
    s.conversation = Some(conversation(9));
    s.version = version;
    s
}

#[tokio::test]
async fn duplicates_and_conflicts_hand_over_nothing() {
    let (db, mut rx) = with_worker(LEASE).await;
    let commit = |key: &str, version| Commit {
        dedupe_key: Some(key.to_owned()),
        session: Some(live(5, version)),
        outbox: vec![notice(9, key)],
    };
    assert!(matches!(
        db.store.commit(&commit("dc:msg:1", 0)).await.unwrap(),
        CommitOutcome::Committed {
            session_version: Some(1),
            ..
        }
    ));
    let first = handed(&mut rx);
    assert_eq!(first.len(), 1);
    db.store.complete(first[0].id).await.unwrap();

    assert_eq!(
        db.store.commit(&commit("dc:msg:1", 1)).await.unwrap(),
        CommitOutcome::Duplicate
    );
    assert_eq!(
        db.store.commit(&commit("dc:msg:2", 7)).await,
        Err(StoreError::Conflict)
    );
    assert!(handed(&mut rx).is_empty());
    assert_eq!(db.store.outbox_depth().await.unwrap(), 0);
    let stored = db.store.session(UserId(5)).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "neither wrote the session");

    // And the key of the conflicting commit was not recorded: deciding again succeeds.
    assert!(matches!(
        db.store.commit(&commit("dc:msg:2", 1)).await.unwrap(),
        CommitOutcome::Committed {
            session_version: Some(2),
            ..
        }
    ));
    assert_eq!(handed(&mut rx).len(), 1);
}

#[tokio::test]
async fn a_caller_that_stops_waiting_leaves_the_store_consistent() {
    let (db, mut rx) = with_worker(LEASE).await;
    // Give up on commits at every point of their way; each one is either wholly written (and
    // handed over) or not at all, and the store keeps working.
    for n in 0..40u32 {
        let commit = Commit {
            dedupe_key: Some(format!("dc:msg:{n}")),
            outbox: vec![notice(n, "x")],
            ..Commit::default()
        };
        let store = db.store.clone();
        let attempt = tokio::spawn(async move { store.commit(&commit).await });
        for _ in 0..(n % 8) {
            tokio::task::yield_now().await;
        }
        attempt.abort();
        let _ = attempt.await;
    }
    let ids = enqueue(&db.store, Some("dc:msg:last"), vec![notice(99, "after")]).await;
    // Let the abandoned writes (which run to completion on their own tasks) finish.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = handed(&mut rx);
    assert!(got.iter().any(|e| e.id == ids[0]));
    assert_eq!(
        u64::try_from(got.len()).unwrap(),
        db.store.outbox_depth().await.unwrap(),
        "every written entry was handed over, and only those"
    );
}

#[tokio::test]
async fn a_restart_releases_the_leases_of_the_process_before_it() {
    let (db, mut rx) = with_worker(LEASE).await;
    let ids = enqueue(
        &db.store,
        None,
        vec![notice(1, "in flight"), notice(1, "behind")],
    )
    .await;
    assert_eq!(handed(&mut rx).len(), 1);
    // The process dies with the first entry delivered but not settled; a new one starts.
    drop(rx);
    let restarted = Store::open(&StoreConfig::new(db.store_url()))
        .await
        .unwrap();
    assert_eq!(restarted.release_leases().await.unwrap(), 1);
    let claimed = restarted.claim("new", LEASE, 10).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|e| (e.id, e.attempts))
            .collect::<Vec<_>>(),
        vec![(ids[0], 1)],
        "at once, not after the lease, and marked as maybe sent"
    );
    assert_eq!(
        restarted.release_leases().await.unwrap(),
        1,
        "the new claim's own"
    );
}

#[tokio::test]
async fn only_one_worker_can_register() {
    let (db, _rx) = with_worker(LEASE).await;
    assert!(db.store.lease_new_entries("second", LEASE).is_none());
    // Clones share the registration.
    #[expect(
        clippy::redundant_clone,
        reason = "the clone is the subject: a second handle on the same store"
    )]
    let clone = db.store.clone();
    assert!(clone.lease_new_entries("third", LEASE).is_none());
}

#[tokio::test]
async fn without_a_worker_entries_wait_for_a_claim() {
    let db = sqlite().await;
    let ids = enqueue(&db.store, None, vec![notice(1, "a")]).await;
    let claimed = db.store.claim("w", LEASE, 10).await.unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|e| (e.id, e.attempts))
            .collect::<Vec<_>>(),
        vec![(ids[0], 0)]
    );
}

#[tokio::test]
async fn a_gone_worker_does_not_fail_commits() {
    let (db, rx) = with_worker(LEASE).await;
    drop(rx);
    let ids = enqueue(&db.store, None, vec![notice(1, "a")]).await;
    assert_eq!(ids.len(), 1);
    db.store.complete_many(&ids).await.unwrap();
}

#[tokio::test]
async fn postgres_does_not_offer_direct_delivery() {
    let Ok(url) = std::env::var("FLEXCORD_TEST_POSTGRES_URL") else {
        return;
    };
    let schema = format!("flexcord_direct_{}", std::process::id());
    let store = Store::open(&StoreConfig::new(url.clone()).schema(schema.clone()))
        .await
        .unwrap();
    assert!(store.lease_new_entries("me", LEASE).is_none());
    store.close().await;
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .unwrap();
}
