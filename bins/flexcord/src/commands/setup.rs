//! `flexcord setup discord` (slash commands + the four channels) and `flexcord setup twilio`
//! (install the Studio flow in studio mode, check the configured SIDs).

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::sync::Arc;

use anyhow::Context as _;
use flexcord_core::config::{RouterConfig, RoutingMode};
use flexcord_discord::{build_http, register_commands, setup_guild};
use serde_json::Value;
use twilio_flex::api::studio::{FlowParams, FlowStatus};

use crate::adapters;
use crate::config::{Env, Settings};

/// The Studio flow shipped in `docs/`, with `${…}` placeholders.
pub const STUDIO_FLOW: &str = include_str!("../../../../docs/studio-flow.json");

/// Registers the commands and creates (or finds) `#announcements` (read-only for @everyone),
/// `#bug-report`, `#feature-request` and `#customer-service`. Safe to run again.
///
/// # Errors
///
/// Discord refusing (bad token, missing Manage Channels permission).
pub async fn discord(settings: &Settings) -> anyhow::Result<()> {
    flexcord_discord::install_crypto_provider();
    let config = adapters::discord_config(settings)?;
    let http = Arc::new(build_http(&config).context("cannot build the Discord client")?);
    register_commands(&http, config.application_id, &settings.router.locales)
        .await
        .context(
            "cannot register the slash commands (check DISCORD_TOKEN and DISCORD_APPLICATION_ID)",
        )?;
    println!("slash commands: /helpme, /bug, /new_feature and /case registered");
    let report = setup_guild(&http, config.guild_id, config.application_id)
        .await
        .context(
            "cannot set up the guild's channels (does the bot have Manage Channels and Manage Roles? `flexcord check` tells)",
        )?;
    print!("{}", channels_summary(config.guild_id, &report));
    let Some(url) = endpoint_to_set(settings) else {
        return Ok(());
    };
    // A key from another application would make Discord refuse the URL with a vague error.
    let status = flexcord_discord::http_interactions::endpoint_status(&http)
        .await
        .context("cannot read the application from Discord")?;
    let configured = settings
        .discord
        .public_key
        .as_ref()
        .map(flexcord_discord::InteractionKey::to_hex);
    anyhow::ensure!(
        configured.as_deref() == Some(status.verify_key.to_ascii_lowercase().as_str()),
        "DISCORD_PUBLIC_KEY is not this application's public key ({}): copy it from the \
         Developer Portal, General Information",
        status.verify_key
    );
    let now = flexcord_discord::http_interactions::set_endpoint_url(&http, &url)
        .await
        .with_context(|| {
            format!(
                "Discord refused the Interactions Endpoint URL {url} (is flexcord running with \
                 this DISCORD_PUBLIC_KEY and reachable there? Discord sends it a signed PING first)"
            )
        })?;
    println!(
        "interactions: Interactions Endpoint URL set to {}",
        now.as_deref().unwrap_or(&url)
    );
    Ok(())
}

/// The Interactions Endpoint URL `setup discord` sets: with `DISCORD_PUBLIC_KEY` and
/// `FLEXCORD_PUBLIC_URL`, the public URL + `/discord/interactions` (Discord checks the endpoint
/// before it accepts the URL, so the bridge must be running and reachable there). Otherwise
/// `None`, after saying what to do instead.
fn endpoint_to_set(settings: &Settings) -> Option<String> {
    let path = crate::http::discord_interactions::PATH;
    if settings.discord.public_key.is_none() {
        println!("interactions: over the gateway (set DISCORD_PUBLIC_KEY to serve them at {path})");
        return None;
    }
    let Some(public_url) = settings.public_url.as_deref() else {
        println!(
            "interactions: DISCORD_PUBLIC_KEY is set but FLEXCORD_PUBLIC_URL is not: set the \
             Interactions Endpoint URL in the Developer Portal to <public URL>{path} yourself"
        );
        return None;
    };
    Some(interactions_url(public_url))
}

/// The Interactions Endpoint URL for a public base URL.
#[must_use]
pub fn interactions_url(public_url: &str) -> String {
    format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        crate::http::discord_interactions::PATH
    )
}

