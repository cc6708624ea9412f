//! [`FlexContactCenter`]: flexcord's [`ContactCenter`] port on top of [`Client`] (feature
//! `flexcord`).
//!
//! Cost rule: a relayed text message is exactly one Twilio call. Everything the router already
//! knows (conversation, identity, interaction) is passed in, never looked up again. Core's ids
//! are opaque; they become Twilio SIDs and identities here (`core_ids`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use flexcord_core::content::{Attachment, MessageContent};
use flexcord_core::event::UserProfile;
use flexcord_core::ids::{self as core, ChannelId, Identity, MessageId};
use flexcord_core::ports::{
    ContactCenter, ContactCenterError, FileRefusal, Posted, RefusedFile, TaskRequest,
};
use flexcord_core::session::{InteractionRef, TranscriptLine};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::api::conversations::{
    ConversationParams, ConversationState, CreateMessage, CreateScopedWebhook, MessageOrder,
    WebhookTarget,
};
use crate::api::interactions::{ChatRouting, CreateInteraction, InteractionChannelStatus};
use crate::client::Client;
use crate::core_ids::{customer_identity, identity_to_wire, to_core, to_twilio};
use crate::error::{Error, ErrorKind};
use crate::sid::{ConversationSid, InteractionChannelSid, InteractionSid, MediaSid};

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

