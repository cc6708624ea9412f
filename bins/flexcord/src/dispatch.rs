//! Feeds Discord events to the router: events of one user in arrival order, different users in
//! parallel; an event the store cannot record is held and retried, never dropped.
//!
//! The router serialises a user's events with a lock, but two tasks racing for that lock could
//! swap two quick DMs. So events are sharded by user id onto a fixed set of queues, each drained
//! by one task: same user → same queue → same order.
//!
//! **Storage faults.** Discord never sends a gateway event twice, so an event that cannot be
//! recorded (disk full, read-only database, database unreachable) is kept by its queue's task
//! and tried again with capped backoff until the store takes it; the events queued behind it
//! wait, so one user's events never overtake each other. The queues are bounded: when one is
//! full, [`Dispatcher::dispatch`] waits, the forwarder stops taking events from the gateway
//! runner, and the runner stops reading the gateway (back-pressure, logged once per episode).
//! What is held lives in memory; so that a restart meanwhile loses no DM, the DM channel of
//! each DM held while the store fails is noted with
//! [`Store::note_unrecorded_dm`](flexcord_store::Store::note_unrecorded_dm), and the start-up
//! catch-up reads it again, even for a user the database has never seen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexcord_core::Router;
use flexcord_core::event::DiscordEvent;
use flexcord_core::ids::ChannelId;
use flexcord_core::ports::StoreError;
use flexcord_core::router::{Handled, RouterError};
use flexcord_store::Store;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::report;

/// How many per-user queues; more than cores so one slow user (a slow virtual agent answer)
/// delays few others.
const SHARDS: usize = 32;
/// Per-queue capacity; the gateway reader waits when a queue is full (backpressure).
const QUEUE: usize = 256;
/// First wait before an event the store could not record is tried again; doubled each time.
const FIRST_RETRY: Duration = Duration::from_millis(50);
/// Longest wait between two tries of a held event: how soon after the store is back the held
/// events move again.
const MAX_RETRY: Duration = Duration::from_secs(2);
/// Other store failures (a conflict that kept coming back, undecodable data) are not the
/// database being down: tried this many times, then given up and logged.
const OTHER_ATTEMPTS: u32 = 5;

/// Routes Discord events to per-user queues.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    queues: Arc<Vec<mpsc::Sender<DiscordEvent>>>,
    shared: Arc<Shared>,
}

/// What the dispatcher and its queue tasks share.
#[derive(Debug)]
struct Shared {
    store: Store,
    metrics: Arc<Metrics>,
    /// DMs queued or being handled, per DM channel: how many, and the oldest message id among
    /// those dispatched since the count was last zero (no newer than any of them). A channel's
    /// unrecorded mark is cleared only when none of its DMs is held any more.
    in_flight: Mutex<HashMap<u64, (usize, u64)>>,
    /// A queue was full the last time an event was dispatched.
    backpressure: AtomicBool,
}

