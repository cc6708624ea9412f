//! What to do after a failed attempt: the one place a relay's retry policy lives.

use std::time::Duration;

use crate::error::DeliveryError;

/// After this many failed attempts an entry is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 10;
/// The longest backoff ceiling.
pub const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// The first attempt's backoff ceiling; it doubles with every attempt up to [`MAX_BACKOFF`].
const BASE: Duration = Duration::from_millis(500);

/// What to do with an entry whose delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Release it for another try after `delay` (other entries of its ordering key wait).
    Retry {
        /// How long to wait.
        delay: Duration,
    },
    /// Give up and keep the reason; later entries of its ordering key proceed.
    DeadLetter {
        /// Why, as stored with the dead letter.
        reason: String,
    },
}

/// Decides after a failed attempt. `attempts` is how many attempts failed *before* this one
/// (the entry's [`ClaimedEntry::attempts`](flexcord_core::outbox::ClaimedEntry::attempts)).
///
/// Rate limits and transient failures are retried with full-jitter backoff ([`backoff`]),
/// never sooner than the remote asked, until [`MAX_ATTEMPTS`] attempts have failed; anything
/// retrying cannot fix (a refusal, a closed DM, a gone conversation) is dead-lettered at once.
#[must_use]
pub fn after_attempt(attempts: u32, error: &DeliveryError) -> Decision {
    let at_least_ms = match error {
        DeliveryError::RateLimited { retry_after_ms, .. } => Some(*retry_after_ms),
        DeliveryError::Transient(_) => None,
        DeliveryError::Rejected(_)
        | DeliveryError::DmClosed
        | DeliveryError::ConversationGone(_) => {
            return Decision::DeadLetter {
                reason: error.to_string(),
            };
        }
    };
    if attempts.saturating_add(1) >= MAX_ATTEMPTS {
        return Decision::DeadLetter {
            reason: format!("gave up after {MAX_ATTEMPTS} attempts: {error}"),
        };
    }
    Decision::Retry {
        delay: backoff(attempts, at_least_ms),
    }
}

/// Full-jitter exponential backoff: a random wait between 0 and
/// `min(MAX_BACKOFF, 500 ms · 2^attempts)`, never shorter than what the remote asked for.
/// Spreading retries over the whole window keeps a recovering service from being hit by every
/// waiting entry at once.
#[must_use]
pub fn backoff(attempts: u32, at_least_ms: Option<u64>) -> Duration {
    let ceiling_ms = u64::try_from(ceiling(attempts).as_millis()).unwrap_or(u64::MAX);
    let jittered = rand::random_range(0..=ceiling_ms);
    Duration::from_millis(jittered.max(at_least_ms.unwrap_or(0)))
}

/// The backoff window after `attempts` failed attempts.
fn ceiling(attempts: u32) -> Duration {
    BASE.saturating_mul(1u32.checked_shl(attempts.min(16)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_delay(decision: &Decision) -> Duration {
        match decision {
            Decision::Retry { delay } => *delay,
            Decision::DeadLetter { reason } => panic!("dead-lettered: {reason}"),
        }
    }

    #[test]
    fn backoff_stays_within_the_ceiling_and_honours_retry_after() {
        for attempt in 0..20 {
            let d = backoff(attempt, None);
            assert!(d <= MAX_BACKOFF, "attempt {attempt}: {d:?}");
        }
        assert!(backoff(0, None) <= Duration::from_millis(500));
        assert!(backoff(0, Some(5_000)) >= Duration::from_millis(5_000));
    }

    #[test]
    fn the_backoff_window_doubles_up_to_the_cap() {
        assert_eq!(ceiling(0), Duration::from_millis(500));
        assert_eq!(ceiling(1), Duration::from_secs(1));
        assert_eq!(ceiling(3), Duration::from_secs(4));
        assert_eq!(ceiling(8), MAX_BACKOFF);
        assert_eq!(ceiling(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_transient_failure_is_retried_within_its_window() {
        for attempts in 0..MAX_ATTEMPTS - 1 {
            let delay = retry_delay(&after_attempt(
                attempts,
                &DeliveryError::Transient("502".into()),
            ));
            assert!(delay <= ceiling(attempts), "attempt {attempts}: {delay:?}");
        }
    }

    #[test]
    fn a_rate_limit_is_retried_no_sooner_than_asked() {
        let limited = DeliveryError::RateLimited {
            reason: "429".into(),
            retry_after_ms: 1_500,
        };
        for attempts in 0..MAX_ATTEMPTS - 1 {
            let delay = retry_delay(&after_attempt(attempts, &limited));
            assert!(delay >= Duration::from_millis(1_500), "{delay:?}");
        }
    }

    #[test]
    fn retries_end_in_a_dead_letter_after_the_last_attempt() {
        for error in [
            DeliveryError::Transient("502".into()),
            DeliveryError::RateLimited {
                reason: "429".into(),
                retry_after_ms: 10,
            },
        ] {
            assert!(matches!(
                after_attempt(MAX_ATTEMPTS - 2, &error),
                Decision::Retry { .. }
            ));
            let Decision::DeadLetter { reason } = after_attempt(MAX_ATTEMPTS - 1, &error) else {
                panic!("{error:?} retried past the last attempt");
            };
            assert!(reason.contains(&error.to_string()), "{reason}");
        }
    }

    #[test]
    fn what_retrying_cannot_fix_is_dead_lettered_at_once() {
        for error in [
            DeliveryError::Rejected("missing access".into()),
            DeliveryError::DmClosed,
            DeliveryError::ConversationGone("CH1".into()),
        ] {
            assert_eq!(
                after_attempt(0, &error),
                Decision::DeadLetter {
                    reason: error.to_string()
                }
            );
        }
    }
}
