//! [`OutboxStore`] for [`Store`]: claiming and settling outbox entries, each delegating to
//! `outbox` under the write lock (SQLite) where it writes.

use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::outbox::ClaimedEntry;
use flexcord_core::ports::{OutboxStore, StoreError};

use crate::store::Store;

#[async_trait]
impl OutboxStore for Store {
    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<ClaimedEntry>, StoreError> {
        let _writer = self.write_guard().await;
        self.outbox_claim(worker, lease, max).await
    }

    async fn complete(&self, id: i64) -> Result<(), StoreError> {
        let _writer = self.write_guard().await;
        self.outbox_complete(id).await
    }

    async fn complete_many(&self, ids: &[i64]) -> Result<(), StoreError> {
        let mut writer = self.write_guard().await;
        self.outbox_complete_many(ids, writer.as_deref_mut()).await
    }

    async fn retry_later(&self, id: i64, error: &str, delay: Duration) -> Result<(), StoreError> {
        let _writer = self.write_guard().await;
        self.outbox_retry_later(id, error, delay).await
    }

    async fn dead_letter(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        let _writer = self.write_guard().await;
        self.outbox_dead_letter(id, reason).await
    }

    async fn outbox_depth(&self) -> Result<u64, StoreError> {
        self.outbox_pending().await
    }
}
