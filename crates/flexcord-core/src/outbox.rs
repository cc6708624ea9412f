//! The durable outbox: everything the bridge owes a person — relays, notices, greetings, bot
//! answers, report cards, announcements — recorded in the same commit as the event that caused
//! it, before that event is acknowledged, and delivered afterwards by a worker (the
//! `flexcord-delivery` crate).
//!
//! Why: Twilio gives a webhook 5 s and retries it; the Discord gateway does not redeliver at all.
//! Recording the send first, then delivering, is what makes "nothing lost, nothing twice" hold
//! across crashes and retries.

use serde::{Deserialize, Serialize};

use crate::case::NewCase;
use crate::content::{
    AgentMedia, Announcement, GuildChannel, MessageContent, OutgoingMessage, ReportCard,
};
use crate::event::UserProfile;
use crate::ids::{ChannelId, ConversationSid, Identity, MessageId, UserId};
use crate::ports::TaskRequest;
use crate::session::TranscriptLine;

/// One send waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxMessage {
    /// A Discord user's message, to be posted into their Flex conversation.
    ToConversation {
        /// Target conversation.
        conversation: ConversationSid,
        /// The customer's identity (the message's author).
        author: Identity,
        /// The Discord message it came from (dedupe key on Twilio's side too).
        source: MessageId,
        /// What they said.
        content: MessageContent,
    },
    /// A message for the user's DM (an agent's words, or a notice about the chat).
    ToDiscord {
        /// The DM channel.
        channel: ChannelId,
        /// What to send. Files are already resolved to downloadable URLs, or given as `media`.
        message: OutgoingMessage,
        /// Agent media still to be resolved to a download URL at delivery time (the URLs
        /// Twilio hands out expire, so they are fetched as late as possible).
        media: Vec<AgentMedia>,
        /// The conversation the message belongs to, so a DM-closed failure can be reported back.
        conversation: Option<ConversationSid>,
    },
    /// A notice for the agent side (for example, "the user's DMs are closed").
    NoticeToConversation {
        /// Target conversation.
        conversation: ConversationSid,
        /// The text.
        text: String,
    },
    /// An announcement for `#announcements`.
    Announce {
        /// What to post.
        announcement: Announcement,
    },
    /// A message for a user whose DM channel is not known yet (opening it failed while the
    /// interaction waited): the delivery opens the DM, then sends.
    ToUser {
        /// The Discord user (named, so that the session the delivery reports can be created).
        user: UserProfile,
        /// What to send.
        message: OutgoingMessage,
    },
    /// An official report card for `#bug-report` or `#feature-request`.
    Report {
        /// Where it goes.
        channel: GuildChannel,
        /// The card.
        card: ReportCard,
    },
    /// One step of a hand-off to a live agent (bridge mode).
    HandOff {
        /// Which step, with what it needs.
        step: HandOffStep,
    },
}

/// The steps of a bridge-mode hand-off. Each is an outbox entry: recorded in the commit of
/// the event that caused it and carried out (with retries, across crashes) by the delivery
/// worker, which reports each step's result back to the router as a
/// [`crate::event::DeliveryEvent`]; the router then records it and enqueues the next steps.
///
/// Every step is keyed by the hand-off's `key` (the identity of the event that asked for it)
/// and may run more than once (a crash before it was settled): the adapters find what an
/// earlier run created instead of creating it again — the case by its idempotency key, the
/// conversation by a unique name made from the key, the transcript by the key in its
/// message's attributes, the Flex task by the key in its attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandOffStep {
    /// Open the case, then the conversation. Reported as
    /// [`crate::event::DeliveryEvent::HandOffOpened`].
    Open {
        /// The hand-off's key.
        key: String,
        /// The user.
        user: UserProfile,
        /// Their DM channel (in the conversation's attributes).
        dm: ChannelId,
        /// The case to open (its idempotency key is the hand-off's key).
        case: NewCase,
    },
    /// Post the transcript so far into the conversation. Not reported: without it the agent
    /// lacks context but can still help.
    Transcript {
        /// The hand-off's key.
        key: String,
        /// The conversation.
        conversation: ConversationSid,
        /// What the user and the virtual agent said.
        lines: Vec<TranscriptLine>,
    },
    /// Create the Flex task. Reported as [`crate::event::DeliveryEvent::HandOffRouted`].
    Task {
        /// The hand-off's key.
        key: String,
        /// The conversation to route.
        conversation: ConversationSid,
        /// What the task carries.
        task: TaskRequest,
    },
    /// Open the case the case system could not open with [`HandOffStep::Open`] (the user went
    /// to an agent without it), retried until it answers. Reported as
    /// [`crate::event::DeliveryEvent::HandOffCaseOpened`]. On a queue of its own: the chat
    /// does not wait for the case system.
    Case {
        /// The hand-off's key (also the case's idempotency key).
        key: String,
        /// The user.
        user: UserId,
        /// The hand-off's conversation.
        conversation: ConversationSid,
        /// The case to open.
        case: NewCase,
    },
}

