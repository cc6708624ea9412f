//! The outbox as the delivery worker sees it: claim entries, then settle each one (delivered,
//! retry later, dead letter). Entries are *written* by [`SessionStore::commit`]; this port never
//! adds any.
//!
//! [`SessionStore::commit`]: super::SessionStore::commit

use std::time::Duration;

use async_trait::async_trait;

use crate::outbox::ClaimedEntry;

use super::StoreError;

/// Claiming and settling outbox entries: what a delivery worker needs.
#[async_trait]
pub trait OutboxStore: Send + Sync + std::fmt::Debug {
    /// Claims up to `max` deliverable outbox entries for `worker` for `lease`: entries that are
    /// due, not dead, and either unclaimed or whose lease expired, and only the oldest
    /// undelivered entry of each ordering key (so per-conversation order holds even with several
    /// workers or instances). Two workers never hold the same entry.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]; [`StoreError::Corrupt`].
    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<ClaimedEntry>, StoreError>;

    /// Marks an entry delivered.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`]; [`StoreError::Unavailable`].
    async fn complete(&self, id: i64) -> Result<(), StoreError>;

    /// Marks several entries delivered, in one transaction where the backend can (a delivery
    /// worker settles its successes in batches to keep writes off the relays' path). Ids that
    /// are unknown or already settled are skipped.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]; nothing is guaranteed to be settled then.
    async fn complete_many(&self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            match self.complete(*id).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Releases an entry for another try after `delay`, counting the attempt and keeping `error`.
    ///
    /// # Errors
    ///
    /// As for [`OutboxStore::complete`].
    async fn retry_later(&self, id: i64, error: &str, delay: Duration) -> Result<(), StoreError>;

    /// Gives up on an entry, keeping the reason. Later entries of its ordering key proceed.
    ///
    /// # Errors
    ///
    /// As for [`OutboxStore::complete`].
    async fn dead_letter(&self, id: i64, reason: &str) -> Result<(), StoreError>;

    /// Every queued entry: not yet delivered nor dead, including those leased or handed over to
    /// a worker whose delivery is not settled yet (a send waiting on a rate limit is queued).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn outbox_depth(&self) -> Result<u64, StoreError>;
}
