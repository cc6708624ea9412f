//! What users, agents and the virtual agent say to each other: text plus attachments, and what the
//! bridge sends to Discord (text, files, buttons, report cards).

use serde::{Deserialize, Serialize};

use crate::case::CaseKind;
use crate::ids::{CaseId, MediaSid};

/// A file attached to a message, by reference: Discord CDN URL for user uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Where the file can be downloaded.
    pub url: String,
    /// The file name as the sender gave it.
    pub filename: String,
    /// MIME type, when known.
    pub content_type: Option<String>,
    /// Size in bytes, when known.
    pub size: Option<u64>,
}

/// A message from a user or an agent: text and zero or more attachments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageContent {
    /// The text; may be empty when the message is only attachments.
    pub text: String,
    /// Attached files, in order.
    pub attachments: Vec<Attachment>,
    /// When the person wrote it (milliseconds since the Unix epoch), when known: a message
    /// caught up after an outage is relayed long after it was written, and the agent's
    /// transcript must show it at its own time. Absent in entries stored before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<u64>,
}

impl MessageContent {
    /// Text only.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            attachments: Vec::new(),
            sent_at_ms: None,
        }
    }

    /// True when there is neither text (ignoring whitespace) nor an attachment.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.attachments.is_empty()
    }
}

/// A media item an agent sent through Flex (Twilio MCS), to be downloaded and re-uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMedia {
    /// The media resource.
    pub sid: MediaSid,
    /// File name, when Twilio knows it.
    pub filename: Option<String>,
    /// MIME type.
    pub content_type: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
}

/// A file for the chat surface to upload, fetched from `url` by the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingFile {
    /// Where the adapter downloads the bytes (a Twilio media temporary URL, for example).
    pub url: String,
    /// The file name to show.
    pub filename: String,
    /// MIME type, when known.
    pub content_type: Option<String>,
}

/// Buttons the bridge puts under a message. The chat adapter renders them and encodes the
/// matching [`crate::event::ButtonAction`] in each button's custom id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Buttons {
    /// "Talk to a live agent".
    TalkToAgent,
    /// "End chat".
    EndChat,
    /// A 1–5 rating row for the given case.
    Rating(CaseId),
}

/// Who wrote a message the bridge sends to Discord. Decides mention handling: nothing the bridge
/// relays may ping anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Voice {
    /// flexcord's own words (greetings, notices). Still sent without mentions.
    System,
    /// The virtual agent's answer.
    VirtualAgent,
    /// A live agent's words, relayed.
    Agent,
}

/// One message for the chat surface to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    /// Who speaks.
    pub voice: Voice,
    /// The text, any length: the adapter splits it at the platform's limit, in order.
    pub text: String,
    /// Files to upload with (or after) the text.
    pub files: Vec<OutgoingFile>,
    /// Buttons under the (last chunk of the) message.
    pub buttons: Vec<Buttons>,
    /// The reader's locale, for the buttons' labels and the speaker's label (the text is
    /// already in their language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A live agent's display name ([`Voice::Agent`]): the chat surface shows it on the message
    /// (the `agent_message` template), so the player knows a person is talking and who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl OutgoingMessage {
    /// A plain text message.
    #[must_use]
    pub fn new(voice: Voice, text: impl Into<String>) -> Self {
        Self {
            voice,
            text: text.into(),
            files: Vec::new(),
            buttons: Vec::new(),
            locale: None,
            author: None,
        }
    }

    /// Names the live agent who wrote it.
    #[must_use]
    pub fn by(mut self, author: &str) -> Self {
        self.author = Some(author.to_owned());
        self
    }

    /// Sets the reader's locale (for button labels).
    #[must_use]
    pub fn with_locale(mut self, locale: Option<&str>) -> Self {
        self.locale = locale.map(str::to_owned);
        self
    }

    /// Adds a button group.
    #[must_use]
    pub fn with_buttons(mut self, buttons: Buttons) -> Self {
        self.buttons.push(buttons);
        self
    }
}

/// An official report card for `#bug-report` or `#feature-request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCard {
    /// The case that backs the report.
    pub case_id: CaseId,
    /// Bug or feature.
    pub kind: CaseKind,
    /// Title as the reporter wrote it.
    pub title: String,
    /// Description as the reporter wrote it.
    pub description: String,
    /// Extra labelled fields (steps to reproduce, platform/version).
    pub fields: Vec<(String, String)>,
    /// The reporter's display name.
    pub reporter_name: String,
    /// The reporter's Discord id, for a (non-pinging) mention.
    pub reporter: crate::ids::UserId,
}

/// An announcement for `#announcements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// Headline.
    pub title: String,
    /// Body text (plain or Discord markdown).
    pub body: String,
    /// Link to the full item.
    pub url: Option<String>,
}

/// The guild channels flexcord posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GuildChannel {
    /// `#announcements`.
    Announcements,
    /// `#bug-report`.
    BugReport,
    /// `#feature-request`.
    FeatureRequest,
    /// `#customer-service`.
    CustomerService,
}

impl GuildChannel {
    /// The channel's name in the guild.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Announcements => "announcements",
            Self::BugReport => "bug-report",
            Self::FeatureRequest => "feature-request",
            Self::CustomerService => "customer-service",
        }
    }
}
