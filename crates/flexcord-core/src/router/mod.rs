//! The router: one state machine per Discord user, driven by Discord and Flex events.
//!
//! PUBLIC API (frozen; other crates and the binary code against it):
//! - [`Router::new`], [`Router::handle_discord`], [`Router::handle_flex`],
//!   [`Router::announce`], [`Router::deliver`], [`Router::config`].
//! - [`Ports`], [`Handled`], [`Outcome`], [`Incident`], [`RouterError`], [`DeliveryError`].

use std::sync::Arc;

use thiserror::Error;

use crate::config::RouterConfig;
use crate::content::Announcement;
use crate::event::{DiscordEvent, FlexEvent};
use crate::outbox::ClaimedEntry;
use crate::ports::{
    CaseError, CaseManagement, ChatError, ChatSurface, Clock, ContactCenter, ContactCenterError,
    SessionStore, StoreError, VirtualAgent, VirtualAgentError,
};

/// The adapters the router drives.
#[derive(Debug, Clone)]
pub struct Ports {
    /// Discord.
    pub chat: Arc<dyn ChatSurface>,
    /// Flex.
    pub contact_center: Arc<dyn ContactCenter>,
    /// The virtual agent.
    pub virtual_agent: Arc<dyn VirtualAgent>,
    /// Cases.
    pub cases: Arc<dyn CaseManagement>,
    /// Sessions, dedupe, outbox.
    pub store: Arc<dyn SessionStore>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// What handling an event came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    /// The event was acted on.
    #[default]
    Done,
    /// The same event was handled before (a retry or a redelivery); nothing was done.
    Duplicate,
    /// Flex event for a conversation flexcord does not know (logged and acknowledged).
    UnknownConversation,
    /// An event deliberately not relayed: the bridge's own message coming back (no echo), the
    /// customer's own message, an empty message, a participant flexcord does not announce.
    Ignored,
}

/// Something that went wrong while handling an event but did not stop it: the user was still
/// served (for example, routed to an agent although the case system was down). The binary logs
/// and counts these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incident {
    /// The case system failed; the user was routed or answered anyway.
    CaseSystem(CaseError),
    /// The virtual agent failed or timed out; the user was offered a live agent.
    VirtualAgent(VirtualAgentError),
    /// A contact-center call failed.
    ContactCenter(ContactCenterError),
    /// A chat-surface call failed.
    Chat(ChatError),
}

/// The result of handling one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Handled {
    /// What it came to.
    pub outcome: Outcome,
    /// Failures that did not stop it.
    pub incidents: Vec<Incident>,
    /// How many outbox entries were enqueued (the binary wakes its delivery worker when > 0).
    pub enqueued: usize,
}

/// Why an event could not be handled at all. The caller should not acknowledge it (Twilio will
/// retry a webhook answered with 5xx).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RouterError {
    /// The store failed, so nothing could be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why an outbox entry was not delivered.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Try again later (after `after_ms` when the remote said so).
    #[error("retry: {reason}")]
    Retry {
        /// What failed.
        reason: String,
        /// Minimum wait the remote asked for.
        after_ms: Option<u64>,
    },
    /// Retrying will not help; dead-letter it.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// The per-user state machine. Cheap to share (`Arc<Router>`); handles events concurrently,
/// serialising those of the same user.
#[derive(Debug)]
pub struct Router {
    ports: Ports,
    config: RouterConfig,
}

impl Router {
    /// A router over `ports` with `config`.
    #[must_use]
    pub fn new(ports: Ports, config: RouterConfig) -> Self {
        Self { ports, config }
    }

    /// The configuration in force.
    #[must_use]
    pub const fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// Handles a Discord event.
    ///
    /// # Errors
    ///
    /// [`RouterError::Store`] when nothing could be recorded.
    pub async fn handle_discord(&self, event: DiscordEvent) -> Result<Handled, RouterError> {
        let _ = (&self.ports, event);
        Ok(Handled::default())
    }

    /// Handles a Flex event (already authenticated by the caller).
    ///
    /// # Errors
    ///
    /// [`RouterError::Store`] when nothing could be recorded; the webhook should then answer 5xx.
    pub async fn handle_flex(&self, event: FlexEvent) -> Result<Handled, RouterError> {
        let _ = event;
        Ok(Handled::default())
    }

    /// Records an announcement for `#announcements` once per `key` (an item id, or a hash of
    /// title and body). Returns [`Outcome::Duplicate`] for a key seen before.
    ///
    /// # Errors
    ///
    /// [`RouterError::Store`].
    pub async fn announce(
        &self,
        key: &str,
        announcement: Announcement,
    ) -> Result<Handled, RouterError> {
        let _ = (key, announcement);
        Ok(Handled::default())
    }

    /// Delivers one claimed outbox entry.
    ///
    /// # Errors
    ///
    /// [`DeliveryError::Retry`] when a later try may work; [`DeliveryError::Permanent`] otherwise.
    pub async fn deliver(&self, entry: &ClaimedEntry) -> Result<(), DeliveryError> {
        let _ = entry;
        Ok(())
    }
}
