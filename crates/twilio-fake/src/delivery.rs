//! Webhook delivery: one ordered queue per conversation, signed form POSTs, a result log.
//!
//! Events are queued while the store lock is held, so a conversation's events reach the bridge
//! in the order they happened; each conversation's queue is drained by its own task, so a slow
//! answer on one conversation does not hold up the others. Callers on the agent side get a
//! receipt and can await the bridge's answers.

use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::model::{EventSource, Message, ScopedWebhook, WebhookTarget};
use crate::shared::{Shared, Store};
use crate::signature::twilio_signature;

/// The plain-HTTP client webhooks are sent with (targets are local: the bridge under test).
pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// How much of a webhook response body is kept in the log.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

pub(crate) fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// What kind of outbound action a [`DeliveryRecord`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeliveryKind {
    /// A conversation-scoped `Target=webhook` request.
    Webhook,
    /// The Studio flow's HTTP Request widget: to the configured chatbot URL (built-in
    /// emulation), or wherever a stored flow's `make-http-request` widget points.
    Chatbot,
    /// The Studio emulation's Send to Flex (an interaction was created; no HTTP request).
    SendToFlex,
}

/// One outbound action and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryRecord {
    /// Position in the delivery log, from 0.
    pub seq: usize,
    /// What was done.
    pub kind: DeliveryKind,
    /// Conversation the event belongs to.
    pub conversation_sid: String,
    /// `EventType` (`onMessageAdded`, …).
    pub event_type: String,
    /// The scoped webhook (`WH…`) that caused it.
    pub webhook_sid: Option<String>,
    /// Where the request went.
    pub url: Option<String>,
    /// Form parameters sent.
    pub params: Vec<(String, String)>,
    /// `X-Twilio-Signature` sent.
    pub signature: Option<String>,
    /// 0 for the first delivery of an event, then 1, 2… for simulated retries.
    pub attempt: u32,
    /// HTTP status the receiver answered; `None` if the request failed or timed out.
    pub status: Option<u16>,
    /// Transport error or timeout, if any.
    pub error: Option<String>,
    /// Start of the response body (up to 64 KiB, lossy UTF-8).
    pub response_body: String,
    /// For [`DeliveryKind::SendToFlex`]: the interaction created.
    pub interaction_sid: Option<String>,
}

impl DeliveryRecord {
    /// The first value of form parameter `key`.
    #[must_use]
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A conversation event as Twilio would report it, before per-webhook parameters are added.
#[derive(Debug, Clone)]
pub(crate) struct ConversationEvent {
    pub(crate) event_type: &'static str,
    pub(crate) conversation_sid: String,
    pub(crate) source: EventSource,
    /// `ClientIdentity`, for SDK-originated events.
    pub(crate) client_identity: Option<String>,
    /// Event-specific parameters (`MessageSid`, `Body`, …).
    pub(crate) params: Vec<(String, String)>,
    /// The message, for `onMessageAdded` (the Studio emulation reads it).
    pub(crate) message: Option<Message>,
    /// Sent as `I-Twilio-Idempotency-Token`, identical on retries.
    pub(crate) idempotency_token: String,
}

/// The last event queued for a conversation, kept so retries can resend it.
#[derive(Debug, Clone)]
pub(crate) struct LastEvent {
    pub(crate) event: ConversationEvent,
    pub(crate) targets: Vec<ScopedWebhook>,
    pub(crate) attempts: u32,
}

/// A queued delivery.
#[derive(Debug)]
pub(crate) struct Job {
    event: ConversationEvent,
    targets: Vec<ScopedWebhook>,
    attempt: u32,
    /// Retries only resend to `Target=webhook`; the flow is not re-run.
    run_studio: bool,
    done: Option<oneshot::Sender<Vec<DeliveryRecord>>>,
}

/// Resolves when every delivery of one event has finished.
#[derive(Debug)]
pub(crate) struct Receipt(oneshot::Receiver<Vec<DeliveryRecord>>);

impl Receipt {
    /// Waits for the deliveries; `None` if the queue was torn down first.
    pub(crate) async fn wait(self) -> Option<Vec<DeliveryRecord>> {
        self.0.await.ok()
    }
}

impl Shared {
    /// Queues `event` for the conversation's current scoped webhooks. Call with the store lock
    /// held, right after the change it reports, so queue order equals change order.
    pub(crate) fn enqueue(&self, store: &mut Store, event: ConversationEvent) -> Receipt {
        let targets = store
            .conversations
            .get(&event.conversation_sid)
            .map(|c| c.webhooks.clone())
            .unwrap_or_default();
        store.last_events.insert(
            event.conversation_sid.clone(),
            LastEvent {
                event: event.clone(),
                targets: targets.clone(),
                attempts: 0,
            },
        );
        self.push_job(store, event, targets, 0, true)
    }

