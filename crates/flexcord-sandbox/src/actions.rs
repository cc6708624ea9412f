//! What the page's two players do, turned into what Discord and Flex would do: the Discord user's
//! commands, form submits, button clicks and DMs become gateway dispatches (INTERACTION_CREATE,
//! MESSAGE_CREATE) with fresh ids and tokens; the Flex agent's accept, reply, file and close
//! become the Twilio fake's agent-side calls, which fire signed webhooks at the bridge.

use std::collections::HashMap;

use base64::Engine as _;
use discord_fake::fixtures::{self, AttachmentFixture, FixtureUser, InteractionFixture};
use serde::Deserialize;
use serde_json::json;
use twilio_fake::StateChangeReason;

use crate::error::ActionError;
use crate::shared::Shared;
use crate::world::{
    Interaction, MANAGE_GUILD, Message, PLAYER_ID, PLAYER_NAME, STAFF_ID, STAFF_NAME, StoredFile,
};

/// The Flex agent the page plays.
pub const AGENT_IDENTITY: &str = "ada@flex.sandbox";
/// The agent's display name.
pub const AGENT_NAME: &str = "Ada";
/// Largest file the page may upload (Discord's default limit).
pub(crate) const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

fn player() -> FixtureUser {
    FixtureUser::human(PLAYER_ID, PLAYER_NAME)
}

/// A file the page uploads, base64 in JSON (no multipart needed in the page).
#[derive(Debug, Deserialize)]
pub(crate) struct Upload {
    /// File name.
    pub(crate) filename: String,
    /// MIME type, when the browser knows it.
    #[serde(default)]
    pub(crate) content_type: Option<String>,
    /// Content, standard base64.
    pub data_base64: String,
}

impl Upload {
    fn decode(&self) -> Result<Vec<u8>, ActionError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.data_base64.as_bytes())
            .map_err(|_| ActionError::Invalid("file content is not base64".to_owned()))?;
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(ActionError::Invalid(
                "file is larger than 10 MiB".to_owned(),
            ));
        }
        Ok(bytes)
    }
}

/// `/helpme`, `/bug`, `/new_feature` used in a channel by the player, or `/case <id>`,
/// `/block` and `/unblock` (of the player) by the server's moderator.
#[derive(Debug, Deserialize)]
pub(crate) struct CommandAction {
    /// Command name without the slash.
    pub(crate) name: String,
    /// Where it is used.
    pub(crate) channel_id: u64,
    /// `/case`'s case number.
    #[serde(default)]
    pub(crate) case_id: Option<u64>,
}

/// The open modal submitted with these values (by field `custom_id`).
#[derive(Debug, Deserialize)]
pub(crate) struct ModalAction {
    /// Field values.
    pub(crate) values: HashMap<String, String>,
}

/// A button under a bot message clicked.
#[derive(Debug, Deserialize)]
pub(crate) struct ButtonAction {
    /// The message's channel.
    pub(crate) channel_id: u64,
    /// The button's `custom_id`.
    pub(crate) custom_id: String,
    /// The button's label, shown above the bot's answer.
    #[serde(default)]
    pub(crate) label: String,
}

/// A message from the player to the bot's DM.
#[derive(Debug, Deserialize)]
pub(crate) struct DmAction {
    /// Text (may be empty with files).
    #[serde(default)]
    pub(crate) text: String,
    /// Files.
    #[serde(default)]
    pub(crate) files: Vec<Upload>,
}

/// Something the agent does in a conversation.
#[derive(Debug, Deserialize)]
pub(crate) struct AgentAction {
    /// `CH…`
    pub(crate) conversation_sid: String,
    /// Reply text.
    #[serde(default)]
    pub(crate) text: String,
    /// A file to send.
    #[serde(default)]
    pub(crate) file: Option<Upload>,
}

/// An announcement to post through the bridge's `POST /announce`.
#[derive(Debug, Deserialize)]
pub(crate) struct AnnounceAction {
    /// Title.
    pub(crate) title: String,
    /// Body.
    pub(crate) body: String,
    /// Optional link.
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// The language picker's choice.
#[derive(Debug, Deserialize)]
pub(crate) struct LocaleAction {
    /// A Discord locale such as `en-US`, `hi` or `pt-BR`.
    pub(crate) locale: String,
}

impl Shared {
    /// `event` as sent by the player's Discord client in its current language: Discord puts
    /// the user's `locale` on every interaction, and flexcord answers in it.
    fn localized(&self, mut event: serde_json::Value) -> serde_json::Value {
        event["locale"] = json!(self.world().player_locale.clone());
        event
    }

