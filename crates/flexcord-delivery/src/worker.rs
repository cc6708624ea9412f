//! The outbox worker: takes deliverable entries, hands each to the [`Deliverer`], and settles
//! the result (done, retry with full-jitter backoff, or dead letter).
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

use flexcord_core::event::DeliveryEvent;
use flexcord_core::outbox::{ClaimedEntry, HandedOver, OutboxMessage};
use flexcord_core::ports::{OutboxStore, StoreError};
use flexcord_core::router::RouterError;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::{self, JoinSet};

use crate::decision::{Decision, after_attempt};
use crate::deliver::{Deliverer, report};
use crate::kind::MessageKind;
use crate::metrics::{AttemptOutcome, DeliveryMetrics};
use crate::settle::{DEPTH_EVERY, sample_depth, settle_batches};
use crate::sink::EventSink;
use crate::streak::FailureStreak;

/// Fallback polling interval.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// How long a claim holds an entry; a crashed instance's entries come back after this.
pub const LEASE: Duration = Duration::from_secs(30);
/// Entries claimed per query (one per ordering key at most, so they run in parallel).
const BATCH: usize = 64;
/// Deliveries running at once. Mostly waiting on the network (or on Discord's rate limiter), so
/// this is about memory and fairness, not CPU.
const MAX_IN_FLIGHT: usize = 512;
/// When what a failed delivery taught could not be recorded, the entry is tried again after
/// this long rather than settled, so the lesson is not lost.
const REPORT_RETRY: Duration = Duration::from_secs(5);

/// The worker's dependencies.
#[derive(Debug)]
pub struct OutboxWorker {
    /// Sends entries.
    pub deliverer: Deliverer,
    /// Claims and settles entries.
    pub outbox: Arc<dyn OutboxStore>,
    /// Records what deliveries learn (the router).
    pub events: Arc<dyn EventSink>,
    /// Rung when something was enqueued.
    pub wake: Arc<Notify>,
    /// Counts deliveries and the queue's depth.
    pub metrics: Arc<dyn DeliveryMetrics>,
    /// Identifies this instance's claims.
    pub worker_id: String,
    /// Entries the store leased to `worker_id` as they became deliverable (SQLite's direct
    /// delivery); `None` where the store does not offer it.
    pub leased: Option<mpsc::UnboundedReceiver<HandedOver>>,
}

