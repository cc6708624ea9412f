//! Configuration: an optional TOML file overridden by the environment variables of DESIGN.md §4,
//! validated in one place with one message that lists everything missing or wrong.
//!
//! The environment wins over the file. Variable names are a fixed contract.

mod file;
mod secret;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use flexcord_core::config::{RouterConfig, RoutingMode};

pub use file::FileConfig;
pub use secret::Secret;

/// Everything flexcord can be configured with, after file + environment are merged.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Discord bot.
    pub discord: DiscordSettings,
    /// Twilio account and Flex targets.
    pub twilio: TwilioSettings,
    /// How Twilio reaches this server (webhook URLs and signature checks use it).
    pub public_url: Option<String>,
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// `sqlite://…` or `postgres://…` (its password is redacted in `Debug`).
    pub database_url: DatabaseUrl,
    /// Markdown articles for the embedded FAQ bot.
    pub kb_dir: PathBuf,
    /// Announcements: endpoint token and feeds.
    pub announce: AnnounceSettings,
    /// External virtual agent (unset = embedded FAQ bot).
    pub seachat: Option<RemoteService>,
    /// External case system (unset = embedded cases).
    pub cases: Option<RemoteService>,
    /// Routing mode, keywords, templates.
    pub router: RouterConfig,
}

/// Discord credentials and endpoints.
#[derive(Debug, Clone, Default)]
pub struct DiscordSettings {
    /// `DISCORD_TOKEN`.
    pub token: Option<Secret>,
    /// `DISCORD_APPLICATION_ID`.
    pub application_id: Option<u64>,
    /// `DISCORD_GUILD_ID`.
    pub guild_id: Option<u64>,
    /// `DISCORD_GATEWAY_URL`.
    pub gateway_url: Option<String>,
    /// `DISCORD_API_PROXY` (`host:port`, plain HTTP).
    pub api_proxy: Option<String>,
    /// `FLEXCORD_STAFF_ROLE`.
    pub staff_role: Option<String>,
}

/// Twilio credentials and Flex resources.
#[derive(Debug, Clone, Default)]
pub struct TwilioSettings {
    /// `TWILIO_ACCOUNT_SID`.
    pub account_sid: Option<String>,
    /// `TWILIO_AUTH_TOKEN`: REST auth and the webhook signature key.
    pub auth_token: Option<Secret>,
    /// `TWILIO_API_BASE_URL`: replaces every Twilio host.
    pub api_base_url: Option<String>,
    /// `TWILIO_CHAT_SERVICE_SID`.
    pub chat_service_sid: Option<String>,
    /// `TWILIO_WORKSPACE_SID`.
    pub workspace_sid: Option<String>,
    /// `TWILIO_WORKFLOW_SID`.
    pub workflow_sid: Option<String>,
    /// `TWILIO_STUDIO_FLOW_SID`.
    pub studio_flow_sid: Option<String>,
}

/// `POST /announce` and feeds.
#[derive(Debug, Clone)]
pub struct AnnounceSettings {
    /// `FLEXCORD_ANNOUNCE_TOKEN`; unset = endpoint off.
    pub token: Option<Secret>,
    /// `FLEXCORD_ANNOUNCE_FEEDS`.
    pub feeds: Vec<String>,
    /// `FLEXCORD_ANNOUNCE_POLL_SECS`.
    pub poll_every: Duration,
    /// `FLEXCORD_ANNOUNCE_BACKLOG`.
    pub backlog: usize,
}

/// A remote HTTP service with an API key.
#[derive(Debug, Clone)]
pub struct RemoteService {
    /// Base URL.
    pub url: String,
    /// API key.
    pub api_key: Option<Secret>,
}

/// A database URL; `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact_url(&self.0))
    }
}

/// What a command needs from the configuration; validation checks only that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// `flexcord run`: everything.
    Run,
    /// `flexcord setup discord`: Discord credentials.
    Discord,
    /// `flexcord setup twilio`: Twilio credentials (+ public URL for the flow).
    Twilio,
    /// `cases`, `kb index`: only local things.
    Local,
}

/// Configuration that cannot be used, with every problem listed.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// One line per problem.
    pub problems: Vec<String>,
}

