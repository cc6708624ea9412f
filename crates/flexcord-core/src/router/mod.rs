//! The router: one state machine per Discord user, driven by Discord and Flex events.
//!
//! PUBLIC API (frozen; other crates and the binary code against it):
//! - [`Router::new`], [`Router::handle_discord`], [`Router::handle_flex`],
//!   [`Router::handle_delivery`], [`Router::announce`], [`Router::config`].
//! - [`Ports`], [`Handled`], [`Outcome`], [`Incident`], [`RouterError`].
//!
//! Delivering the outbox is not the router's job: the `flexcord-delivery` crate does it and
//! reports what it learns (a conversation gone, a DM closed) back as a [`DeliveryEvent`].
//!
//! # How a step works
//!
//! Events of one Discord user are handled one at a time (a keyed async mutex; Flex events find
//! their user through the conversation first); different users run concurrently. Each event is
//! one *step*: load the session, decide, and write everything the step changes — the event's
//! dedupe key, the session and the relays to enqueue — with **one** [`SessionStore::commit`].
//! When the commit reports a version conflict (another instance wrote the session), the step is
//! decided again from fresh state, at most four times. Ephemeral interaction replies and
//! best-effort case updates happen only after the commit succeeded, so a duplicate event sends
//! nothing.
//!
//! Dedupe keys: `dc:msg:<message id>`, `dc:int:<interaction id>`, `tw:msg:<MessageSid>`,
//! `tw:padd:<conv>:<identity>`, `tw:prem:<conv>:<identity>`, `tw:closed:<conv>`,
//! `tw:bot:req:<MessageSid or idempotency token>` (Studio bot turns), `ann:<key>`,
//! `dc:refused:<message id>` (the notice about files that did not reach the agent),
//! `dl:handoff:{opened,routed,failed}:<hand-off key>` (a hand-off step's report).
//!
//! Calls to other systems made while deciding may repeat when a step is decided again after a
//! conflict (rare: it needs two instances handling the same user at once). Those are idempotent
//! (case creation by idempotency key, find-or-open of a conversation). The bridge-mode hand-off
//! makes none while deciding: its case, conversation, transcript and Flex task are outbox
//! steps keyed by the hand-off (`handoff_steps`), so a retry or a crash at any point creates
//! one of each.
//!
//! # Everything owed to a person is in the outbox
//!
//! Relays (user → agent, agent → user), notices, greetings, virtual-agent answers, the
//! "Case #N created" notice, report cards, the reporter's copy of their case number and
//! announcements are outbox entries, written in the step's commit and delivered with retries
//! by the worker: a Discord outage or a crash delays them and never loses them. Only the
//! ephemeral interaction replies are sent directly, because Discord wants an answer within the
//! interaction's lifetime; whatever they say that the person must keep (a report's case number)
//! also goes out durably, as a DM.
//!
//! # Decisions worth knowing
//!
//! - Only a deliberate request hands off ([`crate::agent_request`]): the whole message is a hand-off
//!   phrase, or a short message is built around one; a phrase inside a longer sentence or under
//!   a negation goes to the virtual agent, whose answer offers the "Talk to a live agent"
//!   button.
//! - Per-user limits (`limits`, [`crate::limits`]) are decided here, from the usage stored
//!   with the session and written in the step's commit; a blocked user (`blocklist`) gets at
//!   most one notice a day and nothing else.
//! - A second `/helpme` while waiting for or talking to an agent changes nothing and answers
//!   `already_with_agent`; in `Ended` it returns to `Bot` and greets again.
//! - When the case system fails, the user is routed anyway (`transferring_without_case`,
//!   [`Incident::CaseSystem`]); in bridge mode the case is then opened from the outbox once
//!   the case system answers, and the user and the agent are told its number
//!   (`case_opened_later`, `case_opened_notice`). When the contact center fails (for good, in bridge mode: after
//!   the outbox's retries), the user is told `relay_failed` and stays with the bot.
//! - Bridge-mode hand-off: the user sees `case_created` (or `transferring_without_case`) once
//!   the case and the conversation exist, normally a moment after asking; until then what they
//!   write is kept for the agent's transcript and the bot stays quiet.
//! - An agent's first message before the "joined" event counts as the join. An agent joining a
//!   `Bot` session (a Studio flow routed it on its own) also makes it `WithAgent`.
//! - An agent leaving tells the user; if it was *the* agent, the session goes back to
//!   `AwaitingAgent` so the next agent (a transfer) is announced.
//! - Agent messages arriving after the chat ended (`Ended`) are still relayed; the state stays.
//!   Once the user is back with the bot, the old conversation is forgotten and its late events
//!   are [`Outcome::UnknownConversation`].
//! - Only `Source=SDK` messages from non-customer authors are relayed; `API` (our own posts)
//!   and any other source are ignored, so nothing echoes.
//! - Ending (agent close, timeout, "End chat", or a relay finding the conversation gone) sends
//!   `chat_ended` and, when there is a case, `rating_prompt` with rating buttons, and adds the
//!   transcript to the case. "End chat" followed by Twilio's closed webhook gives one notice:
//!   the webhook finds the session already `Ended` and is ignored.
//! - Ratings are accepted for the user's current or last case, or any case they reported, once
//!   per case: a second click changes nothing and adds no note. Rating returns to `Bot`.
//! - Studio mode: every `Bot` DM is posted into the conversation (opened on demand), the flow
//!   answers through [`FlexEvent::BotTurn`]; a hand-off keyword also opens the case and tells
//!   the user, but the task is created by the flow's "Send to Flex", never by flexcord. The
//!   "Talk to a live agent" button posts the first hand-off keyword as the user's message so the
//!   flow routes it.
//!   The flow then reports the task ([`FlexEvent::TaskCreated`], `tw:task:<interaction>`):
//!   the router keeps its interaction, so "End chat" closes the interaction channel as in
//!   bridge mode, and detaches the flow from the conversation (Twilio leaves its webhook on,
//!   and a hand-off word would run Send to Flex again).
//! - Delivery (`flexcord-delivery`): Discord sends carry the outbox entry id as nonce; a DM the
//!   user closed is dead-lettered and reported back ([`DeliveryEvent::DmClosed`]), and the
//!   router tells the agent through the outbox; agent media that cannot be resolved for good is
//!   left out rather than blocking the text; a user's file the contact center could not take is
//!   replaced by a note there and the user is told ([`DeliveryEvent::FilesRefused`],
//!   `refused_files`).
//! - `/helpme` opens the DM while the interaction waits, so the greeting is keyed by the DM
//!   channel and stays in order with what follows. When opening fails for a reason that may
//!   pass (a Discord outage), the greeting is queued for the user instead
//!   ([`OutboxMessage::ToUser`]: the delivery opens the DM, then sends) and the reply says to
//!   check the DMs.
//!
//! [`DeliveryEvent`]: crate::event::DeliveryEvent
//! [`DeliveryEvent::DmClosed`]: crate::event::DeliveryEvent::DmClosed
//! [`DeliveryEvent::FilesRefused`]: crate::event::DeliveryEvent::FilesRefused
//! [`OutboxMessage::ToUser`]: crate::outbox::OutboxMessage::ToUser
//!
//! [`SessionStore::commit`]: crate::ports::SessionStore::commit

