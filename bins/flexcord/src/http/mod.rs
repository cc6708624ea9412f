//! The HTTP server: Twilio webhooks, Discord's HTTP interactions, `/announce`, health and metrics (axum on hyper/tower),
//! served by [`server`] with timeouts and a connection cap.

#[doc(hidden)]
pub mod announce;
pub mod discord_interactions;
mod health;
pub mod order;
pub mod refusals;
pub mod server;
mod twilio;

use std::sync::Arc;
use std::time::Duration;

use axum::Router as HttpRouter;
use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flexcord_core::Router;
use flexcord_core::log_safe::escape_for_log;
use flexcord_core::ports::SessionStore;
use tokio::sync::{Notify, watch};
use twilio_flex::webhook::SignatureValidator;

use crate::config::Secret;
use crate::metrics::Metrics;

/// Largest request body accepted. Twilio's webhook forms are a few KB (a message body is at most
/// 1,600 characters, attributes 4 KB), a Discord interaction a few KB more (a modal's five text
/// inputs of at most 4,000 characters each); anything near this limit is neither.
pub const MAX_BODY: usize = 64 * 1024;

/// Longest a whole request body may take to arrive once its headers did (a deadline, not a
/// gap between bytes: a body trickling in a byte at a time is cut too). Twilio sends a few KB
/// at once; a body still arriving after this is an attack on connection slots.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The paths Twilio posts webhooks to: all a reverse proxy must pass to flexcord (with Discord's
/// interactions path, when that is served).
pub const WEBHOOK_PATHS: [&str; 4] = [
    twilio::FORWARD_PATH,
    twilio::CHATBOT_PATH,
    twilio::STUDIO_TASK_PATH,
    discord_interactions::PATH,
];

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Decides what events do.
    pub router: Arc<Router>,
    /// For readiness.
    pub store: Arc<dyn SessionStore>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Rung when the router enqueued sends.
    pub outbox_wake: Arc<Notify>,
    /// Checks `X-Twilio-Signature`.
    pub signatures: Arc<SignatureValidator>,
    /// `FLEXCORD_PUBLIC_URL` without a trailing slash: what Twilio signed.
    pub public_url: Arc<str>,
    /// `FLEXCORD_ANNOUNCE_TOKEN`; `None` turns `/announce` off.
    pub announce_token: Option<Secret>,
    /// True while the Discord gateway is connected.
    pub gateway_connected: watch::Receiver<bool>,
    /// Refused requests are logged at most once a minute.
    pub refusals: Arc<refusals::RefusalLog>,
    /// Agent messages pass to the router in `Index` order.
    pub agent_order: Arc<order::AgentOrder>,
    /// Who holds the Discord gateway, and this instance's part (`crate::gateway_owner`).
    pub gateway_owner: watch::Receiver<crate::gateway_owner::GatewayStatus>,
    /// `POST /discord/interactions`; `None` (no `DISCORD_PUBLIC_KEY`) answers 404.
    pub discord_interactions: Option<Arc<discord_interactions::DiscordInteractions>>,
}

/// The routes on one listener: what Twilio and Discord call, and the operator's.
pub fn routes(state: AppState) -> HttpRouter {
    with_limits(public_paths().merge(admin_paths()), state)
}

/// The routes of the public listener when an admin listener is configured
/// (`FLEXCORD_ADMIN_LISTEN`): only what Twilio (and Discord) call, so a reverse proxy has
/// nothing else to filter.
pub fn public_routes(state: AppState) -> HttpRouter {
    with_limits(public_paths(), state)
}

/// The routes of the admin listener: health, readiness, metrics and `/announce`, for the
/// operator's network only.
pub fn admin_routes(state: AppState) -> HttpRouter {
    with_limits(admin_paths(), state)
}

/// The webhook paths (their paths are in `twilio.rs`; the Studio flow and the Flex
/// configuration name them).
fn public_paths() -> HttpRouter<AppState> {
    HttpRouter::new()
        .route(twilio::FORWARD_PATH, post(twilio::forward_to_discord))
        .route(twilio::CHATBOT_PATH, post(twilio::chatbot_to_discord))
        .route(twilio::STUDIO_TASK_PATH, post(twilio::studio_task_created))
        .route(
            discord_interactions::PATH,
            post(discord_interactions::interactions),
        )
}

/// What only the operator calls.
fn admin_paths() -> HttpRouter<AppState> {
    HttpRouter::new()
        .route("/announce", post(announce::announce))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
}

/// The body limits every route shares, and the state.
fn with_limits(paths: HttpRouter<AppState>, state: AppState) -> HttpRouter {
    let read_body = middleware::from_fn_with_state(
        (state.clone(), BODY_READ_TIMEOUT),
        |State((state, timeout)): State<(AppState, Duration)>, request: Request, next: Next| async move {
            read_body_in_time(&state, timeout, request, next).await
        },
    );
    paths
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(read_body)
        .with_state(state)
}

/// Reads the whole body (at most [`MAX_BODY`]) within `timeout` before any handler runs, so a
/// slow or oversized body is answered 408 / 413 and its connection slot freed.
async fn read_body_in_time(
    state: &AppState,
    timeout: Duration,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(error)) => {
            if is_length_limit(&error) {
                refuse(state, "too_large", &path, "request body over 64 KiB");
                (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n").into_response()
            } else {
                let detail = escape_for_log(&error.to_string());
                refuse(state, "unreadable_body", &path, &detail);
                (StatusCode::BAD_REQUEST, "request body could not be read\n").into_response()
            }
        }
        Err(_) => {
            refuse(
                state,
                "slow_body",
                &path,
                "request body not received in time",
            );
            (StatusCode::REQUEST_TIMEOUT, "request body too slow\n").into_response()
        }
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Counts a refused request and logs it at most once a minute (see [`refusals`]).
fn refuse(state: &AppState, reason: &'static str, path: &str, detail: &str) {
    refusals::refuse(&state.metrics, &state.refusals, reason, path, detail);
}

/// Turns a body that could not be read into a counted 413 or 400 (the body was read already
/// by [`read_body_in_time`], so this is a second line of defence).
fn body_rejection(state: &AppState, path: &str, rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        refuse(state, "too_large", path, "request body over 64 KiB");
        (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n").into_response()
    } else {
        let detail = escape_for_log(&rejection.to_string());
        refuse(state, "unreadable_body", path, &detail);
        (StatusCode::BAD_REQUEST, "request body could not be read\n").into_response()
    }
}
