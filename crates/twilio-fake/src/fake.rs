//! [`TwilioFake`]: start/stop, the agent side, inspection and waiters.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::config::TwilioFakeConfig;
use crate::delivery::{DeliveryKind, DeliveryRecord, Receipt, receipt_bound};
use crate::error::FakeError;
use crate::events::FakeEvent;
use crate::model::{
    Conversation, ConversationState, Flow, Interaction, Media, Message, Participant,
    StateChangeReason, User,
};
use crate::ops::{Actor, NewMessage};
use crate::recorder::{RecordedRequest, RequestMark};
use crate::shared::Shared;

/// A file an agent attaches to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name shown to the customer.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Content.
    pub bytes: Bytes,
}

impl Attachment {
    /// An attachment from its parts.
    pub fn new(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<Bytes>,
    ) -> Self {
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

impl<F, C, B> From<(F, C, B)> for Attachment
where
    F: Into<String>,
    C: Into<String>,
    B: Into<Bytes>,
{
    /// `(filename, content_type, bytes)`.
    fn from((filename, content_type, bytes): (F, C, B)) -> Self {
        Self::new(filename, content_type, bytes)
    }
}

/// The result of an agent-side action plus what the webhook receivers answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered<T> {
    /// What the action created or changed.
    pub value: T,
    /// Every delivery the action caused, in order (empty when no webhook matched).
    pub deliveries: Vec<DeliveryRecord>,
}

impl<T> Delivered<T> {
    /// HTTP status of the first `Target=webhook` delivery (the bridge's answer), if any.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        self.deliveries
            .iter()
            .find(|d| d.kind == DeliveryKind::Webhook)
            .and_then(|d| d.status)
    }
}

/// A running fake Twilio.
///
/// Point every Twilio base URL of the client under test at [`base_url`](Self::base_url);
/// paths are Twilio's own. See the crate docs for the endpoint list.
///
/// Dropping it stops accepting connections and closes idle ones; webhook queues stop once
/// the last request in flight is answered. [`shutdown`](Self::shutdown) does the same and
/// waits for it.
#[derive(Debug)]
pub struct TwilioFake {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Option<JoinHandle<()>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TwilioFake {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; nothing to stop then.
            let _ = stop.send(());
        }
    }
}

impl TwilioFake {
    /// Binds `config.bind` (default `127.0.0.1:0`) and starts serving.
    ///
    /// # Errors
    /// [`FakeError::Io`] if the socket cannot be bound.
    pub async fn start(config: TwilioFakeConfig) -> Result<Self, FakeError> {
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Shared::new(config, format!("http://{addr}"));
        let app = crate::routes::router(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let shutdown = async {
                // Either an explicit stop or the handle being dropped ends the server.
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%error, "twilio-fake server stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            server: Some(server),
            stop: Some(stop),
        })
    }

