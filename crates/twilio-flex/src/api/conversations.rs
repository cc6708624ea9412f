//! Conversations API v1 (`conversations.twilio.com`): conversations, participants, the
//! participant-conversation index, messages, conversation-scoped webhooks, users and the
//! service configuration. Field names follow `twilio_conversations_v1.json`.

use crate::sid::{ConversationSid, MediaSid, MessageSid};
use serde::Deserialize;

use crate::client::{Client, Service, segment, with_query};
use crate::error::Error;
use crate::form::Form;
use crate::page::Page;

wire_enum! {
    /// `conversation_enum_state`.
    pub enum ConversationState {
        /// Being set up.
        Initializing = "initializing",
        /// Idle (inactive timer fired); reactivates on activity.
        Inactive = "inactive",
        /// Open.
        Active = "active",
        /// Closed for good; cannot be reopened.
        Closed = "closed",
    }
}

wire_enum! {
    /// `conversation_scoped_webhook_enum_target`.
    pub enum WebhookTarget {
        /// An HTTP URL.
        Webhook = "webhook",
        /// Keyword-triggered URL.
        Trigger = "trigger",
        /// A Studio flow.
        Studio = "studio",
    }
}

wire_enum! {
    /// `conversation_message_enum_order_type`.
    pub enum MessageOrder {
        /// Oldest first.
        Asc = "asc",
        /// Newest first.
        Desc = "desc",
    }
}

/// `conversations.v1.conversation`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Conversation {
    /// `CH…`
    pub sid: ConversationSid,
    /// `AC…`
    #[serde(default)]
    pub account_sid: Option<String>,
    /// `IS…`: the Conversations service it lives in.
    #[serde(default)]
    pub chat_service_sid: Option<String>,
    /// Display name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Application-defined unique name.
    #[serde(default)]
    pub unique_name: Option<String>,
    /// JSON string.
    #[serde(default)]
    pub attributes: Option<String>,
    /// Lifecycle state.
    #[serde(default)]
    pub state: Option<ConversationState>,
    /// ISO 8601.
    #[serde(default)]
    pub date_created: Option<String>,
    /// Timers as Twilio reports them (`date_inactive`, `date_closed`).
    #[serde(default)]
    pub timers: Option<serde_json::Value>,
    /// Resource URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// Create/update fields of a conversation (`POST /v1/Conversations[/{Sid}]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationParams {
    /// `FriendlyName` (≤ 256 chars).
    pub friendly_name: Option<String>,
    /// `UniqueName`.
    pub unique_name: Option<String>,
    /// `Attributes` (JSON string, ≤ 16 KB).
    pub attributes: Option<String>,
    /// `State`.
    pub state: Option<ConversationState>,
    /// `Timers.Inactive` (ISO 8601 duration, ≥ 1 minute).
    pub timers_inactive: Option<String>,
    /// `Timers.Closed` (ISO 8601 duration, ≥ 10 minutes).
    pub timers_closed: Option<String>,
    /// `MessagingServiceSid`.
    pub messaging_service_sid: Option<String>,
}

impl ConversationParams {
    /// The form body.
    #[must_use]
    pub fn form(&self) -> Form {
        let mut f = Form::new();
        f.push_opt("FriendlyName", self.friendly_name.clone())
            .push_opt("UniqueName", self.unique_name.clone())
            .push_opt("Attributes", self.attributes.clone())
            .push_opt("State", self.state.as_ref().map(|s| s.as_str().to_owned()))
            .push_opt("Timers.Inactive", self.timers_inactive.clone())
            .push_opt("Timers.Closed", self.timers_closed.clone())
            .push_opt("MessagingServiceSid", self.messaging_service_sid.clone());
        f
    }
}

/// `conversations.v1.conversation.conversation_participant`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Participant {
    /// `MB…`
    pub sid: String,
    /// The conversation.
    #[serde(default)]
    pub conversation_sid: Option<ConversationSid>,
    /// Chat identity (null for SMS/WhatsApp participants).
    #[serde(default)]
    pub identity: Option<String>,
    /// JSON string.
    #[serde(default)]
    pub attributes: Option<String>,
    /// Resource URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// `conversations.v1.participant_conversation`: one conversation an identity takes part in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ParticipantConversation {
    /// The conversation.
    pub conversation_sid: ConversationSid,
    /// Its state.
    #[serde(default)]
    pub conversation_state: Option<ConversationState>,
    /// Its attributes (JSON string).
    #[serde(default)]
    pub conversation_attributes: Option<String>,
    /// Its unique name.
    #[serde(default)]
    pub conversation_unique_name: Option<String>,
    /// `MB…`
    #[serde(default)]
    pub participant_sid: Option<String>,
    /// The identity looked up.
    #[serde(default)]
    pub participant_identity: Option<String>,
    /// `IS…`
    #[serde(default)]
    pub chat_service_sid: Option<String>,
}

