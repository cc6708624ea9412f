//! The retry policy: a pure decision of whether and when to repeat a failed request, separate from
//! the HTTP plumbing so it can be tested on a table of outcomes. It is the one policy of every
//! HTTP client in the workspace (Twilio, the virtual agent, the case system, file downloads);
//! each client only chooses its bounds.

use std::time::Duration;

use http::StatusCode;

use crate::error::{Error, ErrorKind};

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Return the error.
    GiveUp,
}

/// When to repeat a request: bounded attempts with full-jitter exponential backoff.
///
/// - `429 Too Many Requests` is always retried (the server did not process the request), after
///   `Retry-After` when the server sent one. When `Retry-After` exceeds `max_retry_after`
///   (by default `max_delay`) the policy gives up rather than keep a caller waiting longer than
///   it agreed to.
/// - A connection failure is always retried: the request was never sent.
/// - Timeouts, broken connections, `408` and `5xx` are retried only for idempotent requests,
///   because the server may already have acted on the first one.
/// - Everything else (other `4xx`, decode errors, oversized bodies) is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, backoff from 100 ms, never waiting more than 2 s between attempts.
    fn default() -> Self {
        Self::new(3, Duration::from_millis(100), Duration::from_secs(2))
    }
}

impl RetryPolicy {
    /// At most `max_attempts` attempts in all (at least one); the `n`th retry waits a uniformly
    /// random time in `[0, min(max_delay, base_delay * 2^(n-1))]`.
    #[must_use]
    pub const fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        let max_attempts = if max_attempts == 0 { 1 } else { max_attempts };
        Self {
            max_attempts,
            base_delay,
            max_delay,
            max_retry_after: max_delay,
        }
    }

    /// The longest `Retry-After` waited for (default: `max_delay`). Twilio, whose `429`s are
    /// about account concurrency, may ask for longer waits than its backoff ever uses.
    #[must_use]
    pub const fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// One attempt, no retries.
    #[must_use]
    pub const fn none() -> Self {
        Self::new(1, Duration::ZERO, Duration::ZERO)
    }

    /// The attempt budget, first attempt included.
    #[must_use]
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Decides after attempt number `attempt` (1 for the first) failed with `error`.
    /// `jitter` is a random number in `[0, 1)`; it is a parameter so the decision stays pure.
    #[must_use]
    pub fn decide(&self, attempt: u32, error: &Error, idempotent: bool, jitter: f64) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::GiveUp;
        }
        let backoff = self.backoff(attempt, jitter);
        match error.kind() {
            ErrorKind::Status {
                status,
                retry_after,
                ..
            } => {
                let retryable = *status == StatusCode::TOO_MANY_REQUESTS
                    || (idempotent
                        && (status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT));
                match (retryable, retry_after) {
                    (false, _) => Decision::GiveUp,
                    (true, Some(wait)) if *wait > self.max_retry_after => Decision::GiveUp,
                    (true, Some(wait)) => Decision::Retry(*wait),
                    (true, None) => Decision::Retry(backoff),
                }
            }
            ErrorKind::Connect => Decision::Retry(backoff),
            ErrorKind::Timeout | ErrorKind::Transport if idempotent => Decision::Retry(backoff),
            _ => Decision::GiveUp,
        }
    }

    /// The full-jitter delay before retry number `attempt`.
    #[must_use]
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1);
        let factor = 2u32.checked_pow(exponent).unwrap_or(u32::MAX);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        // Clamped so NaN or out-of-range input can never make `mul_f64` panic.
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> RetryPolicy {
        RetryPolicy::new(4, MS * 100, MS * 1_000)
    }

    fn status(code: u16, retry_after: Option<Duration>) -> Error {
        let code = StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT);
        Error::status(code, b"", retry_after)
    }

    #[test]
    fn statuses_table() {
        let p = policy();
        // (status, idempotent, retried?)
        let table = [
            (429, false, true),
            (429, true, true),
            (500, true, true),
            (502, true, true),
            (503, true, true),
            (408, true, true),
            (500, false, false),
            (503, false, false),
            (400, true, false),
            (401, true, false),
            (404, true, false),
            (409, true, false),
            (422, true, false),
        ];
        for (code, idempotent, retried) in table {
            let d = p.decide(1, &status(code, None), idempotent, 0.5);
            assert_eq!(
                matches!(d, Decision::Retry(_)),
                retried,
                "status {code}, idempotent {idempotent}: {d:?}"
            );
        }
    }

    #[test]
    fn timeouts_and_broken_connections_retry_only_when_idempotent() {
        let p = policy();
        for kind in [ErrorKind::Timeout, ErrorKind::Transport] {
            let e = Error::new(kind);
            assert!(matches!(p.decide(1, &e, true, 0.5), Decision::Retry(_)));
            assert_eq!(p.decide(1, &e, false, 0.5), Decision::GiveUp);
        }
    }

    #[test]
    fn connect_failures_retry_even_when_not_idempotent() {
        let e = Error::new(ErrorKind::Connect);
        assert!(matches!(
            policy().decide(1, &e, false, 0.5),
            Decision::Retry(_)
        ));
    }

    #[test]
    fn final_errors_never_retry() {
        for kind in [
            ErrorKind::Decode,
            ErrorKind::TooLarge { limit: 10 },
            ErrorKind::InvalidUrl("x".into()),
            ErrorKind::InvalidRequest("x".into()),
        ] {
            assert_eq!(
                policy().decide(1, &Error::new(kind), true, 0.5),
                Decision::GiveUp
            );
        }
    }

    #[test]
    fn gives_up_when_the_attempt_budget_is_spent() {
        let p = policy();
        let e = status(503, None);
        assert!(matches!(p.decide(3, &e, true, 0.5), Decision::Retry(_)));
        assert_eq!(p.decide(4, &e, true, 0.5), Decision::GiveUp);
        assert_eq!(
            RetryPolicy::none().decide(1, &e, true, 0.5),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured_within_max_delay_and_otherwise_ends_the_retries() {
        let p = policy();
        assert_eq!(
            p.decide(1, &status(429, Some(MS * 700)), false, 0.0),
            Decision::Retry(MS * 700)
        );
        assert_eq!(
            p.decide(1, &status(429, Some(MS * 5_000)), false, 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(1, &status(503, Some(MS * 300)), true, 0.0),
            Decision::Retry(MS * 300)
        );
    }

    #[test]
    fn a_longer_retry_after_is_honoured_when_the_client_allows_it() {
        let p = policy().with_max_retry_after(MS * 30_000);
        assert_eq!(
            p.decide(1, &status(429, Some(MS * 5_000)), false, 0.0),
            Decision::Retry(MS * 5_000)
        );
        assert_eq!(
            p.decide(1, &status(429, Some(MS * 31_000)), false, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap_with_full_jitter() {
        let p = policy();
        assert_eq!(p.backoff(1, 1.0), MS * 100);
        assert_eq!(p.backoff(2, 1.0), MS * 200);
        assert_eq!(p.backoff(3, 1.0), MS * 400);
        assert_eq!(p.backoff(5, 1.0), MS * 1_000);
        assert_eq!(p.backoff(40, 1.0), MS * 1_000);
        assert_eq!(p.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(3, 0.5), MS * 200);
    }

    #[test]
    fn hostile_jitter_values_cannot_panic() {
        let p = policy();
        assert_eq!(p.backoff(1, f64::NAN), Duration::ZERO);
        assert_eq!(p.backoff(1, -3.0), Duration::ZERO);
        assert_eq!(p.backoff(1, f64::INFINITY), Duration::ZERO);
        assert_eq!(p.backoff(1, 7.0), MS * 100);
        assert_eq!(p.backoff(u32::MAX, 1.0), MS * 1_000);
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryPolicy::new(0, MS, MS).max_attempts(), 1);
    }
}
