//! Errors: the Twilio-shaped REST error the fake answers with, and the typed error its Rust
//! API returns to tests.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

/// Twilio error code for a message posted to a closed conversation.
///
/// The public sources available to us (reference/twilio.md, the OpenAPI specs) do not name the
/// code Twilio returns here, so this is a documented stand-in in the Conversations 50xxx range;
/// clients should key on the HTTP status (400), not on this number.
pub const CLOSED_CONVERSATION_ERROR_CODE: u32 = 50446;

/// Errors from [`TwilioFake`](crate::TwilioFake)'s Rust API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// Binding or serving the listening socket failed.
    #[error("twilio-fake could not listen: {0}")]
    Io(#[from] std::io::Error),
    /// The named resource does not exist in the fake (Twilio's 404 / 20404).
    #[error("not found: {0}")]
    NotFound(String),
    /// The conversation is closed; Twilio refuses new messages and participants.
    #[error("{0}")]
    ConversationClosed(String),
    /// Any other refusal, with the Twilio error the REST API would have returned.
    #[error("rejected ({status}/{code}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Twilio error code.
        code: u32,
        /// Twilio error message.
        message: String,
    },
    /// A waiter's condition did not become true in time.
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The bound that elapsed.
        timeout: std::time::Duration,
    },
    /// The webhook delivery queue is gone (the fake is shutting down).
    #[error("webhook delivery queue stopped")]
    DeliveryStopped,
}

/// A Twilio REST error: `{code, message, more_info, status}` with the matching HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 401 / 20003, what Twilio answers to missing or wrong credentials.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 20003, "Authenticate")
    }

    /// 404 / 20404 for an unknown resource at `path`.
    pub(crate) fn not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            20404,
            format!("The requested resource {path} was not found"),
        )
    }

    /// 400 / 20001 for a missing required parameter.
    pub(crate) fn missing_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            20001,
            format!("Missing required parameter {name} in the post body"),
        )
    }

    /// 400 / 20001 for an invalid parameter or body.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 20001, message)
    }

    /// 400 / [`CLOSED_CONVERSATION_ERROR_CODE`] for writes to a closed conversation.
    pub(crate) fn conversation_closed(sid: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            CLOSED_CONVERSATION_ERROR_CODE,
            format!("Conversation {sid} is closed"),
        )
    }

    /// The same error with another Twilio code.
    pub(crate) fn with_code(mut self, code: u32) -> Self {
        self.code = code;
        self
    }

    /// 409 / 50353 when a unique name or identity is already taken.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 50353, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "code": self.code,
            "message": self.message,
            "more_info": format!("https://www.twilio.com/docs/errors/{}", self.code),
            "status": self.status.as_u16(),
        });
        (self.status, Json(body)).into_response()
    }
}

impl From<ApiError> for FakeError {
    fn from(error: ApiError) -> Self {
        match error.code {
            20404 => Self::NotFound(error.message),
            CLOSED_CONVERSATION_ERROR_CODE => Self::ConversationClosed(error.message),
            code => Self::Rejected {
                status: error.status.as_u16(),
                code,
                message: error.message,
            },
        }
    }
}