/// One media item on a message (`media[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageMedia {
    /// `ME…`
    pub sid: String,
    /// MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// File name.
    #[serde(default)]
    pub filename: Option<String>,
    /// Bytes.
    #[serde(default)]
    pub size: Option<u64>,
}

/// `conversations.v1.conversation.conversation_message`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Message {
    /// `IM…`
    pub sid: MessageSid,
    /// The conversation.
    #[serde(default)]
    pub conversation_sid: Option<ConversationSid>,
    /// Position in the conversation.
    #[serde(default)]
    pub index: Option<u64>,
    /// Author identity (`system` by default).
    #[serde(default)]
    pub author: Option<String>,
    /// Text.
    #[serde(default)]
    pub body: Option<String>,
    /// Media items.
    #[serde(default)]
    pub media: Option<Vec<MessageMedia>>,
    /// JSON string.
    #[serde(default)]
    pub attributes: Option<String>,
    /// `MB…`; null for system messages.
    #[serde(default)]
    pub participant_sid: Option<String>,
    /// ISO 8601.
    #[serde(default)]
    pub date_created: Option<String>,
}

/// `POST /v1/Conversations/{ConversationSid}/Messages`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateMessage {
    /// `Author` (identity; Twilio defaults to `system`).
    pub author: Option<String>,
    /// `Body`.
    pub body: Option<String>,
    /// `Attributes` (JSON string, ≤ 4 KB).
    pub attributes: Option<String>,
    /// `MediaSid`.
    pub media_sid: Option<MediaSid>,
    /// Sends `X-Twilio-Webhook-Enabled: true`, so scoped webhooks and Studio see the message.
    pub webhook_enabled: bool,
    /// `DateCreated` (ISO 8601 in whole seconds, `2026-01-02T03:04:05Z`): when the message was
    /// written, for one posted later than that (Twilio uses the time of the request otherwise).
    pub date_created: Option<String>,
}

impl CreateMessage {
    /// The form body.
    #[must_use]
    pub fn form(&self) -> Form {
        let mut f = Form::new();
        f.push_opt("Author", self.author.clone())
            .push_opt("Body", self.body.clone())
            .push_opt("Attributes", self.attributes.clone())
            .push_opt(
                "MediaSid",
                self.media_sid.as_ref().map(|m| m.as_str().to_owned()),
            )
            .push_opt("DateCreated", self.date_created.clone());
        f
    }
}

/// The `configuration` object of a scoped webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct WebhookConfiguration {
    /// Target URL.
    #[serde(default)]
    pub url: Option<String>,
    /// HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Event filters.
    #[serde(default)]
    pub filters: Vec<String>,
    /// Studio flow (`FW…`).
    #[serde(default)]
    pub flow_sid: Option<String>,
}

/// `conversations.v1.conversation.conversation_scoped_webhook`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScopedWebhook {
    /// `WH…`
    pub sid: String,
    /// The conversation.
    #[serde(default)]
    pub conversation_sid: Option<ConversationSid>,
    /// Where it delivers.
    #[serde(default)]
    pub target: Option<WebhookTarget>,
    /// Its configuration.
    #[serde(default)]
    pub configuration: Option<WebhookConfiguration>,
    /// Resource URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// `POST /v1/Conversations/{ConversationSid}/Webhooks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateScopedWebhook {
    /// `Target`.
    pub target: WebhookTarget,
    /// `Configuration.Url` (webhook/trigger).
    pub url: Option<String>,
    /// `Configuration.Method` (`get|post`, lower-case in the spec).
    pub method: Option<String>,
    /// `Configuration.Filters`, one form field per event.
    pub filters: Vec<String>,
    /// `Configuration.FlowSid` (studio).
    pub flow_sid: Option<String>,
    /// `Configuration.ReplayAfter`.
    pub replay_after: Option<u64>,
}

impl CreateScopedWebhook {
    /// A `Target=webhook` to `url` (POST) for the given events.
    #[must_use]
    pub fn webhook(url: impl Into<String>, filters: &[&str]) -> Self {
        Self {
            target: WebhookTarget::Webhook,
            url: Some(url.into()),
            method: Some("post".into()),
            filters: filters.iter().map(|f| (*f).to_owned()).collect(),
            flow_sid: None,
            replay_after: None,
        }
    }

    /// A `Target=studio` to the flow for the given events.
    #[must_use]
    pub fn studio(flow_sid: impl Into<String>, filters: &[&str]) -> Self {
        Self {
            target: WebhookTarget::Studio,
            url: None,
            method: None,
            filters: filters.iter().map(|f| (*f).to_owned()).collect(),
            flow_sid: Some(flow_sid.into()),
            replay_after: None,
        }
    }

