//! The adaptive Twilio request limit on `/metrics`: where it stands and how many requests Twilio
//! answered 429, read from the client's shared limit once a second (the limit lives in
//! `flexcord-http`, which knows nothing of metrics).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use twilio_flex::ConcurrencyLimit;

use crate::metrics::Metrics;

/// How often the limit is read.
const EVERY: Duration = Duration::from_secs(1);

/// Mirrors `limit` into the metrics until the task is aborted.
pub fn spawn(limit: ConcurrencyLimit, metrics: Arc<Metrics>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut counted = 0_u64;
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            counted = sample(&limit, &metrics, counted);
        }
    })
}

/// Copies the limit into the gauge and adds the 429s since the last sample; returns the new
/// total counted.
fn sample(limit: &ConcurrencyLimit, metrics: &Metrics, counted: u64) -> u64 {
    if let Some(max) = limit.max() {
        metrics
            .twilio_concurrency_limit
            .set(i64::try_from(max).unwrap_or(i64::MAX));
    }
    let total = limit.overloaded_total();
    metrics
        .twilio_overloaded
        .inc_by(total.saturating_sub(counted));
    total.max(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_and_the_429_count_reach_the_metrics() {
        let metrics = Metrics::new();
        let limit = ConcurrencyLimit::fixed(7);
        let counted = sample(&limit, &metrics, 0);
        assert_eq!(metrics.twilio_concurrency_limit.get(), 7);
        assert_eq!(metrics.twilio_overloaded.get(), 0);
        assert_eq!(counted, 0);
        let text = metrics.render();
        assert!(
            text.contains("flexcord_twilio_concurrency_limit 7"),
            "{text}"
        );
        assert!(
            text.contains("flexcord_twilio_overloaded_total 0"),
            "{text}"
        );
    }
}
