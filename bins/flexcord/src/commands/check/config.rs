//! The configuration: every problem `flexcord run` would refuse to start with, one line each.

use super::{Context, Line, Lines};
use crate::config::Settings;

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        if cx.problems.is_empty() {
            return vec![Line::ok(
                "configuration",
                format!(
                    "everything `flexcord run` needs is set ({} mode)",
                    mode(cx.settings)
                ),
            )];
        }
        cx.problems
            .iter()
            .map(|problem| Line::fail("configuration", problem.clone(), fix_for(problem)))
            .collect()
    })
}

fn mode(settings: &Settings) -> &'static str {
    match settings.router.routing {
        flexcord_core::config::RoutingMode::Bridge => "bridge",
        flexcord_core::config::RoutingMode::Studio => "studio",
    }
}

/// Where the right value comes from, for the variables operators most often get wrong.
fn fix_for(problem: &str) -> String {
    let variable = problem.split_whitespace().next().unwrap_or("");
    let source = match variable {
        "TWILIO_ACCOUNT_SID" | "TWILIO_AUTH_TOKEN" => {
            "the Twilio Console's account dashboard (Account Info)"
        }
        "TWILIO_WORKSPACE_SID" | "TWILIO_WORKFLOW_SID" => {
            "Twilio Console → TaskRouter → Workspaces (the Flex workspace and its workflow)"
        }
        "TWILIO_CHAT_SERVICE_SID" => "Twilio Console → Conversations → Services",
        "TWILIO_STUDIO_FLOW_SID" => "the output of `flexcord setup twilio`",
        "DISCORD_TOKEN" | "DISCORD_APPLICATION_ID" => {
            "the Discord Developer Portal (your application: General Information and Bot)"
        }
        "DISCORD_GUILD_ID" => {
            "Discord with Developer Mode on: right-click the server → Copy Server ID"
        }
        "FLEXCORD_PUBLIC_URL" => "the https:// address your reverse proxy serves flexcord on",
        _ => "docs/configuration.md",
    };
    if variable.chars().all(|c| c.is_ascii_uppercase() || c == '_') && !variable.is_empty() {
        format!("set {variable}; it is in {source}")
    } else {
        format!("see {source}")
    }
}