/// The message attribute numbering the messages one Discord message became, from 1 for the
/// second (each file after the first is a message of its own); absent on the first.
pub const DISCORD_PART_ATTR: &str = "discord_part";

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
    /// After a message create whose outcome is unknown (a timeout, a broken connection, a
    /// 5xx), how long to wait before each look for the message: Twilio may save it after the
    /// client gave up, and a resend before that look would post it twice. Default 1 s, 4 s,
    /// 10 s; when it is still not there, the call fails as transient and the outbox's next
    /// attempt looks again before sending.
    pub resend_check_delays: Vec<Duration>,
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
            resend_check_delays: vec![
                Duration::from_secs(1),
                Duration::from_secs(4),
                Duration::from_secs(10),
            ],
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

    /// Creates a conversation under `unique_name` for `user` (not yet set up: see
    /// [`FlexContactCenter::set_up_conversation`]).
    pub(crate) async fn create_conversation_named(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        unique_name: String,
    ) -> Result<ConversationSid, Error> {
        let mut attributes = json!({
            "discord_user_id": user.id.to_string(),
            "discord_channel_id": dm.to_string(),
            "display_name": user.name,
            "from": user.name,
        });
        // The customer's language (BCP-47, as Discord gives it), for Studio and the agent.
        if let (Some(language), Some(map)) = (&user.locale, attributes.as_object_mut()) {
            map.insert("language".into(), json!(language));
        }
        let params = ConversationParams {
            friendly_name: Some(user.name.chars().take(256).collect()),
            unique_name: Some(unique_name),
            attributes: Some(attributes.to_string()),
            state: Some(ConversationState::Active),
            timers_inactive: self.config.inactive_timer.clone(),
            timers_closed: self.config.close_timer.clone(),
            messaging_service_sid: None,
        };
        Ok(self.client.create_conversation(&params).await?.sid)
    }

    async fn create_conversation_for(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        identity: &str,
    ) -> Result<ConversationSid, ContactCenterError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let sid = self
            .create_conversation_named(user, dm, format!("{identity}:{now_ms}"))
            .await
            .map_err(ContactCenterError::from)?;
        self.set_up_conversation(&sid, user, identity, false)
            .await?;
        Ok(sid)
    }

    /// Adds the user as participant and the conversation's webhooks. With `resume`, an
    /// earlier try may have done part of it: what is there already is not added again.
    pub(crate) async fn set_up_conversation(
        &self,
        sid: &ConversationSid,
        user: &UserProfile,
        identity: &str,
        resume: bool,
    ) -> Result<(), ContactCenterError> {
        match self.client.add_participant(sid, identity, None).await {
            Ok(_) => {}
            // Twilio's answer when the identity is a participant already (an earlier try).
            Err(e) if resume && e.status() == Some(409) => {}
            Err(e) => return Err(ContactCenterError::from(e)),
        }
        // The user resource exists once the participant does. Its friendly name is only
        // cosmetic (what agents see), so a failure here must not fail the hand-off.
        if let Err(error) = self
            .client
            .update_user_friendly_name(identity, &user.name)
            .await
        {
            tracing::warn!(
                error = %flexcord_core::log_safe::escape_for_log(&error.to_string()),
                conversation = %sid,
                "could not set the user's friendly name"
            );
        }
        let mut wanted = vec![CreateScopedWebhook::webhook(
            self.config.forward_url(),
            &FORWARD_FILTERS,
        )];
        if let Some(flow) = &self.config.studio_flow_sid {
            wanted.push(CreateScopedWebhook::studio(
                flow.clone(),
                &["onMessageAdded"],
            ));
        }
        let existing = if resume {
            self.client
                .list_scoped_webhooks(sid)
                .await
                .map_err(ContactCenterError::from)?
                .items
        } else {
            Vec::new()
        };
        for webhook in wanted {
            let there = existing.iter().any(|w| {
                let config = w.configuration.as_ref();
                w.target == Some(webhook.target.clone())
                    && config.and_then(|c| c.url.as_ref()) == webhook.url.as_ref()
                    && config.and_then(|c| c.flow_sid.as_ref()) == webhook.flow_sid.as_ref()
            });
            if !there {
                self.client
                    .create_scoped_webhook(sid, &webhook)
                    .await
                    .map_err(ContactCenterError::from)?;
            }
        }
        Ok(())
    }

    /// Whether a message from Discord message `source` is among the latest ones; with `part`,
    /// that particular message of it.
    async fn already_posted(
        &self,
        conversation: &ConversationSid,
        source: MessageId,
        part: Option<usize>,
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
            let Some(attributes) = m
                .attributes
                .as_deref()
                .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            else {
                return false;
            };
            let same_source = match attributes.get(DISCORD_MESSAGE_ID_ATTR) {
                Some(serde_json::Value::String(s)) => *s == wanted,
                Some(serde_json::Value::Number(n)) => n.to_string() == wanted,
                _ => false,
            };
            // Messages written before parts were numbered count as part 0.
            let found_part = attributes
                .get(DISCORD_PART_ATTR)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            same_source && part.is_none_or(|p| u64::try_from(p).is_ok_and(|p| p == found_part))
        }))
    }

    /// Posts one message of a user's Discord message. When Twilio's answer is lost (a timeout,
    /// a broken connection, a 5xx) the message may still be saved, even after the client gave
    /// up: it is looked for after each of [`FlexConfig::resend_check_delays`] before the
    /// failure is reported, so the outbox's resend does not double it.
    async fn create_user_message(
        &self,
        conversation: &ConversationSid,
        source: MessageId,
        part: usize,
        message: &CreateMessage,
    ) -> Result<(), ContactCenterError> {
        let Err(error) = self.client.create_message(conversation, message).await else {
            return Ok(());
        };
        if !outcome_unknown(&error) {
            return Err(map_error(&error));
        }
        for wait in &self.config.resend_check_delays {
            tokio::time::sleep(*wait).await;
            match self.already_posted(conversation, source, Some(part)).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                // Reading failed too: report the original failure; the next attempt checks.
                Err(_) => break,
            }
        }
        Err(map_error(&error))
    }

    /// Copies one attachment from Discord into Twilio's media store.
    async fn upload(&self, service: &str, attachment: &Attachment) -> Result<MediaSid, Upload> {
        if attachment.size == Some(0) {
            return Err(Upload::Refused(FileRefusal::Empty));
        }
        let (bytes, served_type) = self
            .client
            .download(&attachment.url, self.config.max_attachment_bytes)
            .await
            .map_err(|e| download_failure(&e))?;
        if bytes.is_empty() {
            return Err(Upload::Refused(FileRefusal::Empty));
        }
        let content_type = attachment
            .content_type
            .clone()
            .or(served_type)
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        self.client
            .upload_media(service, &content_type, Some(&attachment.filename), bytes)
            .await
            .map(|media| media.sid)
            .map_err(|e| upload_failure(&e))
    }

    /// Posts `body` as the bridge, with `attributes` (a JSON object) when given.
    pub(crate) async fn post_as_bridge(
        &self,
        conversation: &core::ConversationSid,
        body: String,
        attributes: Option<String>,
    ) -> Result<(), ContactCenterError> {
        let conversation: ConversationSid = to_twilio(conversation)?;
        let message = CreateMessage {
            author: Some(self.config.bridge_author.clone()),
            body: Some(body),
            attributes,
            // No X-Twilio-Webhook-Enabled: bridge messages must not trigger webhooks (Studio
            // would treat them as user input, and they would echo back to the bridge).
            webhook_enabled: false,
            ..CreateMessage::default()
        };
        self.client
            .create_message(&conversation, &message)
            .await
            .map_err(ContactCenterError::from)
            .map(drop)
    }
}

/// Why a file was not copied.
enum Upload {
    /// For good: the user's text goes without it.
    Refused(FileRefusal),
    /// Maybe not for long (or not about the file): the whole message is tried again later.
    Retry(ContactCenterError),
}

