//! Durable state: sessions, processed-event ids and the outbox.

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use crate::ids::{ChannelId, ConversationSid, UserId};
use crate::outbox::{ClaimedEntry, OutboxMessage};
use crate::session::Session;

/// One atomic step of the router: all of it is written, or none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Commit {
    /// The event's identity (`tw:msg:IM…`, `dc:msg:<id>`, `dc:int:<id>`…). When it was already
    /// recorded, nothing is written and the outcome is [`CommitOutcome::Duplicate`].
    pub dedupe_key: Option<String>,
    /// The session to save, if it changed. Saved only if its `version` equals the stored one
    /// (0 = must not exist yet); the stored version is then incremented.
    pub session: Option<Session>,
    /// Sends to enqueue, in order.
    pub outbox: Vec<OutboxMessage>,
}

/// What a [`Commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// Everything was written.
    Committed {
        /// The session's new version, when a session was saved.
        session_version: Option<u64>,
        /// Ids of the enqueued outbox entries, in order.
        outbox_ids: Vec<i64>,
    },
    /// The dedupe key was already recorded; nothing was written.
    Duplicate,
}

/// Why a store call failed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The session changed since it was read (another task or instance wrote it). Nothing was
    /// written; reload and decide again.
    #[error("session was modified concurrently")]
    Conflict,
    /// No such row (outbox entry).
    #[error("not found: {0}")]
    NotFound(String),
    /// The database is unreachable or failed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be decoded (a bug or a manual edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Sessions, dedupe and the outbox.
#[async_trait]
pub trait SessionStore: Send + Sync + std::fmt::Debug {
    /// The user's session.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]; [`StoreError::Corrupt`].
    async fn session(&self, user: UserId) -> Result<Option<Session>, StoreError>;

    /// The session whose DM channel is `channel`.
    ///
    /// # Errors
    ///
    /// As for [`SessionStore::session`].
    async fn session_by_channel(&self, channel: ChannelId) -> Result<Option<Session>, StoreError>;

    /// The session whose (current or last) conversation is `conversation`.
    ///
    /// # Errors
    ///
    /// As for [`SessionStore::session`].
    async fn session_by_conversation(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Option<Session>, StoreError>;

    /// Writes a [`Commit`] atomically.
    ///
    /// # Errors
    ///
    /// [`StoreError::Conflict`] when the session's version does not match (nothing written);
    /// [`StoreError::Unavailable`].
    async fn commit(&self, commit: &Commit) -> Result<CommitOutcome, StoreError>;

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
    /// As for [`SessionStore::complete`].
    async fn retry_later(&self, id: i64, error: &str, delay: Duration) -> Result<(), StoreError>;

    /// Gives up on an entry, keeping the reason. Later entries of its ordering key proceed.
    ///
    /// # Errors
    ///
    /// As for [`SessionStore::complete`].
    async fn dead_letter(&self, id: i64, reason: &str) -> Result<(), StoreError>;

    /// Entries not yet delivered nor dead.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn outbox_depth(&self) -> Result<u64, StoreError>;

    /// Deletes processed-event ids and finished (delivered or dead) outbox entries older than
    /// `age`; returns how many rows went.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn prune(&self, age: Duration) -> Result<u64, StoreError>;

    /// Checks the database answers.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn ping(&self) -> Result<(), StoreError>;
}
