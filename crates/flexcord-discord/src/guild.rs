//! The served guild: a cache of its channels (by name) and roles (id → name), and the idempotent
//! set-up behind `flexcord setup discord` (the four channels, `#announcements` read-only).

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use flexcord_core::content::GuildChannel;
use flexcord_core::ports::ChatError;
use twilight_http::Client;
use twilight_model::channel::permission_overwrite::{
    PermissionOverwrite as ChannelOverwrite, PermissionOverwriteType as ChannelOverwriteType,
};
use twilight_model::channel::{Channel, ChannelType};
use twilight_model::guild::{Permissions, Role};
use twilight_model::http::permission_overwrite::{
    PermissionOverwrite as HttpOverwrite, PermissionOverwriteType,
};
use twilight_model::id::Id;
use twilight_model::id::marker::GuildMarker;

use crate::error::DiscordError;
use crate::send::send;

/// The channels flexcord uses, in creation order.
pub const CHANNELS: [GuildChannel; 4] = [
    GuildChannel::Announcements,
    GuildChannel::BugReport,
    GuildChannel::FeatureRequest,
    GuildChannel::CustomerService,
];

/// What the bot may do in `#announcements` where `@everyone` may not.
const BOT_ANNOUNCE: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::EMBED_LINKS);

/// Channel names → ids and role ids → names for one guild, filled from GUILD_CREATE and from
/// REST on a miss. Shared by the gateway loop and the chat surface.
#[derive(Debug, Default)]
pub(crate) struct GuildCache {
    channels: RwLock<HashMap<String, u64>>,
    roles: RwLock<HashMap<u64, String>>,
}

