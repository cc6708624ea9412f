//! Discord: the token, the application, the bot's membership and permissions in the guild, the
//! four channels and the registered slash commands (`flexcord_discord::preflight` asks; this
//! turns its findings into lines).

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
        preflight(&http, &config)
            .await
            .into_iter()
            .map(line)
            .collect()
    })
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
