//! Integration tests for twilio-flex: every endpoint against a fresh wiremock server, the
//! retry/timeout/error ladder, paging, and the ContactCenter adapter's exact Twilio calls.

// Helpers outside `#[test]` functions should fail loudly too.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

#[cfg(feature = "flexcord")]
mod adapter;
mod conversations;
mod errors;
mod handoff;
mod helpers;
mod interactions;
mod media_studio;
