//! Command registration and guild set-up against the REST fake.

use std::time::Duration;

use discord_fake::fixtures::{APPLICATION_ID, BOT_USER_ID, GUILD_ID};
use discord_fake::rest;
use flexcord_core::config::Templates;
use flexcord_core::locale::Locales;
use flexcord_core::ports::ChatError;
use flexcord_discord::send::MAX_SENDS;
use flexcord_discord::{DiscordError, register_commands, setup_guild};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::rest_and_chat;

const SEND_MESSAGES: u64 = 1 << 11;

#[tokio::test]
async fn commands_are_registered_in_one_bulk_put() {
    let (server, _rest, chat) = rest_and_chat().await;
    let hindi = Templates {
        command_helpme_name: "मदद".into(),
        command_helpme: "निजी संदेश में सहायता से बात करें".into(),
        ..Templates::default()
    };
    let locales = Locales::new(
        "en",
        [
            ("en".to_owned(), Templates::default()),
            ("hi".to_owned(), hindi),
        ]
        .into(),
    );
    register_commands(chat.http(), APPLICATION_ID, &locales)
        .await
        .expect("registered");
    let puts = rest::requests(
        &server,
        "PUT",
        &format!("/api/v10/applications/{APPLICATION_ID}/commands"),
    )
    .await;
    assert_eq!(puts.len(), 1);
    let body = rest::json_body(&puts[0]).expect("json");
    let names: Vec<&str> = body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["helpme", "bug", "new_feature", "case", "block", "unblock"]
    );
    // /bug works in the server and in the bot's DM (contexts 0 = guild, 1 = bot DM).
    assert_eq!(body[1]["contexts"], serde_json::json!([0, 1]));
    // The staff commands only in the server; /block names a user (option type 6).
    for staff in 3..6 {
        assert_eq!(body[staff]["contexts"], serde_json::json!([0]));
    }
    assert_eq!(body[4]["options"][0]["type"], 6);
    // A Hindi client shows the command in Hindi.
    assert_eq!(body[0]["name_localizations"]["hi"], "मदद");
    assert_eq!(
        body[0]["description_localizations"]["hi"],
        "निजी संदेश में सहायता से बात करें"
    );
}

#[tokio::test]
async fn guild_setup_is_idempotent_and_announcements_read_only() {
    let (server, rest, chat) = rest_and_chat().await;
    rest.add_channel("customer-service");

    let first = setup_guild(chat.http(), GUILD_ID, BOT_USER_ID)
        .await
        .expect("first run");
    assert_eq!(
        first.created,
        ["announcements", "bug-report", "feature-request"]
    );
    assert_eq!(first.existing, ["customer-service"]);

    let second = setup_guild(chat.http(), GUILD_ID, BOT_USER_ID)
        .await
        .expect("second run");
    assert!(second.created.is_empty() && second.fixed.is_empty());
    assert_eq!(
        rest::requests(&server, "POST", "/api/v10/guilds/*/channels")
            .await
            .len(),
        3
    );

    let announcements = rest.channel_named("announcements").expect("created");
    let overwrites = announcements["permission_overwrites"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let everyone = overwrites
        .iter()
        .find(|o| o["id"].as_str() == Some(GUILD_ID.to_string().as_str()))
        .expect("@everyone overwrite");
    let deny: u64 = everyone["deny"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    assert_ne!(
        deny & SEND_MESSAGES,
        0,
        "@everyone may not post in #announcements"
    );
    let bot = overwrites
        .iter()
        .find(|o| o["id"].as_str() == Some(BOT_USER_ID.to_string().as_str()))
        .expect("bot overwrite");
    let allow: u64 = bot["allow"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    assert_ne!(
        allow & SEND_MESSAGES,
        0,
        "the bot may post in #announcements"
    );
}

#[tokio::test]
async fn existing_writable_announcements_is_made_read_only() {
    let (server, rest, chat) = rest_and_chat().await;
    for name in [
        "announcements",
        "bug-report",
        "feature-request",
        "customer-service",
    ] {
        rest.add_channel(name);
    }
    let report = setup_guild(chat.http(), GUILD_ID, BOT_USER_ID)
        .await
        .expect("run");
    assert!(report.created.is_empty());
    assert_eq!(report.fixed, ["announcements"]);
    assert_eq!(
        rest::requests(&server, "PUT", "/api/v10/channels/*/permissions/*")
            .await
            .len(),
        2
    );
    let again = setup_guild(chat.http(), GUILD_ID, BOT_USER_ID)
        .await
        .expect("run");
    assert!(again.fixed.is_empty());
}

/// What Cloudflare answers a client it is about to ban, or a global limit: no bucket to wait for.
fn unbucketed_429() -> ResponseTemplate {
    ResponseTemplate::new(429).insert_header("retry-after", "3600")
}

#[tokio::test]
async fn registering_commands_gives_up_on_a_429_storm_instead_of_hammering() {
    let (server, _rest, chat) = rest_and_chat().await;
    Mock::given(method("PUT"))
        .and(path(format!(
            "/api/v10/applications/{APPLICATION_ID}/commands"
        )))
        .respond_with(unbucketed_429())
        .with_priority(1)
        .expect(MAX_SENDS as u64)
        .mount(&server)
        .await;
    let registered = tokio::time::timeout(
        Duration::from_secs(30),
        register_commands(chat.http(), APPLICATION_ID, &Locales::default()),
    )
    .await
    .expect("registration must give up, not retry for ever");
    assert!(
        matches!(
            registered,
            Err(DiscordError::Api(ChatError::RateLimited { .. }))
        ),
        "{registered:?}"
    );
}

#[tokio::test]
async fn guild_setup_gives_up_on_a_429_storm_instead_of_hammering() {
    let (server, _rest, chat) = rest_and_chat().await;
    Mock::given(method("POST"))
        .and(path(format!("/api/v10/guilds/{GUILD_ID}/channels")))
        .respond_with(unbucketed_429())
        .with_priority(1)
        .expect(MAX_SENDS as u64)
        .mount(&server)
        .await;
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        setup_guild(chat.http(), GUILD_ID, BOT_USER_ID),
    )
    .await
    .expect("set-up must give up, not retry for ever");
    assert!(
        matches!(
            report,
            Err(DiscordError::Api(ChatError::RateLimited { .. }))
        ),
        "{report:?}"
    );
}
