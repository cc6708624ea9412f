//! Integration tests for twilio-flex: every endpoint against a fresh wiremock server, the
//! retry/timeout/error ladder, paging, and the ContactCenter adapter's exact Twilio calls.

// Helpers outside `#[test]` functions should fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "flexcord")]
mod adapter;
mod conversations;
mod errors;
mod helpers;
mod interactions;
mod media_studio;
