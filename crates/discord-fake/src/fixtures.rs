//! JSON fixtures that twilight-model 0.18 deserializes: READY, GUILD_CREATE, MESSAGE_CREATE and
//! INTERACTION_CREATE payloads (the `d` of a dispatch), plus the REST shapes the fake REST server
//! answers with. Every required key is present (0.18 requires `attachment_size_limit` and
//! `authorizing_integration_owners` on interactions); the crate's tests parse each fixture with
//! `twilight_gateway::parse` to keep it that way.

use serde_json::{Value, json};

/// The bot's user id in fixtures (equal to the application id, as for every modern Discord app).
pub const BOT_USER_ID: u64 = 100;
/// The application id in fixtures.
pub const APPLICATION_ID: u64 = 100;
/// The guild id in fixtures.
pub const GUILD_ID: u64 = 500;
/// Discord's default per-file upload limit, sent in every interaction.
pub const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

const TIMESTAMP: &str = "2026-01-01T00:00:00.000000+00:00";

/// A Discord user in fixtures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureUser {
    /// Snowflake.
    pub id: u64,
    /// Username (also used as global name).
    pub name: String,
    /// True for bot accounts.
    pub bot: bool,
}

impl FixtureUser {
    /// A human user.
    #[must_use]
    pub fn human(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bot: false,
        }
    }

    /// A bot account.
    #[must_use]
    pub fn bot(id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_owned(),
            bot: true,
        }
    }

    /// The user object.
    #[must_use]
    pub fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(), "username": self.name, "discriminator": "0",
            "global_name": self.name, "avatar": null, "bot": self.bot,
        })
    }
}

/// READY's `d`, with `resume_gateway_url` pointing back at the fake (twilight resumes there).
#[must_use]
pub fn ready(resume_gateway_url: &str, bot_user_id: u64, application_id: u64) -> Value {
    json!({
        "v": 10,
        "user": { "id": bot_user_id.to_string(), "username": "flexcord", "discriminator": "0",
                  "avatar": null, "bot": true, "mfa_enabled": false },
        "guilds": [],
        "session_id": "fake-session-1",
        "resume_gateway_url": resume_gateway_url,
        "shard": [0, 1],
        "application": { "id": application_id.to_string(), "flags": 0 },
    })
}

/// A guild role object.
#[must_use]
pub fn role(id: u64, name: &str, permissions: u64) -> Value {
    json!({
        "id": id.to_string(), "name": name, "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false, "icon": null, "unicode_emoji": null, "position": 1,
        "permissions": permissions.to_string(), "managed": false, "mentionable": false, "flags": 0,
    })
}

/// A guild text channel object, with optional permission overwrites (Discord's JSON shape).
#[must_use]
pub fn guild_text_channel(id: u64, guild_id: u64, name: &str, overwrites: &[Value]) -> Value {
    json!({
        "id": id.to_string(), "type": 0, "guild_id": guild_id.to_string(), "name": name,
        "position": 0, "permission_overwrites": overwrites, "nsfw": false, "topic": null,
        "last_message_id": null, "rate_limit_per_user": 0, "parent_id": null,
    })
}

/// A guild in GUILD_CREATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildFixture {
    /// Snowflake.
    pub id: u64,
    /// Text channels: (id, name).
    pub channels: Vec<(u64, String)>,
    /// Roles besides @everyone: (id, name, permissions bits).
    pub roles: Vec<(u64, String, u64)>,
}

/// GUILD_CREATE's `d`: an available guild with text channels and roles (`@everyone` = guild id).
#[must_use]
pub fn guild_create(guild: &GuildFixture) -> Value {
    let mut roles = vec![role(guild.id, "@everyone", 0)];
    roles.extend(
        guild
            .roles
            .iter()
            .map(|(id, name, perms)| role(*id, name, *perms)),
    );
    let channels: Vec<Value> = guild
        .channels
        .iter()
        .map(|(id, name)| guild_text_channel(*id, guild.id, name, &[]))
        .collect();
    json!({
        "id": guild.id.to_string(), "name": "Fake Guild", "icon": null, "splash": null,
        "discovery_splash": null, "owner_id": "1", "afk_channel_id": null, "afk_timeout": 300,
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": roles, "emojis": [], "features": [], "mfa_level": 0, "application_id": null,
        "system_channel_id": null, "system_channel_flags": 0, "rules_channel_id": null,
        "joined_at": TIMESTAMP, "large": false, "unavailable": false, "member_count": 2,
        "voice_states": [], "members": [], "channels": channels, "threads": [], "presences": [],
        "max_members": 500000, "vanity_url_code": null, "description": null, "banner": null,
        "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
        "public_updates_channel_id": null, "nsfw_level": 0, "stage_instances": [], "stickers": [],
        "guild_scheduled_events": [], "premium_progress_bar_enabled": false,
    })
}

/// A file attached to a user's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentFixture {
    /// Snowflake.
    pub id: u64,
    /// File name.
    pub filename: String,
    /// CDN URL.
    pub url: String,
    /// MIME type.
    pub content_type: Option<String>,
    /// Bytes.
    pub size: u64,
}

impl AttachmentFixture {
    /// The attachment object.
    #[must_use]
    pub fn json(&self) -> Value {
        json!({
            "id": self.id.to_string(), "filename": self.filename, "url": self.url,
            "proxy_url": self.url, "size": self.size, "content_type": self.content_type,
        })
    }
}

/// A message object as REST returns it (also the base of MESSAGE_CREATE).
#[must_use]
pub fn message(id: u64, channel_id: u64, author: &FixtureUser, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel_id.to_string(), "author": author.json(),
        "content": content, "timestamp": TIMESTAMP, "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "pinned": false, "type": 0,
    })
}

