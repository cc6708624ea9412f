//! The client's error type: a small [`Error`] around a `#[non_exhaustive]` [`ErrorKind`], with
//! Twilio's own JSON error body ([`TwilioError`]) kept intact for callers that need the code.

use std::fmt;

use serde::Deserialize;

/// Twilio's JSON error body, as every REST API returns it on 4xx/5xx.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TwilioError {
    /// Twilio's error code (`20404`, `20429`, `50xxx`…), when the body had one.
    #[serde(default)]
    pub code: Option<u32>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Link to the error's documentation page.
    #[serde(default)]
    pub more_info: Option<String>,
    /// The HTTP status Twilio says it sent.
    #[serde(default)]
    pub status: Option<u16>,
}

impl fmt::Display for TwilioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "twilio error {code}: {}", self.message),
            None => write!(f, "twilio error: {}", self.message),
        }
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Twilio answered with a non-success status.
    #[error("http {status}: {error}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The parsed error body (synthesised from the raw text when it was not JSON).
        error: TwilioError,
    },
    /// No complete response within the client's timeout.
    #[error("request timed out")]
    Timeout,
    /// Connecting, TLS or HTTP failed before a response arrived.
    #[error("transport error")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The response body was larger than the client accepts.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A success response did not decode into the expected model. `body` is the (bounded) raw
    /// text, for logs.
    #[error("could not decode response body")]
    Decode {
        /// The raw body, truncated.
        body: String,
        /// Why it did not decode.
        #[source]
        source: serde_json::Error,
    },
    /// The request could not be built (bad base URL, bad header value…).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The TLS configuration could not be built.
    #[error("tls setup failed")]
    Tls(#[source] rustls::Error),
}

/// An error from the Twilio client.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error {
    kind: Box<ErrorKind>,
}

impl Error {
    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning its kind.
    #[must_use]
    pub fn into_kind(self) -> ErrorKind {
        *self.kind
    }

    /// The HTTP status, when Twilio answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match &*self.kind {
            ErrorKind::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Twilio's error body, when Twilio answered with one.
    #[must_use]
    pub fn twilio(&self) -> Option<&TwilioError> {
        match &*self.kind {
            ErrorKind::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// True when the same call may succeed later: 429, 5xx, timeouts and transport failures.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match &*self.kind {
            ErrorKind::Api { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            ErrorKind::Timeout | ErrorKind::Transport(_) => true,
            _ => false,
        }
    }

    /// True for 404 (Twilio code 20404): the resource does not exist.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        match &*self.kind {
            ErrorKind::Api { status, error } => *status == 404 || error.code == Some(20404),
            _ => false,
        }
    }

    /// True for 401/403: wrong credentials or missing permission.
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self {
            kind: Box::new(kind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<u32>) -> Error {
        ErrorKind::Api {
            status,
            error: TwilioError {
                code,
                ..TwilioError::default()
            },
        }
        .into()
    }

    #[test]
    fn classifies_statuses() {
        assert!(api(429, Some(20429)).is_transient());
        assert!(api(503, None).is_transient());
        assert!(!api(400, Some(21211)).is_transient());
        assert!(api(404, Some(20404)).is_not_found());
        assert!(api(400, Some(20404)).is_not_found());
        assert!(api(401, Some(20003)).is_unauthorized());
        assert!(Error::from(ErrorKind::Timeout).is_transient());
    }

    #[test]
    fn display_includes_twilio_code_and_message() {
        let e: Error = ErrorKind::Api {
            status: 400,
            error: TwilioError {
                code: Some(21211),
                message: "bad".into(),
                ..TwilioError::default()
            },
        }
        .into();
        assert_eq!(e.to_string(), "http 400: twilio error 21211: bad");
    }
}
