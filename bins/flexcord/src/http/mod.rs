//! The HTTP server: Twilio webhooks, `/announce`, health and metrics (axum on hyper/tower).

#[doc(hidden)]
pub mod announce;
mod health;
mod twilio;

use std::sync::Arc;

use axum::Router as HttpRouter;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flexcord_core::Router;
use flexcord_core::ports::SessionStore;
use tokio::sync::{Notify, watch};
use twilio_flex::webhook::SignatureValidator;

use crate::config::Secret;
use crate::metrics::Metrics;

/// Largest request body accepted. Twilio's webhook forms are a few KB (a message body is at most
/// 1,600 characters, attributes 4 KB); anything near this limit is not Twilio.
pub const MAX_BODY: usize = 64 * 1024;

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
}

/// The routes.
pub fn routes(state: AppState) -> HttpRouter {
    HttpRouter::new()
        .route(twilio::FORWARD_PATH, post(twilio::forward_to_discord))
        .route(twilio::CHATBOT_PATH, post(twilio::chatbot_to_discord))
        .route("/announce", post(announce::announce))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Turns a body that could not be read into a counted 413 or 400.
fn body_rejection(state: &AppState, rejection: &BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        state.metrics.reject("too_large");
        tracing::warn!("request body over {MAX_BODY} bytes refused");
        (StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n").into_response()
    } else {
        state.metrics.reject("unreadable_body");
        tracing::warn!(%rejection, "request body could not be read");
        (StatusCode::BAD_REQUEST, "request body could not be read\n").into_response()
    }
}
