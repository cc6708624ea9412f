//! The per-user session: where a Discord user stands in the routing state machine, and every
//! mapping the bridge needs to relay without asking Twilio or Discord again.

use serde::{Deserialize, Serialize};

use crate::ids::{
    CaseId, ChannelId, ConversationSid, InteractionChannelSid, InteractionSid, UserId,
};

/// The router's states. `Bot → AwaitingAgent → WithAgent → Ended → Bot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// The virtual agent answers.
    Bot,
    /// A case is open and the conversation is routed to Flex; no agent has joined yet.
    AwaitingAgent,
    /// A live agent is in the conversation.
    WithAgent,
    /// The chat ended; the user was asked for a rating. The next message goes back to the bot.
    Ended,
}

impl SessionState {
    /// Lower-case wire name, as stored.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::AwaitingAgent => "awaiting_agent",
            Self::WithAgent => "with_agent",
            Self::Ended => "ended",
        }
    }

    /// True while the conversation is with Flex (user messages are relayed to the agent side).
    #[must_use]
    pub const fn is_live(self) -> bool {
        matches!(self, Self::AwaitingAgent | Self::WithAgent)
    }
}

/// The Flex Interaction that routes a conversation to an agent (bridge mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRef {
    /// `KD…`
    pub interaction: InteractionSid,
    /// `UO…`
    pub channel: InteractionChannelSid,
}

/// Who said a line of the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The Discord user.
    User,
    /// The virtual agent.
    Bot,
    /// A live agent.
    Agent,
    /// flexcord itself (notices).
    System,
}

/// One line of a chat transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// Who said it.
    pub speaker: Speaker,
    /// Display name of the speaker.
    pub name: String,
    /// What was said (attachments rendered as their file names and URLs).
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// One Discord user's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The Discord user.
    pub user: UserId,
    /// Their display name, as last seen.
    pub user_name: String,
    /// The bot's DM channel with the user.
    pub dm_channel: ChannelId,
    /// Where the user stands.
    pub state: SessionState,
    /// The Flex conversation, once one was opened. Kept while in `Ended` so late events match.
    pub conversation: Option<ConversationSid>,
    /// The Flex Interaction, once one was created.
    pub interaction: Option<InteractionRef>,
    /// The case of the current (or last) live chat.
    pub case_id: Option<CaseId>,
    /// The live agent's display name, once joined.
    pub agent_name: Option<String>,
    /// Transcript of the current chat (bot part and agent part), bounded by the router.
    pub transcript: Vec<TranscriptLine>,
    /// The user's language as their latest interaction gave it (`hi`, `pt-BR`): DMs carry
    /// none, so this is what the router answers them in.
    pub locale: Option<String>,
    /// Recent use of the per-user limits, saved with the session so every instance sees it.
    #[serde(default)]
    pub usage: crate::limits::Usage,
    /// Optimistic-concurrency version: the store only saves a session whose version matches the
    /// stored one, then increments it. 0 = never stored.
    pub version: u64,
}

impl Session {
    /// A fresh session in `Bot` state.
    #[must_use]
    pub fn new(user: UserId, user_name: impl Into<String>, dm_channel: ChannelId) -> Self {
        Self {
            user,
            user_name: user_name.into(),
            dm_channel,
            state: SessionState::Bot,
            conversation: None,
            interaction: None,
            case_id: None,
            agent_name: None,
            transcript: Vec::new(),
            locale: None,
            usage: crate::limits::Usage::default(),
            version: 0,
        }
    }
}
