//! The fake's state, as tests and the sandbox UI see it: plain cloneable snapshots.

use bytes::Bytes;
use serde::Serialize;

/// Lifecycle state of a conversation (`conversation_enum_state` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConversationState {
    /// Being set up.
    Initializing,
    /// Open (the default).
    Active,
    /// Idle; still accepts messages.
    Inactive,
    /// Final: no more messages or participants.
    Closed,
}

impl ConversationState {
    /// The wire spelling (`"active"`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "initializing",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Closed => "closed",
        }
    }

    /// Parses the wire spelling.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "initializing" => Some(Self::Initializing),
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// Who caused an event, as reported in the webhook's `Source` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventSource {
    /// A Conversations SDK client (the Flex agent UI): `Source=SDK`.
    Sdk,
    /// The REST API (the bridge, Studio, Flex back end, timers): `Source=API`.
    Api,
}

impl EventSource {
    /// The wire spelling (`"SDK"` or `"API"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sdk => "SDK",
            Self::Api => "API",
        }
    }
}

/// Why a conversation changed state (`Reason` of `onConversationStateUpdated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StateChangeReason {
    /// Someone called the API (Flex closing the chat, the bridge).
    Api,
    /// A `Timers.Inactive` / `Timers.Closed` timer fired.
    Timer,
}

impl StateChangeReason {
    /// The wire spelling (`"API"` or `"TIMER"`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "API",
            Self::Timer => "TIMER",
        }
    }
}

/// A conversation with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// `CH…`
    pub sid: String,
    /// `FriendlyName`.
    pub friendly_name: Option<String>,
    /// `UniqueName`.
    pub unique_name: Option<String>,
    /// `Attributes`, a JSON string as posted (default `"{}"`).
    pub attributes: String,
    /// Current state.
    pub state: ConversationState,
    /// `Timers.Inactive` as posted (ISO-8601 duration); stored, not run.
    pub timer_inactive: Option<String>,
    /// `Timers.Closed` as posted; stored, not run.
    pub timer_closed: Option<String>,
    /// Creation time, ISO-8601.
    pub date_created: String,
    /// Last update time, ISO-8601.
    pub date_updated: String,
    /// Current participants, in join order.
    pub participants: Vec<Participant>,
    /// Every message, in index order.
    pub messages: Vec<Message>,
    /// Conversation-scoped webhooks, in creation order.
    pub webhooks: Vec<ScopedWebhook>,
}

impl Conversation {
    /// The participant with `identity`, if present.
    #[must_use]
    pub fn participant(&self, identity: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.identity.as_deref() == Some(identity))
    }
}

/// A conversation participant (chat participants only: the fake has no SMS bindings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// `MB…`
    pub sid: String,
    /// Chat identity, e.g. `discord:123`.
    pub identity: Option<String>,
    /// `Attributes` JSON string.
    pub attributes: String,
    /// Creation time.
    pub date_created: String,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// `IM…`
    pub sid: String,
    /// Position in the conversation, from 0.
    pub index: u64,
    /// `Author` (identity, or `system` by default).
    pub author: String,
    /// `Body`, absent for media-only messages.
    pub body: Option<String>,
    /// `Attributes` JSON string.
    pub attributes: String,
    /// Attached media.
    pub media: Vec<MediaRef>,
    /// The author's participant, when the author is one.
    pub participant_sid: Option<String>,
    /// Creation time.
    pub date_created: String,
    /// Whether an agent (SDK) or the REST API created it.
    pub source: EventSource,
}

/// A media item as referenced from a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaRef {
    /// `ME…`
    pub sid: String,
    /// File name, when known.
    pub filename: Option<String>,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// What a scoped webhook delivers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookTarget {
    /// An HTTP URL (the bridge).
    Webhook,
    /// A Studio flow (emulated, see [`StudioEmulation`](crate::StudioEmulation)).
    Studio,
    /// Keyword triggers; stored but never fired by the fake.
    Trigger,
}