    /// Switches the player's Discord client language.
    pub(crate) fn set_locale(&self, action: &LocaleAction) -> Result<(), ActionError> {
        let locale = action.locale.trim();
        // Discord's locales are short tags: `hi`, `en-US`, `zh-CN`, `es-419`.
        let well_formed = (2..=10).contains(&locale.len())
            && locale
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !well_formed {
            return Err(ActionError::Invalid("not a Discord locale".to_owned()));
        }
        self.world().player_locale = locale.to_owned();
        self.touch();
        Ok(())
    }
    /// The interaction fixture for the player in `channel_id` (guild channel or DM).
    fn interaction_in(
        &self,
        channel_id: u64,
        label: &str,
    ) -> Result<InteractionFixture, ActionError> {
        let mut world = self.world();
        let channel = world
            .channel(channel_id)
            .cloned()
            .ok_or_else(|| ActionError::NotFound(format!("channel {channel_id}")))?;
        let id = world.fresh_id();
        let fixture = if channel.dm {
            InteractionFixture::in_dm(id, player(), channel_id)
        } else {
            // A plain member: no roles, no Manage Server.
            InteractionFixture::in_guild(id, player(), channel_id, Vec::new(), 0)
        };
        world.remember(Interaction {
            id,
            token: fixture.token.clone(),
            channel_id,
            label: format!("{PLAYER_NAME} used {label}"),
            original: None,
        });
        Ok(fixture)
    }

    /// The moderator's interaction in a server channel: Manage Server, so flexcord's staff
    /// check passes as it would for a real moderator.
    fn staff_interaction_in(
        &self,
        channel_id: u64,
        label: &str,
    ) -> Result<InteractionFixture, ActionError> {
        let mut world = self.world();
        let channel = world
            .channel(channel_id)
            .cloned()
            .ok_or_else(|| ActionError::NotFound(format!("channel {channel_id}")))?;
        if channel.dm {
            return Err(ActionError::Invalid(
                "/case is a server command: use it in a channel of the server".to_owned(),
            ));
        }
        let id = world.fresh_id();
        let staff = FixtureUser::human(STAFF_ID, STAFF_NAME);
        let fixture = InteractionFixture::in_guild(id, staff, channel_id, Vec::new(), MANAGE_GUILD);
        world.remember(Interaction {
            id,
            token: fixture.token.clone(),
            channel_id,
            label: label.to_owned(),
            original: None,
        });
        Ok(fixture)
    }

    /// Uses a slash command.
    pub(crate) fn command(&self, action: &CommandAction) -> Result<(), ActionError> {
        if action.name == "case" {
            let id = action.case_id.ok_or_else(|| {
                ActionError::Invalid("/case needs a case number, e.g. /case 1001".to_owned())
            })?;
            let label = format!("{STAFF_NAME} used /case {id}");
            let fixture = self.staff_interaction_in(action.channel_id, &label)?;
            self.gateway.dispatch(
                "INTERACTION_CREATE",
                self.localized(fixture.slash_command("case", &[("id", json!(id.to_string()))])),
            );
            return Ok(());
        }
        if matches!(action.name.as_str(), "block" | "unblock") {
            // The moderator keeps the player out of support, or lets them back in: the
            // blocklist at work, without a second Discord account.
            let label = format!("{STAFF_NAME} used /{} {PLAYER_NAME}", action.name);
            let fixture = self.staff_interaction_in(action.channel_id, &label)?;
            let mut options = vec![("user", json!(PLAYER_ID.to_string()))];
            if action.name == "block" {
                options.push(("reason", json!("trying the blocklist in the sandbox")));
            }
            self.gateway.dispatch(
                "INTERACTION_CREATE",
                self.localized(fixture.slash_command(&action.name, &options)),
            );
            return Ok(());
        }
        if !matches!(action.name.as_str(), "helpme" | "bug" | "new_feature") {
            return Err(ActionError::Invalid(format!(
                "unknown command /{}",
                action.name.chars().take(32).collect::<String>()
            )));
        }
        let fixture = self.interaction_in(action.channel_id, &format!("/{}", action.name))?;
        self.gateway.dispatch(
            "INTERACTION_CREATE",
            self.localized(fixture.slash_command(&action.name, &[])),
        );
        Ok(())
    }

    /// Submits the open modal.
    pub(crate) fn submit_modal(&self, action: &ModalAction) -> Result<(), ActionError> {
        let modal = self
            .world()
            .take_modal()
            .ok_or_else(|| ActionError::NotFound("no form is open".to_owned()))?;
        let fields: Vec<(&str, &str)> = modal
            .fields
            .iter()
            .map(|f| {
                let value = action.values.get(&f.custom_id).map_or("", String::as_str);
                (f.custom_id.as_str(), value)
            })
            .collect();
        let fixture = self.interaction_in(modal.channel_id, &modal.title)?;
        self.gateway.dispatch(
            "INTERACTION_CREATE",
            self.localized(fixture.modal_submit(&modal.custom_id, &fields)),
        );
        self.touch();
        Ok(())
    }

    /// Closes the open modal without submitting.
    pub(crate) fn cancel_modal(&self) {
        self.world().take_modal();
        self.touch();
    }

    /// Clicks a button.
    pub(crate) fn click(&self, action: &ButtonAction) -> Result<(), ActionError> {
        let label = if action.label.is_empty() {
            "button"
        } else {
            action.label.as_str()
        };
        let fixture = self.interaction_in(action.channel_id, label)?;
        self.gateway.dispatch(
            "INTERACTION_CREATE",
            self.localized(fixture.button_click(&action.custom_id)),
        );
        Ok(())
    }

