//! Configuration: an optional TOML file overridden by environment variables (the names are a
//! fixed contract, listed in `docs/configuration.md`), validated in one place with one message
//! that lists everything missing or wrong.
//!
//! Configuration is data: each setting is one row of a table in `components/` (variable, file
//! key, parser, checks, default, documentation). The merge (`merge.rs`), the file's keys
//! (`file.rs`), `docs/configuration.md`'s tables and `docs/flexcord.example.toml` (`docs.rs`)
//! all come from those rows, and a test fails when the committed documents drift from them.

mod components;
pub mod docs;
mod file;
mod merge;
mod parse;
mod secret;
mod table;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use flexcord_core::config::RouterConfig;

pub use file::{FileConfig, FileError};
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
    /// `FLEXCORD_ADMIN_LISTEN`: where `/metrics`, `/readyz`, `/healthz` and `/announce` are
    /// served apart from the public listener (which then serves only the webhook paths).
    pub admin_listen: Option<SocketAddr>,
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
    /// Routing mode, keywords, templates; `router.locales` is built from [`Settings::locale`]
    /// once every row is merged.
    pub router: RouterConfig,
    /// `FLEXCORD_DEFAULT_LOCALE`, `FLEXCORD_LOCALES_DIR`.
    pub locale: LocaleSettings,
}

/// Languages: the default locale and a folder of locale files.
#[derive(Debug, Clone, Default)]
pub struct LocaleSettings {
    /// `FLEXCORD_DEFAULT_LOCALE` (`en` unless set).
    pub default: String,
    /// `FLEXCORD_LOCALES_DIR`.
    pub dir: Option<PathBuf>,
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
    /// `DISCORD_GLOBAL_RATE_LIMIT` (requests/s; `None` only before the default is applied).
    pub global_rate_limit: Option<std::num::NonZeroU16>,
    /// `FLEXCORD_GATEWAY`.
    pub gateway: GatewayMode,
    /// `DISCORD_PUBLIC_KEY`: turns the HTTP interactions endpoint on.
    pub public_key: Option<flexcord_discord::InteractionKey>,
}

/// Whether this instance may hold the Discord gateway (`FLEXCORD_GATEWAY`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GatewayMode {
    /// Hold it when no other instance does (always, on SQLite); stand by otherwise.
    #[default]
    Auto,
    /// Never connect: webhooks, HTTP and the outbox only.
    Off,
}

/// How many Twilio requests the process lets run at once (one limit for the account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwilioConcurrency {
    /// Found by AIMD (grows while Twilio answers, halves on a `429` or a timeout), at most this.
    Adaptive {
        /// The ceiling (`FLEXCORD_TWILIO_MAX_CONCURRENCY=100`).
        ceiling: usize,
    },
    /// Exactly this many (`FLEXCORD_TWILIO_MAX_CONCURRENCY=fixed:20`).
    Fixed(usize),
}

impl Default for TwilioConcurrency {
    fn default() -> Self {
        Self::Adaptive { ceiling: 100 }
    }
}

/// Twilio credentials and Flex resources.
#[derive(Debug, Clone, Default)]
pub struct TwilioSettings {
    /// `TWILIO_ACCOUNT_SID`.
    pub account_sid: Option<String>,
    /// `TWILIO_AUTH_TOKEN`: the webhook signature key, and REST auth without an API key.
    pub auth_token: Option<Secret>,
    /// `TWILIO_API_KEY` (`SK…`): REST auth with [`TwilioSettings::api_secret`] when set.
    pub api_key: Option<String>,
    /// `TWILIO_API_SECRET`: the API key's secret.
    pub api_secret: Option<Secret>,
    /// `TWILIO_API_BASE_URL`: replaces every Twilio host.
    pub api_base_url: Option<String>,
    /// `FLEXCORD_TWILIO_MAX_CONCURRENCY`: Twilio requests in flight for the account.
    pub concurrency: TwilioConcurrency,
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
    // The one place flexcord reads its configuration from the environment.
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
    /// [`ConfigError`] listing every missing or malformed setting, one line per problem.
    pub fn load(file: FileConfig, env: &dyn Env, needs: Needs) -> Result<Self, ConfigError> {
        let (settings, problems) = merge::merge(file, env, needs);
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(ConfigError { problems })
        }
    }

    /// Merges like [`Settings::load`] but keeps going: the settings as far as they could be
    /// read (a malformed or missing value stays unset) beside every problem, for
    /// `flexcord check`, which reports each problem as a line and checks what it can.
    #[must_use]
    pub fn load_lenient(file: FileConfig, env: &dyn Env, needs: Needs) -> (Self, Vec<String>) {
        merge::merge(file, env, needs)
    }
}

/// A database URL with its password and query string masked, for messages: one rule for the
/// whole binary (the store's), so a `?password=` never slips through one copy of it.
pub use flexcord_store::redact_url;

#[cfg(test)]
mod tests;
