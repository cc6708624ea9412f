//! [`SessionStore`] for [`Store`]: the port's methods, each delegating to the module that owns
//! its table.

use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::ids::{ChannelId, ConversationSid, UserId};
use flexcord_core::outbox::ClaimedEntry;
use flexcord_core::ports::{Commit, CommitOutcome, SessionStore, StoreError};
use flexcord_core::session::Session;

use crate::error::store_error;
use crate::store::{Store, on_pool};

#[async_trait]
impl SessionStore for Store {
    async fn session(&self, user: UserId) -> Result<Option<Session>, StoreError> {
        self.session_by_user(user).await
    }

    async fn session_by_channel(&self, channel: ChannelId) -> Result<Option<Session>, StoreError> {
        self.session_by_dm(channel).await
    }

    async fn session_by_conversation(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Option<Session>, StoreError> {
        self.session_by_conv(conversation).await
    }

    async fn commit(&self, commit: &Commit) -> Result<CommitOutcome, StoreError> {
        // Takes the SQLite write lock itself, on the task that does the write.
        self.write_commit(commit).await
    }

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

    async fn prune(&self, age: Duration) -> Result<u64, StoreError> {
        let _writer = self.write_guard().await;
        self.prune_older_than(age).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(drop))
        .map_err(store_error)
    }
}
