//! Storage-fault episodes: logged once when the store's writes start failing and once when they
//! work again (with how long it lasted and how many Discord events were held), and mirrored in
//! the `flexcord_store_writes_failing` gauge, which `/readyz` reads.

use std::sync::Arc;

use flexcord_store::Store;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;

/// Follows `store`'s write health until the task is aborted or the store is gone.
pub fn spawn(store: &Store, metrics: Arc<Metrics>) -> JoinHandle<()> {
    let mut failing = store.watch_writes();
    tokio::spawn(async move {
        // When the episode began. Events are held only while writes fail, so those held since
        // the previous episode ended are this one's (the first can be counted before this task
        // hears of the episode).
        let mut episode: Option<tokio::time::Instant> = None;
        let mut held_before = metrics.store_held_events.get();
        loop {
            let now_failing = *failing.borrow_and_update();
            match (now_failing, episode) {
                (true, None) => {
                    tracing::error!(
                        "store writes failing: Discord events are held in memory and retried, \
                         Twilio webhooks are answered 503 (Twilio retries), /readyz reports \
                         the store as failing"
                    );
                    metrics.store_writes_failing.set(1);
                    episode = Some(tokio::time::Instant::now());
                }
                (false, Some(began)) => {
                    let held_now = metrics.store_held_events.get();
                    let held = held_now.saturating_sub(held_before);
                    held_before = held_now;
                    tracing::warn!(
                        duration_s = began.elapsed().as_secs_f64(),
                        held_discord_events = held,
                        "store writes work again; held events are being recorded"
                    );
                    metrics.store_writes_failing.set(0);
                    episode = None;
                }
                _ => {}
            }
            if failing.changed().await.is_err() {
                break;
            }
        }
    })
}