impl GuildCache {
    pub(crate) fn set_channels<'a>(&self, channels: impl IntoIterator<Item = &'a Channel>) {
        let mut map = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.clear();
        for channel in channels {
            Self::add(&mut map, channel);
        }
    }

    pub(crate) fn upsert_channel(&self, channel: &Channel) {
        let mut map = self
            .channels
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, id| *id != channel.id.get());
        Self::add(&mut map, channel);
    }

    pub(crate) fn remove_channel(&self, channel_id: u64) {
        self.channels
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, id| *id != channel_id);
    }

    fn add(map: &mut HashMap<String, u64>, channel: &Channel) {
        if matches!(
            channel.kind,
            ChannelType::GuildText | ChannelType::GuildAnnouncement
        ) && let Some(name) = &channel.name
        {
            map.insert(name.clone(), channel.id.get());
        }
    }

    pub(crate) fn channel(&self, name: &str) -> Option<u64> {
        self.channels
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .copied()
    }

    pub(crate) fn set_roles<'a>(&self, roles: impl IntoIterator<Item = &'a Role>) {
        let mut map = self.roles.write().unwrap_or_else(PoisonError::into_inner);
        map.clear();
        map.extend(roles.into_iter().map(|r| (r.id.get(), r.name.clone())));
    }

    pub(crate) fn upsert_role(&self, role: &Role) {
        self.roles
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(role.id.get(), role.name.clone());
    }

    pub(crate) fn remove_role(&self, role_id: u64) {
        self.roles
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&role_id);
    }

    pub(crate) fn has_roles(&self) -> bool {
        !self
            .roles
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    pub(crate) fn role_names(&self) -> HashMap<u64, String> {
        self.roles
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// What [`setup_guild`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupReport {
    /// Channels created by this run.
    pub created: Vec<String>,
    /// Channels that already existed.
    pub existing: Vec<String>,
    /// Existing channels whose permissions were corrected (`#announcements` not read-only).
    pub fixed: Vec<String>,
}

/// Creates (or finds) `#announcements`, `#bug-report`, `#feature-request` and
/// `#customer-service`. `#announcements` is read-only for `@everyone` (the role whose id is the
/// guild id: SEND_MESSAGES denied) and writable for the bot. Idempotent: a second run creates
/// nothing and changes nothing.
///
/// # Errors
///
/// [`DiscordError::Api`] when listing or creating channels fails (missing Manage Channels, say),
/// or Discord still answers 429 after [`crate::send::MAX_SENDS`] sends (every request goes
/// through [`send`]).
pub async fn setup_guild(
    http: &Client,
    guild_id: u64,
    bot_user_id: u64,
) -> Result<SetupReport, DiscordError> {
    let guild: Id<GuildMarker> =
        Id::new_checked(guild_id).ok_or(DiscordError::InvalidId("guild_id"))?;
    let bot = Id::new_checked(bot_user_id).ok_or(DiscordError::InvalidId("bot_user_id"))?;
    let channels = fetch_channels(http, guild).await?;
    let overwrites = announcement_overwrites(guild.cast(), bot);
    // Creating takes the channel model's overwrite type, updating the HTTP one: same content.
    let create_overwrites = overwrites.clone().map(|o| ChannelOverwrite {
        allow: o.allow.unwrap_or_else(Permissions::empty),
        deny: o.deny.unwrap_or_else(Permissions::empty),
        id: o.id,
        kind: match o.kind {
            PermissionOverwriteType::Member => ChannelOverwriteType::Member,
            _ => ChannelOverwriteType::Role,
        },
    });
    let mut report = SetupReport::default();
    for wanted in CHANNELS {
        let name = wanted.name();
        let found = channels.iter().find(|c| {
            c.name.as_deref() == Some(name)
                && matches!(
                    c.kind,
                    ChannelType::GuildText | ChannelType::GuildAnnouncement
                )
        });
        match found {
            None => {
                let mut create = http
                    .create_guild_channel(guild, name)
                    .kind(ChannelType::GuildText);
                if wanted == GuildChannel::Announcements {
                    create = create.permission_overwrites(&create_overwrites);
                }
                send(create).await?;
                tracing::info!(channel = name, "channel created");
                report.created.push(name.to_owned());
            }
            Some(channel) => {
                report.existing.push(name.to_owned());
                if wanted == GuildChannel::Announcements && !is_read_only(channel, guild.get()) {
                    for overwrite in &overwrites {
                        send(http.update_channel_permission(channel.id, overwrite)).await?;
                    }
                    tracing::info!(channel = name, "made read-only for @everyone");
                    report.fixed.push(name.to_owned());
                }
            }
        }
    }
    Ok(report)
}

/// The guild's channels, from REST.
pub(crate) async fn fetch_channels(
    http: &Client,
    guild: Id<GuildMarker>,
) -> Result<Vec<Channel>, DiscordError> {
    let response = send(http.guild_channels(guild)).await?;
    response
        .models()
        .await
        .map_err(|e| DiscordError::Api(ChatError::Transient(e.to_string())))
}

/// The guild's roles, from REST.
pub(crate) async fn fetch_roles(
    http: &Client,
    guild: Id<GuildMarker>,
) -> Result<Vec<Role>, ChatError> {
    let response = send(http.roles(guild)).await?;
    response
        .models()
        .await
        .map_err(|e| ChatError::Transient(e.to_string()))
}

fn announcement_overwrites(
    everyone: Id<twilight_model::id::marker::GenericMarker>,
    bot: Id<twilight_model::id::marker::UserMarker>,
) -> [HttpOverwrite; 2] {
    [
        HttpOverwrite {
            allow: None,
            deny: Some(Permissions::SEND_MESSAGES),
            id: everyone,
            kind: PermissionOverwriteType::Role,
        },
        HttpOverwrite {
            allow: Some(BOT_ANNOUNCE),
            deny: None,
            id: bot.cast(),
            kind: PermissionOverwriteType::Member,
        },
    ]
}

fn is_read_only(channel: &Channel, everyone: u64) -> bool {
    channel
        .permission_overwrites
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|o| o.id.get() == everyone && o.deny.contains(Permissions::SEND_MESSAGES))
}
