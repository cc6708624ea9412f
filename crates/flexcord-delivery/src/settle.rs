//! Settling successes in batches, and reading the queue's depth.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::ports::OutboxStore;
use tokio::sync::{Notify, mpsc, watch};

use crate::metrics::DeliveryMetrics;
use crate::streak::FailureStreak;

/// How long the settler gathers successful deliveries into one write.
const SETTLE_WINDOW: Duration = Duration::from_millis(5);
/// At most this many deliveries settled per write.
const SETTLE_BATCH: usize = 256;
/// How often the outbox depth is read.
pub(crate) const DEPTH_EVERY: Duration = Duration::from_secs(1);

/// Marks delivered entries done, as many per write as arrive within [`SETTLE_WINDOW`] of the
/// first (up to [`SETTLE_BATCH`]), then rings `wake`: the next entries of those conversations
/// are deliverable now (with direct delivery the store has already handed them over). Ends when
/// every sender is gone, after settling what it holds.
///
/// The window trades a few milliseconds before a conversation's *next* message may go out for
/// far fewer writes: at 500 relays/s, one settling write per two or three relays instead of one
/// each, and every write is one the relays' own commits queue behind.
pub(crate) async fn settle_batches(
    outbox: Arc<dyn OutboxStore>,
    wake: Arc<Notify>,
    mut settled: mpsc::UnboundedReceiver<i64>,
) {
    let mut batch = Vec::with_capacity(SETTLE_BATCH);
    while let Some(id) = settled.recv().await {
        batch.push(id);
        let until = tokio::time::Instant::now() + SETTLE_WINDOW;
        while batch.len() < SETTLE_BATCH {
            match tokio::time::timeout_at(until, settled.recv()).await {
                Ok(Some(id)) => batch.push(id),
                Ok(None) | Err(_) => break,
            }
        }
        if let Err(error) = outbox.complete_many(&batch).await {
            // The leases expire and the entries are retried; adapters check for an earlier send.
            tracing::warn!(%error, count = batch.len(), "could not record deliveries");
        }
        batch.clear();
        wake.notify_one();
    }
}

/// Reads the outbox depth every `every` until `shutdown`, and reports it. The store counts every
/// entry not delivered nor dead, so entries in flight and delivered-but-unsettled ones count:
/// the gauge shows the queue while answers wait on a rate limit, not only when idle.
pub(crate) async fn sample_depth(
    outbox: Arc<dyn OutboxStore>,
    metrics: Arc<dyn DeliveryMetrics>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut failures = FailureStreak::default();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        match outbox.outbox_depth().await {
            Ok(depth) => {
                failures.succeeded();
                metrics.depth(depth);
            }
            Err(error) => {
                if failures.failed() {
                    tracing::debug!(%error, "could not read the outbox depth");
                }
            }
        }
    }
}