impl OutboxWorker {
    /// Runs until `shutdown` turns true, then finishes the deliveries in flight.
    ///
    /// Claims continuously: whenever something is enqueued or a delivery finishes, it claims
    /// again (up to 512 deliveries at once). A send held back by Discord's rate
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
            Arc::clone(&this.outbox),
            Arc::clone(&this.wake),
            settled,
        ));
        // The depth is read on a clock of its own, busy or not: entries waiting on a rate limit
        // are in flight, and they are exactly what the gauge is for.
        let sampler = tokio::spawn(sample_depth(
            Arc::clone(&this.outbox),
            Arc::clone(&this.metrics),
            DEPTH_EVERY,
            shutdown.clone(),
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
                match this.outbox.claim(&this.worker_id, LEASE, room).await {
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
                Some(handed) = recv(&mut leased), if has_room => {
                    flight.start_handed(&this, handed, &done);
                    false
                }
                Some(finished) = flight.tasks.join_next_with_id(), if !flight.tasks.is_empty() => {
                    flight.finished(&finished);
                    // Without direct delivery, what was enqueued while the cap was reached is
                    // found only by a claim. With it, that is in the hand-over queue already,
                    // and a claim per finished delivery would scan the whole backlog for
                    // nothing (in a surge, most of the process's CPU): the slow poll is enough.
                    claim_on_wake && flight.tasks.len() + 1 >= MAX_IN_FLIGHT
                }
                () = this.wake.notified() => claim_on_wake,
                () = tokio::time::sleep(POLL_EVERY) => true,
                _ = shutdown.changed() => true,
            };
        }
        // Entries handed over before the stop are this worker's: deliver them too, rather than
        // leave them to wait out their lease after a restart.
        if let Some(leased) = &mut leased {
            while let Ok(handed) = leased.try_recv() {
                flight.start_handed(&this, handed, &done);
            }
        }
        while let Some(finished) = flight.tasks.join_next_with_id().await {
            flight.finished(&finished);
        }
        drop(done);
        let _ = settler.await;
        let _ = sampler.await;
        // Settling may have handed over the next entries of busy conversations: release them
        // for whoever claims next (after a restart, at once) instead of holding their lease.
        if let Some(leased) = &mut leased {
            leased.close();
            while let Ok(HandedOver { entry, .. }) = leased.try_recv() {
                if let Err(error) = this
                    .outbox
                    .retry_later(entry.id, "not delivered before shutdown", Duration::ZERO)
                    .await
                {
                    tracing::warn!(id = entry.id, %error, "could not release an outbox entry");
                }
            }
        }
        tracing::info!("outbox worker stopped");
    }

    async fn deliver_one(&self, entry: ClaimedEntry, done: &mpsc::UnboundedSender<i64>) {
        let kind = MessageKind::of(&entry.message);
        let direction = kind.label();
        let started = Instant::now();
        let result = self.deliverer.deliver(&entry).await;
        let elapsed = started.elapsed();
        let error = match result {
            Ok(learned) => {
                self.metrics
                    .attempt(kind, AttemptOutcome::Delivered, elapsed);
                if let Some(event) = learned {
                    // Sent already, so settled either way: a lost report only means the user's
                    // session is made by their next DM instead. Except a hand-off step's: the
                    // next step waits on it, so the step stays to be run (it finds what it
                    // created) and reported again.
                    if let Err(report_error) = self.report(event).await {
                        tracing::warn!(id = entry.id, %report_error, "could not record what a delivery taught");
                        if matches!(entry.message, OutboxMessage::HandOff { .. }) {
                            let released = self
                                .outbox
                                .retry_later(entry.id, &report_error.to_string(), REPORT_RETRY)
                                .await;
                            self.settled(entry.id, released);
                            return;
                        }
                    }
                }
                // The settler is gone only at shutdown; then the lease expires and the next
                // start re-checks the entry (adapters recognise what they already sent).
                let _ = done.send(entry.id);
                return;
            }
            Err(error) => error,
        };
        // What the failure taught the router is recorded before the entry is settled: if it
        // cannot be, the entry stays to be tried (and reported) again.
        if let Some(event) = report(&entry, &error)
            && let Err(report_error) = self.report(event).await
        {
            tracing::warn!(id = entry.id, %error, %report_error, "could not record what a failed delivery taught; will try again");
            self.metrics.attempt(kind, AttemptOutcome::Retried, elapsed);
            let released = self
                .outbox
                .retry_later(entry.id, &error.to_string(), REPORT_RETRY)
                .await;
            self.settled(entry.id, released);
            return;
        }
        let settled = match after_attempt(entry.attempts, &error) {
            Decision::Retry { delay } => {
                tracing::warn!(id = entry.id, direction, %error, attempt = entry.attempts + 1, ?delay, "delivery failed; will retry");
                self.metrics.attempt(kind, AttemptOutcome::Retried, elapsed);
                self.outbox
                    .retry_later(entry.id, &error.to_string(), delay)
                    .await
            }
            Decision::DeadLetter { reason } => {
                tracing::error!(id = entry.id, direction, %reason, "delivery failed for good; dead-lettered");
                self.metrics.attempt(kind, AttemptOutcome::Dead, elapsed);
                self.outbox.dead_letter(entry.id, &reason).await
            }
        };
        self.settled(entry.id, settled);
    }

    /// Hands `event` to the router; rings `wake` for what it enqueued.
    async fn report(&self, event: DeliveryEvent) -> Result<(), RouterError> {
        let handled = self.events.report(event).await?;
        if handled.enqueued > 0 {
            self.wake.notify_one();
        }
        for incident in &handled.incidents {
            tracing::warn!(?incident, "while handling what a delivery taught");
        }
        Ok(())
    }

    fn settled(&self, id: i64, result: Result<(), StoreError>) {
        if let Err(error) = result {
            // The lease expires and the entry is retried; adapters check for an earlier success.
            tracing::warn!(id, %error, "could not record the delivery result");
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

    /// Starts a handed-over entry, unless its lease ran out while it waited for room: a claim
    /// may have given it to another delivery by then, so it is left to the claims (the slow
    /// poll finds it) rather than sent twice.
    fn start_handed(
        &mut self,
        worker: &Arc<OutboxWorker>,
        handed: HandedOver,
        done: &mpsc::UnboundedSender<i64>,
    ) {
        if Instant::now() >= handed.lease_ends {
            tracing::debug!(
                id = handed.entry.id,
                "handed-over entry waited past its lease; left to the claims"
            );
            return;
        }
        self.start(worker, handed.entry, done);
    }

    fn finished(&mut self, result: &Result<(task::Id, ()), task::JoinError>) {
        let task = match result {
            Ok((task, ())) => *task,
            Err(error) => error.id(),
        };
        self.ids.remove(&task);
    }
}

/// The next handed-over entry; never resolves without direct delivery or once the store is
/// gone.
async fn recv(leased: &mut Option<mpsc::UnboundedReceiver<HandedOver>>) -> Option<HandedOver> {
    match leased {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