/// Reads variables; the real environment in production, a map in tests.
pub trait Env {
    /// The variable's value, if set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    #[allow(clippy::disallowed_methods)] // The one place flexcord reads its environment.
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

impl Settings {
    /// Merges `file` (may be empty) with the environment and validates for `needs`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] listing every missing or malformed setting.
    pub fn load(file: FileConfig, env: &dyn Env, needs: Needs) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let settings = merge(file, env, &mut problems);
        settings.validate(needs, &mut problems);
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError { problems })
        }
    }

    fn validate(&self, needs: Needs, problems: &mut Vec<String>) {
        let need_discord = matches!(needs, Needs::Run | Needs::Discord);
        let need_twilio = matches!(needs, Needs::Run | Needs::Twilio);
        if need_discord {
            if self.discord.token.is_none() {
                problems.push("DISCORD_TOKEN is required".into());
            }
            if self.discord.application_id.is_none() {
                problems.push("DISCORD_APPLICATION_ID is required".into());
            }
            if self.discord.guild_id.is_none() {
                problems.push("DISCORD_GUILD_ID is required".into());
            }
        }
        if need_twilio {
            if self.twilio.account_sid.is_none() {
                problems.push("TWILIO_ACCOUNT_SID is required".into());
            }
            if self.twilio.auth_token.is_none() {
                problems.push("TWILIO_AUTH_TOKEN is required".into());
            }
        }
        if needs == Needs::Run {
            if self.public_url.is_none() {
                problems.push(
                    "FLEXCORD_PUBLIC_URL is required (how Twilio reaches this server)".into(),
                );
            }
            match self.router.routing {
                RoutingMode::Bridge => {
                    if self.twilio.workspace_sid.is_none() {
                        problems.push("TWILIO_WORKSPACE_SID is required in bridge mode".into());
                    }
                    if self.twilio.workflow_sid.is_none() {
                        problems.push("TWILIO_WORKFLOW_SID is required in bridge mode".into());
                    }
                }
                RoutingMode::Studio => {
                    if self.twilio.studio_flow_sid.is_none() {
                        problems.push("TWILIO_STUDIO_FLOW_SID is required in studio mode".into());
                    }
                }
            }
        }
    }
}

