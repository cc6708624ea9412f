//! The retry policy as a pure function: given what happened on an attempt, whether the call may
//! be repeated, and a random fraction, decide to stop or wait. The HTTP loop in `client` only
//! executes the decision, so every rule here is unit-tested without a network.
//!
//! Rules (Twilio: "Requests that receive 429 responses aren't processed and are safe to retry"):
//! - 429 is retried for every call, honouring `Retry-After` when present;
//! - 5xx, 408, timeouts and transport errors are retried only for calls that are safe to repeat
//!   (GET, DELETE). A message or interaction create may have happened even though we saw a
//!   failure, so repeating it could duplicate it;
//! - other statuses are final; attempts are bounded; the delay is full-jitter exponential
//!   backoff (`random(0, min(cap, base·2^attempt))`, as twilio-node does).

use std::time::Duration;

/// What an attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// An HTTP status arrived (with `Retry-After`, when the response carried one).
    Status {
        /// The status code.
        status: u16,
        /// Parsed `Retry-After` (seconds form).
        retry_after: Option<Duration>,
    },
    /// No response within the timeout.
    Timeout,
    /// Connecting or sending failed.
    Transport,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Success, or a failure that retrying will not fix: return it.
    Stop,
    /// Wait this long, then try again.
    RetryAfter(Duration),
}

/// Bounds for retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = never retry).
    pub max_attempts: u32,
    /// First backoff ceiling.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_retry_after: Duration::ZERO,
        }
    }

    /// Decides what to do after attempt number `attempt` (0-based). `repeatable` says whether
    /// the call is safe to send twice; `jitter` is a random fraction in `[0, 1)`.
    #[must_use]
    pub fn decide(
        &self,
        attempt: u32,
        outcome: Attempt,
        repeatable: bool,
        jitter: f64,
    ) -> Decision {
        if attempt.saturating_add(1) >= self.max_attempts {
            return Decision::Stop;
        }
        let backoff = || {
            let ceiling = self
                .base_delay
                .saturating_mul(2u32.saturating_pow(attempt.min(16)))
                .min(self.max_delay);
            ceiling.mul_f64(jitter.clamp(0.0, 1.0))
        };
        match outcome {
            Attempt::Status {
                status: 429,
                retry_after: Some(wait),
            } => {
                if wait > self.max_retry_after {
                    Decision::Stop
                } else {
                    Decision::RetryAfter(wait)
                }
            }
            Attempt::Status {
                status: 429,
                retry_after: None,
            } => Decision::RetryAfter(backoff()),
            Attempt::Status { status, .. } if repeatable && (status == 408 || status >= 500) => {
                Decision::RetryAfter(backoff())
            }
            Attempt::Timeout | Attempt::Transport if repeatable => Decision::RetryAfter(backoff()),
            _ => Decision::Stop,
        }
    }
}

/// Parses a `Retry-After` header in its delay-seconds form. (The HTTP-date form is not used
/// by Twilio's APIs; it is ignored and the backoff applies.)
#[must_use]
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Attempt {
        Attempt::Status {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn success_and_client_errors_stop() {
        let p = RetryPolicy::default();
        for s in [200, 201, 204, 400, 401, 403, 404, 409] {
            assert_eq!(
                p.decide(0, status(s), true, 0.5),
                Decision::Stop,
                "status {s}"
            );
        }
    }

    #[test]
    fn too_many_requests_is_retried_even_for_unsafe_calls() {
        let p = RetryPolicy::default();
        assert!(matches!(
            p.decide(0, status(429), false, 0.5),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let p = RetryPolicy::default();
        let with = |secs| Attempt::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            p.decide(0, with(2), false, 0.9),
            Decision::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            p.decide(0, with(0), false, 0.9),
            Decision::RetryAfter(Duration::ZERO)
        );
        assert_eq!(p.decide(0, with(3600), false, 0.9), Decision::Stop);
    }

    #[test]
    fn server_errors_and_timeouts_retry_only_when_repeatable() {
        let p = RetryPolicy::default();
        for outcome in [
            status(500),
            status(503),
            status(408),
            Attempt::Timeout,
            Attempt::Transport,
        ] {
            assert!(matches!(
                p.decide(0, outcome, true, 0.5),
                Decision::RetryAfter(_)
            ));
            assert_eq!(p.decide(0, outcome, false, 0.5), Decision::Stop);
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            p.decide(1, status(503), true, 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(p.decide(2, status(503), true, 0.5), Decision::Stop);
        assert_eq!(
            RetryPolicy::none().decide(0, status(429), true, 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_attempts: 10,
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.decide(0, status(503), true, 0.0),
            Decision::RetryAfter(Duration::ZERO)
        );
        assert_eq!(
            p.decide(0, status(503), true, 1.0),
            Decision::RetryAfter(Duration::from_millis(100))
        );
        assert_eq!(
            p.decide(2, status(503), true, 0.5),
            Decision::RetryAfter(Duration::from_millis(200))
        );
        assert_eq!(
            p.decide(8, status(503), true, 1.0),
            Decision::RetryAfter(Duration::from_millis(1000))
        );
    }

    #[test]
    fn retry_after_parses_seconds_only() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
