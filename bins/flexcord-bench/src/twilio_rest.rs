//! A minimal Twilio fake for the benchmark: answers the REST calls flexcord (Conversations v1,
//! Flex Interactions v1) and the model of the original design (Flex Channels v1, Programmable
//! Chat v2) make, counts them by kind and timestamps each one on arrival.
//!
//! Not `twilio-fake`: that one is a faithful stateful fake that also *sends* webhooks back
//! (each bridge post would echo to the bridge as `Source=API`), and its request log has no
//! timestamps. On the hot path this fake does a fixed, small amount of work per request.
//!
//! Like Twilio it can limit each account's concurrent requests ([`TwilioRest::set_concurrency`]):
//! a request arriving while that many are still being answered gets `429` with Twilio's error
//! 20429 body, and is not processed. Every answer, a `429` included, leaves [`TwilioRest::rtt`]
//! after its request arrived.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::fake_server::{RequestLog, Rtt, Served, lock};

/// What a request was, by route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TwilioCall {
    /// `GET /v1/ParticipantConversations`
    FindConversations,
    /// `POST /v1/Conversations`
    CreateConversation,
    /// `GET /v1/Conversations/{CH or unique name}` (the hand-off looks for its conversation
    /// before creating it)
    FetchConversation,
    /// `GET /v1/Conversations/{CH}/Webhooks` (a resumed hand-off lists them first)
    ListWebhooks,
    /// `GET /v1/Workspaces/{WS}/Tasks` (TaskRouter: the hand-off's task, looked for first)
    FindTask,
    /// `GET /v1/Interactions/{KD}/Channels/{UO}` (the interaction channel read back)
    FetchInteractionChannel,
    /// `POST /v1/Conversations/{CH}/Participants`
    AddParticipant,
    /// `POST /v1/Users/{identity}`
    UpdateUser,
    /// `POST /v1/Conversations/{CH}/Webhooks`
    CreateWebhook,
    /// `POST /v1/Conversations/{CH}/Messages` or (legacy) `…/Channels/{CH}/Messages`
    CreateMessage,
    /// `GET …/Messages` (either API)
    ListMessages,
    /// `POST /v1/Interactions`
    CreateInteraction,
    /// Legacy: `POST /v1/Channels` (Flex channel create-or-get)
    LegacyFlexChannel,
    /// Legacy: `GET /v2/Services/{IS}/Users/{identity}/Channels`
    LegacyUserChannels,
    /// Legacy: `POST /v2/Services/{IS}/Channels/{CH}/Webhooks`
    LegacyCreateWebhook,
    /// Legacy: `GET /v2/Services/{IS}/Users/{identity}`
    LegacyFetchUser,
    /// Anything else.
    Other,
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct TwilioRecord {
    /// When it arrived (before any work).
    pub at: Instant,
    /// What it was.
    pub call: TwilioCall,
    /// The conversation / channel it addressed, when any.
    pub conversation: Option<String>,
    /// `Author` (message creates).
    pub author: Option<String>,
    /// `Body` (message creates).
    pub body: Option<String>,
    /// The status answered (429: over the concurrency limit, not processed).
    pub status: u16,
}

#[derive(Debug, Default)]
struct World {
    /// Conversation SID of each customer identity (from participant adds / Flex channels).
    by_identity: HashMap<String, String>,
    /// Last message attributes per conversation (the original design reads them back).
    last_attributes: HashMap<String, String>,
    /// Message creates per conversation.
    messages: HashMap<String, u32>,
    /// Conversations created with a `UniqueName`, by that name.
    by_unique_name: HashMap<String, Value>,
}

#[derive(Debug)]
struct Inner {
    log: RequestLog<TwilioRecord>,
    world: Mutex<World>,
    next: AtomicU64,
    rtt: Rtt,
    /// Concurrent requests allowed (0: no limit).
    concurrency: AtomicUsize,
    /// Requests accepted and not yet answered.
    in_flight: AtomicUsize,
}

/// Counts one accepted request as in flight until dropped (also when the client goes away
/// before the answer).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Inner {
    /// Admits a request under the concurrency limit, or `None` when the limit is full.
    fn admit(&self) -> Option<InFlight<'_>> {
        let limit = self.concurrency.load(Ordering::SeqCst);
        let admitted = self
            .in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (limit == 0 || n < limit).then_some(n + 1)
            })
            .is_ok();
        admitted.then(|| InFlight(&self.in_flight))
    }
}

