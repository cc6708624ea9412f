//! Router replies to interactions that arrived over HTTP (`POST /discord/interactions`).
//!
//! Over the gateway the adapter acknowledges an interaction (a REST callback) before the router
//! sees it, and the router's reply edits that acknowledgement. Over HTTP the acknowledgement is
//! the HTTP response, sent only once the router has recorded the interaction — so while the
//! request is open, the router's reply *becomes* the response (an ephemeral message), and only a
//! reply that comes after the endpoint gave up waiting and deferred goes out as the usual
//! follow-up. [`HttpAwareChat`] sits between the router and the Discord adapter and makes that
//! switch; every other call passes straight through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::content::{Announcement, GuildChannel, OutgoingMessage, ReportCard};
use flexcord_core::event::InteractionHandle;
use flexcord_core::ids::{ChannelId, MessageId, UserId};
use flexcord_core::ports::{ChatError, ChatSurface, Reply};
use tokio::sync::oneshot;

/// A follow-up to an interaction whose deferred response was just sent in an HTTP response may
/// reach Discord before that response did: tried again this many times, this far apart.
const LATE_REPLY_TRIES: u32 = 3;
const LATE_REPLY_GAP: Duration = Duration::from_millis(300);

/// Where a reply to an HTTP interaction goes.
#[derive(Debug)]
enum Slot {
    /// The HTTP request is still open: the reply becomes its response.
    Waiting(oneshot::Sender<Reply>),
    /// The endpoint answered with a deferral: the reply is a follow-up.
    Deferred,
}

/// The HTTP interactions whose router step is under way, by interaction id.
#[derive(Debug, Default)]
pub struct PendingReplies {
    slots: Mutex<HashMap<u64, Slot>>,
}

/// What the endpoint got when it stopped waiting.
#[derive(Debug)]
pub enum Stopped {
    /// The reply came just before: answer with it.
    Replied(Reply),
    /// No reply: the endpoint defers, and a later reply is a follow-up.
    Deferred,
}

impl PendingReplies {
    /// Opens the slot for interaction `id`; the receiver gets the router's reply while the
    /// request is open.
    pub fn open(&self, id: u64) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, Slot::Waiting(tx));
        rx
    }

    /// The endpoint stops waiting for `id` (its budget ran out): atomically, either the reply
    /// already came (`Replied`), or later replies become follow-ups (`Deferred`).
    pub fn stop_waiting(&self, id: u64, rx: &mut oneshot::Receiver<Reply>) -> Stopped {
        let mut slots = self.lock();
        if let Some(slot) = slots.get_mut(&id)
            && matches!(slot, Slot::Waiting(_))
        {
            *slot = Slot::Deferred;
            return Stopped::Deferred;
        }
        drop(slots);
        // The reply took the slot out before we got the lock: it is in the channel.
        rx.try_recv().map_or(Stopped::Deferred, Stopped::Replied)
    }

    /// The router is done with `id`: no reply can come any more.
    pub fn close(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Hands `reply` to an open request; gives it back when there is none (then it is sent as
    /// a follow-up, `deferred` saying whether the endpoint deferred it).
    fn take(&self, id: u64, reply: &Reply) -> Option<bool> {
        let mut slots = self.lock();
        match slots.remove(&id) {
            Some(Slot::Waiting(tx)) => {
                // The request was dropped (the client went away): follow the deferred path.
                tx.send(reply.clone()).is_err().then_some(true)
            }
            Some(Slot::Deferred) => {
                slots.insert(id, Slot::Deferred);
                Some(true)
            }
            None => Some(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Slot>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The router's chat surface: the Discord adapter, with replies to open HTTP interactions
/// handed to the endpoint instead.
#[derive(Debug)]
pub struct HttpAwareChat {
    inner: Arc<dyn ChatSurface>,
    pending: Arc<PendingReplies>,
}

impl HttpAwareChat {
    /// Wraps `inner`; replies to interactions in `pending` go to their requests.
    pub fn new(inner: Arc<dyn ChatSurface>, pending: Arc<PendingReplies>) -> Self {
        Self { inner, pending }
    }
}

#[async_trait]
impl ChatSurface for HttpAwareChat {
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError> {
        self.inner.open_dm(user).await
    }

    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError> {
        self.inner.send(channel, message, nonce).await
    }

    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError> {
        match self.pending.take(interaction.id, reply) {
            None => Ok(()),
            Some(false) => self.inner.reply(interaction, reply).await,
            Some(true) => {
                let mut tries = 1;
                loop {
                    match self.inner.reply(interaction, reply).await {
                        Err(ChatError::NotFound(_)) if tries < LATE_REPLY_TRIES => {
                            tries += 1;
                            tokio::time::sleep(LATE_REPLY_GAP).await;
                        }
                        other => return other,
                    }
                }
            }
        }
    }

    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        self.inner.post_report(channel, card, nonce).await
    }

    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError> {
        self.inner.announce(announcement).await
    }

    async fn typing(&self, channel: ChannelId) -> Result<(), ChatError> {
        self.inner.typing(channel).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_while_waiting_goes_to_the_request() {
        let pending = PendingReplies::default();
        let mut rx = pending.open(1);
        assert_eq!(pending.take(1, &Reply::Text("hi".into())), None);
        assert_eq!(rx.try_recv().ok(), Some(Reply::Text("hi".into())));
    }

    #[test]
    fn a_reply_after_the_deferral_is_a_follow_up() {
        let pending = PendingReplies::default();
        let mut rx = pending.open(2);
        assert!(matches!(
            pending.stop_waiting(2, &mut rx),
            Stopped::Deferred
        ));
        assert_eq!(pending.take(2, &Reply::Text("late".into())), Some(true));
        // A second reply to the same deferred interaction is a follow-up too.
        assert_eq!(pending.take(2, &Reply::Text("again".into())), Some(true));
        pending.close(2);
        assert_eq!(pending.take(2, &Reply::Text("gateway".into())), Some(false));
    }

    #[test]
    fn a_reply_racing_the_deadline_is_not_lost() {
        let pending = PendingReplies::default();
        let mut rx = pending.open(3);
        assert_eq!(pending.take(3, &Reply::Text("just in time".into())), None);
        assert!(matches!(
            pending.stop_waiting(3, &mut rx),
            Stopped::Replied(Reply::Text(t)) if t == "just in time"
        ));
    }

    #[test]
    fn a_reply_for_a_dropped_request_follows_up() {
        let pending = PendingReplies::default();
        drop(pending.open(4));
        assert_eq!(pending.take(4, &Reply::Text("x".into())), Some(true));
    }
}