/// What `setup discord` did to the channels, one line each kind.
#[must_use]
pub fn channels_summary(guild_id: u64, report: &flexcord_discord::SetupReport) -> String {
    let list = |names: &[String]| {
        names
            .iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    if !report.created.is_empty() {
        out.push_str(&format!(
            "created in guild {guild_id}: {}\n",
            list(&report.created)
        ));
    }
    if !report.existing.is_empty() {
        out.push_str(&format!("already there: {}\n", list(&report.existing)));
    }
    if !report.fixed.is_empty() {
        out.push_str(&format!(
            "made read-only for @everyone: {}\n",
            list(&report.fixed)
        ));
    }
    out
}

/// Checks the Twilio credentials and, in studio mode, installs or updates the Studio flow.
///
/// # Errors
///
/// Twilio refusing the credentials or the flow.
pub async fn twilio(settings: &Settings, env: &dyn Env) -> anyhow::Result<()> {
    let client = adapters::twilio_client(settings)?;
    let configuration = match client.conversations_configuration().await {
        Ok(configuration) => configuration,
        // Only a 401/403 is Twilio refusing the credentials; a refused connection or a timeout
        // says nothing about them.
        Err(error) if error.is_unauthorized() => {
            return Err(anyhow::Error::new(error).context(format!(
                "Twilio refused the credentials of account {} (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET)",
                client.account_sid()
            )));
        }
        Err(error) => {
            return Err(anyhow::Error::new(error).context(format!(
                "cannot reach Twilio at {} (check the network, or TWILIO_API_BASE_URL)",
                settings
                    .twilio
                    .api_base_url
                    .as_deref()
                    .unwrap_or("https://conversations.twilio.com")
            )));
        }
    };
    println!(
        "Twilio: account {} accepted the credentials; default Conversations service {}",
        client.account_sid(),
        configuration
            .default_chat_service_sid
            .as_deref()
            .unwrap_or("(none)")
    );
    if settings.router.routing != RoutingMode::Studio {
        println!(
            "routing is bridge: no Studio flow needed (hand-off uses TWILIO_WORKSPACE_SID / TWILIO_WORKFLOW_SID)"
        );
        return Ok(());
    }
    let public_url = settings
        .public_url
        .as_deref()
        .context("FLEXCORD_PUBLIC_URL is required")?;
    let workflow = settings.twilio.workflow_sid.as_deref().context(
        "TWILIO_WORKFLOW_SID is required to install the flow (its Send to Flex widget routes to it)",
    )?;
    let task_channel = env.get("TWILIO_TASK_CHANNEL_SID").context(
        "TWILIO_TASK_CHANNEL_SID (the TaskRouter \"chat\" task channel, TC…) is required to install the flow",
    )?;
    let definition = studio_flow(&settings.router, public_url, workflow, &task_channel)?;
    let params = FlowParams {
        friendly_name: Some("flexcord".to_owned()),
        status: FlowStatus::Published,
        definition: Some(definition),
        commit_message: Some(format!("flexcord {}", env!("CARGO_PKG_VERSION"))),
    };
    let flow = match &settings.twilio.studio_flow_sid {
        Some(sid) => client
            .update_flow(sid, &params)
            .await
            .context("cannot update the Studio flow")?,
        None => client
            .create_flow(&params)
            .await
            .context("cannot create the Studio flow")?,
    };
    println!(
        "Studio flow {} installed; set TWILIO_STUDIO_FLOW_SID={}",
        flow.sid, flow.sid
    );
    Ok(())
}

/// The shipped flow with its placeholders filled in.
///
/// # Errors
///
/// When the shipped JSON is broken (a build bug) or a placeholder is left over.
pub fn studio_flow(
    router: &RouterConfig,
    public_url: &str,
    workflow_sid: &str,
    task_channel_sid: &str,
) -> anyhow::Result<Value> {
    // The values are substituted inside JSON strings: escape them as JSON string content.
    let escape = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted.trim_matches('"').to_owned()
    };
    let text = STUDIO_FLOW
        .replace("${PUBLIC_URL}", &escape(public_url.trim_end_matches('/')))
        .replace("${WORKFLOW_SID}", &escape(workflow_sid))
        .replace("${TASK_CHANNEL_SID}", &escape(task_channel_sid))
        .replace(
            "${HANDOFF_REGEX}",
            &escape(&handoff_regex(&router.handoff_keywords)),
        );
    anyhow::ensure!(
        !text.contains("${"),
        "a placeholder in docs/studio-flow.json was not filled"
    );
    serde_json::from_str(&text).context("docs/studio-flow.json is not valid JSON")
}

/// A case-insensitive whole-word regex for the live-agent keywords, the same rule the router
/// applies ("agent" matches "an agent please", not "agents").
fn handoff_regex(keywords: &[String]) -> String {
    let alternatives: Vec<String> = keywords
        .iter()
        .map(|k| {
            k.split_whitespace()
                .map(|word| {
                    word.chars()
                        .map(|c| {
                            if c.is_alphanumeric() {
                                c.to_string()
                            } else {
                                format!("\\{c}")
                            }
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\\s+")
        })
        .filter(|k| !k.is_empty())
        .collect();
    format!("(?i)\\b({})\\b", alternatives.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interactions_endpoint_is_set_only_with_a_key_and_a_public_url() {
        fn load<const N: usize>(env: [(&str, &str); N]) -> Settings {
            Settings::load(
                crate::config::FileConfig::default(),
                &env,
                crate::config::Needs::Discord,
            )
            .expect("valid")
        }
        assert_eq!(
            interactions_url("https://b.example/"),
            "https://b.example/discord/interactions"
        );
        let (token, app, guild) = (
            ("DISCORD_TOKEN", "t"),
            ("DISCORD_APPLICATION_ID", "11"),
            ("DISCORD_GUILD_ID", "22"),
        );
        let key = (
            "DISCORD_PUBLIC_KEY",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        );
        let url = ("FLEXCORD_PUBLIC_URL", "https://b.example/");
        assert_eq!(endpoint_to_set(&load([token, app, guild, url])), None);
        assert_eq!(
            endpoint_to_set(&load([token, app, guild, key, url])).as_deref(),
            Some("https://b.example/discord/interactions")
        );
        assert_eq!(endpoint_to_set(&load([token, app, guild, key])), None);
    }

    #[test]
    fn shipped_flow_fills_every_placeholder_and_points_at_the_bridge() {
        let flow = studio_flow(&RouterConfig::default(), "https://b.example/", "WW1", "TC1")
            .expect("valid");
        let text = flow.to_string();
        assert!(text.contains("https://b.example/chatbot-to-discord"));
        assert!(text.contains("https://b.example/studio-task-created"));
        assert!(text.contains("\"WW1\""));
        assert!(text.contains("live\\\\s+agent"), "{text}");
        assert_eq!(flow["initial_state"], "Trigger");
    }

    #[test]
    fn handoff_regex_matches_whole_words_and_escapes_punctuation() {
        let keywords = vec![
            "agent".to_owned(),
            "live agent".to_owned(),
            "a.b".to_owned(),
        ];
        assert_eq!(
            handoff_regex(&keywords),
            r"(?i)\b(agent|live\s+agent|a\.b)\b"
        );
    }
}
