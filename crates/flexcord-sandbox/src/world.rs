//! The emulated Discord's state: one guild's channels, the player's DM, every channel's messages,
//! open interactions (by token), the modal waiting for the player, and uploaded files.
//!
//! Pure data with small, total operations: the REST handlers and the page's actions both go
//! through here, and nothing in here does I/O.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};

/// The guild the sandbox serves (matches `DISCORD_GUILD_ID`).
pub const GUILD_ID: u64 = discord_fake::fixtures::GUILD_ID;
/// The application and bot user id (matches `DISCORD_APPLICATION_ID`).
pub const APPLICATION_ID: u64 = discord_fake::fixtures::APPLICATION_ID;
/// The player the page plays.
pub const PLAYER_ID: u64 = 4242;
/// The player's name.
pub const PLAYER_NAME: &str = "Sam";
/// The player's Discord client language until the page picks another.
pub const DEFAULT_LOCALE: &str = "en-US";
/// The server's moderator, who may use the staff-only `/case`: the page runs `/case` as them.
pub const STAFF_ID: u64 = 4343;
/// The moderator's name.
pub const STAFF_NAME: &str = "Kai (staff)";
/// Discord's Manage Server permission bit: flexcord treats its holders as staff.
pub const MANAGE_GUILD: u64 = 1 << 5;
/// The guild's text channels, in display order (`flexcord setup discord` creates the same).
pub const GUILD_CHANNELS: [&str; 4] = [
    "announcements",
    "bug-report",
    "feature-request",
    "customer-service",
];
/// How many messages a channel keeps (older ones are dropped from the page).
const MAX_MESSAGES_PER_CHANNEL: usize = 500;
/// How many interactions are remembered (tokens live 15 minutes on Discord; here, by count).
const MAX_INTERACTIONS: usize = 1000;

/// A channel as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Channel {
    /// Snowflake.
    pub id: u64,
    /// `announcements`, … or `flexcord` for the DM.
    pub name: String,
    /// True for the player's DM with the bot.
    pub dm: bool,
}

/// A file attached to a message, served by the sandbox at `url`.
#[derive(Debug, Clone, Serialize)]
pub struct FileRef {
    /// Snowflake (also the key in the file store).
    pub id: u64,
    /// File name.
    pub filename: String,
    /// MIME type, when known.
    pub content_type: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Where the page and the bridge fetch it.
    pub url: String,
}

/// A message as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Snowflake.
    pub id: u64,
    /// Channel snowflake.
    pub channel_id: u64,
    /// Author display name.
    pub author: String,
    /// True when the bot wrote it.
    pub bot: bool,
    /// Text.
    pub content: String,
    /// Embeds as the bot sent them (Discord JSON).
    pub embeds: Vec<Value>,
    /// Component rows as the bot sent them (Discord JSON).
    pub components: Vec<Value>,
    /// Files.
    pub attachments: Vec<FileRef>,
    /// "Only you can see this".
    pub ephemeral: bool,
    /// A deferred response still "thinking".
    pub thinking: bool,
    /// The command or form this answers (`/helpme`), shown above the message.
    pub reply_to: Option<String>,
}

/// A modal the bot opened, waiting for the player.
#[derive(Debug, Clone, Serialize)]
pub struct Modal {
    /// Increases with every modal (the page re-renders only on change).
    pub seq: u64,
    /// The modal's `custom_id`.
    pub custom_id: String,
    /// Title.
    pub title: String,
    /// Text inputs, flattened out of labels and rows.
    pub fields: Vec<ModalField>,
    /// Where the command was used.
    pub channel_id: u64,
}

/// One text input of a modal.
#[derive(Debug, Clone, Serialize)]
pub struct ModalField {
    /// `custom_id` sent back on submit.
    pub custom_id: String,
    /// Label.
    pub label: String,
    /// `1` short, `2` paragraph.
    pub style: u64,
    /// Required.
    pub required: bool,
}

/// An interaction the sandbox dispatched, remembered so its callbacks and webhooks land in the
/// right channel.
#[derive(Debug, Clone)]
pub struct Interaction {
    /// Snowflake.
    pub id: u64,
    /// Token.
    pub token: String,
    /// Channel it happened in.
    pub channel_id: u64,
    /// What the page shows above the answer (`Sam used /helpme`).
    pub label: String,
    /// The message created by the initial response (type 4 or 5), edited by `@original`.
    pub original: Option<u64>,
}

/// A stored file.
#[derive(Debug, Clone)]
pub struct StoredFile {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: Option<String>,
    /// Content.
    pub bytes: Vec<u8>,
}

/// What a bot message carries, read from a REST body.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Text.
    pub content: String,
    /// Embeds.
    pub embeds: Vec<Value>,
    /// Component rows.
    pub components: Vec<Value>,
    /// Ephemeral flag (64).
    pub ephemeral: bool,
}

