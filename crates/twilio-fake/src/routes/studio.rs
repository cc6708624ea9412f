//! Studio v2 flows: create, update, fetch (stored only; execution is emulated elsewhere).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::StatusCode;
use serde_json::Value;

use crate::error::ApiError;
use crate::form::FormParams;
use crate::shared::Shared;

type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v2/Flows", post(create_flow))
        .route("/v2/Flows/{fw}", get(fetch_flow).post(update_flow))
}

async fn create_flow(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Response> {
    let flow = shared.save_flow(None, &FormParams::parse(&body)?)?;
    Ok((StatusCode::CREATED, Json(shared.flow_json(&flow))).into_response())
}

async fn update_flow(
    State(shared): State<Arc<Shared>>,
    Path(fw): Path<String>,
    body: Bytes,
) -> Result<Json<Value>> {
    let flow = shared.save_flow(Some(&fw), &FormParams::parse(&body)?)?;
    Ok(Json(shared.flow_json(&flow)))
}

async fn fetch_flow(
    State(shared): State<Arc<Shared>>,
    Path(fw): Path<String>,
) -> Result<Json<Value>> {
    let flow = shared
        .lock()
        .flows
        .get(&fw)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&format!("/v2/Flows/{fw}")))?;
    Ok(Json(shared.flow_json(&flow)))
}
