//! Command registration and guild set-up against the REST fake.

use discord_fake::fixtures::{APPLICATION_ID, BOT_USER_ID, GUILD_ID};
use discord_fake::rest;
use flexcord_discord::{register_commands, setup_guild};

use crate::rest_and_chat;

const SEND_MESSAGES: u64 = 1 << 11;

#[tokio::test]
async fn commands_are_registered_in_one_bulk_put() {
    let (server, _rest, chat) = rest_and_chat().await;
    register_commands(chat.http(), APPLICATION_ID)
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
    assert_eq!(names, ["helpme", "bug", "new_feature", "case"]);
    // /bug works in the server and in the bot's DM (contexts 0 = guild, 1 = bot DM).
    assert_eq!(body[1]["contexts"], serde_json::json!([0, 1]));
    assert_eq!(body[3]["contexts"], serde_json::json!([0]));
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