/// The running fake. Dropping it stops the server.
#[derive(Debug)]
pub struct TwilioRest {
    inner: Arc<Inner>,
    served: Served,
}

impl TwilioRest {
    /// Starts on `127.0.0.1:0`.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start() -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            log: RequestLog::with_capacity(128 * 1024),
            world: Mutex::default(),
            next: AtomicU64::new(1),
            rtt: Rtt::default(),
            concurrency: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
        });
        let served = Served::start(handle, Arc::clone(&inner)).await?;
        Ok(Self { inner, served })
    }

    /// `http://127.0.0.1:P` for `TWILIO_API_BASE_URL`.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.served.addr())
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> &RequestLog<TwilioRecord> {
        &self.inner.log
    }

    /// The round trip added to every answer.
    #[must_use]
    pub fn rtt(&self) -> &Rtt {
        &self.inner.rtt
    }

    /// Allows at most `limit` requests being answered at once (`None`: no limit), as Twilio
    /// limits an account's concurrent requests.
    pub fn set_concurrency(&self, limit: Option<usize>) {
        self.inner
            .concurrency
            .store(limit.unwrap_or(0), Ordering::SeqCst);
    }

    /// Requests accepted and not answered yet.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// How many messages were created in `conversation` so far.
    #[must_use]
    pub fn messages_in(&self, conversation: &str) -> u32 {
        lock(&self.inner.world)
            .messages
            .get(conversation)
            .copied()
            .unwrap_or(0)
    }

    /// The conversation opened for `identity`, if any.
    #[must_use]
    pub fn conversation_of(&self, identity: &str) -> Option<String> {
        lock(&self.inner.world).by_identity.get(identity).cloned()
    }
}

fn sid(inner: &Inner, prefix: &str) -> String {
    let n = inner.next.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{n:032x}")
}

