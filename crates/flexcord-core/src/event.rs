//! Inbound events: what the Discord adapter and the Flex webhooks tell the router.
//!
//! Adapters translate their wire formats into these (pure functions, tested from fixtures); the
//! router never sees a gateway payload or a webhook form.

use serde::{Deserialize, Serialize};

use crate::case::{CaseKind, Rating};
use crate::content::{AgentMedia, MessageContent};
use crate::ids::{CaseId, ChannelId, ConversationSid, Identity, MessageId, MessageSid, UserId};
use crate::session::InteractionRef;

/// The Discord user behind an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Discord user id.
    pub id: UserId,
    /// Display name (global name or username).
    pub name: String,
    /// Their Discord client's language (`hi`, `pt-BR`), checked with
    /// [`crate::locale::checked_tag`]. Interactions carry it; DMs do not, so the router keeps
    /// the latest one in the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// A Discord interaction the adapter already acknowledged (deferred, ephemeral), so the router
/// has 15 minutes to answer it through [`crate::ports::ChatSurface::reply`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionHandle {
    /// The interaction id (also a good idempotency key).
    pub id: u64,
    /// The interaction token. Secret-ish: it lets anyone answer the interaction, so `Debug`
    /// hides it.
    pub token: String,
}

impl std::fmt::Debug for InteractionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InteractionHandle")
            .field("id", &self.id)
            .field("token", &"***")
            .finish()
    }
}

/// Where a Discord interaction happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The channel.
    pub channel: ChannelId,
    /// True in the bot's DM, false in a guild channel.
    pub direct_message: bool,
}

/// A slash command, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// `/helpme`: open the DM with the virtual agent.
    HelpMe,
    /// `/case <id>`: look a case up. Whether the caller may is the router's decision
    /// ([`crate::config::StaffPolicy`]), from what the adapter saw of them.
    Case {
        /// The case asked for (already parsed; a malformed id arrives as
        /// [`DiscordEvent::Malformed`] instead).
        id: CaseId,
        /// The caller as a member of the server the command came from; `None` outside a server
        /// (a DM, a user-installed command).
        member: Option<Member>,
    },
    /// `/block user reason`: staff keep a user out of support. Whether the caller may is the
    /// router's decision ([`crate::config::StaffPolicy`]).
    Block {
        /// Who is to be blocked.
        target: UserId,
        /// Why (for staff and operators; the blocked user never sees it).
        reason: String,
        /// The caller as a member of the server; `None` outside a server.
        member: Option<Member>,
    },
    /// `/unblock user`: staff lift a block.
    Unblock {
        /// Who is to be unblocked.
        target: UserId,
        /// The caller as a member of the server; `None` outside a server.
        member: Option<Member>,
    },
}

/// The caller of a guild interaction, as far as deciding "is this staff?" needs: which server
/// it came from and what the member may do there. The adapter only reports; the router decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The server (guild) the interaction came from.
    pub guild: u64,
    /// The member has Administrator or Manage Server there.
    pub manages_server: bool,
    /// The names of the member's roles there (as far as the adapter knows them).
    pub roles: Vec<String>,
}

/// A submitted `/bug` or `/new_feature` modal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportForm {
    /// Bug or feature (never support).
    pub kind: CaseKind,
    /// Title field.
    pub title: String,
    /// Description field.
    pub description: String,
    /// Steps to reproduce (bugs).
    pub steps: Option<String>,
    /// Platform / version (bugs).
    pub platform: Option<String>,
}

/// What was wrong with an interaction the adapter could not turn into a request. The adapter
/// only reports it; what the user is told is the router's ([`crate::config::Templates`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Malformed {
    /// `/case` with something that does not parse as a case number.
    CaseNumber,
    /// A slash command flexcord does not register (a stale registration, another app's name).
    UnknownCommand,
    /// A modal flexcord did not open (a custom id it does not recognise).
    UnknownForm,
    /// A report form submitted without a title or a description.
    MissingFields,
}

/// A button the user pressed; decoded and validated from the custom id by the adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ButtonAction {
    /// "Talk to a live agent".
    TalkToAgent,
    /// "End chat".
    EndChat,
    /// A rating for a case.
    Rate {
        /// The case being rated.
        case: CaseId,
        /// 1–5.
        rating: Rating,
    },
}

