//! [`SessionStore`] for [`Store`]: the port's methods, each delegating to the module that owns
//! its table. The outbox side is in `outbox_store`.

use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::ids::{ChannelId, ConversationSid, UserId};
use flexcord_core::limits::Block;
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

    async fn prune(&self, age: Duration) -> Result<u64, StoreError> {
        let _writer = self.write_guard().await;
        self.prune_older_than(age).await
    }

    async fn blocked(&self, user: UserId) -> Result<Option<Block>, StoreError> {
        self.blocked_user(user).await
    }

    async fn block(&self, block: &Block) -> Result<(), StoreError> {
        self.add_block(block).await
    }

    async fn unblock(&self, user: UserId) -> Result<bool, StoreError> {
        self.remove_block(user).await
    }

    async fn blocked_users(&self) -> Result<Vec<Block>, StoreError> {
        self.all_blocks().await
    }

    async fn claim_block_notice(
        &self,
        user: UserId,
        now_ms: u64,
        every_ms: u64,
    ) -> Result<bool, StoreError> {
        self.claim_notice(user, now_ms, every_ms).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(&self.pool, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(drop))
        .map_err(store_error)
    }
}
