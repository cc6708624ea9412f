//! The durable outbox: everything the bridge owes a person — relays, notices, greetings, bot
//! answers, report cards, announcements — recorded in the same commit as the event that caused
//! it, before that event is acknowledged, and delivered afterwards by a worker (the
//! `flexcord-delivery` crate).
//!
//! Why: Twilio gives a webhook 5 s and retries it; the Discord gateway does not redeliver at all.
//! Recording the send first, then delivering, is what makes "nothing lost, nothing twice" hold
//! across crashes and retries.

use serde::{Deserialize, Serialize};

use crate::content::{
    AgentMedia, Announcement, GuildChannel, MessageContent, OutgoingMessage, ReportCard,
};
use crate::event::UserProfile;
use crate::ids::{ChannelId, ConversationSid, Identity, MessageId};

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
}

impl OutboxMessage {
    /// The ordering key: entries with the same key are delivered one at a time, oldest first.
    /// Everything for one conversation or one DM keeps its order; different users never wait on
    /// each other.
    #[must_use]
    pub fn ordering_key(&self) -> String {
        match self {
            Self::ToConversation { conversation, .. }
            | Self::NoticeToConversation { conversation, .. } => format!("conv:{conversation}"),
            Self::ToDiscord { channel, .. } => format!("dm:{channel}"),
            Self::Announce { .. } => "announcements".to_owned(),
            Self::ToUser { user, .. } => format!("user:{}", user.id),
            Self::Report { channel, .. } => format!("report:{}", channel.name()),
        }
    }
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
}
