//! Refused requests: every one is counted by reason (`flexcord_webhook_rejections_total`), but
//! logged at most once a minute with how many were refused since the last line — a flood of
//! forged webhooks must not become a flood of log lines.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::metrics::Metrics;

/// At most one "requests refused" line per this period.
pub const LOG_EVERY: Duration = Duration::from_secs(60);

/// The once-a-minute log of refused requests.
#[derive(Debug, Default)]
pub struct RefusalLog {
    state: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    /// When the last line was written.
    logged_at: Option<Instant>,
    /// Refusals since then (not yet in a line).
    unlogged: u64,
}

/// What to write now, if anything.
#[derive(Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Refusals this line reports (this one included).
    pub refused: u64,
}

impl RefusalLog {
    /// Counts one refusal at `now`; returns the line to write when a minute has passed since
    /// the last one (or this is the first).
    pub fn note(&self, now: Instant) -> Option<LogLine> {
        // A poisoned lock only means another thread panicked mid-count: keep counting.
        let mut w = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        w.unlogged += 1;
        let due = w
            .logged_at
            .is_none_or(|at| now.saturating_duration_since(at) >= LOG_EVERY);
        if !due {
            return None;
        }
        w.logged_at = Some(now);
        let refused = std::mem::take(&mut w.unlogged);
        Some(LogLine { refused })
    }
}

/// Counts a refused request under `reason` and logs it if a line is due. `detail` is already
/// safe to log (a fixed text, or escaped).
pub fn refuse(metrics: &Metrics, log: &RefusalLog, reason: &'static str, path: &str, detail: &str) {
    metrics.reject(reason);
    if let Some(line) = log.note(Instant::now()) {
        tracing::warn!(
            reason,
            path,
            detail,
            refused_in_last_minute = line.refused,
            "requests refused (logged at most once a minute; every one is counted in \
             flexcord_webhook_rejections_total)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_writes_one_line_a_minute_with_the_count() {
        let log = RefusalLog::default();
        let start = Instant::now();
        assert_eq!(log.note(start), Some(LogLine { refused: 1 }));
        let lines = (1..2_000u64)
            .filter_map(|i| log.note(start + Duration::from_micros(i)))
            .count();
        assert_eq!(lines, 0, "2,000 refusals in a second write no more lines");
        assert_eq!(
            log.note(start + LOG_EVERY),
            Some(LogLine { refused: 2_000 })
        );
    }
}
