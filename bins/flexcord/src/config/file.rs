//! The optional TOML file (`--config`, `FLEXCORD_CONFIG`). Every key is optional; the
//! environment overrides it. Unknown keys are errors, so a typo does not silently do nothing.

use std::path::Path;

use flexcord_core::config::RouterConfig;
use serde::Deserialize;

/// The file's shape. See `docs/configuration.md` for an example.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    /// `[discord]`
    pub discord: DiscordFile,
    /// `[twilio]`
    pub twilio: TwilioFile,
    /// `[server]`
    pub server: ServerFile,
    /// `[database]`
    pub database: DatabaseFile,
    /// `[kb]`
    pub kb: KbFile,
    /// `[announcements]`
    pub announcements: AnnouncementsFile,
    /// `[seachat]`
    pub seachat: RemoteFile,
    /// `[cases]`
    pub cases: RemoteFile,
    /// `[router]`: routing mode, handoff keywords, `[router.templates]`.
    pub router: Option<RouterConfig>,
}

/// `[discord]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordFile {
    /// Bot token (prefer the environment for secrets).
    pub token: Option<String>,
    /// Application id.
    pub application_id: Option<u64>,
    /// Guild id.
    pub guild_id: Option<u64>,
    /// Gateway base URL.
    pub gateway_url: Option<String>,
    /// REST proxy `host:port`.
    pub api_proxy: Option<String>,
    /// Staff role name for `/case`.
    pub staff_role: Option<String>,
}

/// `[twilio]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwilioFile {
    /// `AC…`
    pub account_sid: Option<String>,
    /// Auth token (prefer the environment).
    pub auth_token: Option<String>,
    /// Base URL replacing every Twilio host.
    pub api_base_url: Option<String>,
    /// `IS…`
    pub chat_service_sid: Option<String>,
    /// `WS…`
    pub workspace_sid: Option<String>,
    /// `WW…`
    pub workflow_sid: Option<String>,
    /// `FW…`
    pub studio_flow_sid: Option<String>,
}

/// `[server]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerFile {
    /// Public base URL.
    pub public_url: Option<String>,
    /// Listen address.
    pub listen: Option<String>,
}

/// `[database]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseFile {
    /// `sqlite://…` or `postgres://…`.
    pub url: Option<String>,
}

/// `[kb]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KbFile {
    /// Folder of Markdown articles.
    pub dir: Option<String>,
}

/// `[announcements]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnnouncementsFile {
    /// Bearer token for `POST /announce`.
    pub token: Option<String>,
    /// RSS/Atom feed URLs.
    pub feeds: Vec<String>,
    /// Poll interval in seconds.
    pub poll_secs: Option<u64>,
    /// Items posted from a feed's first poll.
    pub backlog: Option<u64>,
}

/// `[seachat]` / `[cases]`
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteFile {
    /// Base URL.
    pub url: Option<String>,
    /// API key (prefer the environment).
    pub api_key: Option<String>,
}

/// Why the file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Could not read it.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML for flexcord.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with the line.
        message: String,
    },
}

impl FileConfig {
    /// Reads and parses a file.
    ///
    /// # Errors
    ///
    /// [`FileError`] when it cannot be read or parsed.
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|message| FileError::Parse {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses TOML text.
    ///
    /// # Errors
    ///
    /// The parser's message.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}
