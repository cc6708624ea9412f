//! `GET /v1/Configuration`: the account's Conversations configuration, which `flexcord setup
//! twilio` reads to check the credentials and the adapter reads for the default service.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::shared::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/v1/Configuration", get(fetch))
}

async fn fetch(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "account_sid": shared.config.account_sid,
        "default_chat_service_sid": shared.config.chat_service_sid,
        "default_messaging_service_sid": null,
        "default_inactive_timer": null,
        "default_closed_timer": null,
        "url": shared.url("/v1/Configuration"),
        "links": {},
    }))
}