impl HandOffStep {
    /// The hand-off's key.
    #[must_use]
    pub fn key(&self) -> &str {
        match self {
            Self::Open { key, .. }
            | Self::Transcript { key, .. }
            | Self::Task { key, .. }
            | Self::Case { key, .. } => key,
        }
    }
}

impl OutboxMessage {
    /// The ordering key: entries with the same key are delivered one at a time, oldest first.
    /// Everything for one conversation or one DM keeps its order; different users never wait on
    /// each other.
    #[must_use]
    pub fn ordering_key(&self) -> String {
        match self {
            // A hand-off's transcript and task go with the conversation, before anything the
            // user writes to the agent afterwards.
            Self::ToConversation { conversation, .. }
            | Self::NoticeToConversation { conversation, .. }
            | Self::HandOff {
                step:
                    HandOffStep::Transcript { conversation, .. }
                    | HandOffStep::Task { conversation, .. },
            } => format!("conv:{conversation}"),
            Self::ToDiscord { channel, .. } => format!("dm:{channel}"),
            Self::Announce { .. } => "announcements".to_owned(),
            Self::ToUser { user, .. } => format!("user:{}", user.id),
            Self::Report { channel, .. } => format!("report:{}", channel.name()),
            // Opening has the user's own queue (their hand-offs, one at a time).
            Self::HandOff {
                step: HandOffStep::Open { user, .. },
            } => format!("handoff:{}", user.id),
            Self::HandOff {
                step: HandOffStep::Case { key, .. },
            } => format!("handoff-case:{key}"),
        }
    }
}

/// An entry the store leased to this process's worker the moment it became deliverable and
/// handed over in memory (SQLite's direct delivery), with the end of that lease.
///
/// It may wait in the worker's queue while the worker is at its cap (a surge queued behind
/// Twilio's concurrency limit). Once the lease has ended, a claim may have given the entry to
/// another delivery, so a worker that has not started it by then must leave it to be claimed
/// rather than deliver a second copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOver {
    /// The entry, as a claim would return it.
    pub entry: ClaimedEntry,
    /// When the lease runs out.
    pub lease_ends: std::time::Instant,
}

/// An outbox entry claimed by a worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedEntry {
    /// The entry's id in the store.
    pub id: i64,
    /// What to send.
    pub message: OutboxMessage,
    /// How many times delivery was tried before this claim (0 on the first try). A value above 0
    /// means an earlier attempt may have gone through before a crash: adapters check before
    /// sending again.
    pub attempts: u32,
    /// The Discord nonce for this entry ([`delivery_nonce`] of the database's salt and `id`):
    /// the same on every try, so Discord drops a repeat after a crash, and different from any
    /// other database's entry with the same id, so a reset database or a second deployment on
    /// the same bot never has Discord answer with another entry's message.
    pub nonce: u64,
}

/// The nonce for entry `id` of a database whose random salt is `salt`.
///
/// Why not the id alone: Discord checks `enforce_nonce` per author over the past few minutes,
/// and ids (1, 2, 3…) repeat across databases — staging and production on one bot, a reset
/// database, the sandbox on a real token. A repeat is answered with the *earlier* message and
/// nothing is created: the message is lost. For one salt this is a bijection of `id` (no two
/// entries of one database share a nonce); across salts a clash is a 2⁻⁶⁴ chance. It fits
/// Discord's 25-character nonce as a decimal (at most 20 digits).
#[must_use]
pub fn delivery_nonce(salt: u64, id: i64) -> u64 {
    // splitmix64: an odd multiple of the id plus the salt, then its bijective finaliser.
    let id = u64::from_ne_bytes(id.to_ne_bytes());
    let mut z = salt.wrapping_add(id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
