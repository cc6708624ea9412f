//! Interactions that Discord POSTs to the bot's Interactions Endpoint URL instead of sending
//! them over the gateway: parse the (already verified, see [`crate::signature`]) body, and decide
//! what the HTTP response is, with the same translation as the gateway path
//! ([`crate::translate::translate_interaction`]). The binary serves the endpoint and carries the
//! decision out: a [`Decision::Route`] goes through the router, whose reply may become the
//! response itself.

use std::collections::HashMap;
use std::time::Duration;

use flexcord_core::case::CaseKind;
use flexcord_core::config::Templates;
use flexcord_core::event::{DiscordEvent, InteractionHandle};
use flexcord_core::ids::UserId;
use flexcord_core::locale::Locales;
use flexcord_core::log_safe::escape_for_log;
use serde::Deserialize;
use twilight_http::Client;
use twilight_model::application::interaction::{Interaction, InteractionData};
use twilight_model::http::interaction::{InteractionResponse, InteractionResponseType};

use crate::chat::{DiscordChat, ack_response};
use crate::commands::{CASE, report_form};
use crate::error::DiscordError;
use crate::guild::fetch_roles;
use crate::send::send;
use crate::translate::{Ack, Context, Inbound, translate_interaction};

/// How long a `/case` may wait for the guild's roles before deciding without them (the
/// gateway path's budget: the whole answer must be back within Discord's 3 s).
const ROLE_FETCH_BUDGET: Duration = Duration::from_millis(1500);

/// What arrived at the endpoint.
#[derive(Debug)]
pub enum Incoming {
    /// Type 1: Discord checking that the endpoint answers (answer [`pong`]).
    Ping,
    /// Anything else, as twilight reads it.
    Interaction(Box<Interaction>),
}

/// Why a body could not be read. The message never quotes the body (it may hold a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not JSON, or no numeric `type`.
    #[error("not an interaction (no JSON object with a numeric type)")]
    NotAnInteraction,
    /// An interaction twilight cannot read (where, never what).
    #[error("interaction not readable: {0}")]
    Unreadable(String),
}

/// Reads a verified body.
///
/// # Errors
///
/// [`ParseError`] when it is not an interaction twilight can read.
pub fn parse(body: &[u8]) -> Result<Incoming, ParseError> {
    #[derive(Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: u8,
    }
    let head: Head = serde_json::from_slice(body).map_err(|_| ParseError::NotAnInteraction)?;
    if head.kind == 1 {
        return Ok(Incoming::Ping);
    }
    serde_json::from_slice::<Interaction>(body)
        .map(|i| Incoming::Interaction(Box::new(i)))
        // Only where and what kind: serde's message may quote a value (a token, a user's text).
        .map_err(|e| {
            ParseError::Unreadable(format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ))
        })
}

/// The answer to a PING.
#[must_use]
pub const fn pong() -> InteractionResponse {
    InteractionResponse {
        kind: InteractionResponseType::Pong,
        data: None,
    }
}

/// What to answer an interaction with.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per HTTP request, moved once into its handler, never stored"
)]
pub enum Decision {
    /// Answer with this and nothing else (the report form; a deferred update for a button
    /// flexcord does not know).
    Respond(Box<InteractionResponse>),
    /// Hand `event` to the router; answer with the router's reply when it comes in time, else
    /// with `ack` (the reply then follows as the gateway path's does).
    Route {
        /// How to acknowledge when the router's reply is not there in time.
        ack: Ack,
        /// What the router handles.
        event: DiscordEvent,
    },
    /// Nothing flexcord acts on (no user or channel, a type it never registered).
    Unhandled,
}

/// Decides what to do with a verified interaction: the gateway path's translation, with the
/// served guild's roles (fetched within a budget for a `/case` when a staff role is set and
/// none are cached: an instance without the gateway has no cache).
pub async fn decide(
    chat: &DiscordChat,
    interaction: &Interaction,
    staff_role: Option<&str>,
    application_id: u64,
) -> Decision {
    let roles = roles_for(chat, interaction, staff_role).await;
    let ctx = Context {
        bot_user: (application_id != 0).then_some(UserId(application_id)),
        role_names: &roles,
    };
    let inbound = translate_interaction(interaction, &ctx);
    if let Inbound::AckOnly(handle) = &inbound {
        // Answered with a deferred update: a reply (there is none today) would follow up.
        chat.note_deferred_update(handle.id);
    }
    decision(inbound, chat.locales())
}

/// The decision for a translation (pure; [`decide`] without the role look-up). Forms are
/// labelled from `locales` in the user's language.
#[must_use]
pub fn decision(inbound: Inbound, locales: &Locales) -> Decision {
    match inbound {
        Inbound::AckThenEmit(ack, event) => Decision::Route { ack, event },
        Inbound::OpenForm(_, kind, locale) => {
            let texts = locales.find(locale.as_deref()).cloned().unwrap_or_default();
            form(kind, &texts).map_or(Decision::Unhandled, |f| Decision::Respond(Box::new(f)))
        }
        Inbound::AckOnly(_) => Decision::Respond(Box::new(ack_response(Ack::DeferUpdate))),
        // A DM never comes from translating an interaction.
        Inbound::Ignore | Inbound::Emit(_) => Decision::Unhandled,
    }
}

/// The interaction `event` answers, if it is one.
#[must_use]
pub const fn handle_of(event: &DiscordEvent) -> Option<&InteractionHandle> {
    match event {
        DiscordEvent::Command { interaction, .. }
        | DiscordEvent::ReportSubmitted { interaction, .. }
        | DiscordEvent::Button { interaction, .. }
        | DiscordEvent::Malformed { interaction, .. } => Some(interaction),
        DiscordEvent::DirectMessage { .. } => None,
    }
}