fn page(key: &str, items: &[Value]) -> Value {
    json!({ key: items, "meta": { "key": key, "next_page_url": null, "page": 0, "page_size": 50 } })
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let param = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let path = uri.path().to_owned();
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let Some(_in_flight) = inner.admit() else {
        let call = classify(&method, &seg);
        let conversation = match seg.as_slice() {
            ["v1", "Conversations", ch, ..] | ["v2", "Services", _, "Channels", ch, ..] => {
                Some((*ch).to_owned())
            }
            _ => None,
        };
        inner.log.push(TwilioRecord {
            at,
            call,
            conversation,
            author: param("Author").or_else(|| param("From")),
            body: param("Body"),
            status: 429,
        });
        inner.rtt.wait(at).await;
        return too_many_requests();
    };

    let (call, conversation, status, reply) = match (&method, seg.as_slice()) {
        (&Method::GET, ["v1", "ParticipantConversations"]) => (
            TwilioCall::FindConversations,
            None,
            StatusCode::OK,
            page("conversations", &[]),
        ),
        (&Method::POST, ["v1", "Conversations"]) => {
            let sid = sid(&inner, "CH");
            let reply = json!({ "sid": sid, "state": "active",
                "friendly_name": param("FriendlyName"), "unique_name": param("UniqueName"),
                "attributes": param("Attributes").unwrap_or_else(|| "{}".into()) });
            if let Some(name) = param("UniqueName") {
                lock(&inner.world)
                    .by_unique_name
                    .insert(name, reply.clone());
            }
            (
                TwilioCall::CreateConversation,
                Some(sid),
                StatusCode::CREATED,
                reply,
            )
        }
        (&Method::GET, ["v1", "Conversations", name]) => {
            // Only the hand-off's unique names are looked up; percent-encoded in the path.
            let name = name.replace("%3A", ":").replace("%3a", ":");
            match lock(&inner.world).by_unique_name.get(&name).cloned() {
                Some(found) => (
                    TwilioCall::FetchConversation,
                    found["sid"].as_str().map(str::to_owned),
                    StatusCode::OK,
                    found,
                ),
                None => (
                    TwilioCall::FetchConversation,
                    None,
                    StatusCode::NOT_FOUND,
                    json!({ "code": 20404, "message": "The requested resource was not found",
                        "status": 404 }),
                ),
            }
        }
        (&Method::GET, ["v1", "Conversations", ch, "Webhooks"]) => (
            TwilioCall::ListWebhooks,
            Some((*ch).to_owned()),
            StatusCode::OK,
            page("webhooks", &[]),
        ),
        (&Method::GET, ["v1", "Workspaces", _, "Tasks"]) => (
            TwilioCall::FindTask,
            None,
            StatusCode::OK,
            page("tasks", &[]),
        ),
        (&Method::GET, ["v1", "Interactions", kd, "Channels", uo]) => (
            TwilioCall::FetchInteractionChannel,
            None,
            StatusCode::OK,
            json!({ "sid": uo, "interaction_sid": kd, "type": "chat", "status": "active" }),
        ),
        (&Method::POST, ["v1", "Conversations", ch, "Participants"]) => {
            let identity = param("Identity");
            if let Some(identity) = &identity {
                lock(&inner.world)
                    .by_identity
                    .insert(identity.clone(), (*ch).to_owned());
            }
            let reply =
                json!({ "sid": sid(&inner, "MB"), "conversation_sid": ch, "identity": identity });
            (
                TwilioCall::AddParticipant,
                Some((*ch).to_owned()),
                StatusCode::CREATED,
                reply,
            )
        }
        (&Method::POST, ["v1", "Users", identity]) => {
            let reply = json!({ "sid": sid(&inner, "US"), "identity": identity,
                "friendly_name": param("FriendlyName") });
            (TwilioCall::UpdateUser, None, StatusCode::OK, reply)
        }
        (&Method::POST, ["v1", "Conversations", ch, "Webhooks"]) => {
            let reply =
                json!({ "sid": sid(&inner, "WH"), "conversation_sid": ch, "target": "webhook" });
            (
                TwilioCall::CreateWebhook,
                Some((*ch).to_owned()),
                StatusCode::CREATED,
                reply,
            )
        }
        (
            &Method::POST,
            ["v1", "Conversations", ch, "Messages"]
            | ["v2", "Services", _, "Channels", ch, "Messages"],
        ) => {
            {
                let mut world = lock(&inner.world);
                *world.messages.entry((*ch).to_owned()).or_insert(0) += 1;
                if let Some(a) = param("Attributes") {
                    world.last_attributes.insert((*ch).to_owned(), a);
                }
            }
            let reply = json!({ "sid": sid(&inner, "IM"), "conversation_sid": ch, "channel_sid": ch,
                "author": param("Author").or_else(|| param("From")), "body": param("Body"),
                "attributes": param("Attributes").unwrap_or_else(|| "{}".into()) });
            (
                TwilioCall::CreateMessage,
                Some((*ch).to_owned()),
                StatusCode::CREATED,
                reply,
            )
        }
        (
            &Method::GET,
            ["v1", "Conversations", ch, "Messages"]
            | ["v2", "Services", _, "Channels", ch, "Messages"],
        ) => {
            let attributes = lock(&inner.world).last_attributes.get(*ch).cloned();
            let items = attributes
                .map(|a| vec![json!({ "sid": sid(&inner, "IM"), "attributes": a, "body": "" })])
                .unwrap_or_default();
            (
                TwilioCall::ListMessages,
                Some((*ch).to_owned()),
                StatusCode::OK,
                page("messages", &items),
            )
        }
        (&Method::POST, ["v1", "Interactions"]) => {
            let channel = param("Channel").unwrap_or_default();
            let conversation = serde_json::from_str::<Value>(&channel).ok().and_then(|c| {
                c.pointer("/properties/media_channel_sid")?
                    .as_str()
                    .map(str::to_owned)
            });
            let reply = json!({ "sid": sid(&inner, "KD"),
                "channel": { "sid": sid(&inner, "UO"), "type": "chat" } });
            (
                TwilioCall::CreateInteraction,
                conversation,
                StatusCode::CREATED,
                reply,
            )
        }
        (&Method::POST, ["v1", "Channels"]) => {
            let identity = param("Identity").unwrap_or_default();
            let ch = {
                let mut world = lock(&inner.world);
                match world.by_identity.get(&identity) {
                    Some(ch) => ch.clone(),
                    None => {
                        let ch = sid(&inner, "CH");
                        world.by_identity.insert(identity, ch.clone());
                        ch
                    }
                }
            };
            let reply = json!({ "sid": ch, "flex_flow_sid": param("FlexFlowSid") });
            (
                TwilioCall::LegacyFlexChannel,
                Some(ch),
                StatusCode::CREATED,
                reply,
            )
        }
        (&Method::GET, ["v2", "Services", _, "Users", identity, "Channels"]) => {
            let identity = identity.replace("%3A", ":");
            let ch = lock(&inner.world).by_identity.get(&identity).cloned();
            let items: Vec<Value> = ch
                .iter()
                .map(|c| json!({ "channel_sid": c, "status": "joined" }))
                .collect();
            (
                TwilioCall::LegacyUserChannels,
                ch,
                StatusCode::OK,
                page("channels", &items),
            )
        }
        (&Method::GET, ["v2", "Services", _, "Users", identity]) => {
            let reply =
                json!({ "sid": sid(&inner, "US"), "identity": identity.replace("%3A", ":") });
            (TwilioCall::LegacyFetchUser, None, StatusCode::OK, reply)
        }
        (&Method::POST, ["v2", "Services", _, "Channels", ch, "Webhooks"]) => {
            let reply = json!({ "sid": sid(&inner, "WH"), "channel_sid": ch });
            (
                TwilioCall::LegacyCreateWebhook,
                Some((*ch).to_owned()),
                StatusCode::CREATED,
                reply,
            )
        }
        _ => (TwilioCall::Other, None, StatusCode::OK, json!({})),
    };
    let record = TwilioRecord {
        at,
        call,
        conversation,
        author: param("Author").or_else(|| param("From")),
        body: param("Body"),
        status: status.as_u16(),
    };
    inner.log.push(record);
    inner.rtt.wait(at).await;
    (status, axum::Json(reply)).into_response()
}