    /// Queues another attempt of the conversation's last event (a simulated Twilio retry).
    pub(crate) fn enqueue_retry(
        &self,
        store: &mut Store,
        conversation_sid: &str,
    ) -> Option<Receipt> {
        let last = store.last_events.get_mut(conversation_sid)?;
        last.attempts += 1;
        let (event, targets, attempt) = (last.event.clone(), last.targets.clone(), last.attempts);
        Some(self.push_job(store, event, targets, attempt, false))
    }

    fn push_job(
        &self,
        store: &mut Store,
        event: ConversationEvent,
        targets: Vec<ScopedWebhook>,
        attempt: u32,
        run_studio: bool,
    ) -> Receipt {
        let (done, receipt) = oneshot::channel();
        let conversation_sid = event.conversation_sid.clone();
        let job = Job {
            event,
            targets,
            attempt,
            run_studio,
            done: Some(done),
        };
        let sender = store
            .queues
            .entry(conversation_sid)
            .or_insert_with(|| spawn_queue(self.me.clone()));
        if let Err(mpsc::error::SendError(mut job)) = sender.send(job) {
            // The worker only stops when the fake is being dropped; report "no deliveries".
            if let Some(done) = job.done.take() {
                let _ = done.send(Vec::new());
            }
        }
        Receipt(receipt)
    }
}

fn spawn_queue(shared: Weak<Shared>) -> mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        while let Some(mut job) = rx.recv().await {
            let Some(shared) = shared.upgrade() else {
                break;
            };
            let records = deliver_job(&shared, &job).await;
            if let Some(done) = job.done.take() {
                // The caller may have stopped waiting; that is fine.
                let _ = done.send(records);
            }
        }
    });
    tx
}

async fn deliver_job(shared: &Arc<Shared>, job: &Job) -> Vec<DeliveryRecord> {
    let mut records = Vec::new();
    for webhook in &job.targets {
        match webhook.target {
            WebhookTarget::Webhook => {
                let Some(url) = webhook.url.as_deref() else {
                    continue;
                };
                if !webhook.filters.iter().any(|f| f == job.event.event_type) {
                    continue;
                }
                let params = webhook_params(shared, &job.event, webhook, job.attempt);
                let outcome = send_signed(
                    shared,
                    &webhook.method,
                    url,
                    &params,
                    Some(&job.event.idempotency_token),
                )
                .await;
                records.push(shared.record_delivery(DeliveryRecord {
                    seq: 0,
                    kind: DeliveryKind::Webhook,
                    conversation_sid: job.event.conversation_sid.clone(),
                    event_type: job.event.event_type.to_owned(),
                    webhook_sid: Some(webhook.sid.clone()),
                    url: Some(url.to_owned()),
                    signature: Some(outcome.signature),
                    params,
                    attempt: job.attempt,
                    status: outcome.status,
                    error: outcome.error,
                    response_body: outcome.body,
                    interaction_sid: None,
                }));
            }
            WebhookTarget::Studio if job.run_studio => {
                records.extend(crate::studio::run_flow(shared, &job.event, webhook).await);
            }
            WebhookTarget::Studio | WebhookTarget::Trigger => {}
        }
    }
    records
}

