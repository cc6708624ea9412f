//! The REST request log: a middleware that records every request the fake answers.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::CONTENT_TYPE;
use serde::Serialize;

use crate::error::ApiError;
use crate::form::FormParams;
use crate::shared::Shared;

/// Largest request body the fake buffers (media uploads included).
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One REST request as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// Position in the log, from 0.
    pub seq: usize,
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request path, e.g. `/v1/Conversations/CH…/Messages`.
    pub path: String,
    /// The route template that matched, e.g. `/v1/Conversations/{sid}/Messages`.
    pub route: Option<String>,
    /// Query parameters in wire order.
    pub query: Vec<(String, String)>,
    /// Form body parameters in wire order (empty for non-form bodies).
    pub form: Vec<(String, String)>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// Whether `X-Twilio-Webhook-Enabled: true` was sent.
    pub webhook_enabled: bool,
    /// Body length in bytes.
    pub body_len: usize,
    /// HTTP status the fake answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// The first form value of `key`.
    #[must_use]
    pub fn form_value(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this request hit `route` with `method` (e.g. `"POST"`, `"/v1/Conversations"`).
    #[must_use]
    pub fn is(&self, method: &str, route: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.route.as_deref() == Some(route)
    }
}

/// A position in the request log, from [`TwilioFake::mark`](crate::TwilioFake::mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestMark(pub(crate) usize);

/// Middleware: buffers the body, lets the request through, then logs it with its status.
pub(crate) async fn record(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY_BYTES).await else {
        return ApiError::bad_request("Request body too large or unreadable").into_response();
    };
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_form = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form {
        FormParams::parse(&bytes).map(|f| f.0).unwrap_or_default()
    } else {
        Vec::new()
    };
    let query = parts
        .uri
        .query()
        .and_then(|q| FormParams::parse(q.as_bytes()).ok())
        .map(|f| f.0)
        .unwrap_or_default();
    let mut recorded = RecordedRequest {
        seq: 0,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        route: parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned()),
        query,
        form,
        content_type,
        webhook_enabled: crate::routes::webhook_enabled(&parts.headers),
        body_len: bytes.len(),
        status: 0,
    };

    if shared.take_hold(&recorded) {
        // Never answered and never carried out: the caller waits until it gives up or dies
        // (a crash landing while this request is in flight).
        return std::future::pending().await;
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    recorded.status = response.status().as_u16();
    shared.record_request(recorded);
    response
}