fn merge(file: FileConfig, env: &dyn Env, problems: &mut Vec<String>) -> Settings {
    let pick = |name: &str, from_file: Option<String>| env.get(name).or(from_file);
    let secret = |name: &str, from_file: Option<String>| pick(name, from_file).map(Secret::new);

    let discord = DiscordSettings {
        token: secret("DISCORD_TOKEN", file.discord.token),
        application_id: parse_u64(
            "DISCORD_APPLICATION_ID",
            pick(
                "DISCORD_APPLICATION_ID",
                file.discord.application_id.map(|v| v.to_string()),
            ),
            problems,
        ),
        guild_id: parse_u64(
            "DISCORD_GUILD_ID",
            pick(
                "DISCORD_GUILD_ID",
                file.discord.guild_id.map(|v| v.to_string()),
            ),
            problems,
        ),
        gateway_url: pick("DISCORD_GATEWAY_URL", file.discord.gateway_url)
            .map(|u| u.trim_end_matches('/').to_owned()),
        api_proxy: pick("DISCORD_API_PROXY", file.discord.api_proxy),
        staff_role: pick("FLEXCORD_STAFF_ROLE", file.discord.staff_role),
    };
    if let Some(proxy) = &discord.api_proxy
        && (proxy.contains("://") || proxy.contains('/'))
    {
        {
            problems.push(format!(
                "DISCORD_API_PROXY must be host:port without a scheme, got {proxy:?}"
            ));
        }
    }
    if let Some(url) = &discord.gateway_url
        && !(url.starts_with("ws://") || url.starts_with("wss://"))
    {
        {
            problems.push(format!(
                "DISCORD_GATEWAY_URL must start with ws:// or wss://, got {url:?}"
            ));
        }
    }

    let twilio = TwilioSettings {
        account_sid: pick("TWILIO_ACCOUNT_SID", file.twilio.account_sid),
        auth_token: secret("TWILIO_AUTH_TOKEN", file.twilio.auth_token),
        api_base_url: pick("TWILIO_API_BASE_URL", file.twilio.api_base_url)
            .map(|u| u.trim_end_matches('/').to_owned()),
        chat_service_sid: pick("TWILIO_CHAT_SERVICE_SID", file.twilio.chat_service_sid),
        workspace_sid: pick("TWILIO_WORKSPACE_SID", file.twilio.workspace_sid),
        workflow_sid: pick("TWILIO_WORKFLOW_SID", file.twilio.workflow_sid),
        studio_flow_sid: pick("TWILIO_STUDIO_FLOW_SID", file.twilio.studio_flow_sid),
    };
    check_sid(
        "TWILIO_ACCOUNT_SID",
        twilio.account_sid.as_deref(),
        "AC",
        problems,
    );
    check_sid(
        "TWILIO_CHAT_SERVICE_SID",
        twilio.chat_service_sid.as_deref(),
        "IS",
        problems,
    );
    check_sid(
        "TWILIO_WORKSPACE_SID",
        twilio.workspace_sid.as_deref(),
        "WS",
        problems,
    );
    check_sid(
        "TWILIO_WORKFLOW_SID",
        twilio.workflow_sid.as_deref(),
        "WW",
        problems,
    );
    check_sid(
        "TWILIO_STUDIO_FLOW_SID",
        twilio.studio_flow_sid.as_deref(),
        "FW",
        problems,
    );
    check_url(
        "TWILIO_API_BASE_URL",
        twilio.api_base_url.as_deref(),
        problems,
    );

    let mut router = file.router.unwrap_or_default();
    if let Some(mode) = pick("FLEXCORD_ROUTING", None) {
        match mode.trim().to_ascii_lowercase().as_str() {
            "bridge" => router.routing = RoutingMode::Bridge,
            "studio" => router.routing = RoutingMode::Studio,
            other => problems.push(format!(
                "FLEXCORD_ROUTING must be bridge or studio, got {other:?}"
            )),
        }
    }

    let public_url = pick("FLEXCORD_PUBLIC_URL", file.server.public_url)
        .map(|u| u.trim_end_matches('/').to_owned());
    check_url("FLEXCORD_PUBLIC_URL", public_url.as_deref(), problems);

    let listen_text =
        pick("FLEXCORD_LISTEN", file.server.listen).unwrap_or_else(|| "0.0.0.0:8080".to_owned());
    let listen = listen_text.parse().unwrap_or_else(|_| {
        problems.push(format!(
            "FLEXCORD_LISTEN must be an address like 0.0.0.0:8080, got {listen_text:?}"
        ));
        SocketAddr::from(([0, 0, 0, 0], 8080))
    });

    let database_url = pick("FLEXCORD_DATABASE_URL", file.database.url)
        .unwrap_or_else(|| "sqlite://flexcord.db".to_owned());
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        problems.push(format!(
            "FLEXCORD_DATABASE_URL must start with sqlite: or postgres://, got {:?}",
            redact_url(&database_url)
        ));
    }

    let kb_dir =
        PathBuf::from(pick("FLEXCORD_KB_DIR", file.kb.dir).unwrap_or_else(|| "./kb".to_owned()));

    let feeds_env = env.get("FLEXCORD_ANNOUNCE_FEEDS").map(|v| {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    let feeds = feeds_env.unwrap_or(file.announcements.feeds);
    for feed in &feeds {
        check_url("FLEXCORD_ANNOUNCE_FEEDS", Some(feed), problems);
    }
    let poll_secs = parse_u64(
        "FLEXCORD_ANNOUNCE_POLL_SECS",
        pick(
            "FLEXCORD_ANNOUNCE_POLL_SECS",
            file.announcements.poll_secs.map(|v| v.to_string()),
        ),
        problems,
    )
    .unwrap_or(300);
    if poll_secs == 0 {
        problems.push("FLEXCORD_ANNOUNCE_POLL_SECS must be at least 1".into());
    }
    let backlog = parse_u64(
        "FLEXCORD_ANNOUNCE_BACKLOG",
        pick(
            "FLEXCORD_ANNOUNCE_BACKLOG",
            file.announcements.backlog.map(|v| v.to_string()),
        ),
        problems,
    )
    .unwrap_or(3);
    let announce = AnnounceSettings {
        token: secret("FLEXCORD_ANNOUNCE_TOKEN", file.announcements.token),
        feeds,
        poll_every: Duration::from_secs(poll_secs.max(1)),
        backlog: usize::try_from(backlog).unwrap_or(usize::MAX),
    };

    let seachat = pick("SEACHAT_URL", file.seachat.url).map(|url| RemoteService {
        url,
        api_key: secret("SEACHAT_API_KEY", file.seachat.api_key),
    });
    let cases = pick("CASES_URL", file.cases.url).map(|url| RemoteService {
        url,
        api_key: secret("CASES_API_KEY", file.cases.api_key),
    });
    check_url(
        "SEACHAT_URL",
        seachat.as_ref().map(|s| s.url.as_str()),
        problems,
    );
    check_url(
        "CASES_URL",
        cases.as_ref().map(|s| s.url.as_str()),
        problems,
    );

    Settings {
        discord,
        twilio,
        public_url,
        listen,
        database_url: DatabaseUrl(database_url),
        kb_dir,
        announce,
        seachat,
        cases,
        router,
    }
}

fn parse_u64(name: &str, value: Option<String>, problems: &mut Vec<String>) -> Option<u64> {
    let value = value?;
    match value.trim().parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            problems.push(format!("{name} must be a number, got {value:?}"));
            None
        }
    }
}

fn check_sid(name: &str, value: Option<&str>, prefix: &str, problems: &mut Vec<String>) {
    if let Some(v) = value
        && !(v.starts_with(prefix) && v.len() > 2 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        {
            problems.push(format!(
                "{name} must be a Twilio SID starting with {prefix}, got {v:?}"
            ));
        }
    }
}

fn check_url(name: &str, value: Option<&str>, problems: &mut Vec<String>) {
    if let Some(v) = value
        && (!(v.starts_with("http://") || v.starts_with("https://")) || v.len() < 10)
    {
        {
            problems.push(format!("{name} must be an http(s) URL, got {v:?}"));
        }
    }
}

/// A database URL with any password replaced, for messages.
#[must_use]
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests;
