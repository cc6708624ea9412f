//! Odd orders and concurrency: store conflicts, concurrent DMs of one user, a store that is down.

use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::StoreError;
use flexcord_core::router::{Outcome, RouterError};
use flexcord_core::session::SessionState;
use flexcord_testkit::{Harness, user};

#[tokio::test]
async fn a_store_conflict_is_decided_again_and_committed_once() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    h.store.inject_conflicts(2);
    let handled = h.dm(&u, "after two conflicts").await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    assert_eq!(h.store.conflicts(), 2);
    let texts: Vec<_> = h
        .store
        .pending()
        .into_iter()
        .filter_map(|m| match m {
            OutboxMessage::ToConversation {
                conversation,
                content,
                ..
            } if conversation == conv => Some(content.text),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["after two conflicts"]);
}

#[tokio::test]
async fn endless_conflicts_give_up_with_a_store_error() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.store.inject_conflicts(100);
    let err = h.dm(&u, "hi").await.unwrap_err();
    assert_eq!(err, RouterError::Store(StoreError::Conflict));
    h.drain().await.unwrap();
    assert!(
        h.dm_texts(&u).len() == 1,
        "only the greeting: a failed step sends nothing"
    );
}

#[tokio::test]
async fn a_store_outage_is_an_error_so_the_webhook_is_retried() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.store.set_unavailable(true);
    let err = h.agent_says(&conv, "hello").await.unwrap_err();
    assert!(matches!(
        err,
        RouterError::Store(StoreError::Unavailable(_))
    ));
    h.store.set_unavailable(false);
    h.agent_says(&conv, "hello").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u).last().unwrap(), "hello");
}

#[tokio::test]
async fn concurrent_dms_of_one_user_keep_their_order_without_conflicts() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let conflicts_before = h.store.conflicts();
    let texts: Vec<String> = (0..8).map(|i| format!("message {i}")).collect();
    let futures = texts.iter().map(|t| h.dm(&u, t));
    let results = futures_join_all(futures).await;
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(h) if h.outcome == Outcome::Done))
    );
    assert_eq!(
        h.store.conflicts(),
        conflicts_before,
        "serialised, not raced"
    );
    h.drain().await.unwrap();
    let relayed: Vec<_> = h
        .contact_center
        .user_messages()
        .into_iter()
        .filter(|(c, _)| *c == conv)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(relayed, texts);
    assert!(h.session(&u).unwrap().transcript.len() >= 8);
}

#[tokio::test]
async fn different_users_do_not_wait_on_each_other() {
    let h = Harness::new();
    let (a, b) = (user(1), user(2));
    h.bot.on_text("hi", "Hello!");
    let (ra, rb) = tokio::join!(h.dm(&a, "hi"), h.dm(&b, "hi"));
    assert!(ra.is_ok() && rb.is_ok());
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&a), ["Hello!"]);
    assert_eq!(h.dm_texts(&b), ["Hello!"]);
    assert_eq!(h.state(&a), Some(SessionState::Bot));
}

/// Polls all futures concurrently on this task, in creation order (no extra dependency).
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set: Vec<_> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, slot) in set.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
