//! Media Content Service: upload raw bytes, fetch metadata, download content.
//!
//! Twilio's MCS takes the raw file as the request body with its MIME type as `Content-Type`.
//! How a file name travels is not documented for raw uploads, so the fake is tolerant: it
//! takes `Filename`/`filename` from the query string or `filename=` from a
//! `Content-Disposition` header. Multipart bodies are stored as-is, not parsed.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::Value;

use super::query_params;
use crate::error::ApiError;
use crate::model::Media;
use crate::shared::Shared;

type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/Services/{is}/Media", post(upload))
        .route("/v1/Services/{is}/Media/{me}", get(fetch))
        .route("/v1/Services/{is}/Media/{me}/Content", get(content))
}

fn media(shared: &Shared, service: Option<&str>, sid: &str) -> Result<Media> {
    shared
        .lock()
        .media
        .get(sid)
        .filter(|m| service.is_none_or(|s| m.service_sid == s))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&format!("/v1/Media/{sid}")))
}

/// `filename` from `Content-Disposition: attachment; filename="a.png"`.
fn disposition_filename(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(CONTENT_DISPOSITION)?.to_str().ok()?;
    raw.split(';').find_map(|part| {
        let value = part.trim().strip_prefix("filename=")?;
        Some(value.trim_matches('"').to_owned())
    })
}

async fn upload(
    State(shared): State<Arc<Shared>>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    // Like Twilio's Media Content Service, which answers 400 to an upload with no content.
    if body.is_empty() {
        return Err(ApiError::bad_request("Media content is empty"));
    }
    let query = query_params(query.as_deref())?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let filename = query
        .get("Filename")
        .or_else(|| query.get("filename"))
        .map(str::to_owned)
        .or_else(|| disposition_filename(&headers));
    let media = shared.upload_media(&service, &content_type, filename, body);
    Ok((StatusCode::CREATED, Json(shared.media_json(&media))).into_response())
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    Path((service, sid)): Path<(String, String)>,
) -> Result<Json<Value>> {
    Ok(Json(shared.media_json(&media(
        &shared,
        Some(&service),
        &sid,
    )?)))
}

fn bytes_response(media: Media) -> Response {
    let content_type = HeaderValue::from_str(&media.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    ([(CONTENT_TYPE, content_type)], media.bytes).into_response()
}

async fn content(
    State(shared): State<Arc<Shared>>,
    Path((service, sid)): Path<(String, String)>,
) -> Result<Response> {
    Ok(bytes_response(media(&shared, Some(&service), &sid)?))
}

/// The unauthenticated "direct temporary" URL (a pre-signed storage URL in real Twilio).
pub(super) async fn temporary_content(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
) -> Result<Response> {
    Ok(bytes_response(media(&shared, None, &sid)?))
}
