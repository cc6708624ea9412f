//! `[discord]`: the bot's credentials and where to reach Discord.

use crate::config::parse;
use crate::config::table::{
    Component, FileKey, Kind, Problems, Raw, Sample, Setting, Unset, apply,
};
use crate::config::{GatewayMode, Needs};

const SECTION: &str = "discord";

pub(super) const COMPONENT: Component = Component {
    name: "discord",
    settings: &[
        Setting {
            env: Some("DISCORD_TOKEN"),
            file: Some(FileKey::new(SECTION, "token")),
            unset: Unset::Required(&[Needs::Run, Needs::Discord], ""),
            doc: "bot token",
            sample: Sample::Commented("\"…\""),
            note: "prefer the environment",
            apply: apply!(parse::secret => |s, v| s.discord.token = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("DISCORD_APPLICATION_ID"),
            file: Some(FileKey::new(SECTION, "application_id")),
            kind: Kind::Number,
            unset: Unset::Required(&[Needs::Run, Needs::Discord], ""),
            doc: "application id (a number)",
            sample: Sample::Active("123456789012345678"),
            note: "a number, not a string",
            apply: apply!(parse::number => |s, v| s.discord.application_id = Some(v)),
        },
        Setting {
            env: Some("DISCORD_GUILD_ID"),
            file: Some(FileKey::new(SECTION, "guild_id")),
            kind: Kind::Number,
            unset: Unset::Required(&[Needs::Run, Needs::Discord], ""),
            doc: "the server flexcord serves (a number)",
            sample: Sample::Active("234567890123456789"),
            note: "a number, not a string",
            apply: apply!(parse::number => |s, v| s.discord.guild_id = Some(v)),
        },
        Setting {
            env: Some("DISCORD_GATEWAY_URL"),
            file: Some(FileKey::new(SECTION, "gateway_url")),
            unset: Unset::Means("Discord's"),
            doc: "gateway base URL, `ws://` or `wss://` (a gateway proxy, or a local fake)",
            sample: Sample::Commented("\"wss://gateway.discord.gg\""),
            note: "ws:// or wss://; default Discord's",
            apply: apply!(parse::base_url, parse::ws_url => |s, v| s.discord.gateway_url = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("DISCORD_API_PROXY"),
            file: Some(FileKey::new(SECTION, "api_proxy")),
            doc: "`host:port` of a plain-HTTP REST proxy or fake, **no scheme**",
            sample: Sample::Commented("\"127.0.0.1:3000\""),
            note: "host:port, plain HTTP, no scheme",
            apply: apply!(parse::text, parse::host_port => |s, v| s.discord.api_proxy = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_STAFF_ROLE"),
            file: Some(FileKey::new(SECTION, "staff_role")),
            unset: Unset::Means("unset: only members with Manage Server or Administrator"),
            doc: "name of the role (case-insensitive) allowed to use `/case`",
            sample: Sample::Commented("\"Support\""),
            note: "role allowed to use /case",
            apply: apply!(parse::text => |s, v| s.discord.staff_role = Some(v)),
            ..Setting::BASE
        },
        Setting {
            env: Some("DISCORD_GLOBAL_RATE_LIMIT"),
            file: Some(FileKey::new(SECTION, "global_rate_limit")),
            kind: Kind::Number,
            unset: Unset::Default("50"),
            doc: "requests per second the bot may make in all (Discord's global limit; raise it \
                  only when Discord granted the bot more)",
            sample: Sample::Default,
            note: "requests/s, 1 to 65535",
            apply: apply!(parse::requests_per_second => |s, v| s.discord.global_rate_limit = Some(v)),
        },
        Setting {
            env: Some("FLEXCORD_GATEWAY"),
            file: Some(FileKey::new(SECTION, "gateway")),
            unset: Unset::Default("auto"),
            doc: "`auto`: hold the Discord gateway when no other instance does (on PostgreSQL one \
                  instance holds it, the others stand by and take over); `off`: never connect \
                  (a webhook and outbox instance)",
            sample: Sample::Default,
            note: "\"auto\" or \"off\"",
            apply: apply!(gateway_mode => |s, v| s.discord.gateway = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("DISCORD_PUBLIC_KEY"),
            file: Some(FileKey::new(SECTION, "public_key")),
            unset: Unset::Means(
                "unset: no HTTP interactions endpoint; interactions come over the gateway",
            ),
            doc: "the application's public key (64 hex digits, Developer Portal → General \
                  Information): turns on `POST /discord/interactions`, whose URL `flexcord setup \
                  discord` sets as the Interactions Endpoint URL",
            sample: Sample::Commented("\"…64 hex digits…\""),
            note: "64 hex digits; enables /discord/interactions",
            apply: apply!(parse::interaction_key => |s, v| s.discord.public_key = Some(v)),
            ..Setting::BASE
        },
    ],
};

/// `auto` or `off`.
fn gateway_mode(raw: Raw) -> Result<GatewayMode, Problems> {
    let value = raw.into_text();
    match value.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(GatewayMode::Auto),
        "off" => Ok(GatewayMode::Off),
        other => Err(format!("must be auto or off, got {other:?}").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_setting_is_auto_or_off() {
        let parse = |text: &str| gateway_mode(Raw::Text(text.to_owned()));
        assert_eq!(parse("auto").ok(), Some(GatewayMode::Auto));
        assert_eq!(parse(" OFF ").ok(), Some(GatewayMode::Off));
        assert!(parse("standby").is_err());
        assert_eq!(GatewayMode::default(), GatewayMode::Auto);
    }
}
