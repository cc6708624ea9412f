//! The contact center: Twilio Flex Conversations, seen from the router.

use async_trait::async_trait;
use thiserror::Error;

use crate::content::MessageContent;
use crate::event::UserProfile;
use crate::ids::{CaseId, ChannelId, ConversationSid, Identity, MediaSid, MessageId};
use crate::session::{InteractionRef, TranscriptLine};

/// What the agent's task should carry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskRequest {
    /// The customer.
    pub user: UserProfile,
    /// Their case, when the case system managed to open one.
    pub case_id: Option<CaseId>,
    /// Why they asked (their last message), for the task's attributes.
    pub summary: String,
    /// The customer's language as Discord gives it (BCP-47: `hi`, `pt-BR`), for the task's
    /// `language` attribute so a workflow can route by it.
    pub language: Option<String>,
}

/// What [`ContactCenter::post_user_message`] did with the message's files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    /// Files that could not be passed on. The text went regardless, and the agent sees a note
    /// in each one's place; the user is told which files did not go through.
    pub refused_files: Vec<RefusedFile>,
}

/// A file of a user's message that did not reach the agent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RefusedFile {
    /// Its name, as the user gave it.
    pub filename: String,
    /// Why.
    pub reason: FileRefusal,
}

/// Why a file did not reach the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum FileRefusal {
    /// It has no content.
    Empty,
    /// It is larger than the contact center accepts.
    TooLarge,
    /// It could no longer be fetched from Discord.
    Unavailable,
    /// The contact center refused it (its type, its content).
    Refused,
}

impl std::fmt::Display for FileRefusal {
    /// A short English phrase for notes and user notices: "it is empty".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Empty => "it is empty",
            Self::TooLarge => "it is too large",
            Self::Unavailable => "it could not be downloaded",
            Self::Refused => "it was refused",
        })
    }
}

/// Why a contact-center call failed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactCenterError {
    /// The conversation is closed or gone: open a new one.
    #[error("conversation is closed or unknown: {0}")]
    ConversationGone(String),
    /// Rate limited or a server/network problem; retrying later may work.
    #[error("transient failure: {0}")]
    Transient(String),
    /// Credentials are wrong or lack permission.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Twilio refused the request (validation, limits); retrying will not help.
    #[error("rejected: {0}")]
    Rejected(String),
}

impl ContactCenterError {
    /// True when the same call may succeed later.
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Flex as the router needs it.
#[async_trait]
pub trait ContactCenter: Send + Sync + std::fmt::Debug {
    /// Finds the user's open (non-closed) conversation, or creates one with the user as
    /// participant (under the identity the adapter gives them), the DM channel in its attributes, a close timer, and the
    /// conversation-scoped webhooks the routing mode needs.
    ///
    /// # Errors
    ///
    /// [`ContactCenterError::Transient`] / [`ContactCenterError::Unauthorized`] /
    /// [`ContactCenterError::Rejected`].
    async fn open_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
    ) -> Result<ConversationSid, ContactCenterError>;

    /// Posts a user's message (text and attachments) into the conversation as `author`, with
    /// webhooks enabled. One Twilio request for text-only messages. When `maybe_sent` is true an
    /// earlier attempt may have succeeded before a crash: the adapter checks for a message
    /// carrying `source` first and does not post it twice.
    ///
    /// A file that cannot be passed on for good (empty, too large, refused) never takes the text
    /// with it: the text is posted, the file is replaced by a note for the agent, and it is
    /// listed in [`Posted::refused_files`].
    ///
    /// # Errors
    ///
    /// [`ContactCenterError::ConversationGone`] when the conversation is closed; others as above.
    async fn post_user_message(
        &self,
        conversation: &ConversationSid,
        author: &Identity,
        source: MessageId,
        content: &MessageContent,
        maybe_sent: bool,
    ) -> Result<Posted, ContactCenterError>;

    /// Posts the transcript so far (one message, bridge as author, no webhooks) so the agent sees
    /// what the user and the virtual agent said.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::post_user_message`].
    async fn post_transcript(
        &self,
        conversation: &ConversationSid,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError>;

    /// Posts a notice for the agent (bridge as author, no webhooks).
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::post_user_message`].
    async fn post_notice(
        &self,
        conversation: &ConversationSid,
        text: &str,
    ) -> Result<(), ContactCenterError>;

    /// Bridge mode: routes the conversation to an agent by creating a Flex Interaction
    /// (customer-initiated, `media_channel_sid` = the conversation).
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::open_conversation`].
    async fn create_task(
        &self,
        conversation: &ConversationSid,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError>;

    /// Ends the chat from the customer's side: closes the Interaction channel when there is one
    /// (the task completes), else closes the conversation.
    ///
    /// # Errors
    ///
    /// [`ContactCenterError::ConversationGone`] when it is already closed (callers treat that as
    /// success); others as above.
    async fn close(
        &self,
        conversation: &ConversationSid,
        interaction: Option<&InteractionRef>,
    ) -> Result<(), ContactCenterError>;

    /// Studio mode, once the flow has handed the conversation to Flex: removes the
    /// conversation's `Target=studio` webhooks, so the user's later messages reach the agent
    /// without running the flow again (Twilio leaves the webhook on the conversation after
    /// Send to Flex; a hand-off word would otherwise create a second task). None left is fine.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::post_user_message`].
    async fn detach_flow(&self, conversation: &ConversationSid) -> Result<(), ContactCenterError>;

    /// The hand-off's conversation: found by `key` when an earlier try created it (Twilio's
    /// `UniqueName`), else created like [`ContactCenter::open_conversation`] creates one, under
    /// that unique name. Whatever an interrupted earlier try left undone (the participant, the
    /// webhooks) is completed. Safe to call again with the same key: one conversation.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::open_conversation`].
    async fn open_handoff_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        key: &str,
    ) -> Result<ConversationSid, ContactCenterError>;

    /// Posts the hand-off transcript like [`ContactCenter::post_transcript`], carrying `key`,
    /// unless a message carrying `key` is already there (an earlier try). Safe to call again
    /// with the same key: one transcript message.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::post_transcript`].
    async fn post_handoff_transcript(
        &self,
        conversation: &ConversationSid,
        key: &str,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError>;

    /// Creates the hand-off's Flex task like [`ContactCenter::create_task`], carrying `key`,
    /// unless a task carrying `key` already exists (an earlier try), whose interaction is then
    /// returned. Safe to call again with the same key: one task.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::create_task`].
    async fn create_handoff_task(
        &self,
        conversation: &ConversationSid,
        key: &str,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError>;

    /// A temporary download URL for an agent's media.
    ///
    /// # Errors
    ///
    /// As for [`ContactCenter::open_conversation`].
    async fn media_url(&self, media: &MediaSid) -> Result<String, ContactCenterError>;
}
