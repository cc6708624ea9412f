//! The client's error type: a small [`Error`] around a `#[non_exhaustive]` [`ErrorKind`], with
//! Twilio's own JSON error body ([`TwilioError`]) kept intact for callers that need the code, and
//! the HTTP core's error kept as the [`std::error::Error::source`] (never flattened into text).

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
    /// Connecting, TLS or HTTP failed before a response arrived (the cause is the error's
    /// source).
    #[error("transport error")]
    Transport,
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
    /// The request could not be built (bad base URL, bad header value, TLS set-up…).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

/// An error from the Twilio client. `Display` says what went wrong; `source()` leads to the
/// cause (the HTTP core's error, and on to hyper's or the JSON parser's).
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    source: Option<flexcord_http::Error>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.source {
            Some(source) => Some(source),
            None => std::error::Error::source(&*self.kind),
        }
    }
}

impl Error {
    /// Translates the HTTP core's error: a non-2xx answer becomes [`ErrorKind::Api`] with
    /// Twilio's error body; the rest keep the core's error as their source.
    pub(crate) fn from_http(error: flexcord_http::Error) -> Self {
        use flexcord_http::ErrorKind as Http;
        let kind = match error.kind() {
            Http::Status { status, body, .. } => {
                return ErrorKind::Api {
                    status: status.as_u16(),
                    error: twilio_error(status.as_u16(), body),
                }
                .into();
            }
            Http::Timeout => ErrorKind::Timeout,
            Http::TooLarge { limit } => ErrorKind::BodyTooLarge { limit: *limit },
            Http::InvalidUrl(detail) | Http::InvalidRequest(detail) => {
                ErrorKind::InvalidRequest(detail.clone())
            }
            _ => ErrorKind::Transport,
        };
        Self {
            kind: Box::new(kind),
            source: Some(error),
        }
    }

    /// The message and every cause, joined with `: `, for a log line or a port's error text.
    #[must_use]
    pub fn detailed(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(err) = cause {
            out.push_str(": ");
            out.push_str(&err.to_string());
            cause = err.source();
        }
        out
    }

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
            ErrorKind::Timeout | ErrorKind::Transport => true,
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
            source: None,
        }
    }
}

/// Twilio's JSON error body, or one synthesised from the (already bounded, single-line) text of
/// a body that was not one.
fn twilio_error(status: u16, body: &str) -> TwilioError {
    serde_json::from_str::<TwilioError>(body)
        .ok()
        .filter(|e| e.code.is_some() || !e.message.is_empty())
        .unwrap_or_else(|| TwilioError {
            code: None,
            message: body.chars().take(200).collect(),
            more_info: None,
            status: Some(status),
        })
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
    fn non_json_error_bodies_are_kept_as_message() {
        let e = twilio_error(502, "upstream down");
        assert_eq!(e.message, "upstream down");
        assert_eq!(e.code, None);
        let e = twilio_error(404, r#"{"code":20404,"message":"not found","status":404}"#);
        assert_eq!(e.code, Some(20404));
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
