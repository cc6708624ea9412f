//! Periodic pruning of finished outbox entries and old dedupe keys.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::ports::SessionStore;
use tokio::task::JoinHandle;

/// Every `every`, deletes processed-event ids and finished outbox entries older than `age`
/// ([`SessionStore::prune`]). Failures are logged and retried at the next tick.
///
/// `age` must stay longer than any redelivery window (Twilio retries webhooks for minutes;
/// a day is a safe choice), or a late retry would be handled twice.
///
/// The task runs until the returned handle is aborted (on shutdown) or the runtime stops; it
/// must be called from within a tokio runtime.
#[must_use = "abort the handle on shutdown"]
pub fn spawn_retention(
    store: Arc<dyn SessionStore>,
    every: Duration,
    age: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every.max(Duration::from_millis(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.prune(age).await {
                Ok(0) => {}
                Ok(rows) => tracing::debug!(rows, "pruned old store rows"),
                Err(error) => tracing::warn!(%error, "pruning the store failed"),
            }
        }
    })
}
