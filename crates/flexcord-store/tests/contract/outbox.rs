//! The outbox: claims, leases, per-key order, retries, dead letters, pruning.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use flexcord_core::content::{Announcement, MessageContent, OutgoingMessage, Voice};
use flexcord_core::ids::{ChannelId, Identity, MessageId, UserId};
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore, StoreError};
use flexcord_store::{Backend, Store};

use crate::harness::TestDb;
use crate::sessions::{conversation, notice};

const LEASE: Duration = Duration::from_secs(60);
/// Upper bound for anything the tests wait for.
const PATIENCE: Duration = Duration::from_secs(20);

async fn enqueue(store: &Store, messages: Vec<OutboxMessage>) -> Vec<i64> {
    match store
        .commit(&Commit {
            outbox: messages,
            ..Commit::default()
        })
        .await
        .unwrap()
    {
        CommitOutcome::Committed { outbox_ids, .. } => outbox_ids,
        CommitOutcome::Duplicate => panic!("no dedupe key, cannot be a duplicate"),
    }
}

fn ids(entries: &[flexcord_core::outbox::ClaimedEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.id).collect()
}

pub(crate) async fn claims_in_order_and_reports_attempts(db: &TestDb) {
    let store = db.open().await;
    let messages = vec![
        OutboxMessage::ToConversation {
            conversation: conversation(1),
            author: Identity::for_user(UserId(5)),
            source: MessageId(99),
            content: MessageContent::text("hi there"),
        },
        OutboxMessage::ToDiscord {
            channel: ChannelId(6),
            message: OutgoingMessage::new(Voice::Agent, "hello from Grace"),
            media: Vec::new(),
            conversation: Some(conversation(1)),
        },
        OutboxMessage::Announce {
            announcement: Announcement {
                title: "Patch 1.2".into(),
                body: "Notes".into(),
                url: Some("https://example.com/1.2".into()),
            },
        },
    ];
    let enqueued = enqueue(&store, messages.clone()).await;
    assert_eq!(store.outbox_depth().await.unwrap(), 3);

    let claimed = store.claim("w1", LEASE, 10).await.unwrap();
    assert_eq!(ids(&claimed), enqueued);
    assert_eq!(
        claimed
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>(),
        messages
    );
    assert!(claimed.iter().all(|e| e.attempts == 0));
    assert!(
        store.claim("w2", LEASE, 10).await.unwrap().is_empty(),
        "all leased to w1"
    );
    assert!(store.claim("w1", LEASE, 0).await.unwrap().is_empty());

    for entry in &claimed {
        store.complete(entry.id).await.unwrap();
    }
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert!(store.claim("w1", LEASE, 10).await.unwrap().is_empty());
}

pub(crate) async fn two_workers_never_claim_the_same_entry(db: &TestDb) {
    let store = Arc::new(db.open().await);
    // 40 keys with 3 entries each: plenty of parallel work, and per-key order to respect.
    let mut messages = Vec::new();
    for round in 0..3 {
        for key in 0..40 {
            messages.push(notice(key, &format!("round {round}")));
        }
    }
    let total = messages.len();
    enqueue(&store, messages).await;

    let worker = |name: &'static str| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let mut mine = Vec::new();
            let deadline = tokio::time::Instant::now() + PATIENCE;
            while store.outbox_depth().await.unwrap() > 0 {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{name} never drained the outbox"
                );
                let claimed = store.claim(name, LEASE, 7).await.unwrap();
                if claimed.is_empty() {
                    tokio::task::yield_now().await;
                }
                for entry in claimed {
                    mine.push(entry.id);
                    store.complete(entry.id).await.unwrap();
                }
            }
            mine
        })
    };
    let (a, b) = (worker("a"), worker("b"));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());

    let all: Vec<i64> = a.iter().chain(&b).copied().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "an entry was claimed twice: a={a:?} b={b:?}"
    );
    assert_eq!(unique.len(), total);
}

pub(crate) async fn later_entries_of_a_key_wait_for_the_first(db: &TestDb) {
    let store = db.open().await;
    let [k1a, k1b, k2a, k1c] = enqueue(
        &store,
        vec![
            notice(1, "1a"),
            notice(1, "1b"),
            notice(2, "2a"),
            notice(1, "1c"),
        ],
    )
    .await[..] else {
        panic!("four ids");
    };
    assert_eq!(
        ids(&store.claim("w", LEASE, 10).await.unwrap()),
        vec![k1a, k2a]
    );
    assert!(
        store.claim("w", LEASE, 10).await.unwrap().is_empty(),
        "1b waits for 1a"
    );

    store.complete(k1a).await.unwrap();
    assert_eq!(ids(&store.claim("w", LEASE, 10).await.unwrap()), vec![k1b]);
    store.complete(k1b).await.unwrap();
    store.complete(k2a).await.unwrap();
    assert_eq!(ids(&store.claim("w", LEASE, 10).await.unwrap()), vec![k1c]);
}