/// Sets the application's Interactions Endpoint URL (`PATCH /applications/@me`), which makes
/// Discord send interactions to `url` instead of over the gateway. Discord first checks the URL
/// itself — a PING it must answer with PONG, and wrongly signed requests it must refuse — and
/// refuses the change when the endpoint fails that. Returns the URL Discord now has.
///
/// # Errors
///
/// [`DiscordError::Api`] when Discord refuses (the endpoint not reachable or not verifying,
/// a bad token).
pub async fn set_endpoint_url(http: &Client, url: &str) -> Result<Option<String>, DiscordError> {
    let response = send(
        http.update_current_user_application()
            .interactions_endpoint_url(url),
    )
    .await?;
    // The change is made; an answer we cannot read only leaves the report without the URL.
    Ok(response
        .model()
        .await
        .ok()
        .and_then(|application| application.interactions_endpoint_url))
}

/// What Discord has for the application: where it sends interactions, and its public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStatus {
    /// The Interactions Endpoint URL; `None` or empty: over the gateway.
    pub url: Option<String>,
    /// The application's public key (hex), what `DISCORD_PUBLIC_KEY` must be.
    pub verify_key: String,
}

/// Reads the application's Interactions Endpoint URL and public key (`GET /applications/@me`),
/// for `setup discord` (is the configured key this application's?) and `check`.
///
/// # Errors
///
/// [`DiscordError::Api`] when Discord refuses or its answer cannot be read.
pub async fn endpoint_status(http: &Client) -> Result<EndpointStatus, DiscordError> {
    let application = send(http.current_user_application())
        .await?
        .model()
        .await
        .map_err(|e| {
            DiscordError::Api(flexcord_core::ports::ChatError::Rejected(format!(
                "unreadable application: {}",
                escape_for_log(&e.to_string())
            )))
        })?;
    Ok(EndpointStatus {
        url: application
            .interactions_endpoint_url
            .filter(|u| !u.is_empty()),
        verify_key: application.verify_key,
    })
}

fn form(kind: CaseKind, texts: &Templates) -> Option<InteractionResponse> {
    report_form(kind, texts).map(|data| InteractionResponse {
        kind: InteractionResponseType::Modal,
        data: Some(data),
    })
}

async fn roles_for(
    chat: &DiscordChat,
    interaction: &Interaction,
    staff_role: Option<&str>,
) -> HashMap<u64, String> {
    let cache = chat.guild_cache();
    let is_case = matches!(
        &interaction.data,
        Some(InteractionData::ApplicationCommand(c)) if c.name == CASE
    );
    if staff_role.is_some_and(|r| !r.trim().is_empty()) && !cache.has_roles() && is_case {
        match tokio::time::timeout(ROLE_FETCH_BUDGET, fetch_roles(chat.http(), chat.guild_id()))
            .await
        {
            Ok(Ok(roles)) => cache.set_roles(&roles),
            Ok(Err(error)) => tracing::warn!(
                error = %escape_for_log(&error.to_string()),
                "could not load guild roles for the staff check"
            ),
            Err(_) => tracing::warn!(
                "loading guild roles took too long; staff check uses permissions only"
            ),
        }
    }
    cache.role_names()
}

#[cfg(test)]
mod tests {
    use discord_fake::fixtures::{FixtureUser, InteractionFixture};
    use flexcord_core::event::Command;

    use super::*;

    fn body(value: &serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(value).unwrap_or_default()
    }

    fn translated(value: &serde_json::Value) -> Decision {
        let Ok(Incoming::Interaction(interaction)) = parse(&body(value)) else {
            panic!("not parsed: {value}");
        };
        let roles = HashMap::new();
        let ctx = Context {
            bot_user: None,
            role_names: &roles,
        };
        decision(
            translate_interaction(&interaction, &ctx),
            &Locales::default(),
        )
    }

    fn fixture() -> InteractionFixture {
        InteractionFixture::in_dm(7001, FixtureUser::human(42, "ana"), 99)
    }

    #[test]
    fn a_ping_is_read_without_the_rest() {
        assert!(matches!(
            parse(br#"{"type":1,"id":"1","application_id":"2","token":"t","version":1}"#),
            Ok(Incoming::Ping)
        ));
        assert_eq!(
            serde_json::to_value(pong()).ok(),
            Some(serde_json::json!({"type": 1}))
        );
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for bad in [
            &b""[..],
            b"null",
            b"[]",
            b"{\"type\":\"1\"}",
            b"{\"type\":2}",
            b"{\"type\":300}",
            b"\xff\xfe",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_parse_error_never_quotes_the_body() {
        let body = br#"{"type":2,"id":"1","application_id":"2","token":"hunter2-token","version":"hunter2"}"#;
        let Err(error) = parse(body) else {
            panic!("parsed");
        };
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn commands_are_routed_as_on_the_gateway() {
        let Decision::Route { ack, event } = translated(&fixture().slash_command("helpme", &[]))
        else {
            panic!("not routed");
        };
        assert_eq!(ack, Ack::DeferEphemeral);
        assert!(matches!(
            event,
            DiscordEvent::Command {
                command: Command::HelpMe,
                ..
            }
        ));
        assert_eq!(handle_of(&event).map(|h| h.id), Some(7001));
    }

    #[test]
    fn report_commands_answer_with_the_form_and_unknown_buttons_with_an_update() {
        let Decision::Respond(form) = translated(&fixture().slash_command("bug", &[])) else {
            panic!("no form");
        };
        assert_eq!(form.kind, InteractionResponseType::Modal);
        let Decision::Respond(update) = translated(&fixture().button_click("nonsense")) else {
            panic!("no update");
        };
        assert_eq!(update.kind, InteractionResponseType::DeferredUpdateMessage);
    }
}
