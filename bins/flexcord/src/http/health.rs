//! `GET /healthz` (the process answers), `GET /readyz` (store reachable and writable, gateway
//! connected where this instance holds it; which instance does), `GET /metrics` (Prometheus
//! text).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use flexcord_core::log_safe::escape_for_log;

use super::AppState;
use crate::gateway_owner::Role;

/// Liveness: the process is up and serving.
pub(super) async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: can this instance do its job right now? The store must answer a ping *and* its
/// last commit must not have failed: with the disk full or the file read-only the ping still
/// answers while every input is refused (the write flag comes from the store, through the
/// `store_writes_failing` gauge; see `store_health`).
pub(super) async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let store_reachable = state.store.ping().await.is_ok();
    let writes_failing = state.metrics.store_writes_failing.get() > 0;
    let connected = *state.gateway_connected.borrow();
    let owner = state.gateway_owner.borrow().clone();
    // A standby (or `FLEXCORD_GATEWAY=off`) instance serves webhooks and the outbox without a
    // gateway of its own: it is ready. The holder is ready once connected.
    let (gateway_ok, gateway) = match owner.role {
        Role::Holder if connected => (true, "connected"),
        Role::Holder | Role::Starting => (false, "disconnected"),
        Role::Standby => (true, "standby"),
        Role::Off => (true, "off"),
    };
    let store = match (store_reachable, writes_failing) {
        (false, _) => "unreachable",
        (true, true) => "writes failing",
        (true, false) => "ok",
    };
    // Instance ids are ours (host name and pid, checked when made) or read from our own table.
    let body = format!(
        "store: {store}\ngateway: {gateway}\ngateway owner: {}\ninstance: {}\n",
        escape_for_log(owner.owner.as_deref().unwrap_or("none")),
        escape_for_log(&owner.instance),
    );
    let status = if store == "ok" && gateway_ok {
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
