//! Inbound events: what the Discord adapter and the Flex webhooks tell the router.
//!
//! Adapters translate their wire formats into these (pure functions, tested from fixtures); the
//! router never sees a gateway payload or a webhook form.

use serde::{Deserialize, Serialize};

use crate::case::{CaseKind, Rating};
use crate::content::{AgentMedia, MessageContent};
use crate::ids::{CaseId, ChannelId, ConversationSid, Identity, MessageId, MessageSid, UserId};

/// The Discord user behind an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// Discord user id.
    pub id: UserId,
    /// Display name (global name or username).
    pub name: String,
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
        /// The case asked for (already parsed; the adapter answers malformed ids itself).
        id: CaseId,
        /// The caller as a member of the server the command came from; `None` outside a server
        /// (a DM, a user-installed command).
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
            | Self::BotTurn { conversation, .. } => conversation,
        }
    }
}