/// Something that happened in Discord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiscordEvent {
    /// A slash command (already deferred by the adapter).
    Command {
        /// How to answer.
        interaction: InteractionHandle,
        /// Who.
        user: UserProfile,
        /// Where.
        place: Place,
        /// What.
        command: Command,
    },
    /// A report modal was submitted (already deferred, ephemeral).
    ReportSubmitted {
        /// How to answer.
        interaction: InteractionHandle,
        /// Who.
        user: UserProfile,
        /// Where.
        place: Place,
        /// The form.
        form: ReportForm,
    },
    /// A button was pressed (already acknowledged).
    Button {
        /// How to answer.
        interaction: InteractionHandle,
        /// Who.
        user: UserProfile,
        /// Where (the DM, for all flexcord buttons).
        place: Place,
        /// Which.
        action: ButtonAction,
    },
    /// An interaction flexcord cannot act on (already deferred, ephemeral): the router tells the
    /// user what was wrong.
    Malformed {
        /// How to answer.
        interaction: InteractionHandle,
        /// Who.
        user: UserProfile,
        /// Where.
        place: Place,
        /// What was wrong.
        problem: Malformed,
    },
    /// A message from a user in the bot's DM (never from a bot, never from flexcord itself).
    DirectMessage {
        /// Who.
        user: UserProfile,
        /// The DM channel.
        channel: ChannelId,
        /// The message (its id is the dedupe key).
        message: MessageId,
        /// What they said.
        content: MessageContent,
    },
}

/// Who posted a message into a Flex conversation, as Twilio's `Source` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageOrigin {
    /// `Source=SDK`: the Flex UI, i.e. an agent.
    Sdk,
    /// `Source=API`: a REST call, which is how flexcord posts (never relayed back: no echo).
    Api,
    /// Anything else Twilio may add.
    Other,
}

/// Something that happened in Flex / Twilio Conversations (or Studio).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlexEvent {
    /// `onMessageAdded`.
    MessageAdded {
        /// The conversation.
        conversation: ConversationSid,
        /// The message (dedupe key).
        message: MessageSid,
        /// Twilio's `Source`.
        origin: MessageOrigin,
        /// `Author`: the agent's identity for agent messages.
        author: Identity,
        /// Text.
        body: String,
        /// Attached media.
        media: Vec<AgentMedia>,
    },
    /// `onParticipantAdded`.
    ParticipantAdded {
        /// The conversation.
        conversation: ConversationSid,
        /// The participant's identity.
        identity: Identity,
        /// A friendly name, if the adapter could tell one.
        name: Option<String>,
    },
    /// `onParticipantRemoved`.
    ParticipantRemoved {
        /// The conversation.
        conversation: ConversationSid,
        /// The participant's identity.
        identity: Identity,
    },
    /// `onConversationStateUpdated` to `closed` (agent closed it, or a timer did).
    ConversationClosed {
        /// The conversation.
        conversation: ConversationSid,
    },
    /// Studio mode: the flow's HTTP Request widget asks for a bot answer to a user message.
    BotTurn {
        /// The conversation.
        conversation: ConversationSid,
        /// The user's text, as the flow saw it.
        body: String,
        /// The request's identity, when it has one (the user message's `MessageSid` the flow
        /// passes along, or Twilio's idempotency token): the same request again is a duplicate.
        #[serde(default)]
        request: Option<String>,
    },
    /// Studio mode: the flow's Send to Flex created the task (the flow's HTTP Request widget
    /// after it reports the Flex Interaction Flex recorded in the task's attributes). The bridge
    /// never creates the interaction in this mode, so this is how it learns what "End chat"
    /// must close, and that the flow is done with the conversation.
    TaskCreated {
        /// The conversation.
        conversation: ConversationSid,
        /// The interaction and its channel.
        interaction: crate::session::InteractionRef,
    },
}

impl FlexEvent {
    /// The conversation the event is about.
    #[must_use]
    pub const fn conversation(&self) -> &ConversationSid {
        match self {
            Self::MessageAdded { conversation, .. }
            | Self::ParticipantAdded { conversation, .. }
            | Self::ParticipantRemoved { conversation, .. }
            | Self::ConversationClosed { conversation }
            | Self::BotTurn { conversation, .. }
            | Self::TaskCreated { conversation, .. } => conversation,
        }
    }
}

