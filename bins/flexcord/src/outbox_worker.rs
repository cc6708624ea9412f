//! Delivers the durable outbox: takes deliverable entries, hands each to [`Router::deliver`],
//! and records the result (done, retry with full-jitter backoff, or dead letter).
//!
//! Entries come two ways:
//! - **handed over** by the store (`leased`, SQLite's direct delivery): an entry this process
//!   commits, or whose predecessor it settles, arrives already leased — no claim query, which
//!   is most of what a relay would otherwise cost;
//! - **claimed** from the store: at start, every [`POLL_EVERY`] (retries coming due, expired
//!   leases, entries another instance left) and, without direct delivery (PostgreSQL), whenever
//!   the router enqueues something or a delivery is settled (the `wake` notify).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flexcord_core::Router;
use flexcord_core::outbox::{ClaimedEntry, OutboxMessage};
use flexcord_core::ports::SessionStore;
use flexcord_core::router::DeliveryError;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::{self, JoinSet};

use crate::metrics::{DirectionLabels, Metrics, ReasonLabels, RelayLabels};

/// Fallback polling interval.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// How long a claim holds an entry; a crashed instance's entries come back after this.
pub const LEASE: Duration = Duration::from_secs(30);
/// Entries claimed per query (one per ordering key at most, so they run in parallel).
const BATCH: usize = 64;
/// Deliveries running at once. Mostly waiting on the network (or on Discord's rate limiter), so
/// this is about memory and fairness, not CPU.
const MAX_IN_FLIGHT: usize = 512;
/// After this many failed attempts an entry is dead-lettered.
const MAX_ATTEMPTS: u32 = 10;
/// How long the settler gathers successful deliveries into one write.
const SETTLE_WINDOW: Duration = Duration::from_millis(5);
/// At most this many deliveries settled per write.
const SETTLE_BATCH: usize = 256;
/// Backoff cap.
const MAX_BACKOFF: Duration = Duration::from_secs(120);
/// While claims keep failing (the database is gone), one warning per this many failures: about
/// one a minute at [`POLL_EVERY`], instead of two a second.
const WARN_EVERY: u32 = 120;

/// The worker's dependencies.
#[derive(Debug)]
pub struct OutboxWorker {
    /// Delivers entries.
    pub router: Arc<Router>,
    /// Claims and settles entries.
    pub store: Arc<dyn SessionStore>,
    /// Rung when something was enqueued.
    pub wake: Arc<Notify>,
    /// Counts deliveries.
    pub metrics: Arc<Metrics>,
    /// Identifies this instance's claims.
    pub worker_id: String,
    /// Entries the store leased to `worker_id` as they became deliverable
    /// (`Store::lease_new_entries`); `None` where the store does not offer it.
    pub leased: Option<mpsc::UnboundedReceiver<ClaimedEntry>>,
}

