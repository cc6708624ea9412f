//! The one error type of the toolkit: a [`ErrorKind`] that adapters match on, plus the underlying
//! cause for logs.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;
use thiserror::Error;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// How much of an error response body an [`ErrorKind::Status`] keeps: enough for a JSON error
/// object, not enough for a hostile server to flood a log line.
pub const BODY_EXCERPT_CHARS: usize = 512;

/// A failed HTTP call.
#[derive(Debug, Error)]
#[error("{kind}")]
pub struct Error {
    kind: ErrorKind,
    #[source]
    source: Option<BoxError>,
}

/// What went wrong, in the terms a caller acts on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No complete response within the client's per-request timeout. The request may have been
    /// processed.
    #[error("the request timed out")]
    Timeout,
    /// No connection could be made (DNS, refused, TLS handshake): the request was never sent.
    #[error("could not connect")]
    Connect,
    /// The connection failed after the request may have been sent.
    #[error("the connection failed")]
    Transport,
    /// The server answered with a non-2xx status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status code.
        status: StatusCode,
        /// The start of the response body, control characters replaced, at most
        /// [`BODY_EXCERPT_CHARS`] characters.
        body: String,
        /// The `Retry-After` header, when it was a number of seconds.
        retry_after: Option<Duration>,
    },
    /// The response body was not the JSON that was expected.
    #[error("could not decode the response")]
    Decode,
    /// The response body was larger than the client accepts.
    #[error("the response body exceeds {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The URL is malformed or not `http`/`https`.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The request could not be built (a header value with forbidden characters, a body that
    /// does not serialize).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    /// An [`ErrorKind::Timeout`] error, for callers that put an overall deadline around
    /// [`crate::HttpClient::send`] (retries included).
    #[must_use]
    pub const fn timeout() -> Self {
        Self {
            kind: ErrorKind::Timeout,
            source: None,
        }
    }

    /// An [`ErrorKind::InvalidUrl`] error.
    #[must_use]
    pub fn invalid_url(detail: impl fmt::Display) -> Self {
        Self::new(ErrorKind::InvalidUrl(detail.to_string()))
    }

    /// An [`ErrorKind::InvalidRequest`] error.
    #[must_use]
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest(detail.into()))
    }

    /// An [`ErrorKind::Decode`] error caused by `source`.
    #[must_use]
    pub fn decode(source: impl Into<BoxError>) -> Self {
        Self::with_source(ErrorKind::Decode, source)
    }

    pub(crate) fn status(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> Self {
        Self::new(ErrorKind::Status {
            status,
            body: excerpt(body),
            retry_after,
        })
    }

    /// What went wrong.
    #[must_use]
    pub const fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The response status, for [`ErrorKind::Status`].
    #[must_use]
    pub const fn status_code(&self) -> Option<StatusCode> {
        match &self.kind {
            ErrorKind::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The start of the error response body, for [`ErrorKind::Status`].
    #[must_use]
    pub fn body_excerpt(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Status { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The server's `Retry-After`, for [`ErrorKind::Status`].
    #[must_use]
    pub const fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            ErrorKind::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for a timeout.
    #[must_use]
    pub const fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout)
    }

    /// True when the same request may succeed later: timeouts, connection failures, `408`,
    /// `429` and `5xx`. Whether it is *safe* to repeat is a separate question, answered by
    /// [`crate::RetryPolicy`].
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match &self.kind {
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => true,
            ErrorKind::Status { status, .. } => {
                *status == StatusCode::REQUEST_TIMEOUT
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || status.is_server_error()
            }
            _ => false,
        }
    }

    /// The message and every cause, joined with `: `, for logs and port error strings (which
    /// carry one line, not a chain). Never contains credentials: none are ever put in an error.
    #[must_use]
    pub fn detailed(&self) -> String {
        let mut out = self.to_string();
        let mut cause = self
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static));
        while let Some(err) = cause {
            out.push_str(": ");
            out.push_str(&err.to_string());
            cause = err.source();
        }
        out
    }
}

/// The first [`BODY_EXCERPT_CHARS`] characters of a body, lossily decoded, with control
/// characters (newlines included) replaced so the excerpt stays one log line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(BODY_EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(BODY_EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_covers_timeouts_connect_429_and_5xx_only() {
        assert!(Error::new(ErrorKind::Timeout).is_transient());
        assert!(Error::new(ErrorKind::Connect).is_transient());
        assert!(Error::status(StatusCode::TOO_MANY_REQUESTS, b"", None).is_transient());
        assert!(Error::status(StatusCode::BAD_GATEWAY, b"", None).is_transient());
        assert!(Error::status(StatusCode::REQUEST_TIMEOUT, b"", None).is_transient());
        assert!(!Error::status(StatusCode::BAD_REQUEST, b"", None).is_transient());
        assert!(!Error::status(StatusCode::NOT_FOUND, b"", None).is_transient());
        assert!(!Error::new(ErrorKind::Decode).is_transient());
        assert!(!Error::new(ErrorKind::TooLarge { limit: 1 }).is_transient());
    }

    #[test]
    fn status_keeps_a_bounded_single_line_excerpt() {
        let body = format!("line one\nline two{}", "x".repeat(10_000));
        let err = Error::status(StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes(), None);
        let excerpt = err.body_excerpt().unwrap_or_default();
        assert!(excerpt.starts_with("line one line two"));
        assert!(excerpt.ends_with('…'));
        assert_eq!(excerpt.chars().count(), BODY_EXCERPT_CHARS + 1);
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn detailed_includes_the_cause_chain() {
        let err = Error::decode(std::io::Error::other("expected value at line 1"));
        assert_eq!(err.to_string(), "could not decode the response");
        assert_eq!(
            err.detailed(),
            "could not decode the response: expected value at line 1"
        );
    }
}
