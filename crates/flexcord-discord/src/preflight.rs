//! What `flexcord check` asks Discord, read only: is the token valid, does it belong to the
//! configured application, is the bot in the guild with the permissions flexcord needs, do the
//! four channels exist, and are the registered slash commands this version's.
//!
//! Each answer is a [`Finding`] naming what was tried (the host, the guild, the channel), what
//! was found and what to do about it; the binary prints them. Nothing here changes anything.
//! A step that cannot run because an earlier one failed (no guild without a valid token) is
//! left out rather than reported as a second failure.

use std::future::IntoFuture;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use twilight_http::Client;
use twilight_http::error::ErrorType;
use twilight_http::response::Response;
use twilight_model::guild::Permissions;
use twilight_model::id::Id;

use crate::commands::definitions;
use crate::config::DiscordConfig;
use crate::guild::CHANNELS;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// As it should be.
    Ok,
    /// Works, but not as intended (it will be fixed at start-up, or it costs a feature).
    Warn,
    /// flexcord will not work until this is fixed.
    Fail,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What was checked (`discord token`, `discord guild`, …).
    pub name: String,
    /// How it went.
    pub level: Level,
    /// What was tried and found (for a failure: the cause).
    pub detail: String,
    /// What to do (for a warning or a failure).
    pub fix: Option<String>,
}

impl Finding {
    fn ok(name: &str, detail: String) -> Self {
        Self {
            name: name.to_owned(),
            level: Level::Ok,
            detail,
            fix: None,
        }
    }

    fn bad(name: &str, level: Level, detail: String, fix: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            level,
            detail,
            fix: Some(fix.into()),
        }
    }
}

/// The guild permissions flexcord needs, and why: the channel set-up, report cards,
/// announcements, agents' files.
pub const REQUIRED_PERMISSIONS: &[(Permissions, &str)] = &[
    (Permissions::VIEW_CHANNEL, "View Channels"),
    (Permissions::SEND_MESSAGES, "Send Messages"),
    (Permissions::EMBED_LINKS, "Embed Links"),
    (Permissions::ATTACH_FILES, "Attach Files"),
    (Permissions::MANAGE_CHANNELS, "Manage Channels"),
    (Permissions::MANAGE_ROLES, "Manage Roles"),
];