impl Dispatcher {
    /// Starts the queue workers in `tasks`. They stop when every [`Dispatcher`] clone is
    /// dropped and their queues are drained. Once `shutdown` is true an event the store cannot
    /// record is no longer waited for: given up (logged; a DM's channel is noted, so it is read
    /// again at the next start), so a stop never hangs on a failing store.
    pub fn start(
        router: &Arc<Router>,
        metrics: &Arc<Metrics>,
        store: &Store,
        outbox_wake: &Arc<Notify>,
        shutdown: &watch::Receiver<bool>,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        let shared = Arc::new(Shared {
            store: store.clone(),
            metrics: Arc::clone(metrics),
            in_flight: Mutex::new(HashMap::new()),
            backpressure: AtomicBool::new(false),
        });
        let mut queues = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            let (tx, mut rx) = mpsc::channel::<DiscordEvent>(QUEUE);
            queues.push(tx);
            let router = Arc::clone(router);
            let shared = Arc::clone(&shared);
            let wake = Arc::clone(outbox_wake);
            let mut shutdown = shutdown.clone();
            tasks.spawn(async move {
                while let Some(event) = rx.recv().await {
                    let dm = dm_channel(&event);
                    let result =
                        handle_until_recorded(&router, &shared, event, &mut shutdown).await;
                    if let Some(channel) = dm {
                        shared.done(channel, result.is_ok());
                    }
                    report::handled(&shared.metrics, "discord", &result);
                    if result.as_ref().is_ok_and(|h| h.enqueued > 0) {
                        wake.notify_one();
                    }
                }
            });
        }
        Self {
            queues: Arc::new(queues),
            shared,
        }
    }

    /// Queues an event behind the same user's earlier events, waiting while that queue is full.
    /// Returns false when shutting down.
    pub async fn dispatch(&self, event: DiscordEvent) -> bool {
        let user = match &event {
            DiscordEvent::Command { user, .. }
            | DiscordEvent::ReportSubmitted { user, .. }
            | DiscordEvent::Button { user, .. }
            | DiscordEvent::Malformed { user, .. }
            | DiscordEvent::DirectMessage { user, .. } => user.id.get(),
        };
        let shard = usize::try_from(user % SHARDS as u64).unwrap_or(0);
        let Some(queue) = self.queues.get(shard) else {
            return false;
        };
        if let DiscordEvent::DirectMessage {
            channel, message, ..
        } = &event
        {
            self.shared.queued(*channel, message.get());
        }
        match queue.try_send(event) {
            Ok(()) => {
                if self.shared.backpressure.swap(false, Ordering::Relaxed) {
                    tracing::info!("Discord events are taken from the gateway again");
                }
                true
            }
            Err(mpsc::error::TrySendError::Full(event)) => {
                if !self.shared.backpressure.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        store_writes_failing = self.shared.store.writes_failing(),
                        "a Discord event queue is full: reading the gateway waits until it drains"
                    );
                }
                self.shared.metrics.dispatch_backpressure.inc();
                queue.send(event).await.is_ok()
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

impl Shared {
    /// Counts a DM in; while the store is failing, notes its channel at once (it may wait in
    /// memory for long).
    fn queued(&self, channel: ChannelId, message: u64) {
        {
            let mut in_flight = self.lock_in_flight();
            let (count, oldest) = in_flight.entry(channel.get()).or_insert((0, message));
            *count += 1;
            *oldest = (*oldest).min(message);
        }
        if self.store.writes_failing() {
            self.store
                .note_unrecorded_dm(channel, before_message_ms(message));
        }
    }

    /// Counts a DM out; once the last DM held for its channel is through and this one was
    /// recorded, the channel's unrecorded mark (if any) goes.
    fn done(&self, channel: ChannelId, recorded: bool) {
        let last = {
            let mut in_flight = self.lock_in_flight();
            let (count, _) = in_flight.entry(channel.get()).or_default();
            *count = count.saturating_sub(1);
            let last = *count == 0;
            if last {
                in_flight.remove(&channel.get());
            }
            last
        };
        if last && recorded {
            self.store.clear_unrecorded_dm(channel);
        }
    }

    /// Notes the channel of every DM queued or being handled: when an event is first held, the
    /// DMs already queued behind it (dispatched while the store still looked fine) are held
    /// too, and exist nowhere else.
    fn note_all_in_flight(&self) {
        let channels: Vec<(u64, u64)> = self
            .lock_in_flight()
            .iter()
            .map(|(&channel, &(_, oldest))| (channel, oldest))
            .collect();
        for (channel, oldest) in channels {
            self.store
                .note_unrecorded_dm(ChannelId(channel), before_message_ms(oldest));
        }
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (usize, u64)>> {
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The DM channel of a DM event.
const fn dm_channel(event: &DiscordEvent) -> Option<ChannelId> {
    match event {
        DiscordEvent::DirectMessage { channel, .. } => Some(*channel),
        _ => None,
    }
}

/// The moment (ms since the Unix epoch) just before a message was written, from its id: reading
/// the channel's history after it includes the message.
fn before_message_ms(message: u64) -> u64 {
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    ((message >> 22) + DISCORD_EPOCH_MS).saturating_sub(1)
}

/// Handles `event`, trying again for as long as the store cannot record it (the database
/// unavailable: full, read-only, unreachable), with backoff doubling up to [`MAX_RETRY`]. Gives
/// up only when the process is shutting down — the DM's channel is noted for the next start's
/// catch-up — or after [`OTHER_ATTEMPTS`] for other store failures.
async fn handle_until_recorded(
    router: &Router,
    shared: &Shared,
    event: DiscordEvent,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Handled, RouterError> {
    let mut delay = FIRST_RETRY;
    let mut attempt = 0u32;
    let mut held = false;
    loop {
        attempt += 1;
        let error = match router.handle_discord(event.clone()).await {
            Err(RouterError::Store(error)) => error,
            other => return other,
        };
        let unavailable = matches!(error, StoreError::Unavailable(_));
        if !unavailable && attempt >= OTHER_ATTEMPTS {
            return Err(RouterError::Store(error));
        }
        if unavailable && held {
            shared.metrics.store_retries.inc();
        }
        if unavailable && !held {
            // Held from now on: counted once.
            held = true;
            shared.metrics.store_held_events.inc();
            // Its DM channel is noted — with those of the DMs waiting in the queues behind it —
            // so that a restart before the store is back still reads them.
            shared.note_all_in_flight();
            tracing::debug!(%error, "store cannot record a Discord event; holding it");
        }
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|stop| *stop) => {
                tracing::warn!(
                    %error,
                    "shutting down while the store cannot record a Discord event: given up \
                     (a DM is read again from its channel at the next start)"
                );
                return Err(RouterError::Store(error));
            }
        }
        delay = (delay * 2).min(MAX_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_moment_before_a_message_reads_it_again() {
        let at = 1_765_000_000_000_u64;
        let id = flexcord_discord::catch_up::snowflake_at(at) | 0x3f_ffff;
        assert_eq!(before_message_ms(id), at - 1);
        assert!(flexcord_discord::catch_up::snowflake_at(before_message_ms(id)) < id);
    }
}
