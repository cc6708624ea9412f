//! Agent messages in Twilio's `Index` order. Twilio sends a conversation's `onMessageAdded`
//! webhooks concurrently, so message 6 can arrive before message 5. Each webhook carries the
//! message's `Index` (per conversation, no gaps: customer, bridge and agent messages alike), so
//! an agent message whose predecessor has not been handled yet waits for it — briefly: at most
//! [`HOLD`], well inside Twilio's 5 s answer budget — and then goes ahead anyway (the
//! predecessor may never come: a dropped webhook, a message deleted at once). Every message
//! marks its index handled (the bridge's own echoes and the customer's too, which never wait),
//! the router records agent messages in the order they pass here, and the outbox delivers each
//! conversation's entries in the order they were recorded.
//!
//! The memory is this process's: a conversation first seen at index 9 starts there (after a
//! restart nothing is waited for), and with several instances behind a balancer each sees
//! only its share: order is best effort there, and an agent message whose predecessor went to
//! another instance waits [`HOLD`] for nothing.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Longest a message waits for its predecessor. Concurrent deliveries overtake each other by
/// milliseconds; short, because with several instances behind a balancer a predecessor that
/// went to another instance is waited for in vain.
pub const HOLD: Duration = Duration::from_millis(500);
/// Conversations remembered; beyond this the quietest are forgotten.
const MAX_CONVERSATIONS: usize = 10_000;
/// A conversation quiet for this long is forgotten first.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Per-conversation "which index is next".
#[derive(Debug)]
pub struct AgentOrder {
    hold: Duration,
    conversations: Mutex<HashMap<String, Conversation>>,
}

#[derive(Debug)]
struct Conversation {
    /// The lowest index not handled yet.
    next: watch::Sender<u64>,
    /// Handled indexes above `next` (they overtook a predecessor after it timed out).
    done: BTreeSet<u64>,
    touched: Instant,
}

impl Default for AgentOrder {
    fn default() -> Self {
        Self::with_hold(HOLD)
    }
}