impl Draft {
    /// Reads `content`, `embeds`, `components` and `flags` from a message body; anything
    /// missing or of the wrong type is empty.
    #[must_use]
    pub fn from_json(body: &Value) -> Self {
        let list = |key: &str| body[key].as_array().cloned().unwrap_or_default();
        Self {
            content: body["content"].as_str().unwrap_or_default().to_owned(),
            embeds: list("embeds"),
            components: list("components"),
            ephemeral: body["flags"].as_u64().is_some_and(|f| f & 64 != 0),
        }
    }
}

/// The whole emulated Discord.
#[derive(Debug)]
pub struct World {
    next_id: u64,
    channels: Vec<Channel>,
    messages: HashMap<u64, Vec<Message>>,
    interactions: Vec<Interaction>,
    files: HashMap<u64, StoredFile>,
    modal: Option<Modal>,
    modal_seq: u64,
    dm_channel: Option<u64>,
    /// The base URL files are served from (`http://127.0.0.1:PORT`).
    file_base: String,
    /// Slash commands the bot registered (echoed back to it).
    pub commands: Value,
    /// The language of the player's Discord client, sent as every interaction's `locale`
    /// (the page's language picker).
    pub player_locale: String,
}

impl World {
    /// A guild with [`GUILD_CHANNELS`]; files are served under `file_base`.
    #[must_use]
    pub fn new(file_base: &str) -> Self {
        let mut world = Self {
            // Far from the fixed ids above, and below 2^53 so the page's JavaScript numbers
            // hold them exactly.
            next_id: 10_000_000,
            channels: Vec::new(),
            messages: HashMap::new(),
            interactions: Vec::new(),
            files: HashMap::new(),
            modal: None,
            modal_seq: 0,
            dm_channel: None,
            file_base: file_base.trim_end_matches('/').to_owned(),
            commands: json!([]),
            player_locale: DEFAULT_LOCALE.to_owned(),
        };
        for name in GUILD_CHANNELS {
            let id = world.fresh_id();
            world.channels.push(Channel {
                id,
                name: name.to_owned(),
                dm: false,
            });
        }
        world
    }

    /// A new snowflake.
    pub fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Every channel, guild channels first, then the DM when open.
    #[must_use]
    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The guild channels (for GUILD_CREATE and `GET /guilds/{id}/channels`).
    pub fn guild_channels(&self) -> impl Iterator<Item = &Channel> {
        self.channels.iter().filter(|c| !c.dm)
    }

    /// The channel with this id.
    #[must_use]
    pub fn channel(&self, id: u64) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The player's DM with the bot, opened on first use (by the bot or the player).
    pub fn open_dm(&mut self) -> u64 {
        if let Some(id) = self.dm_channel {
            return id;
        }
        let id = self.fresh_id();
        self.channels.push(Channel {
            id,
            name: "flexcord".to_owned(),
            dm: true,
        });
        self.dm_channel = Some(id);
        id
    }

    /// The DM channel, if open.
    #[must_use]
    pub fn dm_channel(&self) -> Option<u64> {
        self.dm_channel
    }

    /// Stores a file; returns what a message refers to.
    pub fn store_file(&mut self, file: StoredFile) -> FileRef {
        let id = self.fresh_id();
        let reference = FileRef {
            id,
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.bytes.len() as u64,
            url: format!(
                "{}/files/{id}/{}",
                self.file_base,
                url_safe_name(&file.filename)
            ),
        };
        self.files.insert(id, file);
        reference
    }

    /// A stored file.
    #[must_use]
    pub fn file(&self, id: u64) -> Option<&StoredFile> {
        self.files.get(&id)
    }

    /// Adds a message to a known channel; returns it, or `None` for an unknown channel.
    pub fn post(&mut self, mut message: Message) -> Option<Message> {
        self.channel(message.channel_id)?;
        message.id = self.fresh_id();
        let list = self.messages.entry(message.channel_id).or_default();
        list.push(message.clone());
        if list.len() > MAX_MESSAGES_PER_CHANNEL {
            list.remove(0);
        }
        Some(message)
    }

    /// A bot message built from a draft.
    #[must_use]
    pub fn bot_message(channel_id: u64, draft: Draft, files: Vec<FileRef>) -> Message {
        Message {
            id: 0,
            channel_id,
            author: "flexcord".to_owned(),
            bot: true,
            content: draft.content,
            embeds: draft.embeds,
            components: draft.components,
            attachments: files,
            ephemeral: draft.ephemeral,
            thinking: false,
            reply_to: None,
        }
    }

    /// Replaces a message's content, embeds and components (an `@original` edit).
    pub fn edit(&mut self, channel_id: u64, id: u64, draft: Draft) -> Option<Message> {
        let message = self
            .messages
            .get_mut(&channel_id)?
            .iter_mut()
            .find(|m| m.id == id)?;
        message.content = draft.content;
        message.embeds = draft.embeds;
        message.components = draft.components;
        message.thinking = false;
        Some(message.clone())
    }