pub(crate) async fn complete_many_settles_a_batch_and_skips_unknown_ids(db: &TestDb) {
    let store = db.open().await;
    let [k1a, k2a, k1b] = enqueue(
        &store,
        vec![notice(1, "1a"), notice(2, "2a"), notice(1, "1b")],
    )
    .await[..] else {
        panic!("three ids");
    };
    assert_eq!(
        ids(&store.claim("w", LEASE, 10).await.unwrap()),
        vec![k1a, k2a]
    );
    store.complete_many(&[k1a, k2a, 999_999]).await.unwrap();
    assert_eq!(store.outbox_depth().await.unwrap(), 1, "only 1b is left");
    assert_eq!(
        ids(&store.claim("w", LEASE, 10).await.unwrap()),
        vec![k1b],
        "the key moves on"
    );
    store.complete_many(&[k1a]).await.unwrap();
    assert_eq!(
        store.outbox_depth().await.unwrap(),
        1,
        "settling twice changes nothing"
    );
}

pub(crate) async fn expired_lease_is_claimed_again_with_attempts_counted(db: &TestDb) {
    let store = db.open().await;
    let [id] = enqueue(&store, vec![notice(1, "x")]).await[..] else {
        panic!("one id")
    };
    let first = store
        .claim("crashed", Duration::from_millis(50), 1)
        .await
        .unwrap();
    assert_eq!((ids(&first), first[0].attempts), (vec![id], 0));

    // The worker "crashes": never settles. Once its lease runs out, another worker gets it,
    // told that an earlier attempt may have gone through.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let again = loop {
        let claimed = store.claim("rescuer", LEASE, 1).await.unwrap();
        if !claimed.is_empty() {
            break claimed;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expired lease never re-claimed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ids(&again), vec![id]);
    assert_eq!(again[0].attempts, 1);
    assert!(
        store.claim("third", LEASE, 1).await.unwrap().is_empty(),
        "rescuer holds it now"
    );
}