/// The full parameter set Twilio sends to one scoped webhook.
fn webhook_params(
    shared: &Shared,
    event: &ConversationEvent,
    webhook: &ScopedWebhook,
    attempt: u32,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = vec![
        ("AccountSid".into(), shared.config.account_sid.clone()),
        ("EventType".into(), event.event_type.to_owned()),
        ("ConversationSid".into(), event.conversation_sid.clone()),
        (
            "ChatServiceSid".into(),
            shared.config.chat_service_sid.clone(),
        ),
        ("WebhookSid".into(), webhook.sid.clone()),
        ("WebhookType".into(), webhook.target.as_str().to_owned()),
        ("Source".into(), event.source.as_str().to_owned()),
        ("RetryCount".into(), attempt.to_string()),
    ];
    if let Some(identity) = &event.client_identity {
        params.push(("ClientIdentity".into(), identity.clone()));
    }
    params.extend(event.params.iter().cloned());
    params
}

/// What came back from one signed request.
#[derive(Debug)]
pub(crate) struct PostOutcome {
    pub(crate) signature: String,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) body: String,
}

/// Sends `params` signed to `url`, bounded by the configured timeout: as a form-encoded POST
/// body, or for `method` `GET` appended to the query string (then only the URL is signed,
/// as Twilio does for GET webhooks).
pub(crate) async fn send_signed(
    shared: &Shared,
    method: &str,
    url: &str,
    params: &[(String, String)],
    idempotency_token: Option<&str>,
) -> PostOutcome {
    let (target, body, signature) = if method.eq_ignore_ascii_case("GET") {
        let query = serde_urlencoded::to_string(params).unwrap_or_default();
        let separator = if url.contains('?') { '&' } else { '?' };
        let full = format!("{url}{separator}{query}");
        let signature = twilio_signature::<&str, &str>(&shared.config.auth_token, &full, &[]);
        (full, None, signature)
    } else {
        let signature = twilio_signature(&shared.config.auth_token, url, params);
        let body = serde_urlencoded::to_string(params).unwrap_or_default();
        (url.to_owned(), Some(body), signature)
    };
    let result = tokio::time::timeout(
        shared.config.webhook_timeout,
        send(shared, &target, body, &signature, idempotency_token),
    )
    .await
    .unwrap_or_else(|_| {
        Err(format!(
            "timed out after {:?}",
            shared.config.webhook_timeout
        ))
    });
    match result {
        Ok((status, body)) => PostOutcome {
            signature,
            status: Some(status),
            error: None,
            body,
        },
        Err(error) => {
            tracing::debug!(%url, %error, "twilio-fake webhook delivery failed");
            PostOutcome {
                signature,
                status: None,
                error: Some(error),
                body: String::new(),
            }
        }
    }
}

async fn send(
    shared: &Shared,
    url: &str,
    form_body: Option<String>,
    signature: &str,
    idempotency_token: Option<&str>,
) -> Result<(u16, String), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("invalid URL {url}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!(
            "twilio-fake only delivers to http:// URLs, not {url}"
        ));
    }
    let mut builder = http::Request::builder()
        .uri(uri)
        .header(USER_AGENT, "TwilioProxy/1.1")
        .header("X-Twilio-Signature", signature);
    builder = match &form_body {
        Some(_) => builder
            .method(http::Method::POST)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded"),
        None => builder.method(http::Method::GET),
    };
    if let Some(token) = idempotency_token {
        builder = builder.header("I-Twilio-Idempotency-Token", token);
    }
    let request = builder
        .body(Full::new(Bytes::from(form_body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let response = shared
        .client
        .request(request)
        .await
        .map_err(|e| format!("request to {url} failed: {e}"))?;
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// How long the agent-side API waits for a conversation's queue before giving up; generous
/// because every delivery in front of it may take the full webhook timeout.
pub(crate) fn receipt_bound(shared: &Shared) -> Duration {
    shared.config.webhook_timeout * 20
}
