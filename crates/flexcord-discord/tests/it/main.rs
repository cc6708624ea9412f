//! The adapter end to end against local fakes: the fake gateway from `discord-fake` and a wiremock
//! Discord REST API. Nothing here reaches the internet.

// Test helpers outside #[test] fns fail loudly on broken fixtures; that is their job.
#![expect(
    clippy::panic,
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

mod chat;
mod gateway;
mod resume;
mod setup;

use std::sync::Arc;
use std::time::Duration;

use discord_fake::FakeGateway;
use discord_fake::fixtures::{APPLICATION_ID, GUILD_ID};
use discord_fake::rest::{FakeDiscordRest, mount_discord_defaults};
use flexcord_discord::{DiscordChat, DiscordConfig, build_http};
use wiremock::MockServer;

/// Upper bound for anything to arrive; tests finish as soon as it does.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn config(gateway: Option<&FakeGateway>, rest: &MockServer) -> DiscordConfig {
    DiscordConfig {
        token: "test-token".to_owned().into(),
        application_id: APPLICATION_ID,
        guild_id: GUILD_ID,
        gateway_url: gateway.map(|g| g.url().to_owned()),
        api_proxy: Some(rest.address().to_string()),
        staff_role: Some("Support".to_owned()),
        global_rate_limit: None,
    }
}

/// A fresh REST fake with defaults, and a chat surface pointed at it.
pub(crate) async fn rest_and_chat() -> (MockServer, FakeDiscordRest, DiscordChat) {
    let server = MockServer::start().await;
    let rest = mount_discord_defaults(&server).await;
    let config = config(None, &server);
    let http = Arc::new(build_http(&config).expect("valid config"));
    let chat = DiscordChat::new(http, &config).expect("valid ids");
    (server, rest, chat)
}