/// The agent's note in place of a file that did not come through.
fn refusal_note(attachment: &Attachment, reason: FileRefusal) -> String {
    match reason {
        // The link still lets an agent look at what could not be copied.
        FileRefusal::TooLarge | FileRefusal::Unavailable => format!(
            "[file {} not attached: {reason}; link: {}]",
            attachment.filename, attachment.url
        ),
        _ => format!("[file {} not attached: {reason}]", attachment.filename),
    }
}

/// A failed Discord download is never about the conversation: a 404 there means the
/// attachment is gone, which retrying will not fix.
fn download_failure(error: &Error) -> Upload {
    if error.is_transient() {
        Upload::Retry(ContactCenterError::Transient(format!(
            "attachment download failed: {}",
            error.detailed()
        )))
    } else if matches!(error.kind(), ErrorKind::BodyTooLarge { .. }) {
        Upload::Refused(FileRefusal::TooLarge)
    } else {
        Upload::Refused(FileRefusal::Unavailable)
    }
}

/// Twilio refusing the file itself (400: empty or unsupported; 413: too large) is final for
/// that file; anything else (limits, outages, credentials, a missing service) is not the
/// file's fault and fails the message as usual.
fn upload_failure(error: &Error) -> Upload {
    match error.status() {
        Some(413) => Upload::Refused(FileRefusal::TooLarge),
        Some(400 | 415 | 422) => Upload::Refused(FileRefusal::Refused),
        _ => Upload::Retry(map_error(error)),
    }
}

/// True when Twilio may have acted on a create although the client saw a failure.
fn outcome_unknown(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Timeout | ErrorKind::Transport => true,
        ErrorKind::Api { status, .. } => *status >= 500,
        _ => false,
    }
}

/// Twilio's Chat message limit is 32 KB; stay under it with room for the header line.
const MAX_TRANSCRIPT_BYTES: usize = 30 * 1024;

/// Keeps at most `max` bytes of `text`, dropping from the front (the latest lines matter most
/// to an agent) at a char boundary.
pub(crate) fn keep_tail(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

/// Reads of a channel still in `setup` before the hand-off is taken as under way.
const SETUP_READS: u32 = 3;
/// Pause between those reads.
const SETUP_READ_PAUSE: Duration = Duration::from_millis(500);

impl FlexContactCenter {
    /// Creates the Flex interaction for `conversation`; with `key`, the task carries it (see
    /// `handoff`).
    async fn create_task_keyed(
        &self,
        conversation: &core::ConversationSid,
        task: &TaskRequest,
        key: Option<&str>,
    ) -> Result<InteractionRef, ContactCenterError> {
        let conversation: ConversationSid = to_twilio(conversation)?;
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
            "customerAddress": customer_identity(task.user.id),
            // Flex UI knows a fixed set of channel types; "chat" renders as a chat task.
            "channelType": "chat",
            "customChannelType": "discord",
            "conversationSid": conversation.as_str(),
            "summary": task.summary.chars().take(200).collect::<String>(),
        });
        if let (Some(case), Some(map)) = (task.case_id, attributes.as_object_mut()) {
            map.insert("caseId".into(), json!(case.0));
        }
        // The customer's language (BCP-47, as Discord gives it): a TaskRouter workflow can
        // route on `task.language`.
        if let (Some(language), Some(map)) = (&task.language, attributes.as_object_mut()) {
            map.insert("language".into(), json!(language));
        }
        // How a later try finds this task instead of creating another (`handoff`).
        if let (Some(key), Some(map)) = (key, attributes.as_object_mut()) {
            map.insert(crate::handoff::HANDOFF_ATTR.into(), json!(key));
        }
        let request = CreateInteraction::customer_chat(
            &conversation,
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
        self.check_channel_set_up(&interaction.sid, &channel)
            .await?;
        Ok(InteractionRef {
            interaction: core_ref(&interaction.sid)?,
            channel: core_ref(&channel)?,
        })
    }
}

