//! The chat surface: Discord, seen from the router.

use async_trait::async_trait;
use thiserror::Error;

use crate::case::Case;
use crate::content::{Announcement, GuildChannel, OutgoingMessage, ReportCard};
use crate::event::InteractionHandle;
use crate::ids::{ChannelId, MessageId, UserId};

/// An answer to an interaction the adapter already deferred (ephemeral unless stated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Plain text, seen only by the user who asked.
    Text(String),
    /// A case card (for `/case`), seen only by the staff member who asked.
    Case(Box<Case>),
}

/// Why a chat-surface call failed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatError {
    /// The user does not accept DMs from the bot (Discord error 50007). Retrying will not help;
    /// the agent side should be told.
    #[error("the user's direct messages are closed")]
    DmClosed,
    /// The channel, message or interaction does not exist (any more).
    #[error("not found: {0}")]
    NotFound(String),
    /// Rate limited beyond what the adapter queues; retry after the given time.
    #[error("rate limited, retry after {retry_after_ms} ms")]
    RateLimited {
        /// When to retry.
        retry_after_ms: u64,
    },
    /// A network or server problem; retrying later may work.
    #[error("transient failure: {0}")]
    Transient(String),
    /// Discord refused the request (bad request, missing permission); retrying will not help.
    #[error("rejected: {0}")]
    Rejected(String),
}

impl ChatError {
    /// True when the same call may succeed later.
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Transient(_))
    }
}

/// Discord as the router needs it.
#[async_trait]
pub trait ChatSurface: Send + Sync + std::fmt::Debug {
    /// Opens (or finds) the bot's DM channel with `user`.
    ///
    /// # Errors
    ///
    /// [`ChatError::DmClosed`] when the user does not accept DMs; [`ChatError::Transient`] on
    /// network trouble; [`ChatError::Rejected`] otherwise.
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError>;

    /// Sends a message: text split at the platform limit on line/word boundaries, in order, with
    /// no mentions allowed; files downloaded from their URLs and uploaded; buttons under the last
    /// chunk. `nonce`, when given, makes Discord drop a repeat of the same send (used when an
    /// outbox entry is retried after a crash). Returns the ids of the messages created, in order.
    ///
    /// # Errors
    ///
    /// [`ChatError::DmClosed`] for a DM the user closed (50007); [`ChatError::NotFound`] for an
    /// unknown channel; [`ChatError::RateLimited`] / [`ChatError::Transient`] when a retry may
    /// work; [`ChatError::Rejected`] otherwise. When a later chunk fails, the earlier chunks
    /// stay sent.
    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError>;

    /// Answers an interaction the adapter deferred (a follow-up to the deferred response).
    ///
    /// # Errors
    ///
    /// [`ChatError::NotFound`] when the interaction expired (15 minutes); others as for
    /// [`ChatSurface::send`].
    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError>;

    /// Posts an official report card to `#bug-report` or `#feature-request`. `nonce` as for
    /// [`ChatSurface::send`]: a repeat of the same card (an outbox entry retried) is dropped.
    ///
    /// # Errors
    ///
    /// [`ChatError::NotFound`] when the channel does not exist (run `flexcord setup discord`);
    /// others as for [`ChatSurface::send`].
    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError>;

    /// Posts an announcement to `#announcements`.
    ///
    /// # Errors
    ///
    /// As for [`ChatSurface::post_report`].
    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError>;

    /// Shows "typing…" in a channel for a few seconds. Best effort.
    ///
    /// # Errors
    ///
    /// As for [`ChatSurface::send`]; callers usually ignore them.
    async fn typing(&self, channel: ChannelId) -> Result<(), ChatError>;
}