    /// The form body.
    #[must_use]
    pub fn form(&self) -> Form {
        let mut f = Form::new();
        f.push("Target", self.target.as_str())
            .push_opt("Configuration.Url", self.url.clone())
            .push_opt("Configuration.Method", self.method.clone())
            .push_each("Configuration.Filters", self.filters.iter().cloned())
            .push_opt("Configuration.FlowSid", self.flow_sid.clone())
            .push_opt(
                "Configuration.ReplayAfter",
                self.replay_after.map(|n| n.to_string()),
            );
        f
    }
}

/// `conversations.v1.user`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    /// `US…`
    pub sid: String,
    /// Identity.
    #[serde(default)]
    pub identity: Option<String>,
    /// Display name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// JSON string.
    #[serde(default)]
    pub attributes: Option<String>,
}

/// `conversations.v1.configuration`: account-level defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConversationsConfiguration {
    /// `IS…`: the default Conversations service (in Flex, the Flex Chat Service).
    #[serde(default)]
    pub default_chat_service_sid: Option<String>,
    /// `MG…`
    #[serde(default)]
    pub default_messaging_service_sid: Option<String>,
}

fn conv_path(sid: &ConversationSid, rest: &str) -> String {
    format!("/v1/Conversations/{}{rest}", sid.as_str())
}

impl Client {
    /// `POST /v1/Conversations`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; not retried on 5xx/timeouts (a retry could create a second conversation).
    pub async fn create_conversation(
        &self,
        params: &ConversationParams,
    ) -> Result<Conversation, Error> {
        let call = self
            .post(Service::Conversations, "/v1/Conversations")
            .form(&params.form());
        self.json(call).await
    }

    /// `GET /v1/Conversations/{Sid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; [`Error::is_not_found`] when it does not exist.
    pub async fn fetch_conversation(&self, sid: &ConversationSid) -> Result<Conversation, Error> {
        self.json(self.get(Service::Conversations, &conv_path(sid, "")))
            .await
    }

