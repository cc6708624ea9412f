//! Twilio-facing endpoints: `POST /forward-to-discord` (conversation-scoped webhooks) and
//! `POST /chatbot-to-discord` (the Studio flow's HTTP Request widget) and
//! `POST /studio-task-created` (the flow's report after Send to Flex).
//!
//! Order of checks, each with its own answer and counter: body size (413) and read time (408),
//! signature against `FLEXCORD_PUBLIC_URL` + path + query (403), payload (400). The signature
//! comes in either of Twilio's variants: a form body signed with its parameters, or — when the
//! URL carries `bodySHA256` — a JSON body signed through its SHA-256 (checked in constant
//! time), the signature then covering the URL alone. Then the router records the event (dedupe,
//! session and outbox in one transaction) and the request is answered; delivery happens
//! afterwards in the outbox worker, well inside Twilio's 5 s. Agent messages of a conversation
//! are handed to the router in `Index` order (see [`super::order`]).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use flexcord_core::event::{FlexEvent, MessageOrigin};
use flexcord_core::log_safe::escape_for_log;
use twilio_flex::webhook::{
    StudioTaskCreated, StudioTurn, WebhookEvent, parse_form_body, signs_body_by_hash, to_core_event,
};

use super::order::AgentOrder;
use super::{AppState, body_rejection, refuse};

/// Where conversation-scoped webhooks point.
pub(super) const FORWARD_PATH: &str = "/forward-to-discord";
/// Where the Studio flow asks for bot answers.
pub(super) const CHATBOT_PATH: &str = "/chatbot-to-discord";
/// Where the Studio flow reports the task its Send to Flex created.
pub(super) const STUDIO_TASK_PATH: &str = "/studio-task-created";

/// Longest request identity (a `MessageSid`, an idempotency token) kept as a dedupe key.
const MAX_REQUEST_ID: usize = 128;

/// Handles a conversation-scoped webhook.
pub(super) async fn forward_to_discord(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match authenticate(&state, FORWARD_PATH, uri.query(), &headers, body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let event = match WebhookEvent::from_params(&params) {
        Ok(event) => event,
        Err(error) => {
            let detail = escape_for_log(&error.to_string());
            refuse(&state, "malformed", FORWARD_PATH, &detail);
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed webhook: {error}\n"),
            )
                .into_response();
        }
    };
    let index = match &event {
        WebhookEvent::MessageAdded(m) => m.index,
        _ => None,
    };
    let Some(event) = to_core_event(&event) else {
        // Events flexcord subscribes to but does not act on (a state change to `inactive`…).
        state.metrics.event("flex", "ignored");
        return StatusCode::OK.into_response();
    };
    // Agent messages pass in `Index` order; every message (the bridge's own echoes and the
    // customer's too, which never wait) marks its index handled when the router is done or the
    // request is dropped.
    let _turn = match index {
        Some(index) => {
            let conversation = event.conversation().as_str();
            let agent = matches!(
                event,
                FlexEvent::MessageAdded {
                    origin: MessageOrigin::Sdk,
                    ..
                }
            );
            Some(Turn::take(&state.agent_order, conversation, index, agent).await)
        }
        None => None,
    };
    handle(&state, "flex", event).await
}

/// Handles the Studio flow's request for a bot answer.
pub(super) async fn chatbot_to_discord(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match authenticate(&state, CHATBOT_PATH, uri.query(), &headers, body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let turn = match StudioTurn::from_params(&params) {
        Ok(turn) => turn,
        Err(error) => {
            let detail = escape_for_log(&error.to_string());
            refuse(&state, "malformed", CHATBOT_PATH, &detail);
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed request: {error}\n"),
            )
                .into_response();
        }
    };
    let Some(mut event) = to_core_event(&WebhookEvent::from(turn)) else {
        return StatusCode::OK.into_response();
    };
    if let FlexEvent::BotTurn { request, .. } = &mut event {
        *request = request_identity(&params, &headers);
    }
    handle(&state, "studio", event).await
}

/// The identity of a Studio request, so the same request again is a duplicate: the user
/// message's `MessageSid` (the shipped flow sends it), else Twilio's `I-Twilio-Idempotency-Token`
/// (the same on Twilio's retries). Neither: no identity, every request is answered.
fn request_identity(params: &[(String, String)], headers: &HeaderMap) -> Option<String> {
    let usable = |v: &str| {
        !v.is_empty()
            && v.len() <= MAX_REQUEST_ID
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    };
    params
        .iter()
        .find(|(k, v)| k == "MessageSid" && usable(v))
        .map(|(_, v)| v.clone())
        .or_else(|| {
            headers
                .get("i-twilio-idempotency-token")
                .and_then(|v| v.to_str().ok())
                .filter(|v| usable(v))
                .map(|v| format!("token:{v}"))
        })
}