/// MESSAGE_CREATE's `d` for a message in a DM channel (`channel_type` 1, no guild).
#[must_use]
pub fn dm_message(
    id: u64,
    channel_id: u64,
    author: &FixtureUser,
    content: &str,
    attachments: &[AttachmentFixture],
) -> Value {
    let mut m = message(id, channel_id, author, content);
    m["channel_type"] = json!(1);
    m["attachments"] = attachments.iter().map(AttachmentFixture::json).collect();
    m
}

/// MESSAGE_CREATE's `d` for a message in a guild text channel.
#[must_use]
pub fn guild_message(
    id: u64,
    guild_id: u64,
    channel_id: u64,
    author: &FixtureUser,
    content: &str,
) -> Value {
    let mut m = message(id, channel_id, author, content);
    m["channel_type"] = json!(0);
    m["guild_id"] = json!(guild_id.to_string());
    m["member"] = json!({ "deaf": false, "mute": false, "flags": 0, "roles": [],
                          "joined_at": TIMESTAMP });
    m
}

/// Where an interaction happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A guild text channel; the user is a member with these role ids and permission bits.
    Guild {
        /// Guild snowflake.
        guild_id: u64,
        /// Channel snowflake.
        channel_id: u64,
        /// The member's role ids.
        roles: Vec<u64>,
        /// The member's computed permissions in the channel (`member.permissions`).
        permissions: u64,
    },
    /// The bot's DM with the user.
    Dm {
        /// The DM channel snowflake.
        channel_id: u64,
    },
}

/// Who, where and which interaction: the parts every INTERACTION_CREATE shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionFixture {
    /// Interaction snowflake.
    pub id: u64,
    /// Interaction token.
    pub token: String,
    /// Who.
    pub user: FixtureUser,
    /// Where.
    pub place: Place,
}

impl InteractionFixture {
    /// An interaction in the bot's DM.
    #[must_use]
    pub fn in_dm(id: u64, user: FixtureUser, channel_id: u64) -> Self {
        Self {
            id,
            token: format!("itoken-{id}"),
            user,
            place: Place::Dm { channel_id },
        }
    }

    /// An interaction in a guild channel of [`GUILD_ID`].
    #[must_use]
    pub fn in_guild(
        id: u64,
        user: FixtureUser,
        channel_id: u64,
        roles: Vec<u64>,
        permissions: u64,
    ) -> Self {
        Self {
            id,
            token: format!("itoken-{id}"),
            user,
            place: Place::Guild {
                guild_id: GUILD_ID,
                channel_id,
                roles,
                permissions,
            },
        }
    }

    fn base(&self, kind: u8, data: Value) -> Value {
        let mut d = json!({
            "id": self.id.to_string(), "application_id": APPLICATION_ID.to_string(),
            "type": kind, "token": self.token, "version": 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "entitlements": [], "locale": "en-US",
        });
        d["data"] = data;
        match &self.place {
            Place::Guild {
                guild_id,
                channel_id,
                roles,
                permissions,
            } => {
                d["guild_id"] = json!(guild_id.to_string());
                d["context"] = json!(0);
                d["authorizing_integration_owners"] = json!({ "0": guild_id.to_string() });
                d["channel"] = json!({ "id": channel_id.to_string(), "type": 0 });
                d["channel_id"] = json!(channel_id.to_string());
                d["member"] = json!({
                    "deaf": false, "mute": false, "flags": 0, "joined_at": TIMESTAMP,
                    "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
                    "permissions": permissions.to_string(), "user": self.user.json(),
                });
            }
            Place::Dm { channel_id } => {
                d["context"] = json!(1);
                d["authorizing_integration_owners"] = json!({ "0": GUILD_ID.to_string() });
                d["channel"] = json!({ "id": channel_id.to_string(), "type": 1 });
                d["channel_id"] = json!(channel_id.to_string());
                d["user"] = self.user.json();
            }
        }
        d
    }

    /// INTERACTION_CREATE's `d` for a slash command with top-level options
    /// (strings become type 3, integers 4, booleans 5, other numbers 10).
    #[must_use]
    pub fn slash_command(&self, name: &str, options: &[(&str, Value)]) -> Value {
        let options: Vec<Value> = options
            .iter()
            .map(|(name, value)| {
                let kind = match value {
                    Value::String(_) => 3,
                    Value::Bool(_) => 5,
                    Value::Number(n) if n.is_i64() || n.is_u64() => 4,
                    _ => 10,
                };
                json!({ "name": name, "type": kind, "value": value })
            })
            .collect();
        self.base(
            2,
            json!({ "id": "6001", "name": name, "type": 1, "options": options }),
        )
    }

    /// INTERACTION_CREATE's `d` for a submitted modal: each field is a Label (type 18)
    /// wrapping a TextInput (type 4) with `custom_id` and `value`.
    #[must_use]
    pub fn modal_submit(&self, custom_id: &str, fields: &[(&str, &str)]) -> Value {
        let components: Vec<Value> = fields
            .iter()
            .zip(1_i32..)
            .map(|((field, value), n)| {
                json!({ "type": 18, "id": n * 2 - 1,
                        "component": { "type": 4, "id": n * 2, "custom_id": field, "value": value } })
            })
            .collect();
        self.base(
            5,
            json!({ "custom_id": custom_id, "components": components }),
        )
    }

    /// INTERACTION_CREATE's `d` for a button click (message component type 2).
    #[must_use]
    pub fn button_click(&self, custom_id: &str) -> Value {
        self.base(3, json!({ "custom_id": custom_id, "component_type": 2 }))
    }
}