pub(crate) async fn retry_later_delays_and_counts(db: &TestDb) {
    let store = db.open().await;
    let [id, next] = enqueue(&store, vec![notice(1, "x"), notice(1, "y")]).await[..] else {
        panic!("two ids")
    };
    assert_eq!(store.claim("w", LEASE, 5).await.unwrap()[0].attempts, 0);

    store
        .retry_later(id, "Twilio answered 503", Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(
        store.claim("w", LEASE, 5).await.unwrap().is_empty(),
        "neither the delayed entry nor the one behind it is due"
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 2);

    store
        .retry_later(id, "again", Duration::ZERO)
        .await
        .unwrap();
    let second = store.claim("w", LEASE, 5).await.unwrap();
    assert_eq!((ids(&second), second[0].attempts), (vec![id], 1));
    store
        .retry_later(id, "and again", Duration::ZERO)
        .await
        .unwrap();
    let third = store.claim("w", LEASE, 5).await.unwrap();
    assert_eq!((ids(&third), third[0].attempts), (vec![id], 2));

    store.complete(id).await.unwrap();
    assert_eq!(ids(&store.claim("w", LEASE, 5).await.unwrap()), vec![next]);
}

pub(crate) async fn dead_letter_keeps_reason_and_unblocks_the_key(db: &TestDb) {
    let store = db.open().await;
    let [first, second] = enqueue(&store, vec![notice(3, "a"), notice(3, "b")]).await[..] else {
        panic!("two ids")
    };
    assert_eq!(ids(&store.claim("w", LEASE, 5).await.unwrap()), vec![first]);
    store
        .dead_letter(first, "conversation closed by Twilio")
        .await
        .unwrap();

    assert_eq!(
        ids(&store.claim("w", LEASE, 5).await.unwrap()),
        vec![second]
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    let dead = store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, first);
    assert_eq!(dead[0].reason, "conversation closed by Twilio");
    assert_eq!(dead[0].ordering_key, format!("conv:{}", conversation(3)));
    assert_eq!(dead[0].attempts, 1);

    // Settling is idempotent, and a dead entry stays dead.
    store.dead_letter(first, "again").await.unwrap();
    store.complete(first).await.unwrap();
    assert_eq!(
        store.dead_letters(10).await.unwrap()[0].reason,
        "conversation closed by Twilio"
    );
}

pub(crate) async fn a_retried_dead_letter_is_delivered_again_as_maybe_sent(db: &TestDb) {
    let store = db.open().await;
    let [first, second, other] =
        enqueue(&store, vec![notice(4, "a"), notice(4, "b"), notice(5, "c")]).await[..]
    else {
        panic!("three ids")
    };
    for _ in 0..2 {
        for entry in store.claim("w", LEASE, 5).await.unwrap() {
            store.dead_letter(entry.id, "HTTP 403").await.unwrap();
        }
    }
    assert_eq!(store.dead_letters(10).await.unwrap().len(), 3);

    assert_eq!(
        store.retry_dead(&[first, 999_999]).await.unwrap(),
        1,
        "an unknown id is skipped"
    );
    assert_eq!(
        store.retry_dead(&[first]).await.unwrap(),
        0,
        "no longer a dead letter"
    );
    let again = store.claim("w", LEASE, 5).await.unwrap();
    assert_eq!(
        again.iter().map(|e| (e.id, e.attempts)).collect::<Vec<_>>(),
        vec![(first, 1)],
        "due at once, and the adapter is told it may have been sent"
    );
    store.complete(first).await.unwrap();

    assert_eq!(store.retry_all_dead().await.unwrap(), 2);
    assert_eq!(
        ids(&store.claim("w", LEASE, 5).await.unwrap()),
        vec![second, other]
    );
    assert!(store.dead_letters(10).await.unwrap().is_empty());
}

pub(crate) async fn settling_an_unknown_entry_is_not_found(db: &TestDb) {
    let store = db.open().await;
    assert!(matches!(
        store.complete(404).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.retry_later(404, "x", Duration::ZERO).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.dead_letter(404, "x").await,
        Err(StoreError::NotFound(_))
    ));
}

pub(crate) async fn prune_removes_only_old_finished_rows(db: &TestDb) {
    let store = db.open().await;
    let commit = Commit {
        dedupe_key: Some("dc:msg:1".into()),
        session: None,
        outbox: vec![notice(1, "done"), notice(2, "dead"), notice(3, "pending")],
    };
    let CommitOutcome::Committed { outbox_ids, .. } = store.commit(&commit).await.unwrap() else {
        panic!("first commit")
    };
    store.complete(outbox_ids[0]).await.unwrap();
    store.dead_letter(outbox_ids[1], "gave up").await.unwrap();

    assert_eq!(
        store.prune(Duration::from_secs(3600)).await.unwrap(),
        0,
        "nothing is old yet"
    );
    assert_eq!(
        store.commit(&commit).await.unwrap(),
        CommitOutcome::Duplicate
    );

    // Age zero: everything finished is old enough; the pending entry stays.
    assert_eq!(store.prune(Duration::ZERO).await.unwrap(), 3);
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
    assert!(store.dead_letters(10).await.unwrap().is_empty());
    assert_eq!(
        ids(&store.claim("w", LEASE, 10).await.unwrap()),
        vec![outbox_ids[2]]
    );
    assert!(matches!(
        store.complete(outbox_ids[0]).await,
        Err(StoreError::NotFound(_))
    ));
}

/// Discord checks `enforce_nonce` per bot: a second database on the same bot (staging beside
/// production, a reset database) has entries 1, 2, 3… too, and with the id as nonce Discord
/// would answer its sends with the other database's messages and create nothing.
pub(crate) async fn entry_nonces_are_stable_per_entry_and_differ_between_databases(db: &TestDb) {
    let store = db.open().await;
    let [id] = enqueue(&store, vec![notice(1, "x")]).await[..] else {
        panic!("one id")
    };
    let first = store.claim("w", LEASE, 1).await.unwrap();
    store.retry_later(id, "502", Duration::ZERO).await.unwrap();
    drop(store);
    // A retry, even after a restart, keeps the nonce, so Discord drops a repeat.
    let reopened = db.open().await;
    let again = reopened.claim("w", LEASE, 1).await.unwrap();
    assert_eq!(ids(&again), vec![id]);
    assert_eq!(again[0].nonce, first[0].nonce);

    let other_db = if matches!(db.config().backend(), Ok(Backend::Postgres)) {
        TestDb::postgres().await.expect("PostgreSQL is configured")
    } else {
        TestDb::sqlite()
    };
    let other = other_db.open().await;
    let [other_id] = enqueue(&other, vec![notice(1, "x")]).await[..] else {
        panic!("one id")
    };
    let theirs = other.claim("w", LEASE, 1).await.unwrap();
    other_db.drop_schema().await;
    assert_eq!(other_id, id, "both databases number their entries alike");
    assert_ne!(
        theirs[0].nonce, first[0].nonce,
        "the same entry id in another database must not share its Discord nonce"
    );
}
