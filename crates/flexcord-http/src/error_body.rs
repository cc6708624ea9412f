//! The error body both of flexcord's remote contracts (`docs/contracts/cases.md`,
//! `docs/contracts/virtual-agent.md`) put on every non-2xx answer, `{"error":{"code","message"}}`,
//! and the one-line summary the adapters log and put in their port errors.

use http::StatusCode;
use serde::{Deserialize, Serialize};

/// `{"error":{"code","message"}}`, the body of every non-2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The server's description of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Machine-readable, such as `validation_failed` or `invalid_session`.
    #[serde(default)]
    pub code: String,
    /// Human-readable.
    #[serde(default)]
    pub message: String,
}

/// `HTTP 422 Unprocessable Entity: validation_failed: title must not be empty` when `body` (the
/// excerpt an [`crate::ErrorKind::Status`] keeps) is an [`ErrorBody`], else the status and the
/// raw body.
#[must_use]
pub fn describe_status(status: StatusCode, body: &str) -> String {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => format!("HTTP {status}: {}: {}", error.code, error.message),
        Err(_) => format!("HTTP {status}: {body}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_following_the_contract_are_summarised() {
        let text = describe_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"error":{"code":"validation_failed","message":"title must not be empty"}}"#,
        );
        assert_eq!(
            text,
            "HTTP 422 Unprocessable Entity: validation_failed: title must not be empty"
        );
        let text = describe_status(
            StatusCode::BAD_REQUEST,
            r#"{"error":{"code":"invalid_session","message":"bad id"}}"#,
        );
        assert_eq!(text, "HTTP 400 Bad Request: invalid_session: bad id");
    }

    #[test]
    fn other_bodies_are_kept_as_they_are() {
        let text = describe_status(StatusCode::BAD_GATEWAY, "<html>oops</html>");
        assert_eq!(text, "HTTP 502 Bad Gateway: <html>oops</html>");
    }
}
