//! Feeds Discord events to the router: events of one user in arrival order, different users in
//! parallel.
//!
//! The router serialises a user's events with a lock, but two tasks racing for that lock could
//! swap two quick DMs. So events are sharded by user id onto a fixed set of queues, each drained
//! by one task: same user → same queue → same order.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::Router;
use flexcord_core::event::DiscordEvent;
use flexcord_core::router::RouterError;
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;

use crate::metrics::Metrics;
use crate::report;

/// How many per-user queues; more than cores so one slow user (a slow virtual agent answer)
/// delays few others.
const SHARDS: usize = 32;
/// Per-queue capacity; the gateway reader waits when a queue is full (backpressure).
const QUEUE: usize = 256;

/// Routes Discord events to per-user queues.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    queues: Arc<Vec<mpsc::Sender<DiscordEvent>>>,
}

impl Dispatcher {
    /// Starts the queue workers in `tasks`. They stop when every [`Dispatcher`] clone is
    /// dropped and their queues are drained.
    pub fn start(
        router: &Arc<Router>,
        metrics: &Arc<Metrics>,
        outbox_wake: &Arc<Notify>,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        let mut queues = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            let (tx, mut rx) = mpsc::channel::<DiscordEvent>(QUEUE);
            queues.push(tx);
            let router = Arc::clone(router);
            let metrics = Arc::clone(metrics);
            let wake = Arc::clone(outbox_wake);
            tasks.spawn(async move {
                while let Some(event) = rx.recv().await {
                    let result = handle_with_retry(&router, event).await;
                    report::handled(&metrics, "discord", &result);
                    if result.as_ref().is_ok_and(|h| h.enqueued > 0) {
                        wake.notify_one();
                    }
                }
            });
        }
        Self {
            queues: Arc::new(queues),
        }
    }

    /// Queues an event behind the same user's earlier events. Returns false when shutting down.
    pub async fn dispatch(&self, event: DiscordEvent) -> bool {
        let user = match &event {
            DiscordEvent::Command { user, .. }
            | DiscordEvent::ReportSubmitted { user, .. }
            | DiscordEvent::Button { user, .. }
            | DiscordEvent::DirectMessage { user, .. } => user.id.get(),
        };
        let shard = usize::try_from(user % SHARDS as u64).unwrap_or(0);
        match self.queues.get(shard) {
            Some(queue) => queue.send(event).await.is_ok(),
            None => false,
        }
    }
}

/// Discord does not redeliver gateway events, so a store hiccup is retried here a few times
/// before the event is given up (and logged).
async fn handle_with_retry(
    router: &Router,
    event: DiscordEvent,
) -> Result<flexcord_core::router::Handled, RouterError> {
    let mut delay = Duration::from_millis(50);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match router.handle_discord(event.clone()).await {
            Err(RouterError::Store(error)) if attempt < 5 => {
                tracing::warn!(%error, attempt, "store failed while handling a Discord event; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
}