mod blocklist;
mod delivery;
mod discord;
mod ending;
mod flex;
mod handoff;
mod handoff_steps;
mod intent;
mod limits;
mod locks;
mod refused_files;
mod step;
mod studio_task;
mod transcript;

use std::sync::Arc;

use thiserror::Error;

use crate::config::RouterConfig;
use crate::content::Announcement;
use crate::event::{DeliveryEvent, DiscordEvent, FlexEvent};
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
    /// Sessions, dedupe, and the commit that enqueues outbox entries.
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
    /// Not a failure: a request refused on purpose (a per-user limit, a blocked user). The
    /// binary counts these per reason.
    Refused(crate::limits::Refusal),
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

impl Handled {
    /// The answer for an event about a conversation no session holds.
    pub(crate) fn unknown_conversation() -> Self {
        Self {
            outcome: Outcome::UnknownConversation,
            ..Self::default()
        }
    }
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

/// The per-user state machine. Cheap to share (`Arc<Router>`); handles events concurrently,
/// serialising those of the same user.
#[derive(Debug)]
pub struct Router {
    ports: Ports,
    config: RouterConfig,
    locks: locks::UserLocks,
}

impl Router {
    /// A router over `ports` with `config`.
    #[must_use]
    pub fn new(ports: Ports, config: RouterConfig) -> Self {
        Self {
            ports,
            config,
            locks: locks::UserLocks::default(),
        }
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
        self.on_discord(event).await
    }

    /// Handles a Flex event (already authenticated by the caller).
    ///
    /// # Errors
    ///
    /// [`RouterError::Store`] when nothing could be recorded; the webhook should then answer 5xx.
    pub async fn handle_flex(&self, event: FlexEvent) -> Result<Handled, RouterError> {
        self.on_flex(event).await
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
        // No session is written, so this cannot conflict: one attempt.
        let plan = step::Plan {
            dedupe_key: Some(format!("ann:{key}")),
            outbox: vec![crate::outbox::OutboxMessage::Announce { announcement }],
            ..step::Plan::default()
        };
        let handled = self.settle(plan, step::MAX_ATTEMPTS).await?;
        Ok(handled.unwrap_or_default())
    }

    /// Handles what a delivery learned (reported by the outbox worker).
    ///
    /// # Errors
    ///
    /// [`RouterError::Store`] when nothing could be recorded; the worker then keeps the entry
    /// for a later try instead of settling it, so the report is not lost.
    pub async fn handle_delivery(&self, event: DeliveryEvent) -> Result<Handled, RouterError> {
        self.on_delivery(event).await
    }
}