/// Size, then signature: returns the parameters of an authentic request (from the form, or
/// from the JSON object of a `bodySHA256`-signed request).
#[expect(
    clippy::result_large_err,
    reason = "the error is the response itself, built once per refusal"
)]
fn authenticate(
    state: &AppState,
    path: &'static str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<(String, String)>, Response> {
    let body = body.map_err(|rejection| body_rejection(state, path, &rejection))?;
    let url = match query {
        Some(q) => format!("{}{path}?{q}", state.public_url),
        None => format!("{}{path}", state.public_url),
    };
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(error) = state.signatures.validate_request(&url, &body, signature) {
        let reason = if signature.is_none() {
            "unsigned"
        } else {
            "bad_signature"
        };
        refuse(state, reason, path, &error.to_string());
        return Err((StatusCode::FORBIDDEN, "invalid signature\n").into_response());
    }
    if signs_body_by_hash(&url) || is_json(headers) {
        json_params(&body).map_err(|problem| {
            refuse(state, "malformed", path, problem);
            (
                StatusCode::BAD_REQUEST,
                format!("malformed webhook: {problem}\n"),
            )
                .into_response()
        })
    } else {
        Ok(parse_form_body(&body))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        })
}

/// A JSON webhook body as the parameters its form twin would have: the top-level object's
/// members, strings as they are, numbers and booleans as text, objects and arrays as JSON
/// text (as Twilio sends `Attributes` and `Media` in forms), nulls left out.
fn json_params(body: &[u8]) -> Result<Vec<(String, String)>, &'static str> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    let serde_json::Value::Object(members) = value else {
        return Err("the JSON body is not an object");
    };
    Ok(members
        .into_iter()
        .filter_map(|(name, value)| {
            let text = match value {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            Some((name, text))
        })
        .collect())
}

/// A message's turn in its conversation's `Index` order; ends (lets the next one go) when
/// dropped, whether the router finished or the request was abandoned.
struct Turn<'a> {
    order: &'a AgentOrder,
    conversation: String,
    index: u64,
}

impl<'a> Turn<'a> {
    /// The message's turn: waited for when it is an agent's (`wait`), taken at once otherwise.
    async fn take(order: &'a AgentOrder, conversation: &str, index: u64, wait: bool) -> Self {
        if wait {
            order.turn(conversation, index).await;
        }
        Self {
            order,
            conversation: conversation.to_owned(),
            index,
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.order.handled(&self.conversation, self.index);
    }
}

/// Handles the Studio flow's report that Send to Flex created the task: the router learns
/// the interaction (what "End chat" closes) and detaches the flow from the conversation.
pub(super) async fn studio_task_created(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let params = match authenticate(&state, STUDIO_TASK_PATH, uri.query(), &headers, body) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let report = match StudioTaskCreated::from_params(&params) {
        Ok(report) => report,
        Err(error) => {
            let detail = escape_for_log(&error.to_string());
            refuse(&state, "malformed", STUDIO_TASK_PATH, &detail);
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed request: {error}\n"),
            )
                .into_response();
        }
    };
    let Some(event) = report.to_core_event() else {
        // A flow edited to send other attributes, or a Flex that did not record the
        // interaction: nothing to act on, and retrying would not help. "End chat" then closes
        // the conversation, as before the flow reported tasks.
        tracing::warn!(
            conversation = %report.conversation,
            task = %escape_for_log(report.task.as_deref().unwrap_or("")),
            "the Studio flow reported a task without flexInteractionSid / flexInteractionChannelSid"
        );
        state.metrics.event("studio", "ignored");
        return StatusCode::OK.into_response();
    };
    handle(&state, "studio", event).await
}

async fn handle(state: &AppState, source: &'static str, event: FlexEvent) -> Response {
    let result = state.router.handle_flex(event).await;
    crate::report::handled(&state.metrics, source, &result);
    match result {
        Ok(handled) => {
            if handled.enqueued > 0 {
                state.outbox_wake.notify_one();
            }
            StatusCode::OK.into_response()
        }
        // Nothing was recorded: a 5xx makes Twilio retry later.
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_become_the_parameters_of_their_form_twin() {
        let body = br#"{"EventType":"onMessageAdded","Index":3,"Attributes":{"a":1},"Media":null,"Body":"hi\nthere"}"#;
        let mut got = json_params(body).unwrap();
        got.sort();
        assert_eq!(
            got,
            [
                ("Attributes".to_owned(), r#"{"a":1}"#.to_owned()),
                ("Body".to_owned(), "hi\nthere".to_owned()),
                ("EventType".to_owned(), "onMessageAdded".to_owned()),
                ("Index".to_owned(), "3".to_owned()),
            ]
        );
        assert!(json_params(b"[1,2]").is_err());
        assert!(json_params(b"EventType=x").is_err());
    }

    #[test]
    fn a_studio_request_is_identified_by_its_message_then_by_twilios_token() {
        let mut headers = HeaderMap::new();
        headers.insert("i-twilio-idempotency-token", "abc-123".parse().unwrap());
        let with_sid = vec![("MessageSid".to_owned(), "IM1".to_owned())];
        assert_eq!(
            request_identity(&with_sid, &headers).as_deref(),
            Some("IM1")
        );
        assert_eq!(
            request_identity(&[], &headers).as_deref(),
            Some("token:abc-123")
        );
        assert_eq!(request_identity(&[], &HeaderMap::new()), None);
        let odd = vec![("MessageSid".to_owned(), "a b\r\n".to_owned())];
        assert_eq!(request_identity(&odd, &HeaderMap::new()), None);
    }
}