    /// `POST /v1/Conversations/{Sid}`: close it (`State=closed`), change timers or attributes.
    /// Setting fields is idempotent, so this call is retried like a read.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn update_conversation(
        &self,
        sid: &ConversationSid,
        params: &ConversationParams,
    ) -> Result<Conversation, Error> {
        let call = self
            .post(Service::Conversations, &conv_path(sid, ""))
            .form(&params.form());
        self.json(call.repeatable()).await
    }

    /// `POST /v1/Conversations/{Sid}/Participants` with a chat `Identity`.
    ///
    /// # Errors
    ///
    /// Any [`Error`] (409 when the identity is already a participant).
    pub async fn add_participant(
        &self,
        sid: &ConversationSid,
        identity: &str,
        attributes: Option<&str>,
    ) -> Result<Participant, Error> {
        let mut form = Form::new();
        form.push("Identity", identity)
            .push_opt("Attributes", attributes);
        let call = self
            .post(Service::Conversations, &conv_path(sid, "/Participants"))
            .form(&form);
        self.json(call).await
    }

    /// `GET /v1/Conversations/{Sid}/Participants`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn list_participants(
        &self,
        sid: &ConversationSid,
        page_size: Option<u32>,
    ) -> Result<Page<Participant>, Error> {
        let pairs: Vec<(&str, String)> = page_size
            .map(|n| ("PageSize", n.to_string()))
            .into_iter()
            .collect();
        let path = with_query(&conv_path(sid, "/Participants"), &pairs);
        self.page(
            Service::Conversations,
            self.get(Service::Conversations, &path),
        )
        .await
    }

    /// `GET /v1/ParticipantConversations?Identity=…`: the conversations an identity is in
    /// (first page; follow with [`Client::next_page`]).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn participant_conversations(
        &self,
        identity: &str,
        page_size: Option<u32>,
    ) -> Result<Page<ParticipantConversation>, Error> {
        let mut pairs = vec![("Identity", identity.to_owned())];
        pairs.extend(page_size.map(|n| ("PageSize", n.to_string())));
        let path = with_query("/v1/ParticipantConversations", &pairs);
        self.page(
            Service::Conversations,
            self.get(Service::Conversations, &path),
        )
        .await
    }

    /// The identity's first conversation that is not closed, walking at most `max_pages` pages.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn find_open_conversation(
        &self,
        identity: &str,
        max_pages: u32,
    ) -> Result<Option<ParticipantConversation>, Error> {
        let mut page = self.participant_conversations(identity, Some(50)).await?;
        for _ in 0..max_pages.max(1) {
            if let Some(found) = page
                .items
                .iter()
                .find(|c| c.conversation_state.as_ref() != Some(&ConversationState::Closed))
            {
                return Ok(Some(found.clone()));
            }
            match self.next_page(&page).await? {
                Some(next) => page = next,
                None => break,
            }
        }
        Ok(None)
    }

    /// `POST /v1/Conversations/{Sid}/Messages`. Never retried on 5xx/timeouts: the message may
    /// have been stored, and a retry would post it twice.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_message(
        &self,
        sid: &ConversationSid,
        message: &CreateMessage,
    ) -> Result<Message, Error> {
        let call = self
            .post(Service::Conversations, &conv_path(sid, "/Messages"))
            .form(&message.form())
            .webhook_enabled(message.webhook_enabled);
        self.json(call).await
    }

    /// `GET /v1/Conversations/{Sid}/Messages?Order=…&PageSize=…`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn list_messages(
        &self,
        sid: &ConversationSid,
        order: Option<MessageOrder>,
        page_size: Option<u32>,
    ) -> Result<Page<Message>, Error> {
        let mut pairs = Vec::new();
        pairs.extend(order.map(|o| ("Order", o.as_str().to_owned())));
        pairs.extend(page_size.map(|n| ("PageSize", n.to_string())));
        let path = with_query(&conv_path(sid, "/Messages"), &pairs);
        self.page(
            Service::Conversations,
            self.get(Service::Conversations, &path),
        )
        .await
    }

    /// `POST /v1/Conversations/{Sid}/Webhooks`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_scoped_webhook(
        &self,
        sid: &ConversationSid,
        webhook: &CreateScopedWebhook,
    ) -> Result<ScopedWebhook, Error> {
        let call = self
            .post(Service::Conversations, &conv_path(sid, "/Webhooks"))
            .form(&webhook.form());
        self.json(call).await
    }

    /// `GET /v1/Conversations/{Sid}/Webhooks`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn list_scoped_webhooks(
        &self,
        sid: &ConversationSid,
    ) -> Result<Page<ScopedWebhook>, Error> {
        let call = self.get(Service::Conversations, &conv_path(sid, "/Webhooks"));
        self.page(Service::Conversations, call).await
    }

    /// `DELETE /v1/Conversations/{Sid}/Webhooks/{WebhookSid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn delete_scoped_webhook(
        &self,
        sid: &ConversationSid,
        webhook_sid: &str,
    ) -> Result<(), Error> {
        let path = conv_path(sid, &format!("/Webhooks/{}", segment(webhook_sid)));
        self.send(self.delete(Service::Conversations, &path))
            .await
            .map(drop)
    }

    /// `POST /v1/Users/{Sid}` with `FriendlyName`; `Sid` may be the user's identity.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn update_user_friendly_name(
        &self,
        identity_or_sid: &str,
        friendly_name: &str,
    ) -> Result<User, Error> {
        let mut form = Form::new();
        form.push("FriendlyName", friendly_name);
        let path = format!("/v1/Users/{}", segment(identity_or_sid));
        self.json(
            self.post(Service::Conversations, &path)
                .form(&form)
                .repeatable(),
        )
        .await
    }

    /// `GET /v1/Configuration`: account defaults, including the default chat service.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn conversations_configuration(&self) -> Result<ConversationsConfiguration, Error> {
        self.json(self.get(Service::Conversations, "/v1/Configuration"))
            .await
    }
}

impl Client {
    /// `GET /v1/Conversations/{UniqueName}` (Twilio takes a unique name where a SID goes):
    /// `None` when there is no such conversation.
    ///
    /// # Errors
    ///
    /// Any [`Error`] but not-found.
    pub async fn find_conversation_by_unique_name(
        &self,
        unique_name: &str,
    ) -> Result<Option<Conversation>, Error> {
        let path = format!("/v1/Conversations/{}", segment(unique_name));
        match self.json(self.get(Service::Conversations, &path)).await {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_conversation_form_uses_dotted_timer_keys() {
        let p = ConversationParams {
            friendly_name: Some("Ann".into()),
            state: Some(ConversationState::Active),
            timers_closed: Some("P3D".into()),
            ..ConversationParams::default()
        };
        let f = p.form();
        assert_eq!(f.get("FriendlyName"), Some("Ann"));
        assert_eq!(f.get("State"), Some("active"));
        assert_eq!(f.get("Timers.Closed"), Some("P3D"));
        assert_eq!(f.get("Timers.Inactive"), None);
    }

    #[test]
    fn studio_webhook_form() {
        let f = CreateScopedWebhook::studio("FW1", &["onMessageAdded"]).form();
        assert_eq!(
            f.encode(),
            "Target=studio&Configuration.Filters=onMessageAdded&Configuration.FlowSid=FW1"
        );
    }

    #[test]
    fn unknown_states_decode() {
        let s: ConversationState = serde_json::from_str("\"archived\"").unwrap();
        assert_eq!(s, ConversationState::Unknown("archived".into()));
        let s: ConversationState = serde_json::from_str("\"closed\"").unwrap();
        assert_eq!(s, ConversationState::Closed);
    }
}
