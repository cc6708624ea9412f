//! Dead letters put back in line: an operator who fixed what made deliveries fail (a missing
//! permission, a revoked token, a user who opened their DMs again) sends them once more.

use flexcord_core::ports::StoreError;

use crate::codec::now_ms;
use crate::error::store_error;
use crate::store::{Store, on_pool};

/// Puts a dead entry back: due now, unleased, with one attempt counted so the adapter checks for
/// an earlier send before sending (and nine tries are left).
const REQUEUE: &str = "UPDATE outbox SET state = 'pending', due_at = $1, finished_at = NULL, \
     lease_owner = NULL, lease_until = NULL, attempts = 1 WHERE state = 'dead'";

impl Store {
    /// Queues the dead-lettered entries `ids` for delivery again; returns how many were dead
    /// letters (other ids are skipped). A running worker delivers them on its next poll, each
    /// at the head of its conversation's queue: late, and after what was delivered meanwhile.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn retry_dead(&self, ids: &[i64]) -> Result<u64, StoreError> {
        let now = now_ms();
        let sql = format!("{REQUEUE} AND id = $2");
        let mut requeued = 0;
        for id in ids {
            let _writer = self.write_guard().await;
            requeued += on_pool!(&self.pool, |p| {
                sqlx::query(&sql)
                    .bind(now)
                    .bind(*id)
                    .execute(p)
                    .await
                    .map(|done| done.rows_affected())
            })
            .map_err(store_error)?;
        }
        Ok(requeued)
    }

    /// Queues every dead letter still kept (see retention) for delivery again; returns how many.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn retry_all_dead(&self) -> Result<u64, StoreError> {
        let _writer = self.write_guard().await;
        on_pool!(&self.pool, |p| {
            sqlx::query(REQUEUE)
                .bind(now_ms())
                .execute(p)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(store_error)
    }
}
