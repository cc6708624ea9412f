//! [`FlexContactCenter`]: flexcord's [`ContactCenter`] port on top of [`Client`].
//!
//! Cost rule: a relayed text message is exactly one Twilio call. Everything the router already
//! knows (conversation, identity, interaction) is passed in, never looked up again.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use flexcord_core::content::MessageContent;
use flexcord_core::event::UserProfile;
use flexcord_core::ids::{
    ChannelId, ConversationSid, Identity, InteractionChannelSid, MediaSid, MessageId,
};
use flexcord_core::ports::{ContactCenter, ContactCenterError, TaskRequest};
use flexcord_core::session::{InteractionRef, TranscriptLine};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::api::conversations::{
    ConversationParams, ConversationState, CreateMessage, CreateScopedWebhook, MessageOrder,
};
use crate::api::interactions::{ChatRouting, CreateInteraction};
use crate::client::Client;
use crate::error::{Error, ErrorKind};

/// The events the bridge's webhook subscribes to.
pub const FORWARD_FILTERS: [&str; 4] = [
    "onMessageAdded",
    "onParticipantAdded",
    "onParticipantRemoved",
    "onConversationStateUpdated",
];

/// The path Twilio posts conversation events to, under [`FlexConfig::public_url`].
pub const FORWARD_PATH: &str = "/forward-to-discord";

/// The message attribute that carries the Discord message id (for crash-safe dedupe).
pub const DISCORD_MESSAGE_ID_ATTR: &str = "discord_message_id";

/// How the adapter uses Flex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlexConfig {
    /// How Twilio reaches flexcord (`https://bridge.example.com`); webhooks point at
    /// `<public_url>/forward-to-discord`.
    pub public_url: String,
    /// Studio mode: the flow (`FW…`) that gets each user message (a `Target=studio` webhook).
    pub studio_flow_sid: Option<String>,
    /// Bridge mode: TaskRouter workspace (`WS…`).
    pub workspace_sid: Option<String>,
    /// Bridge mode: TaskRouter workflow (`WW…`).
    pub workflow_sid: Option<String>,
    /// Task channel unique name. Default `chat`.
    pub task_channel: String,
    /// `Timers.Closed` for new conversations (ISO 8601 duration). Default `P3D`.
    pub close_timer: Option<String>,
    /// `Timers.Inactive` for new conversations. Default none.
    pub inactive_timer: Option<String>,
    /// The Conversations service for media (`IS…`). When absent, the account's default
    /// service is asked for once (`GET /v1/Configuration`) and remembered.
    pub chat_service_sid: Option<String>,
    /// Author of transcripts and notices. Default `flexcord`.
    pub bridge_author: String,
    /// Largest attachment downloaded from Discord and uploaded to Twilio. Default 16 MiB.
    pub max_attachment_bytes: usize,
    /// Messages inspected when a send may already have happened. Default 20.
    pub dedupe_window: u32,
}

impl FlexConfig {
    /// A configuration with the defaults listed on each field.
    #[must_use]
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into(),
            studio_flow_sid: None,
            workspace_sid: None,
            workflow_sid: None,
            task_channel: "chat".into(),
            close_timer: Some("P3D".into()),
            inactive_timer: None,
            chat_service_sid: None,
            bridge_author: "flexcord".into(),
            max_attachment_bytes: 16 * 1024 * 1024,
            dedupe_window: 20,
        }
    }

    /// `<public_url>/forward-to-discord`.
    #[must_use]
    pub fn forward_url(&self) -> String {
        format!("{}{FORWARD_PATH}", self.public_url.trim_end_matches('/'))
    }
}

/// flexcord's contact center: Twilio Flex Conversations.
#[derive(Debug)]
pub struct FlexContactCenter {
    client: Client,
    config: FlexConfig,
    chat_service: OnceCell<String>,
}

impl FlexContactCenter {
    /// The adapter over `client`.
    #[must_use]
    pub fn new(client: Client, config: FlexConfig) -> Self {
        let chat_service = OnceCell::new_with(config.chat_service_sid.clone());
        Self {
            client,
            config,
            chat_service,
        }
    }

    /// The underlying client.
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FlexConfig {
        &self.config
    }