impl OutboxWorker {
    /// Runs until `shutdown` turns true, then finishes the deliveries in flight.
    ///
    /// Claims continuously: whenever something is enqueued or a delivery finishes, it claims
    /// again (up to [`MAX_IN_FLIGHT`] deliveries at once). A send held back by Discord's rate
    /// limits therefore holds up only its own ordering key, never the Twilio-bound relays behind
    /// it; the store's one-in-flight-per-key rule keeps each conversation in order.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let mut leased = self.leased.take();
        // With entries handed over, a claim finds only what the slow poll is for.
        let claim_on_wake = leased.is_none();
        let this = Arc::new(self);
        // Successful deliveries are settled in batches by one task, off the deliveries' path: a
        // relay costs its commit, and shares one settling write with its neighbours.
        let (done, settled) = mpsc::unbounded_channel();
        let settler = tokio::spawn(settle_batches(
            Arc::clone(&this.store),
            Arc::clone(&this.wake),
            settled,
        ));
        let mut flight = InFlight::default();
        let mut claim_failures = FailureStreak::default();
        let mut should_claim = true;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let room = MAX_IN_FLIGHT.saturating_sub(flight.tasks.len()).min(BATCH);
            if should_claim && room > 0 {
                match this.store.claim(&this.worker_id, LEASE, room).await {
                    Ok(batch) => {
                        if let Some(failed) = claim_failures.succeeded() {
                            tracing::info!(failed, "outbox claims work again");
                        }
                        let claimed = batch.len();
                        for entry in batch {
                            flight.start(&this, entry, &done);
                        }
                        if claimed == room {
                            // A full batch: there may be more due right now.
                            continue;
                        }
                        if claimed == 0 && flight.tasks.is_empty() {
                            this.sample_depth().await;
                        }
                    }
                    Err(error) => {
                        if claim_failures.failed() {
                            let failures = claim_failures.failures;
                            tracing::warn!(%error, failures, "outbox claim failed");
                        }
                    }
                }
            }
            let has_room = flight.tasks.len() < MAX_IN_FLIGHT;
            // Claim again on the fallback poll, when a finished delivery frees room under the
            // cap, and (without direct delivery) when something was enqueued or settled.
            should_claim = tokio::select! {
                Some(entry) = recv(&mut leased), if has_room => {
                    flight.start(&this, entry, &done);
                    false
                }
                Some(finished) = flight.tasks.join_next_with_id(), if !flight.tasks.is_empty() => {
                    flight.finished(&finished);
                    flight.tasks.len() + 1 >= MAX_IN_FLIGHT
                }
                () = this.wake.notified() => claim_on_wake,
                () = tokio::time::sleep(POLL_EVERY) => true,
                _ = shutdown.changed() => true,
            };
        }
        // Entries handed over before the stop are this worker's: deliver them too, rather than
        // leave them to wait out their lease after a restart.
        if let Some(leased) = &mut leased {
            while let Ok(entry) = leased.try_recv() {
                flight.start(&this, entry, &done);
            }
        }
        while let Some(finished) = flight.tasks.join_next_with_id().await {
            flight.finished(&finished);
        }
        drop(done);
        let _ = settler.await;
        // Settling may have handed over the next entries of busy conversations: release them
        // for whoever claims next (after a restart, at once) instead of holding their lease.
        if let Some(leased) = &mut leased {
            leased.close();
            while let Ok(entry) = leased.try_recv() {
                if let Err(error) = this
                    .store
                    .retry_later(entry.id, "not delivered before shutdown", Duration::ZERO)
                    .await
                {
                    tracing::warn!(id = entry.id, %error, "could not release an outbox entry");
                }
            }
        }
        tracing::info!("outbox worker stopped");
    }

    async fn sample_depth(&self) {
        if let Ok(depth) = self.store.outbox_depth().await {
            self.metrics
                .outbox_depth
                .set(i64::try_from(depth).unwrap_or(i64::MAX));
        }
    }

    async fn deliver_one(&self, entry: ClaimedEntry, done: &mpsc::UnboundedSender<i64>) {
        let direction = direction(&entry.message);
        let started = Instant::now();
        let result = self.router.deliver(&entry).await;
        self.metrics
            .relay_latency
            .get_or_create(&DirectionLabels { direction })
            .observe(started.elapsed().as_secs_f64());
        let settled = match result {
            Ok(()) => {
                self.count(direction, "delivered");
                // The settler is gone only at shutdown; then the lease expires and the next
                // start re-checks the entry (adapters recognise what they already sent).
                let _ = done.send(entry.id);
                Ok(())
            }
            Err(DeliveryError::Retry { reason, after_ms }) if entry.attempts + 1 < MAX_ATTEMPTS => {
                let delay = backoff(entry.attempts, after_ms);
                tracing::warn!(id = entry.id, direction, %reason, attempt = entry.attempts + 1, ?delay, "delivery failed; will retry");
                self.count(direction, "retried");
                self.store.retry_later(entry.id, &reason, delay).await
            }
            Err(error) => {
                tracing::error!(id = entry.id, direction, %error, "delivery failed for good; dead-lettered");
                self.count(direction, "dead");
                self.store.dead_letter(entry.id, &error.to_string()).await
            }
        };
        if let Err(error) = settled {
            // The lease expires and the entry is retried; adapters check for an earlier success.
            tracing::warn!(id = entry.id, %error, "could not record the delivery result");
        }
    }

    fn count(&self, direction: &'static str, outcome: &'static str) {
        self.metrics
            .relays
            .get_or_create(&RelayLabels { direction, outcome })
            .inc();
        if outcome != "delivered" {
            // Which side failed follows from where the entry was going.
            let errors = match direction {
                "to_discord" | "announcement" => &self.metrics.discord_errors,
                _ => &self.metrics.twilio_errors,
            };
            errors
                .get_or_create(&ReasonLabels { reason: outcome })
                .inc();
        }
    }
}

