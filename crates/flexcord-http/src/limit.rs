//! [`ConcurrencyLimit`]: how many requests one client lets run at once.
//!
//! This type is the one seam for concurrency. Today it is a fixed limit (a semaphore); an
//! adaptive limiter (shrinking on `429`s and slow answers, growing while calls succeed) replaces
//! what is inside it, fed by [`ConcurrencyLimit::observe`], which the client already calls after
//! every attempt — callers and the client's send loop do not change.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// A limit on requests in flight, shared by every clone of the client that holds it.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    permits: Option<Arc<Semaphore>>,
    max: Option<usize>,
}

/// Held while one attempt runs; dropping it lets the next request go.
#[derive(Debug)]
pub(crate) struct Permit {
    _held: Option<OwnedSemaphorePermit>,
}

/// What one attempt came to, as far as a limiter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// The server answered (any status but 429).
    Answered,
    /// The server said it was overloaded (`429`).
    Overloaded,
    /// No answer in time, or the connection failed.
    NoAnswer,
}

impl Default for ConcurrencyLimit {
    /// No limit.
    fn default() -> Self {
        Self::unlimited()
    }
}

impl ConcurrencyLimit {
    /// No limit: every request goes at once.
    #[must_use]
    pub const fn unlimited() -> Self {
        Self {
            permits: None,
            max: None,
        }
    }

    /// At most `max` requests in flight (at least one).
    #[must_use]
    pub fn fixed(max: usize) -> Self {
        let max = max.max(1);
        Self {
            permits: Some(Arc::new(Semaphore::new(max))),
            max: Some(max),
        }
    }

    /// The current limit, `None` when unlimited.
    #[must_use]
    pub const fn max(&self) -> Option<usize> {
        self.max
    }

    /// Waits for room for one more request.
    pub(crate) async fn acquire(&self) -> Result<Permit, Error> {
        match &self.permits {
            None => Ok(Permit { _held: None }),
            Some(permits) => Arc::clone(permits)
                .acquire_owned()
                .await
                .map(|p| Permit { _held: Some(p) })
                .map_err(|_| Error::invalid_request("the concurrency limiter is closed")),
        }
    }

    /// Told after every attempt. A fixed limit ignores it; it is where an adaptive one learns.
    pub(crate) const fn observe(&self, _outcome: Observation) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fixed_limit_lets_only_that_many_through() {
        let limit = ConcurrencyLimit::fixed(1);
        let first = limit.acquire().await;
        assert!(first.is_ok());
        let second = tokio::time::timeout(std::time::Duration::ZERO, limit.acquire()).await;
        assert!(second.is_err(), "a second permit was handed out");
        drop(first);
        assert!(limit.acquire().await.is_ok());
    }

    #[test]
    fn zero_means_one_and_unlimited_has_no_max() {
        assert_eq!(ConcurrencyLimit::fixed(0).max(), Some(1));
        assert_eq!(ConcurrencyLimit::unlimited().max(), None);
    }
}
