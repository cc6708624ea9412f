//! Direct delivery: outbox entries leased to this process's delivery worker the moment they
//! become deliverable, and handed to it in memory, so a relay needs no claim query.
//!
//! Without it, every relay costs a commit *and* a claim (a second write transaction, behind
//! every other writer). With it, on SQLite:
//!
//! - [`Commit`](flexcord_core::ports::Commit) inserts each outbox entry that is the only pending
//!   entry of its ordering key already leased to the registered worker (`attempts` counts that
//!   as its first claim), and hands it over after the transaction commits;
//! - settling an entry (done or dead) leases the next pending entry of its ordering key, if it
//!   is due, and hands that over.
//!
//! Everything else — retries coming due, expired leases, entries another process left — is
//! still found by [`OutboxStore::claim`](flexcord_core::ports::OutboxStore::claim), which the
//! worker keeps calling on a slow poll. Ordering holds as before: only the oldest pending entry
//! of a key is ever leased, by whichever path.
//!
//! PostgreSQL does not offer it: there, several instances insert into one table concurrently,
//! and "the only pending entry of its key" is not decidable inside one instance's transaction
//! without a lock per key. Its workers claim.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use flexcord_core::outbox::{ClaimedEntry, HandedOver};
use tokio::sync::mpsc;

use crate::codec::duration_ms;
use crate::store::{Pool, Store};

/// Who entries are leased to, and where they are handed over.
#[derive(Debug)]
pub(crate) struct DirectDelivery {
    /// The worker's id, as in `claim(worker, …)`.
    pub(crate) worker: String,
    lease: Duration,
    tx: mpsc::UnboundedSender<HandedOver>,
}

/// The registration slot a [`Store`] and its clones share.
pub(crate) type DirectSlot = Arc<OnceLock<DirectDelivery>>;

impl DirectDelivery {
    /// The lease end for an entry leased at `now_ms`.
    pub(crate) fn lease_until(&self, now_ms: i64) -> i64 {
        now_ms.saturating_add(duration_ms(self.lease))
    }

    /// Hands a leased entry to the worker. When the worker is gone (shutting down), the entry
    /// stays leased in the database and is claimed again once the lease expires.
    ///
    /// `leased_at` is about when the lease's wall-clock start was taken; the end told is a
    /// tenth of the lease earlier than the one recorded, so a worker never takes a lease for
    /// live that a claim already sees as ended.
    pub(crate) fn hand_over(&self, entry: ClaimedEntry, leased_at: Instant) {
        let lease_ends = leased_at + self.lease.saturating_sub(self.lease / 10);
        let _ = self.tx.send(HandedOver { entry, lease_ends });
    }
}

impl Store {
    /// Leases outbox entries to `worker` as soon as this process makes them deliverable, for
    /// `lease`, and returns the receiver they are handed to (see the [module docs](self)).
    /// The worker must still poll [`OutboxStore::claim`] (slowly) for everything else.
    ///
    /// Returns `None` on PostgreSQL, which does not support it, and when a worker is already
    /// registered on this store (or a clone of it).
    ///
    /// [`OutboxStore::claim`]: flexcord_core::ports::OutboxStore::claim
    pub fn lease_new_entries(
        &self,
        worker: &str,
        lease: Duration,
    ) -> Option<mpsc::UnboundedReceiver<HandedOver>> {
        if !matches!(self.pool, Pool::Sqlite(_)) {
            return None;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        self.direct
            .set(DirectDelivery {
                worker: worker.to_owned(),
                lease,
                tx,
            })
            .ok()
            .map(|()| rx)
    }

    /// The registered worker, if any (always `None` on PostgreSQL).
    pub(crate) fn direct(&self) -> Option<&DirectDelivery> {
        self.direct.get()
    }
}