/// Something a delivery learned that the router must act on. The outbox worker never runs a
/// routing step itself: it hands these to [`crate::Router::handle_delivery`], which records them
/// with an identity ([`DeliveryEvent::dedupe_key`]) like any other event, so a repeat is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryEvent {
    /// A relay into `conversation` found it gone on Twilio's side (a missed close webhook, say):
    /// the chat is over.
    ConversationGone {
        /// The outbox entry whose delivery found out.
        entry: i64,
        /// The conversation that is gone.
        conversation: ConversationSid,
    },
    /// A message for a user's DM was refused because they closed their DMs (Discord 50007).
    DmClosed {
        /// The outbox entry whose delivery found out.
        entry: i64,
        /// The user's DM channel, when the entry named one.
        channel: Option<ChannelId>,
        /// The conversation the message belonged to, whose agent should be told.
        conversation: Option<ConversationSid>,
    },
    /// A message queued for a user whose DM channel was not known
    /// ([`crate::outbox::OutboxMessage::ToUser`]) was delivered: the DM is open now, and a user
    /// without a session gets one, so the buttons under the message work.
    DmOpened {
        /// The outbox entry that opened it.
        entry: i64,
        /// The user.
        user: UserProfile,
        /// Their DM channel.
        channel: ChannelId,
    },
    /// A user's message reached the agent, but some of its files did not (empty, refused by the
    /// contact center, too large): the user is told which.
    FilesRefused {
        /// The outbox entry that relayed the message.
        entry: i64,
        /// The conversation the message went to.
        conversation: ConversationSid,
        /// The Discord message the files came with.
        source: MessageId,
        /// The files that did not go, and why.
        files: Vec<crate::ports::RefusedFile>,
    },
    /// A hand-off's first step ([`crate::outbox::HandOffStep::Open`]) is done: the case (when
    /// the case system could open one) and the conversation exist.
    HandOffOpened {
        /// The user handed off.
        user: UserId,
        /// The hand-off's key (the event that asked for it).
        key: String,
        /// The case, when the case system managed to open one.
        case: Option<CaseId>,
        /// The conversation opened for the hand-off.
        conversation: ConversationSid,
    },
    /// A hand-off's Flex task exists ([`crate::outbox::HandOffStep::Task`]).
    HandOffRouted {
        /// The user handed off.
        user: UserId,
        /// The hand-off's key.
        key: String,
        /// The conversation routed.
        conversation: ConversationSid,
        /// The Flex Interaction routing it.
        interaction: InteractionRef,
    },
    /// The case for a hand-off that went on without one is open
    /// ([`crate::outbox::HandOffStep::Case`]).
    HandOffCaseOpened {
        /// The user handed off.
        user: UserId,
        /// The hand-off's key.
        key: String,
        /// The hand-off's conversation.
        conversation: ConversationSid,
        /// The case.
        case: CaseId,
    },
    /// A hand-off step failed for good (refused, or retried until the outbox gave up).
    HandOffFailed {
        /// The user handed off.
        user: UserId,
        /// The hand-off's key.
        key: String,
        /// The step's conversation: `None` when opening it failed.
        conversation: Option<ConversationSid>,
    },
}

impl DeliveryEvent {
    /// The event's identity, recorded like a webhook's message sid. A conversation closes once,
    /// however it was found out: a gone conversation is recorded as its close
    /// (`tw:closed:<sid>`, the identity of Twilio's close webhook), so the later webhook, or a
    /// second relay finding it gone, changes nothing.
    #[must_use]
    pub fn dedupe_key(&self) -> String {
        match self {
            Self::ConversationGone { conversation, .. } => format!("tw:closed:{conversation}"),
            Self::DmClosed { entry, .. } => format!("dl:dm_closed:{entry}"),
            Self::DmOpened { entry, .. } => format!("dl:dm_opened:{entry}"),
            // One notice per Discord message, however often its relay is retried.
            Self::FilesRefused { source, .. } => format!("dc:refused:{source}"),
            // One of each per hand-off, however often its step is retried.
            Self::HandOffOpened { key, .. } => format!("dl:handoff:opened:{key}"),
            Self::HandOffRouted { key, .. } => format!("dl:handoff:routed:{key}"),
            Self::HandOffFailed { key, .. } => format!("dl:handoff:failed:{key}"),
            Self::HandOffCaseOpened { key, .. } => format!("dl:handoff:case:{key}"),
        }
    }
}