    async fn chat_service_sid(&self) -> Result<&str, ContactCenterError> {
        self.chat_service
            .get_or_try_init(|| async {
                let config = self
                    .client
                    .conversations_configuration()
                    .await
                    .map_err(ContactCenterError::from)?;
                config
                    .default_chat_service_sid
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        ContactCenterError::Rejected(
                            "no chat service sid configured and the account has no default".into(),
                        )
                    })
            })
            .await
            .map(String::as_str)
    }

    async fn create_conversation_for(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        identity: &Identity,
    ) -> Result<ConversationSid, ContactCenterError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let attributes = json!({
            "discord_user_id": user.id.to_string(),
            "discord_channel_id": dm.to_string(),
            "display_name": user.name,
            "from": user.name,
        });
        let params = ConversationParams {
            friendly_name: Some(user.name.chars().take(256).collect()),
            unique_name: Some(format!("{identity}:{now_ms}")),
            attributes: Some(attributes.to_string()),
            state: Some(ConversationState::Active),
            timers_inactive: self.config.inactive_timer.clone(),
            timers_closed: self.config.close_timer.clone(),
            messaging_service_sid: None,
        };
        let conversation = self
            .client
            .create_conversation(&params)
            .await
            .map_err(ContactCenterError::from)?;
        let sid = conversation.sid;
        self.client
            .add_participant(&sid, identity.as_str(), None)
            .await
            .map_err(ContactCenterError::from)?;
        // The user resource exists once the participant does. Its friendly name is only
        // cosmetic (what agents see), so a failure here must not fail the hand-off.
        if let Err(error) = self
            .client
            .update_user_friendly_name(identity.as_str(), &user.name)
            .await
        {
            tracing::warn!(
                error = %flexcord_core::log_safe::escape_for_log(&error.to_string()),
                conversation = %sid,
                "could not set the user's friendly name"
            );
        }
        let forward = CreateScopedWebhook::webhook(self.config.forward_url(), &FORWARD_FILTERS);
        self.client
            .create_scoped_webhook(&sid, &forward)
            .await
            .map_err(ContactCenterError::from)?;
        if let Some(flow) = &self.config.studio_flow_sid {
            let studio = CreateScopedWebhook::studio(flow.clone(), &["onMessageAdded"]);
            self.client
                .create_scoped_webhook(&sid, &studio)
                .await
                .map_err(ContactCenterError::from)?;
        }
        Ok(sid)
    }

    async fn already_posted(
        &self,
        conversation: &ConversationSid,
        source: MessageId,
    ) -> Result<bool, ContactCenterError> {
        let page = self
            .client
            .list_messages(
                conversation,
                Some(MessageOrder::Desc),
                Some(self.config.dedupe_window),
            )
            .await
            .map_err(ContactCenterError::from)?;
        let wanted = source.to_string();
        Ok(page.items.iter().any(|m| {
            m.attributes
                .as_deref()
                .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
                .and_then(|a| match a.get(DISCORD_MESSAGE_ID_ATTR)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .is_some_and(|id| id == wanted)
        }))
    }

    async fn post_as_bridge(
        &self,
        conversation: &ConversationSid,
        body: String,
    ) -> Result<(), ContactCenterError> {
        let message = CreateMessage {
            author: Some(self.config.bridge_author.clone()),
            body: Some(body),
            // No X-Twilio-Webhook-Enabled: bridge messages must not trigger webhooks (Studio
            // would treat them as user input, and they would echo back to the bridge).
            webhook_enabled: false,
            ..CreateMessage::default()
        };
        self.client
            .create_message(conversation, &message)
            .await
            .map_err(ContactCenterError::from)
            .map(drop)
    }
}

