//! Errors of the domain itself (as opposed to port errors, which live beside each port).

use thiserror::Error;

/// A value that should have been an id of some kind and was not.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("invalid {kind}: {value:?}")]
pub struct InvalidId {
    kind: &'static str,
    value: String,
}

impl InvalidId {
    pub(crate) fn new(kind: &'static str, value: &str) -> Self {
        // Bounded so a hostile multi-megabyte "id" cannot bloat a log line.
        let value: String = value.chars().take(80).collect();
        Self { kind, value }
    }
}

/// A rating outside 1–5.
#[derive(Debug, Clone, Copy, Error, PartialEq, Eq)]
#[error("rating must be 1 to 5, got {0}")]
pub struct InvalidRating(pub u8);