/// Each request's own limit: a check must finish even when Discord (or whatever answers in its
/// place) holds the connection open or keeps answering 429.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Asks Discord everything `flexcord check` wants to know, in order.
pub async fn preflight(http: &Client, config: &DiscordConfig) -> Vec<Finding> {
    let host = config.api_proxy.as_deref().unwrap_or("discord.com");
    let mut findings = Vec::new();

    let me: Me = match fetch(http.current_user()).await {
        Ok(me) => me,
        Err(error) => {
            findings.push(token_failure(host, &error));
            return findings;
        }
    };
    findings.push(Finding::ok(
        "discord token",
        format!(
            "{host} accepted it: logged in as {} ({})",
            me.username, me.id
        ),
    ));

    match fetch::<Application, _, _>(http.current_user_application()).await {
        Ok(app) if app.id == config.application_id.to_string() => findings.push(Finding::ok(
            "discord application",
            format!("the token belongs to application {}", app.id),
        )),
        Ok(app) => findings.push(Finding::bad(
            "discord application",
            Level::Fail,
            format!(
                "the token belongs to application {}, but DISCORD_APPLICATION_ID is {}",
                app.id, config.application_id
            ),
            format!(
                "set DISCORD_APPLICATION_ID={} (or use the token of application {})",
                app.id, config.application_id
            ),
        )),
        Err(error) => findings.push(Finding::bad(
            "discord application",
            Level::Fail,
            format!("GET /applications/@me on {host}: {}", error.text),
            "check DISCORD_TOKEN is a bot token",
        )),
    }

    let Some(guild) = Id::new_checked(config.guild_id) else {
        findings.push(Finding::bad(
            "discord guild",
            Level::Fail,
            "DISCORD_GUILD_ID is 0".to_owned(),
            "set DISCORD_GUILD_ID to the server's id",
        ));
        return findings;
    };
    let invite = invite_url(config.application_id);
    let Some(bot) = me.id.parse().ok().and_then(Id::new_checked) else {
        findings.push(Finding::bad(
            "discord guild",
            Level::Fail,
            format!(
                "{host} answered GET /users/@me with the user id {:?}",
                me.id
            ),
            "check DISCORD_API_PROXY points at Discord",
        ));
        return findings;
    };
    let member = match fetch::<Member, _, _>(http.guild_member(guild, bot)).await {
        Ok(member) => member,
        Err(error) => {
            let detail = match error.status {
                Some(403 | 404) => format!(
                    "the bot {} is not a member of guild {} ({} answered {})",
                    me.username,
                    config.guild_id,
                    host,
                    error.status.unwrap_or_default()
                ),
                _ => format!(
                    "cannot read the bot's membership of guild {} on {host}: {}",
                    config.guild_id, error.text
                ),
            };
            findings.push(Finding::bad(
                "discord guild",
                Level::Fail,
                detail,
                format!("check DISCORD_GUILD_ID, or invite the bot: {invite}"),
            ));
            return findings;
        }
    };
    findings.push(Finding::ok(
        "discord guild",
        format!("the bot is a member of guild {}", config.guild_id),
    ));

    match fetch::<Vec<Role>, _, _>(http.roles(guild)).await {
        Ok(roles) => {
            let everyone = guild.to_string();
            let granted = roles
                .iter()
                .filter(|r| r.id == everyone || member.roles.contains(&r.id))
                .map(|r| r.permissions.parse::<u64>().unwrap_or(0))
                .fold(Permissions::empty(), |all, bits| {
                    all | Permissions::from_bits_truncate(bits)
                });
            findings.push(permissions_finding(granted, config.guild_id, &invite));
        }
        Err(error) => findings.push(Finding::bad(
            "discord permissions",
            Level::Fail,
            format!(
                "cannot read the roles of guild {} on {host}: {}",
                config.guild_id, error.text
            ),
            "give the bot View Channels in the guild",
        )),
    }

    match fetch::<Vec<NamedChannel>, _, _>(http.guild_channels(guild)).await {
        Ok(channels) => {
            let missing: Vec<&str> = CHANNELS
                .iter()
                .map(|c| c.name())
                .filter(|name| !channels.iter().any(|c| c.name.as_deref() == Some(*name)))
                .collect();
            if missing.is_empty() {
                findings.push(Finding::ok(
                    "discord channels",
                    format!(
                        "#{} exist in guild {}",
                        CHANNELS.map(|c| c.name()).join(", #"),
                        config.guild_id
                    ),
                ));
            } else {
                findings.push(Finding::bad(
                    "discord channels",
                    Level::Fail,
                    format!(
                        "guild {} has no #{}",
                        config.guild_id,
                        missing.join(", no #")
                    ),
                    "run `flexcord setup discord` (it creates them)",
                ));
            }
        }
        Err(error) => findings.push(Finding::bad(
            "discord channels",
            Level::Fail,
            format!(
                "cannot list the channels of guild {} on {host}: {}",
                config.guild_id, error.text
            ),
            "give the bot View Channels in the guild",
        )),
    }

    let Some(application) = Id::new_checked(config.application_id) else {
        return findings;
    };
    match fetch::<Vec<RegisteredCommand>, _, _>(http.interaction(application).global_commands())
        .await
    {
        Ok(registered) => findings.push(commands_finding(&registered)),
        Err(error) => findings.push(Finding::bad(
            "discord commands",
            Level::Fail,
            format!(
                "cannot list the slash commands of application {} on {host}: {}",
                config.application_id, error.text
            ),
            "check DISCORD_APPLICATION_ID",
        )),
    }
    findings
}

/// The first request's failure: no token, a refused one, or no Discord at all.
fn token_failure(host: &str, error: &Failure) -> Finding {
    match error.status {
        Some(401) => Finding::bad(
            "discord token",
            Level::Fail,
            format!("{host} refused the token (401 Unauthorized)"),
            "set DISCORD_TOKEN to the bot's token (Developer Portal → your application → Bot → Reset Token)",
        ),
        Some(status) => Finding::bad(
            "discord token",
            Level::Fail,
            format!("GET /users/@me on {host} answered {status}: {}", error.text),
            "try again later; if it persists, check DISCORD_API_PROXY",
        ),
        None => Finding::bad(
            "discord token",
            Level::Fail,
            format!("cannot reach {host}: {}", error.text),
            if host == "discord.com" {
                "check this machine's network and DNS (and any HTTPS proxy) towards discord.com"
            } else {
                "check DISCORD_API_PROXY: nothing usable answers there"
            },
        ),
    }
}

/// Whether `granted` (the bot's guild permissions) covers [`REQUIRED_PERMISSIONS`].
#[must_use]
pub fn permissions_finding(granted: Permissions, guild_id: u64, invite: &str) -> Finding {
    if granted.contains(Permissions::ADMINISTRATOR) {
        return Finding::ok(
            "discord permissions",
            format!("the bot is an administrator of guild {guild_id}"),
        );
    }
    let missing: Vec<&str> = REQUIRED_PERMISSIONS
        .iter()
        .filter(|(p, _)| !granted.contains(*p))
        .map(|(_, name)| *name)
        .collect();
    if missing.is_empty() {
        Finding::ok(
            "discord permissions",
            format!("the bot has everything flexcord needs in guild {guild_id}"),
        )
    } else {
        Finding::bad(
            "discord permissions",
            Level::Fail,
            format!(
                "the bot's roles in guild {guild_id} lack {}",
                missing.join(", ")
            ),
            format!(
                "give the bot's role {} in Server Settings → Roles, or invite it again: {invite}",
                missing.join(", ")
            ),
        )
    }
}

