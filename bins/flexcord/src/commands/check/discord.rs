//! Discord: the token, the application, the bot's membership and permissions in the guild, the
//! four channels and the registered slash commands (`flexcord_discord::preflight` asks; this
//! turns its findings into lines), then where Discord sends interactions.

use flexcord_discord::http_interactions::{EndpointStatus, endpoint_status};
use flexcord_discord::preflight::{Finding, Level, preflight};

use super::{Context, Line, Lines, Status};
use crate::adapters;

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        let config = match adapters::discord_config(cx.settings) {
            Ok(config) => config,
            // The configuration check named what is missing.
            Err(_)
                if [
                    "DISCORD_TOKEN",
                    "DISCORD_APPLICATION_ID",
                    "DISCORD_GUILD_ID",
                ]
                .iter()
                .any(|v| cx.reported(v)) =>
            {
                return Vec::new();
            }
            Err(error) => {
                return vec![Line::fail(
                    "discord",
                    format!("{error:#}"),
                    "see docs/configuration.md",
                )];
            }
        };
        let http = match flexcord_discord::build_http(&config) {
            Ok(http) => http,
            Err(error) => {
                return vec![Line::fail(
                    "discord",
                    format!("cannot build the Discord client: {error}"),
                    "check DISCORD_API_PROXY (host:port)",
                )];
            }
        };
        let mut lines: Vec<Line> = preflight(&http, &config)
            .await
            .into_iter()
            .map(line)
            .collect();
        let key = cx
            .settings
            .discord
            .public_key
            .as_ref()
            .map(flexcord_discord::InteractionKey::to_hex);
        match endpoint_status(&http).await {
            Ok(status) => lines.push(interactions(
                key.as_deref(),
                cx.settings.public_url.as_deref(),
                &status,
            )),
            // A refused token or an unreadable application is reported above already.
            Err(_) if lines.iter().any(|l| l.status == Status::Fail) => {}
            Err(error) => lines.push(Line::fail(
                INTERACTIONS,
                format!("cannot read the application's Interactions Endpoint URL: {error}"),
                "check DISCORD_TOKEN and DISCORD_APPLICATION_ID",
            )),
        }
        lines
    })
}

const INTERACTIONS: &str = "interactions";

/// Whether Discord sends interactions (slash commands, buttons, forms) where flexcord takes
/// them: over the gateway when no Interactions Endpoint URL is set, else to that URL, which
/// flexcord serves only with the application's public key (`DISCORD_PUBLIC_KEY`). Discord sends
/// none over the gateway once a URL is set, so a URL without the key is a failure: every
/// command would go unanswered.
fn interactions(key: Option<&str>, public_url: Option<&str>, status: &EndpointStatus) -> Line {
    let expected = public_url.map(crate::commands::setup::interactions_url);
    let url = status.url.as_deref();
    match (key, url) {
        (Some(key), _) if !key.eq_ignore_ascii_case(&status.verify_key) => Line::fail(
            INTERACTIONS,
            format!(
                "DISCORD_PUBLIC_KEY is not this application's public key ({})",
                status.verify_key
            ),
            "copy the public key from the Developer Portal, General Information",
        ),
        (None, None) => Line::ok(INTERACTIONS, "over the gateway"),
        (None, Some(url)) => Line::fail(
            INTERACTIONS,
            format!(
                "Discord sends interactions to {url}, but DISCORD_PUBLIC_KEY is not set:                  flexcord cannot verify them and no slash command is answered"
            ),
            "set DISCORD_PUBLIC_KEY (Developer Portal, General Information) and run              `flexcord setup discord`, or clear the Interactions Endpoint URL there to use              the gateway",
        ),
        (Some(_), None) => Line::warn(
            INTERACTIONS,
            "DISCORD_PUBLIC_KEY is set, but no Interactions Endpoint URL: interactions come              over the gateway",
            "set FLEXCORD_PUBLIC_URL and run `flexcord setup discord`, or unset              DISCORD_PUBLIC_KEY",
        ),
        (Some(_), Some(url)) => match expected {
            Some(expected) if expected != url => Line::warn(
                INTERACTIONS,
                format!("Discord sends interactions to {url}, not to {expected}"),
                "run `flexcord setup discord` while flexcord runs at FLEXCORD_PUBLIC_URL",
            ),
            _ => Line::ok(INTERACTIONS, format!("Discord sends them to {url}")),
        },
    }
}

fn line(finding: Finding) -> Line {
    Line {
        name: finding.name,
        status: match finding.level {
            Level::Ok => Status::Ok,
            Level::Warn => Status::Warn,
            Level::Fail => Status::Fail,
        },
        detail: finding.detail,
        fix: finding.fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ab12";
    const PUBLIC: &str = "https://bridge.example.com";
    const URL: &str = "https://bridge.example.com/discord/interactions";

    fn status(url: Option<&str>) -> EndpointStatus {
        EndpointStatus {
            url: url.map(str::to_owned),
            verify_key: "AB12".into(),
        }
    }

    fn verdict(key: Option<&str>, public_url: Option<&str>, url: Option<&str>) -> Status {
        interactions(key, public_url, &status(url)).status
    }

    #[test]
    fn the_gateway_without_a_key_is_fine() {
        assert_eq!(verdict(None, None, None), Status::Ok);
        assert_eq!(verdict(None, Some(PUBLIC), None), Status::Ok);
    }

    #[test]
    fn a_url_without_the_key_leaves_every_command_unanswered() {
        let line = interactions(None, Some(PUBLIC), &status(Some(URL)));
        assert_eq!(line.status, Status::Fail);
        assert!(line.detail.contains(URL), "{}", line.detail);
    }

    #[test]
    fn another_applications_key_fails() {
        assert_eq!(verdict(Some("ffff"), Some(PUBLIC), Some(URL)), Status::Fail);
        assert_eq!(verdict(Some("ffff"), None, None), Status::Fail);
    }

    #[test]
    fn the_key_with_the_url_flexcord_serves_is_fine() {
        assert_eq!(verdict(Some(KEY), Some(PUBLIC), Some(URL)), Status::Ok);
        assert_eq!(
            verdict(Some(KEY), Some("https://bridge.example.com/"), Some(URL)),
            Status::Ok
        );
        assert_eq!(
            verdict(Some(KEY), None, Some(URL)),
            Status::Ok,
            "nothing to compare with"
        );
    }

    #[test]
    fn a_key_without_a_url_or_with_another_url_is_a_warning() {
        assert_eq!(verdict(Some(KEY), Some(PUBLIC), None), Status::Warn);
        let line = interactions(
            Some(KEY),
            Some(PUBLIC),
            &status(Some("https://old.example.com/x")),
        );
        assert_eq!(line.status, Status::Warn);
        assert!(line.detail.contains("https://old.example.com/x") && line.detail.contains(URL));
    }
}
