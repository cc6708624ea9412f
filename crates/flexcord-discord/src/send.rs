//! Sending one request to Discord a bounded number of times.
//!
//! twilight-http sends a request again after every 429, for as long as Discord keeps answering
//! 429. When the answer names its bucket (`X-RateLimit-Scope: user`/`shared` with the bucket
//! headers) twilight's rate limiter first waits for that bucket to reset, which is what Discord
//! asks. When it does not — a global limit, or the answer Cloudflare gives a client it is about
//! to ban — twilight retries as fast as its global limiter allows, 50 times a second, for ever:
//! exactly the flood of invalid requests that gets a bot's IP banned, while the one delivery
//! never finishes.
//!
//! So every request flexcord makes goes through [`send`], which lets twilight send it at most
//! [`MAX_SENDS`] times (so an ordinary bucket 429 is still waited out by twilight, which knows
//! the reset) and then gives up with [`ChatError::RateLimited`]: the outbox retries the delivery
//! later with full-jitter backoff, and the conversation's order holds because the entry stays
//! the head of its queue.

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use flexcord_core::ports::ChatError;
use twilight_http::error::ErrorType;
use twilight_http::response::{Response, ResponseFuture};

use crate::error::chat_error;

/// How many times one request may be sent (the first time and two retries after a 429).
pub const MAX_SENDS: usize = 3;

/// How long the outbox waits at least after giving up on a rate-limited request: Discord's
/// own `retry_after` is not visible once twilight has swallowed the 429s.
const RATE_LIMITED_WAIT_MS: u64 = 1_000;

/// Sends `request`, at most [`MAX_SENDS`] times; twilight's errors become the port's.
///
/// # Errors
///
/// [`ChatError::RateLimited`] when Discord still answered 429 after [`MAX_SENDS`] sends; the
/// rest as [`chat_error`] maps them.
pub async fn send<T: Unpin, R>(request: R) -> Result<Response<T>, ChatError>
where
    R: IntoFuture<
            IntoFuture = ResponseFuture<T>,
            Output = Result<Response<T>, twilight_http::Error>,
        >,
{
    let sends = Arc::new(AtomicUsize::new(0));
    let mut future = request.into_future();
    let counter = Arc::clone(&sends);
    // Checked each time twilight's rate limiter lets the request go, before it is sent. It is
    // not installed only when the client has no rate limiter, which flexcord never builds.
    future.set_pre_flight(move || counter.fetch_add(1, Ordering::Relaxed) < MAX_SENDS);
    future.await.map_err(|error| {
        if matches!(error.kind(), ErrorType::RequestCanceled)
            && sends.load(Ordering::Relaxed) > MAX_SENDS
        {
            ChatError::RateLimited {
                retry_after_ms: RATE_LIMITED_WAIT_MS,
            }
        } else {
            chat_error(&error)
        }
    })
}