    /// Opens the player's DM with the bot (the bot would open the same one).
    pub(crate) fn open_dm(&self) -> u64 {
        let id = self.world().open_dm();
        self.touch();
        id
    }

    /// The player writes to the bot.
    pub(crate) fn send_dm(&self, action: &DmAction) -> Result<(), ActionError> {
        if action.text.trim().is_empty() && action.files.is_empty() {
            return Err(ActionError::Invalid("nothing to send".to_owned()));
        }
        if action.text.chars().count() > 2000 {
            return Err(ActionError::Invalid(
                "Discord messages are at most 2000 characters".to_owned(),
            ));
        }
        let mut decoded = Vec::with_capacity(action.files.len());
        for file in action.files.iter().take(10) {
            decoded.push((file, file.decode()?));
        }
        let (channel, id, message) = {
            let mut world = self.world();
            let channel = world.open_dm();
            let files = decoded
                .into_iter()
                .map(|(file, bytes)| {
                    world.store_file(StoredFile {
                        filename: file.filename.clone(),
                        content_type: file.content_type.clone(),
                        bytes,
                    })
                })
                .collect::<Vec<_>>();
            let posted = world
                .post(Message {
                    id: 0,
                    channel_id: channel,
                    author: PLAYER_NAME.to_owned(),
                    bot: false,
                    content: action.text.clone(),
                    embeds: Vec::new(),
                    components: Vec::new(),
                    attachments: files,
                    ephemeral: false,
                    thinking: false,
                    reply_to: None,
                })
                .ok_or_else(|| ActionError::NotFound("the DM".to_owned()))?;
            (channel, posted.id, posted)
        };
        let attachments: Vec<AttachmentFixture> = message
            .attachments
            .iter()
            .map(|f| AttachmentFixture {
                id: f.id,
                filename: f.filename.clone(),
                url: f.url.clone(),
                content_type: f.content_type.clone(),
                size: f.size,
            })
            .collect();
        self.gateway.dispatch(
            "MESSAGE_CREATE",
            fixtures::dm_message(id, channel, &player(), &action.text, &attachments),
        );
        self.touch();
        Ok(())
    }

    /// The agent accepts the task: joins the conversation.
    pub(crate) async fn accept(&self, action: &AgentAction) -> Result<(), ActionError> {
        self.twilio
            .agent_join(&action.conversation_sid, AGENT_IDENTITY, AGENT_NAME)
            .await?;
        Ok(())
    }

    /// The agent replies, with an optional file.
    pub(crate) async fn agent_say(&self, action: &AgentAction) -> Result<(), ActionError> {
        let mut media = Vec::new();
        if let Some(file) = &action.file {
            let bytes = file.decode()?;
            let content_type = file
                .content_type
                .clone()
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "application/octet-stream".to_owned());
            media.push(twilio_fake::Attachment::new(
                file.filename.clone(),
                content_type,
                bytes,
            ));
        }
        if action.text.trim().is_empty() && media.is_empty() {
            return Err(ActionError::Invalid("nothing to send".to_owned()));
        }
        self.twilio
            .agent_say(
                &action.conversation_sid,
                AGENT_IDENTITY,
                &action.text,
                media,
            )
            .await?;
        Ok(())
    }

    /// The agent ends the chat: Flex closes the conversation.
    pub(crate) async fn close(&self, action: &AgentAction) -> Result<(), ActionError> {
        self.twilio
            .close_conversation(&action.conversation_sid, StateChangeReason::Api)
            .await?;
        Ok(())
    }

    /// Posts an announcement through the bridge's own endpoint, with its token. Returns the
    /// bridge's verdict (`accepted`, or `duplicate` for one it already posted), so the page can
    /// say why nothing new appeared.
    pub(crate) async fn announce(&self, action: &AnnounceAction) -> Result<String, ActionError> {
        let bridge = self
            .bridge
            .get()
            .ok_or_else(|| ActionError::NotReady("the bridge is not running yet".to_owned()))?;
        let url = flexcord_http::url::Url::parse(&format!(
            "{}/announce",
            bridge.url.trim_end_matches('/')
        ))
        .map_err(|e| ActionError::NotReady(format!("bridge URL: {e}")))?;
        let request = flexcord_http::Request::post(url)
            .json(&json!({ "title": action.title, "body": action.body, "url": action.url }))
            .and_then(|r| {
                r.header(
                    flexcord_http::http::header::AUTHORIZATION,
                    &format!("Bearer {}", self.announce_token),
                )
            })
            .map_err(|e| ActionError::Bridge(e.to_string()))?;
        let response = self
            .http
            .send(request)
            .await
            .map_err(|e| ActionError::Bridge(e.detailed()))?;
        let status = serde_json::from_slice::<serde_json::Value>(response.body())
            .ok()
            .and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "accepted".to_owned());
        Ok(status)
    }
}
