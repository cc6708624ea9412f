//! Twilio-facing endpoints: `POST /forward-to-discord` (conversation-scoped webhooks) and
//! `POST /chatbot-to-discord` (the Studio flow's HTTP Request widget).
//!
//! Order of checks, each with its own answer and counter: body size (413), signature against
//! `FLEXCORD_PUBLIC_URL` + path + query (403), payload (400). Then the router records the event
//! (dedupe + session + outbox in one transaction) and the request is answered; delivery happens
//! afterwards in the outbox worker, well inside Twilio's 5 s.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use twilio_flex::webhook::{StudioTurn, WebhookEvent, parse_form_body, to_core_event};

use super::{AppState, body_rejection};

/// Where conversation-scoped webhooks point.
pub(super) const FORWARD_PATH: &str = "/forward-to-discord";
/// Where the Studio flow asks for bot answers.
pub(super) const CHATBOT_PATH: &str = "/chatbot-to-discord";

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
            state.metrics.reject("malformed");
            tracing::warn!(%error, "malformed conversation webhook refused");
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed webhook: {error}\n"),
            )
                .into_response();
        }
    };
    let Some(event) = to_core_event(&event) else {
        // Events flexcord subscribes to but does not act on (a state change to `inactive`…).
        state.metrics.event("flex", "ignored");
        return StatusCode::OK.into_response();
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
            state.metrics.reject("malformed");
            tracing::warn!(%error, "malformed Studio request refused");
            return (
                StatusCode::BAD_REQUEST,
                format!("malformed request: {error}\n"),
            )
                .into_response();
        }
    };
    let Some(event) = to_core_event(&WebhookEvent::from(turn)) else {
        return StatusCode::OK.into_response();
    };
    handle(&state, "studio", event).await
}

/// Size, then signature: returns the form parameters of an authentic request.
#[allow(clippy::result_large_err)] // The error is the response itself, built once per refusal.
fn authenticate(
    state: &AppState,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Vec<(String, String)>, Response> {
    let body = body.map_err(|rejection| body_rejection(state, &rejection))?;
    let params = parse_form_body(&body);
    let url = match query {
        Some(q) => format!("{}{path}?{q}", state.public_url),
        None => format!("{}{path}", state.public_url),
    };
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(error) = state.signatures.validate(&url, &params, signature) {
        let reason = if signature.is_none() {
            "unsigned"
        } else {
            "bad_signature"
        };
        state.metrics.reject(reason);
        tracing::warn!(%error, path, "webhook with a missing or wrong signature refused");
        return Err((StatusCode::FORBIDDEN, "invalid signature\n").into_response());
    }
    Ok(params)
}

async fn handle(
    state: &AppState,
    source: &'static str,
    event: flexcord_core::event::FlexEvent,
) -> Response {
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