/// Twilio's answer past an account's concurrency limit (error 20429).
fn too_many_requests() -> Response {
    let body = json!({ "code": 20429, "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429 });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// What a request refused before any work would have been, by route.
fn classify(method: &Method, seg: &[&str]) -> TwilioCall {
    match (method, seg) {
        (&Method::GET, ["v1", "ParticipantConversations"]) => TwilioCall::FindConversations,
        (&Method::POST, ["v1", "Conversations"]) => TwilioCall::CreateConversation,
        (&Method::GET, ["v1", "Conversations", _]) => TwilioCall::FetchConversation,
        (&Method::GET, ["v1", "Conversations", _, "Webhooks"]) => TwilioCall::ListWebhooks,
        (&Method::GET, ["v1", "Workspaces", _, "Tasks"]) => TwilioCall::FindTask,
        (&Method::GET, ["v1", "Interactions", _, "Channels", _]) => {
            TwilioCall::FetchInteractionChannel
        }
        (&Method::POST, ["v1", "Conversations", _, "Participants"]) => TwilioCall::AddParticipant,
        (&Method::POST, ["v1", "Users", _]) => TwilioCall::UpdateUser,
        (&Method::POST, ["v1", "Conversations", _, "Webhooks"]) => TwilioCall::CreateWebhook,
        (
            &Method::POST,
            ["v1", "Conversations", _, "Messages"]
            | ["v2", "Services", _, "Channels", _, "Messages"],
        ) => TwilioCall::CreateMessage,
        (
            &Method::GET,
            ["v1", "Conversations", _, "Messages"]
            | ["v2", "Services", _, "Channels", _, "Messages"],
        ) => TwilioCall::ListMessages,
        (&Method::POST, ["v1", "Interactions"]) => TwilioCall::CreateInteraction,
        (&Method::POST, ["v1", "Channels"]) => TwilioCall::LegacyFlexChannel,
        (&Method::GET, ["v2", "Services", _, "Users", _, "Channels"]) => {
            TwilioCall::LegacyUserChannels
        }
        (&Method::GET, ["v2", "Services", _, "Users", _]) => TwilioCall::LegacyFetchUser,
        (&Method::POST, ["v2", "Services", _, "Channels", _, "Webhooks"]) => {
            TwilioCall::LegacyCreateWebhook
        }
        _ => TwilioCall::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_concurrency_limit_requests_are_refused_until_one_is_answered() {
        let inner = Inner {
            log: RequestLog::with_capacity(0),
            world: Mutex::default(),
            next: AtomicU64::new(1),
            rtt: Rtt::default(),
            concurrency: AtomicUsize::new(2),
            in_flight: AtomicUsize::new(0),
        };
        let first = inner.admit();
        let second = inner.admit();
        assert!(first.is_some() && second.is_some());
        assert!(inner.admit().is_none(), "a third request got in");
        assert!(inner.admit().is_none(), "a refusal freed room");
        assert_eq!(inner.in_flight.load(Ordering::SeqCst), 2);
        drop(first);
        assert!(inner.admit().is_some(), "an answered request freed no room");
        inner.concurrency.store(0, Ordering::SeqCst);
        let many: Vec<_> = (0..100).filter_map(|_| inner.admit()).collect();
        assert_eq!(many.len(), 100, "no limit set, yet requests were refused");
    }
}