impl WebhookTarget {
    /// The wire spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Studio => "studio",
            Self::Trigger => "trigger",
        }
    }
}

/// A conversation-scoped webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopedWebhook {
    /// `WH…`
    pub sid: String,
    /// Delivery target.
    pub target: WebhookTarget,
    /// `Configuration.Url`.
    pub url: Option<String>,
    /// `Configuration.Method`, upper-cased (`POST` default).
    pub method: String,
    /// `Configuration.Filters`: event types delivered (`onMessageAdded`, …).
    pub filters: Vec<String>,
    /// `Configuration.Triggers`.
    pub triggers: Vec<String>,
    /// `Configuration.FlowSid` (`FW…`).
    pub flow_sid: Option<String>,
    /// Creation time.
    pub date_created: String,
}

/// A conversations user (created with the first participant of that identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// `US…`
    pub sid: String,
    /// Chat identity.
    pub identity: String,
    /// Display name.
    pub friendly_name: Option<String>,
    /// `Attributes` JSON string.
    pub attributes: String,
}

/// Who created an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InteractionOrigin {
    /// `POST /v1/Interactions` by a client.
    Rest,
    /// The Studio emulation's "Send to Flex".
    Studio,
}

/// A Flex interaction with its single channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    /// `KD…`
    pub sid: String,
    /// Channel `UO…`
    pub channel_sid: String,
    /// The channel object as posted (`type`, `initiated_by`, `properties`, …).
    pub channel: serde_json::Value,
    /// The routing object as posted (`properties.attributes` are the task attributes).
    pub routing: serde_json::Value,
    /// Channel status: `active`, `closed`, `inactive`, or `failed` (set-up failed; Twilio
    /// answers the create 200 all the same and tells only when the channel is read back).
    pub channel_status: String,
    /// Why the set-up failed, when `channel_status` is `failed`.
    pub error_code: Option<i64>,
    /// `channel.properties.media_channel_sid`, the conversation this is about.
    pub conversation_sid: Option<String>,
    /// Channel participants (`UT…`): the customer and agents who joined.
    pub participants: Vec<InteractionParticipant>,
    /// Who created it.
    pub origin: InteractionOrigin,
}

impl Interaction {
    /// Task attributes: `routing.properties.attributes`, parsed if it was posted as a string.
    #[must_use]
    pub fn task_attributes(&self) -> serde_json::Value {
        match self.routing.pointer("/properties/attributes") {
            Some(serde_json::Value::String(raw)) => {
                serde_json::from_str(raw).unwrap_or(serde_json::Value::Null)
            }
            Some(value) => value.clone(),
            None => serde_json::Value::Null,
        }
    }
}

/// A participant of an interaction channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InteractionParticipant {
    /// `UT…`
    pub sid: String,
    /// `customer` or `agent`.
    pub kind: String,
    /// Conversation identity behind it, when known.
    pub identity: Option<String>,
    /// Last `Status` posted (`closed`, `wrapup`), if any.
    pub status: Option<String>,
}

/// An uploaded media item with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Media {
    /// `ME…`
    pub sid: String,
    /// Service it was uploaded to (`IS…`).
    pub service_sid: String,
    /// MIME type from the upload's `Content-Type`.
    pub content_type: String,
    /// File name, when the uploader gave one.
    pub filename: Option<String>,
    /// The content.
    #[serde(skip)]
    pub bytes: Bytes,
    /// Upload time.
    pub date_created: String,
}

/// A Studio flow definition stored by `POST /v2/Flows`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flow {
    /// `FW…`
    pub sid: String,
    /// `FriendlyName`.
    pub friendly_name: String,
    /// `draft` or `published`.
    pub status: String,
    /// Parsed `Definition`.
    pub definition: serde_json::Value,
    /// `CommitMessage` of the latest revision.
    pub commit_message: Option<String>,
    /// Revision, from 1.
    pub revision: u32,
    /// Creation time.
    pub date_created: String,
    /// Last update time.
    pub date_updated: String,
}
