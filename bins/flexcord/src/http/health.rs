//! `GET /healthz` (the process answers), `GET /readyz` (store reachable and gateway connected),
//! `GET /metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::AppState;

/// Liveness: the process is up and serving.
pub(super) async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: can this instance do its job right now?
pub(super) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let store_ok = state.store.ping().await.is_ok();
    let gateway_ok = *state.gateway_connected.borrow();
    let body = format!(
        "store: {}\ngateway: {}\n",
        if store_ok { "ok" } else { "unreachable" },
        if gateway_ok {
            "connected"
        } else {
            "disconnected"
        }
    );
    let status = if store_ok && gateway_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

/// Prometheus text exposition.
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