/// Whether the registered global commands are the ones this version registers.
#[must_use]
pub fn commands_finding(registered: &[RegisteredCommand]) -> Finding {
    // The English texts: descriptions are compared as registered (localizations are not).
    let wanted = definitions(&flexcord_core::locale::Locales::default());
    let mut problems = Vec::new();
    for command in &wanted {
        match registered.iter().find(|r| r.name == command.name) {
            None => problems.push(format!("/{} is not registered", command.name)),
            Some(found)
                if found.description != command.description
                    || found.option_names() != wanted_options(command) =>
            {
                problems.push(format!("/{} differs from this version's", command.name));
            }
            Some(_) => {}
        }
    }
    for extra in registered
        .iter()
        .filter(|r| !wanted.iter().any(|w| w.name == r.name))
    {
        problems.push(format!("/{} is registered but not flexcord's", extra.name));
    }
    if problems.is_empty() {
        Finding::ok(
            "discord commands",
            format!(
                "/{} registered as this version defines them",
                wanted
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", /")
            ),
        )
    } else {
        // `flexcord run` registers them at start-up, so this fixes itself; until then players
        // see the old commands.
        Finding::bad(
            "discord commands",
            Level::Warn,
            format!("stale slash commands: {}", problems.join("; ")),
            "run `flexcord setup discord` (`flexcord run` also registers them at start-up)",
        )
    }
}

fn wanted_options(command: &twilight_model::application::command::Command) -> Vec<(String, bool)> {
    command
        .options
        .iter()
        .map(|o| (o.name.clone(), o.required.unwrap_or(false)))
        .collect()
}

/// What the checks read of Discord's answers: only the fields used, so a field Discord adds or
/// drops cannot fail a check that does not look at it.
#[derive(Debug, Deserialize)]
struct Me {
    id: String,
    username: String,
}

#[derive(Debug, Deserialize)]
struct Application {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Member {
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Role {
    id: String,
    /// A decimal string (Discord's permission bit sets exceed 53 bits).
    permissions: String,
}

#[derive(Debug, Deserialize)]
struct NamedChannel {
    #[serde(default)]
    name: Option<String>,
}

/// A global slash command as Discord lists it (`GET /applications/{id}/commands`).
#[derive(Debug, Clone, Deserialize)]
pub struct RegisteredCommand {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Its options.
    #[serde(default)]
    pub options: Vec<RegisteredOption>,
}

/// An option of a [`RegisteredCommand`].
#[derive(Debug, Clone, Deserialize)]
pub struct RegisteredOption {
    /// Its name.
    pub name: String,
    /// Whether it must be given.
    #[serde(default)]
    pub required: Option<bool>,
}

impl RegisteredCommand {
    fn option_names(&self) -> Vec<(String, bool)> {
        self.options
            .iter()
            .map(|o| (o.name.clone(), o.required.unwrap_or(false)))
            .collect()
    }
}

/// The OAuth2 link that adds the bot to a server with the permissions flexcord needs.
#[must_use]
pub fn invite_url(application_id: u64) -> String {
    let permissions = REQUIRED_PERMISSIONS
        .iter()
        .fold(Permissions::empty(), |all, (p, _)| all | *p);
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot%20applications.commands&permissions={}",
        permissions.bits()
    )
}

/// Why a request failed: Discord's status when it answered, and the cause in words.
#[derive(Debug)]
struct Failure {
    status: Option<u16>,
    text: String,
}

/// Sends one request (bounded by [`REQUEST_TIMEOUT`]) and decodes its body as `T` (read as
/// bytes, so one helper serves single models and lists alike).
async fn fetch<T, M, R>(request: R) -> Result<T, Failure>
where
    T: DeserializeOwned,
    R: IntoFuture<Output = Result<Response<M>, twilight_http::Error>>,
{
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, request.into_future()).await {
        Err(_) => {
            return Err(Failure {
                status: None,
                text: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            });
        }
        Ok(Err(error)) => return Err(failure(&error)),
        Ok(Ok(response)) => response,
    };
    let bytes = response.bytes().await.map_err(|e| Failure {
        status: None,
        text: cause_chain(&e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Failure {
        status: None,
        text: format!("the answer is not what Discord sends: {e}"),
    })
}

fn failure(error: &twilight_http::Error) -> Failure {
    let status = match error.kind() {
        ErrorType::Response { status, .. } => Some(status.get()),
        _ => None,
    };
    Failure {
        status,
        text: cause_chain(error),
    }
}

/// The error and its causes, each once (twilight and hyper often repeat their source's text).
fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}