    /// Stops the server and waits (at most `timeout`) for requests in flight to finish.
    ///
    /// # Errors
    /// [`FakeError::Timeout`] if connections stay busy longer than `timeout`.
    pub async fn shutdown(mut self, timeout: Duration) -> Result<(), FakeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            tokio::time::timeout(timeout, server)
                .await
                .map_err(|_| FakeError::Timeout {
                    what: "server shutdown".to_owned(),
                    timeout,
                })?
                .ok();
        }
        Ok(())
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The bound socket address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration it runs with.
    #[must_use]
    pub fn config(&self) -> &TwilioFakeConfig {
        &self.shared.config
    }

    /// The fake's HTTP app, sharing this fake's state: for in-process requests with
    /// `tower::ServiceExt::oneshot`, or to mount it inside another server (the sandbox).
    pub fn router(&self) -> axum::Router {
        crate::routes::router(Arc::clone(&self.shared))
    }

    /// A stream of every change from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<FakeEvent> {
        self.shared.events.subscribe()
    }

    // ----- agent side -------------------------------------------------------------------

    /// An agent joins `conversation` (SID or unique name) from Flex: adds the participant,
    /// sets the user's friendly name, records the agent on the open interaction, fires
    /// `onParticipantAdded` with `Source=SDK`, and returns once the receivers answered.
    ///
    /// # Errors
    /// Unknown or closed conversation, or the identity is already a participant.
    pub async fn agent_join(
        &self,
        conversation: &str,
        identity: &str,
        friendly_name: &str,
    ) -> Result<Delivered<Participant>, FakeError> {
        let attributes =
            serde_json::json!({ "friendly_name": friendly_name, "role": "agent" }).to_string();
        let (participant, receipt) = self.shared.add_participant(
            conversation,
            Some(identity),
            Some(&attributes),
            &Actor::sdk(identity),
        )?;
        let form =
            crate::form::FormParams(vec![("FriendlyName".to_owned(), friendly_name.to_owned())]);
        self.shared.update_user(identity, &form)?;
        let sid = self.conversation_sid(conversation)?;
        self.shared.join_interaction(&sid, identity);
        self.settle(participant, receipt).await
    }

    /// An agent sends a message (with optional attachments, uploaded to media first):
    /// fires `onMessageAdded` with `Source=SDK` and returns once the receivers answered.
    ///
    /// # Errors
    /// Unknown or closed conversation, or `identity` is not a participant.
    pub async fn agent_say(
        &self,
        conversation: &str,
        identity: &str,
        body: &str,
        media: Vec<Attachment>,
    ) -> Result<Delivered<Message>, FakeError> {
        let joined = self
            .conversation(conversation)
            .ok_or_else(|| FakeError::NotFound(format!("conversation {conversation}")))?
            .participant(identity)
            .is_some();
        if !joined {
            return Err(FakeError::NotFound(format!(
                "participant {identity} in {conversation}"
            )));
        }
        let service = self.shared.config.chat_service_sid.clone();
        let media_sids = media
            .into_iter()
            .map(|a| {
                self.shared
                    .upload_media(&service, &a.content_type, Some(a.filename), a.bytes)
                    .sid
            })
            .collect();
        let new = NewMessage {
            author: Some(identity.to_owned()),
            body: (!body.is_empty()).then(|| body.to_owned()),
            attributes: None,
            media_sids,
            date_created: None,
        };
        let (message, receipt) =
            self.shared
                .add_message(conversation, new, &Actor::sdk(identity))?;
        self.settle(message, receipt).await
    }

    /// An agent leaves: removes the participant and fires `onParticipantRemoved` (`Source=SDK`).
    ///
    /// # Errors
    /// Unknown conversation or participant.
    pub async fn agent_leave(
        &self,
        conversation: &str,
        identity: &str,
    ) -> Result<Delivered<Participant>, FakeError> {
        let (participant, receipt) =
            self.shared
                .remove_participant(conversation, identity, &Actor::sdk(identity))?;
        self.settle(participant, receipt).await
    }

    /// Closes the conversation as Flex (`reason` = API) or a timer (TIMER) would, firing
    /// `onConversationStateUpdated` with `Source=API`. Closing a closed conversation is a no-op.
    ///
    /// # Errors
    /// Unknown conversation.
    pub async fn close_conversation(
        &self,
        conversation: &str,
        reason: StateChangeReason,
    ) -> Result<Delivered<Conversation>, FakeError> {
        let receipt = self.shared.close_conversation(conversation, reason)?;
        let delivered = self.settle((), receipt).await?;
        let value = self
            .conversation(conversation)
            .ok_or_else(|| FakeError::NotFound(format!("conversation {conversation}")))?;
        Ok(Delivered {
            value,
            deliveries: delivered.deliveries,
        })
    }

    /// Simulates Twilio retrying the conversation's last event `times` more times: the same
    /// parameters (same `MessageSid`, same `I-Twilio-Idempotency-Token`, `RetryCount` counting
    /// up) to the same `Target=webhook` receivers. The Studio flow is not re-run.
    ///
    /// # Errors
    /// [`FakeError::NotFound`] if no event was ever sent for the conversation.
    pub async fn redeliver_last_webhook(
        &self,
        conversation: &str,
        times: u32,
    ) -> Result<Vec<DeliveryRecord>, FakeError> {
        let sid = self.conversation_sid(conversation)?;
        let mut all = Vec::new();
        for _ in 0..times {
            let receipt = self
                .shared
                .enqueue_retry(&mut self.shared.lock(), &sid)
                .ok_or_else(|| FakeError::NotFound(format!("a delivered event for {sid}")))?;
            all.extend(self.settle((), Some(receipt)).await?.deliveries);
        }
        Ok(all)
    }

    async fn settle<T>(
        &self,
        value: T,
        receipt: Option<Receipt>,
    ) -> Result<Delivered<T>, FakeError> {
        let deliveries = match receipt {
            None => Vec::new(),
            Some(receipt) => tokio::time::timeout(receipt_bound(&self.shared), receipt.wait())
                .await
                .map_err(|_| FakeError::Timeout {
                    what: "webhook deliveries".to_owned(),
                    timeout: receipt_bound(&self.shared),
                })?
                .ok_or(FakeError::DeliveryStopped)?,
        };
        Ok(Delivered { value, deliveries })
    }

    fn conversation_sid(&self, conversation: &str) -> Result<String, FakeError> {
        self.shared
            .lock()
            .conversation_key(conversation)
            .ok_or_else(|| FakeError::NotFound(format!("conversation {conversation}")))
    }

    // ----- inspection -------------------------------------------------------------------

    /// Every conversation, oldest first.
    #[must_use]
    pub fn conversations(&self) -> Vec<Conversation> {
        self.shared.lock().conversations.values().cloned().collect()
    }

    /// One conversation by SID or unique name.
    #[must_use]
    pub fn conversation(&self, sid_or_unique_name: &str) -> Option<Conversation> {
        let store = self.shared.lock();
        let sid = store.conversation_key(sid_or_unique_name)?;
        store.conversations.get(&sid).cloned()
    }

    /// The newest non-closed conversation `identity` participates in (what the bridge should
    /// find through `ParticipantConversations`).
    #[must_use]
    pub fn open_conversation_for(&self, identity: &str) -> Option<Conversation> {
        self.shared
            .lock()
            .conversations
            .values()
            .rev()
            .find(|c| c.state != ConversationState::Closed && c.participant(identity).is_some())
            .cloned()
    }

    /// Messages of a conversation, in order (empty if unknown).
    #[must_use]
    pub fn messages(&self, conversation: &str) -> Vec<Message> {
        self.conversation(conversation)
            .map(|c| c.messages)
            .unwrap_or_default()
    }

    /// Makes the set-up of the next interaction created fail with `error_code`: the create
    /// still answers 200 (Twilio sets channels up asynchronously), the channel reads back
    /// `status: failed` with that code, and no task is routed.
    pub fn fail_next_interaction_setup(&self, error_code: i64) {
        self.shared.lock().failing_setups.push(error_code);
    }

    /// Holds the next request to `route` (axum template, e.g. `/v1/Interactions`) with
    /// `method` unanswered for good, without carrying it out: the client waits until it gives
    /// up or its process dies. Tests stop a process at a known step this way.
    pub fn hold_next(&self, method: &str, route: &str) {
        self.shared
            .lock()
            .holds
            .push((method.to_owned(), route.to_owned()));
    }

    /// Requests held by [`TwilioFake::hold_next`] so far, in order.
    #[must_use]
    pub fn held(&self) -> Vec<RecordedRequest> {
        self.shared.lock().held.clone()
    }

    /// Removes holds not used yet.
    pub fn release_holds(&self) {
        self.shared.lock().holds.clear();
    }

    /// Every interaction (Flex task), oldest first.
    #[must_use]
    pub fn interactions(&self) -> Vec<Interaction> {
        self.shared.lock().interactions.values().cloned().collect()
    }

    /// The newest interaction routing `conversation_sid`.
    #[must_use]
    pub fn interaction_for(&self, conversation_sid: &str) -> Option<Interaction> {
        self.shared
            .lock()
            .interactions
            .values()
            .rev()
            .find(|i| i.conversation_sid.as_deref() == Some(conversation_sid))
            .cloned()
    }

    /// Uploaded media, oldest first.
    #[must_use]
    pub fn media(&self) -> Vec<Media> {
        self.shared.lock().media.values().cloned().collect()
    }

    /// Stored Studio flows.
    #[must_use]
    pub fn flows(&self) -> Vec<Flow> {
        self.shared.lock().flows.values().cloned().collect()
    }

    /// Conversations users, by identity order.
    #[must_use]
    pub fn users(&self) -> Vec<User> {
        self.shared.lock().users.values().cloned().collect()
    }

    /// Every REST request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// A mark to pass to [`requests_since`](Self::requests_since).
    #[must_use]
    pub fn mark(&self) -> RequestMark {
        RequestMark(self.shared.lock().requests.len())
    }

    /// Requests recorded after `mark` was taken.
    #[must_use]
    pub fn requests_since(&self, mark: RequestMark) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .get(mark.0..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    /// How many requests hit `route` (axum template, e.g. `/v1/Conversations/{sid}/Messages`)
    /// with `method`.
    #[must_use]
    pub fn request_count(&self, method: &str, route: &str) -> usize {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is(method, route))
            .count()
    }

    /// Every delivery (webhooks, chatbot calls, Send to Flex), in order.
    #[must_use]
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.lock().deliveries.clone()
    }

    // ----- waiters ----------------------------------------------------------------------

    /// Re-evaluates `check` after every change until it returns `Some`, or `timeout` passes.
    ///
    /// # Errors
    /// [`FakeError::Timeout`] naming `what`.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> Option<T>,
    ) -> Result<T, FakeError> {
        let deadline = Instant::now() + timeout;
        loop {
            // Register interest before checking, so a change between the check and the
            // wait still wakes us.
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check(self) {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(self).ok_or_else(|| FakeError::Timeout {
                    what: what.to_owned(),
                    timeout,
                });
            }
        }
    }

    /// Waits until `conversation` has at least `n` messages; returns them all.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_messages(
        &self,
        conversation: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Message>, FakeError> {
        self.wait_until(
            &format!("{n} messages in {conversation}"),
            timeout,
            |fake| {
                let messages = fake.messages(conversation);
                (messages.len() >= n).then_some(messages)
            },
        )
        .await
    }

    /// Waits for a non-closed conversation with `identity` as participant.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_conversation_with(
        &self,
        identity: &str,
        timeout: Duration,
    ) -> Result<Conversation, FakeError> {
        self.wait_until(
            &format!("a conversation with {identity}"),
            timeout,
            |fake| fake.open_conversation_for(identity),
        )
        .await
    }

    /// Waits for the first interaction of any conversation.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_interaction(&self, timeout: Duration) -> Result<Interaction, FakeError> {
        self.wait_until("an interaction", timeout, |fake| {
            fake.interactions().into_iter().next()
        })
        .await
    }

    /// Waits for an interaction routing `conversation_sid`.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_interaction_for(
        &self,
        conversation_sid: &str,
        timeout: Duration,
    ) -> Result<Interaction, FakeError> {
        self.wait_until(
            &format!("an interaction for {conversation_sid}"),
            timeout,
            |fake| fake.interaction_for(conversation_sid),
        )
        .await
    }

    /// Waits until at least `n` deliveries are recorded; returns them all.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_deliveries(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<DeliveryRecord>, FakeError> {
        self.wait_until(&format!("{n} deliveries"), timeout, |fake| {
            let deliveries = fake.deliveries();
            (deliveries.len() >= n).then_some(deliveries)
        })
        .await
    }

    /// Waits until `route` was hit with `method` at least `n` times; returns those requests.
    ///
    /// # Errors
    /// [`FakeError::Timeout`].
    pub async fn wait_for_requests(
        &self,
        method: &str,
        route: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<RecordedRequest>, FakeError> {
        self.wait_until(&format!("{n} × {method} {route}"), timeout, |fake| {
            let hits: Vec<_> = fake
                .requests()
                .into_iter()
                .filter(|r| r.is(method, route))
                .collect();
            (hits.len() >= n).then_some(hits)
        })
        .await
    }
}
