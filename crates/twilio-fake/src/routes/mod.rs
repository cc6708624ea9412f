//! The HTTP surface: one axum router for every Twilio host the fake replaces.

mod configuration;
mod conversations;
mod flex;
mod media;
mod studio;
mod taskrouter;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::form::FormParams;
use crate::shared::Shared;

/// Builds the fake's router. REST routes need Basic auth; the temporary media URL does not
/// (it stands in for a pre-signed storage URL).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .merge(configuration::routes())
        .merge(conversations::routes())
        .merge(flex::routes())
        .merge(studio::routes())
        .merge(media::routes())
        .merge(taskrouter::routes())
        .route_layer(from_fn_with_state(Arc::clone(&shared), require_auth));
    api.route("/media/{sid}/content", get(media::temporary_content))
        .fallback(not_found)
        // Media uploads exceed axum's 2 MB default; the recorder buffers up to the same bound.
        .layer(DefaultBodyLimit::max(crate::recorder::MAX_BODY_BYTES))
        .layer(from_fn_with_state(
            Arc::clone(&shared),
            crate::recorder::record,
        ))
        .with_state(shared)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(request.uri().path())
}

/// Whether the request carries `X-Twilio-Webhook-Enabled: true`.
pub(crate) fn webhook_enabled(headers: &HeaderMap) -> bool {
    headers
        .get("x-twilio-webhook-enabled")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Parses the query string like a form body.
pub(crate) fn query_params(query: Option<&str>) -> Result<FormParams, ApiError> {
    query.map_or_else(
        || Ok(FormParams::default()),
        |q| FormParams::parse(q.as_bytes()),
    )
}

async fn require_auth(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if is_authorized(&shared, request.headers()) {
        next.run(request).await
    } else {
        let mut response = ApiError::unauthorized().into_response();
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
        response
    }
}

/// Checks HTTP Basic credentials against the configured account SID and auth token,
/// in constant time for the secret part.
fn is_authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(encoded) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(split) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (user, password) = (&decoded[..split], &decoded[split + 1..]);
    let user_ok = user.ct_eq(shared.config.account_sid.as_bytes());
    let password_ok = password.ct_eq(shared.config.auth_token.as_bytes());
    bool::from(user_ok & password_ok)
}