impl FlexContactCenter {
    /// Reads the interaction channel back: `POST /v1/Interactions` answering 200 only means
    /// the request was accepted, and a set-up that failed (`status: failed`, `error_code`)
    /// would otherwise leave the player waiting for an agent who never comes. A channel still
    /// in `setup` after a few reads is taken as under way.
    async fn check_channel_set_up(
        &self,
        interaction: &InteractionSid,
        channel: &InteractionChannelSid,
    ) -> Result<(), ContactCenterError> {
        for read in 1..=SETUP_READS {
            let read_back = self
                .client
                .fetch_interaction_channel(interaction, channel)
                .await
                .map_err(ContactCenterError::from)?;
            match read_back.status {
                Some(InteractionChannelStatus::Failed) => {
                    return Err(ContactCenterError::Rejected(format!(
                        "interaction {} channel set-up failed (error code {})",
                        interaction.as_str(),
                        read_back
                            .error_code
                            .map_or_else(|| "none".to_owned(), |c| c.to_string())
                    )));
                }
                Some(InteractionChannelStatus::Setup) if read < SETUP_READS => {
                    tokio::time::sleep(SETUP_READ_PAUSE).await;
                }
                _ => return Ok(()),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ContactCenter for FlexContactCenter {
    async fn open_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
    ) -> Result<core::ConversationSid, ContactCenterError> {
        let identity = customer_identity(user.id);
        let existing = self
            .client
            .find_open_conversation(&identity, 5)
            .await
            .map_err(ContactCenterError::from)?;
        let sid = match existing {
            Some(found) => found.conversation_sid,
            None => self.create_conversation_for(user, dm, &identity).await?,
        };
        core_ref(&sid)
    }

    async fn post_user_message(
        &self,
        conversation: &core::ConversationSid,
        author: &Identity,
        source: MessageId,
        content: &MessageContent,
        maybe_sent: bool,
    ) -> Result<Posted, ContactCenterError> {
        let conversation: ConversationSid = to_twilio(conversation)?;
        if content.is_empty() {
            return Ok(Posted::default());
        }
        if maybe_sent && self.already_posted(&conversation, source, None).await? {
            return Ok(Posted::default());
        }
        let author = identity_to_wire(author);
        let message = |part: usize, body: Option<String>, media_sid: Option<MediaSid>| {
            // Part 0 carries only the id, as every message did before parts were numbered.
            let attributes = if part == 0 {
                json!({ DISCORD_MESSAGE_ID_ATTR: source.to_string() })
            } else {
                json!({ DISCORD_MESSAGE_ID_ATTR: source.to_string(), DISCORD_PART_ATTR: part })
            };
            CreateMessage {
                author: Some(author.clone()),
                body,
                attributes: Some(attributes.to_string()),
                media_sid,
                webhook_enabled: true,
                // The player's own time of writing, so a message relayed late (caught up after
                // an outage) sits at the right time in the agent's transcript.
                date_created: content.sent_at_ms.map(flexcord_core::utc::iso8601_seconds),
            }
        };
        let text = (!content.text.trim().is_empty()).then(|| content.text.clone());
        if content.attachments.is_empty() {
            self.create_user_message(&conversation, source, 0, &message(0, text, None))
                .await?;
            return Ok(Posted::default());
        }
        let service = self.chat_service_sid().await?.to_owned();
        // Every file is copied first, so one that cannot be never takes the text with it.
        let mut media = Vec::new();
        let mut notes = Vec::new();
        let mut refused_files = Vec::new();
        for attachment in &content.attachments {
            match self.upload(&service, attachment).await {
                Ok(sid) => media.push(sid),
                Err(Upload::Retry(e)) => return Err(e),
                Err(Upload::Refused(reason)) => {
                    tracing::warn!(
                        %reason,
                        file = %flexcord_core::log_safe::escape_for_log(&attachment.filename),
                        "attachment not copied; the text goes with a note"
                    );
                    notes.push(refusal_note(attachment, reason));
                    refused_files.push(RefusedFile {
                        filename: attachment.filename.clone(),
                        reason,
                    });
                }
            }
        }
        // The words (and the notes) ride on the first message; later files come one by one.
        let words: Vec<String> = text.into_iter().chain(notes).collect();
        let mut body = (!words.is_empty()).then(|| words.join("\n"));
        if media.is_empty() {
            self.create_user_message(&conversation, source, 0, &message(0, body.take(), None))
                .await?;
        }
        for (part, sid) in media.into_iter().enumerate() {
            let this = message(part, body.take(), Some(sid));
            self.create_user_message(&conversation, source, part, &this)
                .await?;
        }
        Ok(Posted { refused_files })
    }

    async fn post_transcript(
        &self,
        conversation: &core::ConversationSid,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError> {
        if lines.is_empty() {
            return Ok(());
        }
        let body = crate::handoff::transcript_body(lines, MAX_TRANSCRIPT_BYTES);
        self.post_as_bridge(conversation, body, None).await
    }

    async fn post_notice(
        &self,
        conversation: &core::ConversationSid,
        text: &str,
    ) -> Result<(), ContactCenterError> {
        self.post_as_bridge(
            conversation,
            keep_tail(text.to_owned(), MAX_TRANSCRIPT_BYTES),
            None,
        )
        .await
    }

    async fn create_task(
        &self,
        conversation: &core::ConversationSid,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        self.create_task_keyed(conversation, task, None).await
    }

    async fn open_handoff_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        key: &str,
    ) -> Result<core::ConversationSid, ContactCenterError> {
        self.handoff_conversation(user, dm, key).await
    }

    async fn post_handoff_transcript(
        &self,
        conversation: &core::ConversationSid,
        key: &str,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError> {
        if lines.is_empty() {
            return Ok(());
        }
        let body = crate::handoff::transcript_body(lines, MAX_TRANSCRIPT_BYTES);
        self.handoff_transcript(conversation, key, body).await
    }

    async fn create_handoff_task(
        &self,
        conversation: &core::ConversationSid,
        key: &str,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        if let Some(workspace) = self.config.workspace_sid.as_deref() {
            match self.handoff_task_found(workspace, key).await {
                Ok(Some(found)) => return Ok(found),
                Ok(None) => {}
                // Credentials that may create interactions but not read TaskRouter: the
                // hand-off goes on (without the look, a crash between the create and its
                // record could give a second task) rather than fail every time.
                Err(ContactCenterError::Unauthorized(error)) => tracing::warn!(
                    error = %flexcord_core::log_safe::escape_for_log(&error),
                    "cannot read TaskRouter tasks; creating the hand-off's task without looking for an earlier one"
                ),
                Err(e) => return Err(e),
            }
        }
        self.create_task_keyed(conversation, task, Some(key)).await
    }

    async fn close(
        &self,
        conversation: &core::ConversationSid,
        interaction: Option<&InteractionRef>,
    ) -> Result<(), ContactCenterError> {
        match interaction {
            Some(r) => {
                let interaction: InteractionSid = to_twilio(&r.interaction)?;
                let channel: InteractionChannelSid = to_twilio(&r.channel)?;
                self.client
                    .close_interaction_channel(&interaction, &channel)
                    .await
                    .map_err(ContactCenterError::from)
                    .map(drop)
            }
            None => {
                let conversation: ConversationSid = to_twilio(conversation)?;
                let params = ConversationParams {
                    state: Some(ConversationState::Closed),
                    ..ConversationParams::default()
                };
                self.client
                    .update_conversation(&conversation, &params)
                    .await
                    .map_err(ContactCenterError::from)
                    .map(drop)
            }
        }
    }

    async fn detach_flow(
        &self,
        conversation: &core::ConversationSid,
    ) -> Result<(), ContactCenterError> {
        let conversation: ConversationSid = to_twilio(conversation)?;
        // Twilio gives no way to find the webhook but listing them (five at most per
        // conversation); the bridge attached one `Target=studio` webhook, an operator may have
        // attached more: every flow is done once Flex has the conversation.
        let page = self
            .client
            .list_scoped_webhooks(&conversation)
            .await
            .map_err(ContactCenterError::from)?;
        for webhook in page
            .items
            .iter()
            .filter(|w| w.target == Some(WebhookTarget::Studio))
        {
            match self
                .client
                .delete_scoped_webhook(&conversation, &webhook.sid)
                .await
            {
                // Gone already (a retry, a concurrent detach): what was wanted.
                Err(error) if error.status() == Some(404) => {}
                other => other.map_err(ContactCenterError::from)?,
            }
        }
        Ok(())
    }

    async fn media_url(&self, media: &core::MediaSid) -> Result<String, ContactCenterError> {
        let media: MediaSid = to_twilio(media)?;
        let service = self.chat_service_sid().await?;
        let found = self
            .client
            .fetch_media(service, &media)
            .await
            .map_err(ContactCenterError::from)?;
        found.links.content_direct_temporary.ok_or_else(|| {
            ContactCenterError::Rejected(format!("media {media} has no temporary url"))
        })
    }
}

/// A SID Twilio returned, as core's reference.
fn core_ref<T: std::str::FromStr>(sid: &impl std::fmt::Display) -> Result<T, ContactCenterError> {
    to_core(sid).ok_or_else(|| ContactCenterError::Rejected(format!("unusable sid {sid}")))
}

/// Maps a Twilio failure to what the router acts on: 404 (or a 4xx that says the
/// conversation is closed) → `ConversationGone`; 401/403 → `Unauthorized`; 429/5xx/timeouts/
/// transport → `Transient`; anything else → `Rejected`.
///
/// Twilio's references list no dedicated "conversation closed" code, so the closed case is
/// recognised by the message of a 4xx error body.
#[must_use]
pub fn map_error(error: &Error) -> ContactCenterError {
    let text = error.detailed();
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
