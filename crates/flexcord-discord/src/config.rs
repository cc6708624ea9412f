//! The adapter's configuration, filled in by the binary (which reads files and the environment;
//! this crate never does).

use secrecy::SecretString;

/// How to reach Discord and which guild to serve. `Debug` never shows the token.
#[derive(Debug, Clone)]
pub struct DiscordConfig {
    /// The bot token (without the `Bot ` prefix; twilight adds it).
    pub token: SecretString,
    /// The application id (equal to the bot's user id for every current Discord app).
    pub application_id: u64,
    /// The guild flexcord serves.
    pub guild_id: u64,
    /// Gateway base URL replacing Discord's (`ws://127.0.0.1:P` for a fake, or a gateway proxy).
    /// A trailing `/` is removed: twilight appends `/?v=10…` itself.
    pub gateway_url: Option<String>,
    /// `host:port` of a plain-HTTP REST proxy or fake, without a scheme.
    pub api_proxy: Option<String>,
    /// The name of the role whose members may use `/case` (Manage Server always may).
    pub staff_role: Option<String>,
    /// Requests per second the bot may make in all (Discord's global limit). `None`: Discord's
    /// default of 50; large bots can be granted more.
    pub global_rate_limit: Option<std::num::NonZeroU16>,
}
