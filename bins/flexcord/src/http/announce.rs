//! `POST /announce`: `Authorization: Bearer <FLEXCORD_ANNOUNCE_TOKEN>`, JSON
//! `{"id"?, "title", "body", "url"?}`; each item (same `id`, or same title + body without one)
//! is posted to `#announcements` once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexcord_core::content::Announcement;
use flexcord_core::router::Outcome;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AppState, body_rejection, refuse};

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnounceRequest {
    id: Option<String>,
    title: String,
    body: String,
    url: Option<String>,
}

const MAX_TITLE: usize = 256;
const MAX_BODY: usize = 4_000;
const MAX_ID: usize = 200;

/// Handles `POST /announce`.
pub(super) async fn announce(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(expected) = state.announce_token.as_ref() else {
        // Off unless configured: answer as if the route did not exist.
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(given) = bearer(&headers) else {
        refuse(
            &state,
            "announce_unauthenticated",
            "/announce",
            "no bearer token",
        );
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing bearer token\n",
        )
            .into_response();
    };
    if !bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
        refuse(
            &state,
            "announce_forbidden",
            "/announce",
            "wrong bearer token",
        );
        return (StatusCode::FORBIDDEN, "wrong token\n").into_response();
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_rejection(&state, "/announce", &rejection),
    };
    let (key, announcement) = match parse_request(&body) {
        Ok(parsed) => parsed,
        Err(BodyProblem::Malformed(error)) => {
            let detail = flexcord_core::log_safe::escape_for_log(&error);
            refuse(&state, "announce_malformed", "/announce", &detail);
            return (
                StatusCode::BAD_REQUEST,
                format!("invalid announcement JSON: {error}\n"),
            )
                .into_response();
        }
        Err(BodyProblem::Invalid(problem)) => {
            refuse(&state, "announce_invalid", "/announce", &problem);
            return (StatusCode::UNPROCESSABLE_ENTITY, format!("{problem}\n")).into_response();
        }
    };
    let result = state
        .router
        .announce(&format!("api:{key}"), announcement)
        .await;
    crate::report::handled(&state.metrics, "announce", &result);
    match result {
        Ok(handled) => {
            if handled.enqueued > 0 {
                state.outbox_wake.notify_one();
            }
            let status = if handled.outcome == Outcome::Duplicate {
                "duplicate"
            } else {
                "accepted"
            };
            (
                StatusCode::ACCEPTED,
                Json(serde_json::json!({ "status": status, "key": key })),
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "could not record the announcement\n",
        )
            .into_response(),
    }
}

/// Why an `/announce` body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    /// Not the JSON an announcement is (400).
    Malformed(String),
    /// JSON, but a field breaks a rule (422).
    Invalid(String),
}

/// The body checks `/announce` applies, without the HTTP around it: the announcement and its
/// deduplication key, or why it was refused. The handler and the fuzz targets in `fuzz/` share it.
#[doc(hidden)]
pub fn parse_request(body: &[u8]) -> Result<(String, Announcement), BodyProblem> {
    let request: AnnounceRequest =
        serde_json::from_slice(body).map_err(|e| BodyProblem::Malformed(e.to_string()))?;
    validate(&request).map_err(BodyProblem::Invalid)?;
    let key = request
        .id
        .clone()
        .unwrap_or_else(|| content_key(&request.title, &request.body));
    Ok((
        key,
        Announcement {
            title: request.title,
            body: request.body,
            url: request.url,
        },
    ))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn validate(request: &AnnounceRequest) -> Result<(), String> {
    if request.title.trim().is_empty() {
        return Err("title must not be empty".into());
    }
    if request.title.chars().count() > MAX_TITLE {
        return Err(format!("title longer than {MAX_TITLE} characters"));
    }
    if request.body.chars().count() > MAX_BODY {
        return Err(format!("body longer than {MAX_BODY} characters"));
    }
    if request
        .id
        .as_ref()
        .is_some_and(|id| id.is_empty() || id.len() > MAX_ID)
    {
        return Err(format!("id must be 1 to {MAX_ID} bytes"));
    }
    if let Some(url) = &request.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err("url must be an http(s) URL".into());
    }
    Ok(())
}

/// The identity of an announcement without an id: its title and body.
fn content_key(title: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(title.trim().as_bytes());
    hasher.update([0]);
    hasher.update(body.trim().as_bytes());
    let digest = hasher.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}
