//! Errors: starting the sandbox, and a page action that cannot be done (answered to the page as
//! an HTTP status with a message, never a panic).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A socket could not be bound or read.
    #[error("sandbox network: {0}")]
    Io(#[from] std::io::Error),
    /// The Twilio emulator did not start.
    #[error("Twilio emulator: {0}")]
    Twilio(#[from] twilio_fake::FakeError),
    /// The HTTP client for the bridge could not be built.
    #[error("HTTP client: {0}")]
    Http(#[from] flexcord_http::Error),
}

/// A page action that failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Malformed or impossible request (400).
    #[error("{0}")]
    Invalid(String),
    /// No such channel, form or conversation (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The bridge is not up yet (503).
    #[error("{0}")]
    NotReady(String),
    /// The bridge refused or failed (502).
    #[error("the bridge answered: {0}")]
    Bridge(String),
    /// The Twilio emulator refused (409: closed conversation, not joined…).
    #[error("Flex: {0}")]
    Flex(#[from] twilio_fake::FakeError),
}

impl IntoResponse for ActionError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Bridge(_) => StatusCode::BAD_GATEWAY,
            Self::Flex(_) => StatusCode::CONFLICT,
        };
        (
            status,
            axum::Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}