impl AgentOrder {
    /// An order keeper that holds a message at most `hold`.
    #[must_use]
    pub fn with_hold(hold: Duration) -> Self {
        Self {
            hold,
            conversations: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Conversation>> {
        // The map holds no invariant a panic elsewhere could break half-way.
        self.conversations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until every message of `conversation` before `index` was handled, or [`HOLD`]
    /// passed. Call [`AgentOrder::handled`] once the message was handed to the router.
    pub async fn turn(&self, conversation: &str, index: u64) {
        let now = Instant::now();
        let mut next = {
            let mut map = self.lock();
            if !map.contains_key(conversation) {
                forget_quiet(&mut map, now);
                let (next, _) = watch::channel(index);
                map.insert(
                    conversation.to_owned(),
                    Conversation {
                        next,
                        done: BTreeSet::new(),
                        touched: now,
                    },
                );
                return;
            }
            let Some(c) = map.get_mut(conversation) else {
                return;
            };
            c.touched = now;
            if *c.next.borrow() >= index {
                return;
            }
            c.next.subscribe()
        };
        let waited = tokio::time::timeout(self.hold, next.wait_for(|n| *n >= index)).await;
        if !matches!(waited, Ok(Ok(_))) {
            // The predecessor did not come in time: skip the gap, it is relayed when it comes.
            let mut map = self.lock();
            if let Some(c) = map.get_mut(conversation) {
                c.next.send_if_modified(|n| {
                    let behind = *n < index;
                    if behind {
                        *n = index;
                    }
                    behind
                });
            }
        }
    }

    /// Marks `index` of `conversation` handled; its successor may go.
    pub fn handled(&self, conversation: &str, index: u64) {
        let mut map = self.lock();
        if !map.contains_key(conversation) {
            // First seen through a message that did not wait (the bridge's own echo, the
            // customer's): the next agent message knows where the sequence stands.
            forget_quiet(&mut map, Instant::now());
            let (next, _) = watch::channel(index.saturating_add(1));
            map.insert(
                conversation.to_owned(),
                Conversation {
                    next,
                    done: BTreeSet::new(),
                    touched: Instant::now(),
                },
            );
            return;
        }
        let Some(c) = map.get_mut(conversation) else {
            return;
        };
        let Conversation { next, done, .. } = c;
        next.send_if_modified(|n| {
            if index < *n {
                return false;
            }
            done.insert(index);
            let before = *n;
            while done.remove(n) {
                *n += 1;
            }
            *n != before
        });
    }
}

/// Forgets conversations quiet for a while once many are remembered.
fn forget_quiet(map: &mut HashMap<String, Conversation>, now: Instant) {
    if map.len() < MAX_CONVERSATIONS {
        return;
    }
    map.retain(|_, c| now.saturating_duration_since(c.touched) < FORGET_AFTER);
    if map.len() >= MAX_CONVERSATIONS {
        // Still full of busy conversations: start over rather than grow without bound.
        map.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn a_message_that_overtook_its_predecessor_waits_for_it() {
        let order = Arc::new(AgentOrder::with_hold(Duration::from_secs(30)));
        let relayed = Arc::new(Mutex::new(Vec::new()));
        order.turn("CH1", 4).await;
        order.handled("CH1", 4);

        // Index 6 arrives first.
        let later = tokio::spawn({
            let (order, relayed) = (Arc::clone(&order), Arc::clone(&relayed));
            async move {
                order.turn("CH1", 6).await;
                relayed.lock().unwrap().push(6);
                order.handled("CH1", 6);
            }
        });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(relayed.lock().unwrap().is_empty(), "6 went before 5");

        // Then 5: it goes at once, and 6 right after it.
        order.turn("CH1", 5).await;
        relayed.lock().unwrap().push(5);
        order.handled("CH1", 5);
        tokio::time::timeout(WAIT, later).await.unwrap().unwrap();
        assert_eq!(*relayed.lock().unwrap(), [5, 6]);
    }

    #[tokio::test]
    async fn a_predecessor_that_never_comes_holds_only_briefly_and_late_ones_pass() {
        let order = AgentOrder::with_hold(Duration::from_millis(20));
        order.turn("CH1", 0).await;
        order.handled("CH1", 0);
        // 1 never arrives: 2 goes after the hold (bounded by the test's own timeout).
        tokio::time::timeout(WAIT, order.turn("CH1", 2))
            .await
            .unwrap();
        order.handled("CH1", 2);
        // 3 follows without waiting; a late 1 is not held either.
        tokio::time::timeout(WAIT, order.turn("CH1", 3))
            .await
            .unwrap();
        order.handled("CH1", 3);
        tokio::time::timeout(WAIT, order.turn("CH1", 1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_echo_seen_first_tells_where_the_sequence_stands() {
        let order = Arc::new(AgentOrder::with_hold(Duration::from_secs(30)));
        // The bridge's own message 5 came back (it never waits, but marks its index).
        order.handled("CH1", 5);
        let later = tokio::spawn({
            let order = Arc::clone(&order);
            async move { order.turn("CH1", 7).await }
        });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(!later.is_finished(), "7 went before 6");
        order.turn("CH1", 6).await;
        order.handled("CH1", 6);
        tokio::time::timeout(WAIT, later).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn conversations_are_independent_and_the_first_seen_index_starts_one() {
        let order = AgentOrder::with_hold(Duration::from_secs(30));
        tokio::time::timeout(WAIT, order.turn("CH1", 17))
            .await
            .unwrap();
        tokio::time::timeout(WAIT, order.turn("CH2", 3))
            .await
            .unwrap();
        order.handled("CH1", 17);
        tokio::time::timeout(WAIT, order.turn("CH1", 18))
            .await
            .unwrap();
    }
}
