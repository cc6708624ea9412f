//! Durable state the router needs: sessions, processed-event ids, and the one atomic commit
//! that records an event with what it changed and what it owes (the outbox entries). Delivering
//! those entries is another port, [`OutboxStore`](super::OutboxStore).

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use crate::ids::{ChannelId, ConversationSid, UserId};
use crate::limits::Block;
use crate::outbox::OutboxMessage;
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

/// Sessions, dedupe and the commit that enqueues outbox entries: what the router needs. Also the
/// upkeep of those records (`prune`, `ping`).
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

    /// The user's block, if they are blocked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]; [`StoreError::Corrupt`].
    async fn blocked(&self, user: UserId) -> Result<Option<Block>, StoreError>;

    /// Blocks a user (replacing the reason, author and time of an earlier block).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn block(&self, block: &Block) -> Result<(), StoreError>;

    /// Lifts a user's block; false when they were not blocked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn unblock(&self, user: UserId) -> Result<bool, StoreError>;

    /// Every blocked user, most recent first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]; [`StoreError::Corrupt`].
    async fn blocked_users(&self) -> Result<Vec<Block>, StoreError>;

    /// Claims the blocked user's notice: true (and noted at `now_ms`) when they were not told
    /// within `every_ms`, false otherwise or when they are not blocked. Atomic, so two instances
    /// never both tell.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    async fn claim_block_notice(
        &self,
        user: UserId,
        now_ms: u64,
        every_ms: u64,
    ) -> Result<bool, StoreError>;
}
