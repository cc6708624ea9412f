//! Background checkpoints of SQLite's write-ahead log, sized to the write traffic.
//!
//! A checkpoint copies the log into the database file and syncs both to disk: a few
//! milliseconds of `fsync` on a virtual disk, during which the writes beside it slow down. Run
//! by SQLite's own auto-checkpoint, it lands inside whichever relay's commit crosses the
//! threshold; run on a fixed clock, it costs the same `fsync` however little was written. So it
//! runs here, off the writers' path, when enough was written (or something was, a while ago):
//! often under load, so each one has little to copy, and rarely when traffic is light.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::store::{Pool, Store};

/// How often the policy looks.
const TICK: Duration = Duration::from_millis(250);
/// Checkpoint once this many write transactions went into the log since the last one…
///
/// Small checkpoints, often: each copies less while relays keep writing beside it. Measured with
/// `benches/commit_latency.rs` at 500–1,000 commits/s, the slowest commit went from 10–12 ms
/// with 256 to 4–8 ms with 64, at the same p50 and p99.
const WRITES: u64 = 64;
/// …or once anything did and this long has passed.
const AT_MOST_EVERY: Duration = Duration::from_secs(2);

/// Write transactions since the last checkpoint, shared by a store and its clones.
pub(crate) type WriteCount = Arc<AtomicU64>;

impl Store {
    /// Counts one write transaction towards the next checkpoint.
    pub(crate) fn count_write(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }

    /// Checkpoints a SQLite store in the background, as traffic requires (see the module
    /// docs); `None` on PostgreSQL, which needs nothing of the kind. Abort the handle on
    /// shutdown; [`Store::close`] checkpoints what is left.
    ///
    /// Must be called from within a tokio runtime.
    #[must_use = "abort the handle on shutdown"]
    pub fn spawn_checkpoints(&self) -> Option<JoinHandle<()>> {
        if !matches!(self.pool, Pool::Sqlite(_)) {
            return None;
        }
        let store = self.clone();
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(TICK);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut since = Duration::ZERO;
            loop {
                ticks.tick().await;
                since += TICK;
                let pending = store.writes.load(Ordering::Relaxed);
                if pending < WRITES && (pending == 0 || since < AT_MOST_EVERY) {
                    continue;
                }
                store.writes.fetch_sub(pending, Ordering::Relaxed);
                since = Duration::ZERO;
                if let Err(error) = store.checkpoint().await {
                    tracing::debug!(%error, "background checkpoint failed");
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use flexcord_core::ports::{Commit, SessionStore as _};

    use super::*;

    async fn wait_for_checkpoint(store: &Store) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while store.writes.load(Ordering::Relaxed) > 0 {
            assert!(tokio::time::Instant::now() < deadline, "never checkpointed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn write(store: &Store, n: u64) {
        for i in 0..n {
            let commit = Commit {
                dedupe_key: Some(format!("k{i}")),
                ..Commit::default()
            };
            store.commit(&commit).await.unwrap();
        }
    }

    #[tokio::test]
    async fn heavy_traffic_is_checkpointed_at_the_next_look_light_traffic_within_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let store = Store::connect(&url).await.unwrap();
        let task = store.spawn_checkpoints().unwrap();

        write(&store, WRITES).await;
        wait_for_checkpoint(&store).await;

        // A few writes wait for the time limit, counted in looks of the policy: never sooner.
        store.writes.store(0, Ordering::Relaxed);
        write(&store, 3).await;
        tokio::time::sleep(TICK * 2).await;
        assert!(store.writes.load(Ordering::Relaxed) >= 3);
        wait_for_checkpoint(&store).await;
        task.abort();
    }
}