    /// The messages of a channel, oldest first.
    #[must_use]
    pub fn messages(&self, channel_id: u64) -> &[Message] {
        self.messages.get(&channel_id).map_or(&[], Vec::as_slice)
    }

    /// Remembers a dispatched interaction.
    pub fn remember(&mut self, interaction: Interaction) {
        if self.interactions.len() >= MAX_INTERACTIONS {
            self.interactions.remove(0);
        }
        self.interactions.push(interaction);
    }

    /// The interaction with this token.
    pub fn interaction_mut(&mut self, token: &str) -> Option<&mut Interaction> {
        self.interactions.iter_mut().find(|i| i.token == token)
    }

    /// The interaction with this id and token (the callback URL carries both).
    #[must_use]
    pub fn interaction(&self, id: u64, token: &str) -> Option<&Interaction> {
        self.interactions
            .iter()
            .find(|i| i.id == id && i.token == token)
    }

    /// Opens a modal (an interaction answered with type 9).
    pub fn open_modal(&mut self, channel_id: u64, data: &Value) {
        self.modal_seq += 1;
        let mut fields = Vec::new();
        collect_inputs(&data["components"], &mut fields, None);
        self.modal = Some(Modal {
            seq: self.modal_seq,
            custom_id: data["custom_id"].as_str().unwrap_or_default().to_owned(),
            title: data["title"].as_str().unwrap_or("Form").to_owned(),
            fields,
            channel_id,
        });
    }

    /// The open modal, if any.
    #[must_use]
    pub fn modal(&self) -> Option<&Modal> {
        self.modal.as_ref()
    }

    /// Closes the modal (submitted or cancelled); returns it.
    pub fn take_modal(&mut self) -> Option<Modal> {
        self.modal.take()
    }
}

/// Flattens text inputs out of labels (type 18) and action rows (type 1).
fn collect_inputs(components: &Value, out: &mut Vec<ModalField>, label: Option<&str>) {
    let Some(list) = components.as_array() else {
        return;
    };
    for c in list {
        match c["type"].as_u64() {
            Some(4) => out.push(ModalField {
                custom_id: c["custom_id"].as_str().unwrap_or_default().to_owned(),
                label: label
                    .or_else(|| c["label"].as_str())
                    .unwrap_or_default()
                    .to_owned(),
                style: c["style"].as_u64().unwrap_or(1),
                required: c["required"].as_bool().unwrap_or(true),
            }),
            Some(18) => {
                let inner = Value::Array(vec![c["component"].clone()]);
                collect_inputs(&inner, out, c["label"].as_str());
            }
            Some(1) => collect_inputs(&c["components"], out, None),
            _ => {}
        }
    }
}

/// A file name safe to put in a URL path: letters, digits, `.`, `-`, `_`; others become `_`.
fn url_safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_only_to_known_channels_and_edits_originals() {
        let mut world = World::new("http://127.0.0.1:1/");
        assert!(
            world
                .post(World::bot_message(42, Draft::default(), vec![]))
                .is_none()
        );
        let dm = world.open_dm();
        assert_eq!(world.open_dm(), dm, "one DM per player");
        let posted = world.post(World::bot_message(
            dm,
            Draft {
                content: "thinking".into(),
                ..Draft::default()
            },
            vec![],
        ));
        let id = posted.map_or(0, |m| m.id);
        let edited = world.edit(
            dm,
            id,
            Draft {
                content: "done".into(),
                ..Draft::default()
            },
        );
        assert_eq!(edited.map(|m| m.content), Some("done".to_owned()));
        assert_eq!(world.messages(dm).len(), 1);
    }

    #[test]
    fn modal_fields_come_out_of_labels_and_rows() {
        let mut world = World::new("http://x");
        world.open_modal(
            7,
            &json!({ "custom_id": "fc:form:bug", "title": "Report a bug", "components": [
                { "type": 18, "label": "Title", "component": { "type": 4, "custom_id": "title", "style": 1, "required": true } },
                { "type": 1, "components": [ { "type": 4, "custom_id": "steps", "label": "Steps", "style": 2, "required": false } ] },
                { "type": 99 }
            ]}),
        );
        let modal = world.take_modal();
        let fields: Vec<(String, String)> = modal
            .map(|m| {
                m.fields
                    .into_iter()
                    .map(|f| (f.custom_id, f.label))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            fields,
            vec![
                ("title".to_owned(), "Title".to_owned()),
                ("steps".to_owned(), "Steps".to_owned())
            ]
        );
        assert!(world.modal().is_none());
    }

    #[test]
    fn file_urls_are_path_safe() {
        let mut world = World::new("http://h:1");
        let f = world.store_file(StoredFile {
            filename: "../../etc/pass wd?.png".into(),
            content_type: None,
            bytes: vec![1, 2],
        });
        assert!(f.url.ends_with("/.._.._etc_pass_wd_.png"), "{}", f.url);
        assert_eq!(f.size, 2);
    }
}
