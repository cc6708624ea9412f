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
/// A settling write that failed (the database is full, read-only or gone) is tried again after
/// this long, doubling up to [`SETTLE_RETRY_MAX`]…
const SETTLE_RETRY_FIRST: Duration = Duration::from_millis(50);
/// …between tries.
const SETTLE_RETRY_MAX: Duration = Duration::from_secs(2);
/// How long one batch is retried before its leases are left to expire (then the entries are
/// delivered again and the adapters find the earlier send). Bounded so a shutdown during an
/// outage does not hang on it.
const SETTLE_GIVE_UP: Duration = Duration::from_secs(60);
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
        settle_with_retries(outbox.as_ref(), &mut batch, &mut settled).await;
        batch.clear();
        wake.notify_one();
    }
}

/// Writes `batch` as delivered, retrying while the store fails (a full disk, a read-only file,
/// a lost connection) for up to [`SETTLE_GIVE_UP`].
///
/// Why retry: until its settling is recorded, a delivered entry keeps its lease and holds up
/// everything queued behind it on the same DM or conversation for the lease's 30 s, although the
/// store may be back in milliseconds. Successes that arrive meanwhile join the batch, so a
/// recovered store settles them in the same write.
async fn settle_with_retries(
    outbox: &dyn OutboxStore,
    batch: &mut Vec<i64>,
    settled: &mut mpsc::UnboundedReceiver<i64>,
) {
    let started = tokio::time::Instant::now();
    let mut wait = SETTLE_RETRY_FIRST;
    let mut failures = FailureStreak::default();
    loop {
        match outbox.complete_many(batch).await {
            Ok(()) => {
                if let Some(failed) = failures.succeeded() {
                    tracing::info!(
                        tries = failed + 1,
                        count = batch.len(),
                        "deliveries recorded after the store recovered"
                    );
                }
                return;
            }
            Err(error) => {
                if failures.failed() {
                    tracing::warn!(%error, count = batch.len(), "could not record deliveries; retrying");
                }
                if started.elapsed() >= SETTLE_GIVE_UP {
                    // The leases expire and the entries are delivered again; adapters check for
                    // an earlier send (Discord nonce, Twilio attribute).
                    tracing::warn!(
                        %error,
                        count = batch.len(),
                        "gave up recording deliveries; their leases will expire"
                    );
                    return;
                }
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(SETTLE_RETRY_MAX);
        while let Ok(id) = settled.try_recv() {
            batch.push(id);
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use flexcord_core::outbox::ClaimedEntry;
    use flexcord_core::ports::StoreError;

    use super::*;

    /// An outbox whose settling writes fail while `failing` is above zero (counting down), and
    /// which remembers what it settled.
    #[derive(Debug, Default)]
    struct FlakyOutbox {
        failing: Mutex<u32>,
        settled: Mutex<Vec<i64>>,
    }

    #[async_trait]
    impl OutboxStore for FlakyOutbox {
        async fn claim(
            &self,
            _: &str,
            _: Duration,
            _: usize,
        ) -> Result<Vec<ClaimedEntry>, StoreError> {
            Ok(Vec::new())
        }
        async fn complete(&self, id: i64) -> Result<(), StoreError> {
            self.complete_many(&[id]).await
        }
        async fn complete_many(&self, ids: &[i64]) -> Result<(), StoreError> {
            let mut failing = self.failing.lock().unwrap_or_else(|e| e.into_inner());
            if *failing > 0 {
                *failing -= 1;
                return Err(StoreError::Unavailable("database or disk is full".into()));
            }
            self.settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(ids);
            Ok(())
        }
        async fn retry_later(&self, _: i64, _: &str, _: Duration) -> Result<(), StoreError> {
            Ok(())
        }
        async fn dead_letter(&self, _: i64, _: &str) -> Result<(), StoreError> {
            Ok(())
        }
        async fn outbox_depth(&self) -> Result<u64, StoreError> {
            Ok(0)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn deliveries_settled_while_the_disk_is_full_are_recorded_once_it_is_freed() {
        let outbox = Arc::new(FlakyOutbox {
            failing: Mutex::new(5),
            ..FlakyOutbox::default()
        });
        let wake = Arc::new(Notify::new());
        let (tx, rx) = mpsc::unbounded_channel();
        let settler = tokio::spawn(settle_batches(
            Arc::clone(&outbox) as Arc<dyn OutboxStore>,
            Arc::clone(&wake),
            rx,
        ));
        let woken = wake.notified();
        tx.send(1).ok();
        tx.send(2).ok();
        // The store fails five writes in a row, then recovers: the next conversation's message
        // is released (wake) once the settling is recorded, not after a 30 s lease.
        woken.await;
        drop(tx);
        settler.await.ok();
        assert_eq!(
            *outbox.settled.lock().unwrap_or_else(|e| e.into_inner()),
            [1, 2]
        );
        assert_eq!(*outbox.failing.lock().unwrap_or_else(|e| e.into_inner()), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_store_that_never_comes_back_is_given_up_on_so_shutdown_does_not_hang() {
        let outbox = Arc::new(FlakyOutbox {
            failing: Mutex::new(u32::MAX),
            ..FlakyOutbox::default()
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let settler = tokio::spawn(settle_batches(
            Arc::clone(&outbox) as Arc<dyn OutboxStore>,
            Arc::new(Notify::new()),
            rx,
        ));
        tx.send(7).ok();
        drop(tx);
        // Paused time: the give-up bound elapses without a real wait.
        settler.await.ok();
        assert!(
            outbox
                .settled
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
        );
    }
}
