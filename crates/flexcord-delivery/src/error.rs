//! Why one delivery attempt failed, in the classes the retry decision tells apart.

use flexcord_core::ports::{CaseError, ChatError, ContactCenterError};
use thiserror::Error;

/// Why an outbox entry was not delivered this time.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The remote asked us to wait (Discord beyond what the adapter queues, Twilio's 429).
    #[error("rate limited for {retry_after_ms} ms: {reason}")]
    RateLimited {
        /// What said so.
        reason: String,
        /// The least wait the remote asked for.
        retry_after_ms: u64,
    },
    /// A network or server problem; a later try may work.
    #[error("transient: {0}")]
    Transient(String),
    /// The remote refused the request; retrying will not help.
    #[error("permanent: {0}")]
    Rejected(String),
    /// The user closed their DMs (Discord 50007); the router is told.
    #[error("permanent: the user's direct messages are closed")]
    DmClosed,
    /// The conversation is gone on Twilio's side; the router is told.
    #[error("permanent: conversation gone: {0}")]
    ConversationGone(String),
}

impl From<&ChatError> for DeliveryError {
    fn from(e: &ChatError) -> Self {
        match e {
            ChatError::RateLimited { retry_after_ms } => Self::RateLimited {
                reason: e.to_string(),
                retry_after_ms: *retry_after_ms,
            },
            ChatError::Transient(_) => Self::Transient(e.to_string()),
            ChatError::DmClosed => Self::DmClosed,
            _ => Self::Rejected(e.to_string()),
        }
    }
}

impl From<&ContactCenterError> for DeliveryError {
    fn from(e: &ContactCenterError) -> Self {
        match e {
            ContactCenterError::ConversationGone(_) => Self::ConversationGone(e.to_string()),
            _ if e.is_transient() => Self::Transient(e.to_string()),
            _ => Self::Rejected(e.to_string()),
        }
    }
}

impl From<&CaseError> for DeliveryError {
    fn from(e: &CaseError) -> Self {
        match e {
            CaseError::Unavailable(_) => Self::Transient(e.to_string()),
            _ => Self::Rejected(e.to_string()),
        }
    }
}
