//! Logging an outage once, not on every retry.

/// While claims keep failing (the database is gone), one warning per this many failures: about
/// one a minute at the worker's 500 ms poll, instead of two a second.
pub(crate) const WARN_EVERY: u32 = 120;

/// Consecutive failures of a call that is retried on a clock, so that an outage is logged
/// when it starts, now and then while it lasts, and when it ends — not on every retry.
#[derive(Debug, Default)]
pub(crate) struct FailureStreak {
    pub(crate) failures: u32,
}

impl FailureStreak {
    /// Counts a failure; true when this one should be logged (the first, then every
    /// [`WARN_EVERY`]th).
    pub(crate) const fn failed(&mut self) -> bool {
        self.failures = self.failures.saturating_add(1);
        self.failures == 1 || self.failures.is_multiple_of(WARN_EVERY)
    }

    /// Counts a success; the number of failures it ends, if it ends any.
    pub(crate) fn succeeded(&mut self) -> Option<u32> {
        (self.failures > 0).then(|| std::mem::take(&mut self.failures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_streak_is_logged_at_its_start_then_once_a_minute_and_its_end_once() {
        let mut streak = FailureStreak::default();
        assert_eq!(streak.succeeded(), None, "no outage, nothing to report");
        let logged: Vec<u32> = (1..=2 * WARN_EVERY).filter(|_| streak.failed()).collect();
        assert_eq!(
            logged.len(),
            3,
            "the first failure, then every {WARN_EVERY}th"
        );
        assert_eq!(streak.succeeded(), Some(2 * WARN_EVERY));
        assert_eq!(streak.succeeded(), None);
        assert!(streak.failed(), "a new outage is logged again at once");
    }
}