/// Keeps at most `max` bytes of `text`, dropping from the front (the latest lines matter most
/// to an agent) at a char boundary.
fn keep_tail(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

/// Twilio's Chat message limit is 32 KB; stay under it with room for the header line.
const MAX_TRANSCRIPT_BYTES: usize = 30 * 1024;

#[async_trait]
impl ContactCenter for FlexContactCenter {
    async fn open_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
    ) -> Result<ConversationSid, ContactCenterError> {
        let identity = Identity::for_user(user.id);
        let existing = self
            .client
            .find_open_conversation(identity.as_str(), 5)
            .await
            .map_err(ContactCenterError::from)?;
        if let Some(found) = existing {
            return Ok(found.conversation_sid);
        }
        self.create_conversation_for(user, dm, &identity).await
    }

    async fn post_user_message(
        &self,
        conversation: &ConversationSid,
        author: &Identity,
        source: MessageId,
        content: &MessageContent,
        maybe_sent: bool,
    ) -> Result<(), ContactCenterError> {
        if content.is_empty() {
            return Ok(());
        }
        if maybe_sent && self.already_posted(conversation, source).await? {
            return Ok(());
        }
        let attributes = json!({ DISCORD_MESSAGE_ID_ATTR: source.to_string() }).to_string();
        let text = (!content.text.trim().is_empty()).then(|| content.text.clone());
        let message = |body: Option<String>, media_sid: Option<MediaSid>| CreateMessage {
            author: Some(author.as_str().to_owned()),
            body,
            attributes: Some(attributes.clone()),
            media_sid,
            webhook_enabled: true,
        };
        if content.attachments.is_empty() {
            return self
                .client
                .create_message(conversation, &message(text, None))
                .await
                .map_err(ContactCenterError::from)
                .map(drop);
        }
        let service = self.chat_service_sid().await?.to_owned();
        let mut text = text;
        for attachment in &content.attachments {
            let (bytes, served_type) = match self
                .client
                .download(&attachment.url, self.config.max_attachment_bytes)
                .await
            {
                Ok(downloaded) => downloaded,
                Err(e) if e.is_transient() => return Err(map_download_error(&e)),
                Err(e) => {
                    // Gone or too large: the agent still gets the words and a link to the file,
                    // rather than the whole message being dropped.
                    tracing::warn!(
                        error = %flexcord_core::log_safe::escape_for_log(&e.to_string()),
                        file = %flexcord_core::log_safe::escape_for_log(&attachment.filename),
                        "attachment not copied; relaying its link"
                    );
                    let link = format!("[attachment {}: {}]", attachment.filename, attachment.url);
                    let body = match text.take() {
                        Some(t) => format!("{t}\n{link}"),
                        None => link,
                    };
                    self.client
                        .create_message(conversation, &message(Some(body), None))
                        .await
                        .map_err(ContactCenterError::from)?;
                    continue;
                }
            };
            let content_type = attachment
                .content_type
                .clone()
                .or(served_type)
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            let media = self
                .client
                .upload_media(&service, &content_type, bytes)
                .await
                .map_err(ContactCenterError::from)?;
            // The text rides on the first media message; later ones carry only their file.
            self.client
                .create_message(conversation, &message(text.take(), Some(media.sid)))
                .await
                .map_err(ContactCenterError::from)?;
        }
        Ok(())
    }

    async fn post_transcript(
        &self,
        conversation: &ConversationSid,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError> {
        if lines.is_empty() {
            return Ok(());
        }
        let body: String = lines
            .iter()
            .map(|line| format!("{}: {}", line.name, line.text))
            .collect::<Vec<_>>()
            .join("\n");
        let body = format!(
            "Conversation so far:\n{}",
            keep_tail(body, MAX_TRANSCRIPT_BYTES)
        );
        self.post_as_bridge(conversation, body).await
    }

    async fn post_notice(
        &self,
        conversation: &ConversationSid,
        text: &str,
    ) -> Result<(), ContactCenterError> {
        self.post_as_bridge(
            conversation,
            keep_tail(text.to_owned(), MAX_TRANSCRIPT_BYTES),
        )
        .await
    }

    async fn create_task(
        &self,
        conversation: &ConversationSid,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        let (Some(workspace_sid), Some(workflow_sid)) = (
            self.config.workspace_sid.clone(),
            self.config.workflow_sid.clone(),
        ) else {
            return Err(ContactCenterError::Rejected(
                "bridge mode needs workspace_sid and workflow_sid".into(),
            ));
        };
        let name = &task.user.name;
        let mut attributes = json!({
            "from": name,
            "customerName": name,
            "customerAddress": Identity::for_user(task.user.id).as_str(),
            // Flex UI knows a fixed set of channel types; "chat" renders as a chat task.
            "channelType": "chat",
            "customChannelType": "discord",
            "conversationSid": conversation.as_str(),
            "summary": task.summary.chars().take(200).collect::<String>(),
        });
        if let (Some(case), Some(map)) = (task.case_id, attributes.as_object_mut()) {
            map.insert("caseId".into(), json!(case.0));
        }
        let request = CreateInteraction::customer_chat(
            conversation,
            &ChatRouting {
                workspace_sid,
                workflow_sid,
                task_channel_unique_name: self.config.task_channel.clone(),
                attributes,
            },
        );
        let interaction = self
            .client
            .create_interaction(&request)
            .await
            .map_err(ContactCenterError::from)?;
        let channel: Option<InteractionChannelSid> = interaction.channel.and_then(|c| c.sid);
        let channel = channel.ok_or_else(|| {
            ContactCenterError::Rejected(format!(
                "interaction {} was created without a channel sid",
                interaction.sid
            ))
        })?;
        Ok(InteractionRef {
            interaction: interaction.sid,
            channel,
        })
    }

    async fn close(
        &self,
        conversation: &ConversationSid,
        interaction: Option<&InteractionRef>,
    ) -> Result<(), ContactCenterError> {
        match interaction {
            Some(r) => self
                .client
                .close_interaction_channel(&r.interaction, &r.channel)
                .await
                .map_err(ContactCenterError::from)
                .map(drop),
            None => {
                let params = ConversationParams {
                    state: Some(ConversationState::Closed),
                    ..ConversationParams::default()
                };
                self.client
                    .update_conversation(conversation, &params)
                    .await
                    .map_err(ContactCenterError::from)
                    .map(drop)
            }
        }
    }

    async fn media_url(&self, media: &MediaSid) -> Result<String, ContactCenterError> {
        let service = self.chat_service_sid().await?;
        let found = self
            .client
            .fetch_media(service, media)
            .await
            .map_err(ContactCenterError::from)?;
        found.links.content_direct_temporary.ok_or_else(|| {
            ContactCenterError::Rejected(format!("media {media} has no temporary url"))
        })
    }
}

/// Maps a Twilio failure to what the router acts on: 404 (or a 4xx that says the
/// conversation is closed) → `ConversationGone`; 401/403 → `Unauthorized`; 429/5xx/timeouts/
/// transport → `Transient`; anything else → `Rejected`.
///
/// Twilio's references list no dedicated "conversation closed" code, so the closed case is
/// recognised by the message of a 4xx error body.
#[must_use]
pub fn map_error(error: &Error) -> ContactCenterError {
    let text = error.to_string();
    if error.is_not_found() {
        return ContactCenterError::ConversationGone(text);
    }
    if error.is_unauthorized() {
        return ContactCenterError::Unauthorized(text);
    }
    if error.is_transient() {
        return ContactCenterError::Transient(text);
    }
    let closed = matches!(error.status(), Some(400..=499))
        && error
            .twilio()
            .is_some_and(|t| t.message.to_ascii_lowercase().contains("closed"));
    if closed {
        ContactCenterError::ConversationGone(text)
    } else {
        ContactCenterError::Rejected(text)
    }
}

impl From<Error> for ContactCenterError {
    fn from(error: Error) -> Self {
        map_error(&error)
    }
}

/// A failed Discord download is never about the conversation: a 404 there means the
/// attachment is gone, which retrying will not fix.
fn map_download_error(error: &Error) -> ContactCenterError {
    let text = format!("attachment download failed: {error}");
    if error.is_transient() {
        ContactCenterError::Transient(text)
    } else if matches!(error.kind(), ErrorKind::BodyTooLarge { .. }) {
        ContactCenterError::Rejected(format!("attachment too large: {error}"))
    } else {
        ContactCenterError::Rejected(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TwilioError;

    fn api(status: u16, message: &str) -> Error {
        ErrorKind::Api {
            status,
            error: TwilioError {
                message: message.into(),
                ..TwilioError::default()
            },
        }
        .into()
    }

    #[test]
    fn error_mapping() {
        assert!(matches!(
            map_error(&api(404, "nope")),
            ContactCenterError::ConversationGone(_)
        ));
        assert!(matches!(
            map_error(&api(400, "Conversation is closed")),
            ContactCenterError::ConversationGone(_)
        ));
        assert!(matches!(
            map_error(&api(401, "x")),
            ContactCenterError::Unauthorized(_)
        ));
        assert!(matches!(
            map_error(&api(403, "x")),
            ContactCenterError::Unauthorized(_)
        ));
        assert!(matches!(
            map_error(&api(429, "x")),
            ContactCenterError::Transient(_)
        ));
        assert!(matches!(
            map_error(&api(503, "x")),
            ContactCenterError::Transient(_)
        ));
        assert!(matches!(
            map_error(&ErrorKind::Timeout.into()),
            ContactCenterError::Transient(_)
        ));
        assert!(matches!(
            map_error(&api(400, "bad body")),
            ContactCenterError::Rejected(_)
        ));
    }

    #[test]
    fn keep_tail_respects_char_boundaries() {
        assert_eq!(keep_tail("abc".into(), 10), "abc");
        let t = keep_tail("ééé".into(), 3);
        assert!(t.ends_with('é'));
        assert!(t.starts_with('…'));
    }

    #[test]
    fn forward_url_has_one_slash() {
        assert_eq!(
            FlexConfig::new("https://b.example/").forward_url(),
            "https://b.example/forward-to-discord"
        );
    }
}