/// The deliveries running now, and their entry ids: an entry is never delivered twice at once
/// (a claim can return an entry whose lease ran out while it was still in flight here).
#[derive(Debug, Default)]
struct InFlight {
    tasks: JoinSet<()>,
    /// Entry id by delivery task (a task that panicked reports only its task id).
    ids: HashMap<task::Id, i64>,
}

impl InFlight {
    fn start(
        &mut self,
        worker: &Arc<OutboxWorker>,
        entry: ClaimedEntry,
        done: &mpsc::UnboundedSender<i64>,
    ) {
        if self.ids.values().any(|&id| id == entry.id) {
            return;
        }
        let (id, worker, done) = (entry.id, Arc::clone(worker), done.clone());
        let task = self
            .tasks
            .spawn(async move { worker.deliver_one(entry, &done).await });
        self.ids.insert(task.id(), id);
    }

    fn finished(&mut self, result: &Result<(task::Id, ()), task::JoinError>) {
        let task = match result {
            Ok((task, ())) => *task,
            Err(error) => error.id(),
        };
        self.ids.remove(&task);
    }
}

/// Consecutive failures of a call that is retried on a clock, so that an outage is logged
/// when it starts, now and then while it lasts, and when it ends — not on every retry.
#[derive(Debug, Default)]
struct FailureStreak {
    failures: u32,
}

impl FailureStreak {
    /// Counts a failure; true when this one should be logged (the first, then every
    /// [`WARN_EVERY`]th).
    const fn failed(&mut self) -> bool {
        self.failures = self.failures.saturating_add(1);
        self.failures == 1 || self.failures.is_multiple_of(WARN_EVERY)
    }

    /// Counts a success; the number of failures it ends, if it ends any.
    fn succeeded(&mut self) -> Option<u32> {
        (self.failures > 0).then(|| std::mem::take(&mut self.failures))
    }
}

/// The next handed-over entry; never resolves without direct delivery or once the store is
/// gone.
async fn recv(leased: &mut Option<mpsc::UnboundedReceiver<ClaimedEntry>>) -> Option<ClaimedEntry> {
    match leased {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Marks delivered entries done, as many per write as arrive within [`SETTLE_WINDOW`] of the
/// first (up to [`SETTLE_BATCH`]), then rings `wake`: the next entries of those conversations
/// are deliverable now (with direct delivery the store has already handed them over). Ends when
/// every sender is gone, after settling what it holds.
///
/// The window trades a few milliseconds before a conversation's *next* message may go out for
/// far fewer writes: at 500 relays/s, one settling write per two or three relays instead of one
/// each, and every write is one the relays' own commits queue behind.
async fn settle_batches(
    store: Arc<dyn SessionStore>,
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
        if let Err(error) = store.complete_many(&batch).await {
            // The leases expire and the entries are retried; adapters check for an earlier send.
            tracing::warn!(%error, count = batch.len(), "could not record deliveries");
        }
        batch.clear();
        wake.notify_one();
    }
}

const fn direction(message: &OutboxMessage) -> &'static str {
    match message {
        OutboxMessage::ToConversation { .. } => "to_flex",
        OutboxMessage::ToDiscord { .. } => "to_discord",
        OutboxMessage::NoticeToConversation { .. } => "notice_to_flex",
        OutboxMessage::Announce { .. } => "announcement",
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// Full-jitter exponential backoff (a random wait between 0 and `min(cap, 500 ms · 2^attempt)`),
/// never shorter than what the remote asked for.
fn backoff(attempts: u32, at_least_ms: Option<u64>) -> Duration {
    let ceiling = Duration::from_millis(500)
        .saturating_mul(1u32.checked_shl(attempts.min(16)).unwrap_or(u32::MAX))
        .min(MAX_BACKOFF);
    let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    let jittered = rand::random_range(0..=ceiling_ms);
    Duration::from_millis(jittered.max(at_least_ms.unwrap_or(0)))
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

    #[test]
    fn backoff_stays_within_the_ceiling_and_honours_retry_after() {
        for attempt in 0..20 {
            let d = backoff(attempt, None);
            assert!(d <= MAX_BACKOFF, "attempt {attempt}: {d:?}");
        }
        assert!(backoff(0, None) <= Duration::from_millis(500));
        assert!(backoff(0, Some(5_000)) >= Duration::from_millis(5_000));
    }
}
