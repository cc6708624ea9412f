//! Interactions over HTTP (`POST /discord/interactions`, on with `DISCORD_PUBLIC_KEY`): Discord
//! signs each one; flexcord answers only genuine, fresh ones, routes them like gateway
//! interactions, and answers with the router's reply as the HTTP response.

use discord_fake::fixtures::InteractionFixture;
use discord_fake::interactions::{Answer, InteractionSender, Signing};
use discord_fake::rest;
use serde_json::{Value, json};

use crate::harness::{Options, Player, World, next_id};

const PATH: &str = "/discord/interactions";

async fn world_with_endpoint() -> (World, InteractionSender) {
    let sender = InteractionSender::new();
    let world = World::start_with(Options {
        env: vec![("DISCORD_PUBLIC_KEY".to_owned(), sender.public_key_hex())],
        ..Options::default()
    })
    .await;
    (world, sender)
}

fn in_server(world: &World, player: &Player) -> InteractionFixture {
    InteractionFixture::in_guild(
        next_id(),
        player.fixture.clone(),
        world.channel("customer-service"),
        Vec::new(),
        0,
    )
}

async fn post(world: &World, sender: &InteractionSender, body: &Value, signing: Signing) -> Answer {
    sender
        .post(&world.url(PATH), body, signing)
        .await
        .expect("the bridge answers")
}

fn content(answer: &Answer) -> String {
    let json = answer.json().unwrap_or_default();
    json["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the player's DM shows an answer to something they wrote (any message but a
/// greeting); returns all messages' texts. Outbox entries of one DM are delivered in order, so
/// a greeting queued before that answer has been delivered by then.
async fn dm_until_answered(world: &World, player: &Player) -> Vec<String> {
    let mut n = 1;
    loop {
        let texts: Vec<String> = world
            .dm_messages(player, n)
            .await
            .iter()
            .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
            .collect();
        if texts.iter().any(|t| !t.contains("virtual support agent")) {
            return texts;
        }
        n = texts.len() + 1;
    }
}

fn greetings(texts: &[String]) -> usize {
    texts
        .iter()
        .filter(|t| t.contains("virtual support agent"))
        .count()
}

#[tokio::test]
async fn a_signed_helpme_is_answered_in_the_response_and_greets_in_the_dm() {
    let (world, sender) = world_with_endpoint().await;
    let ann = Player::new("Ann");
    let helpme = in_server(&world, &ann);

    let answer = post(
        &world,
        &sender,
        &helpme.slash_command("helpme", &[]),
        Signing::Valid,
    )
    .await;

    assert_eq!(answer.status, 200, "{answer:?}");
    let json = answer.json().expect("JSON answer");
    // The reply itself (type 4), ephemeral (flag 64), pinging nobody.
    assert_eq!(json["type"], 4, "{json}");
    assert_eq!(json["data"]["flags"], 64, "{json}");
    assert_eq!(
        json["data"]["allowed_mentions"]["parse"],
        json!([]),
        "{json}"
    );
    assert!(content(&answer).contains("Check your DMs"), "{json}");
    let texts = world.dm_messages(&ann, 1).await;
    assert_eq!(
        greetings(
            &texts
                .iter()
                .map(|m| m["content"].to_string())
                .collect::<Vec<_>>()
        ),
        1
    );
    // Answered in the response: no callback over REST.
    assert!(
        rest::interaction_callbacks(&world.discord)
            .await
            .iter()
            .all(|(id, _)| *id != helpme.id)
    );
}

#[tokio::test]
async fn discord_pings_get_pongs_and_only_when_signed() {
    let (world, sender) = world_with_endpoint().await;
    let ping = json!({
        "type": 1, "id": next_id().to_string(), "application_id": "1", "token": "ping-token",
        "version": 1
    });

    let pong = post(&world, &sender, &ping, Signing::Valid).await;
    assert_eq!((pong.status, pong.json()), (200, Some(json!({"type": 1}))));
    // Discord's probes of a new endpoint URL: both must be refused for Discord to keep it.
    assert_eq!(
        post(&world, &sender, &ping, Signing::Unsigned).await.status,
        401
    );
    assert_eq!(
        post(&world, &sender, &ping, Signing::OtherKey).await.status,
        401
    );
}

#[tokio::test]
async fn unsigned_forged_stale_or_altered_interactions_are_refused_and_do_nothing() {
    let (world, sender) = world_with_endpoint().await;
    let bo = Player::new("Bo");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut refused_ids = Vec::new();
    for signing in [
        Signing::Unsigned,
        Signing::OtherKey,
        Signing::At(now - 6 * 60),
        Signing::At(now + 6 * 60),
        Signing::Tampered(Vec::new()),
    ] {
        let fixture = in_server(&world, &bo);
        let body = fixture.slash_command("helpme", &[]);
        let (signed, signing) = match signing {
            // A genuine signature of another interaction, sent with this one's body.
            Signing::Tampered(_) => (
                in_server(&world, &bo).slash_command("helpme", &[]),
                Signing::Tampered(serde_json::to_vec(&body).expect("json")),
            ),
            other => (body, other),
        };
        let answer = post(&world, &sender, &signed, signing.clone()).await;
        assert_eq!(answer.status, 401, "{signing:?}: {answer:?}");
        refused_ids.push(fixture.id);
    }

    // Then a genuine one: its greeting is the only one, and none of the refused got a reply.
    let genuine = in_server(&world, &bo);
    let answer = post(
        &world,
        &sender,
        &genuine.slash_command("helpme", &[]),
        Signing::Valid,
    )
    .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    world.dm(&bo, "hello?");
    let texts = dm_until_answered(&world, &bo).await;
    assert_eq!(greetings(&texts), 1, "{texts:?}");
    for id in refused_ids {
        let token = format!("itoken-{id}");
        assert!(
            rest::requests(
                &world.discord,
                "PATCH",
                &format!("/api/v10/webhooks/*/{token}/messages/*")
            )
            .await
            .is_empty(),
            "refused interaction {id} was answered"
        );
    }
}

#[tokio::test]
async fn the_same_interaction_delivered_twice_has_one_effect() {
    let (world, sender) = world_with_endpoint().await;
    let cy = Player::new("Cy");
    let helpme = in_server(&world, &cy).slash_command("helpme", &[]);

    let first = post(&world, &sender, &helpme, Signing::Valid).await;
    let second = post(&world, &sender, &helpme, Signing::Valid).await;

    assert_eq!(first.status, 200, "{first:?}");
    assert!(content(&first).contains("Check your DMs"), "{first:?}");
    // The repeat is acknowledged (deferred) but does nothing.
    assert_eq!(second.status, 200, "{second:?}");
    assert_eq!(second.json().map(|j| j["type"].clone()), Some(json!(5)));
    world.dm(&cy, "hello?");
    let texts = dm_until_answered(&world, &cy).await;
    assert_eq!(greetings(&texts), 1, "{texts:?}");
}

#[tokio::test]
async fn report_commands_open_the_form_in_the_response_and_the_report_is_confirmed() {
    let (world, sender) = world_with_endpoint().await;
    let di = Player::new("Di");

    let form = post(
        &world,
        &sender,
        &in_server(&world, &di).slash_command("bug", &[]),
        Signing::Valid,
    )
    .await;
    assert_eq!(
        form.json().map(|j| j["type"].clone()),
        Some(json!(9)),
        "{form:?}"
    );

    let submit = in_server(&world, &di).modal_submit(
        "fc:form:bug",
        &[
            ("title", "Crash on launch"),
            ("description", "It closes at once."),
            ("steps", "Open it"),
            ("platform", "iOS 19"),
        ],
    );
    let confirmation = post(&world, &sender, &submit, Signing::Valid).await;
    assert_eq!(confirmation.status, 200, "{confirmation:?}");
    assert!(content(&confirmation).contains("#1001"), "{confirmation:?}");
    let card = world.channel_messages(world.channel("bug-report"), 1).await;
    assert!(card[0]["embeds"][0].to_string().contains("Crash on launch"));
}

#[tokio::test]
async fn oversized_and_unreadable_bodies_are_refused() {
    let (world, sender) = world_with_endpoint().await;
    let big = " ".repeat(65 * 1024);
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string();
    let signature = sender.sign(&timestamp, big.as_bytes());
    let (status, _) = world
        .post(
            PATH,
            &[
                ("content-type", "application/json"),
                ("x-signature-ed25519", &signature),
                ("x-signature-timestamp", &timestamp),
            ],
            big,
        )
        .await;
    assert_eq!(status, 413);
    let answer = sender
        .post_bytes(
            &world.url(PATH),
            b"{\"type\":2,\"id\":\"x\"}",
            Signing::Valid,
        )
        .await
        .expect("answer");
    assert_eq!(answer.status, 400, "{answer:?}");
    // Still serving.
    let ping = json!({"type": 1, "id": "1", "application_id": "1", "token": "t", "version": 1});
    assert_eq!(
        post(&world, &sender, &ping, Signing::Valid).await.status,
        200
    );
}

#[tokio::test]
async fn without_a_public_key_the_endpoint_is_off() {
    let world = World::start().await;
    let (status, _) = world.post(PATH, &[], "{}").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn setup_discord_points_the_application_at_the_endpoint() {
    let (world, sender) = world_with_endpoint().await;
    let application =
        discord_fake::application::mount_application(&world.discord, &sender.public_key_hex())
            .await;

    let printed = world.cli(&["setup", "discord"]).await;

    let url = world.url(PATH);
    assert!(
        printed.contains(&format!("Interactions Endpoint URL set to {url}")),
        "{printed}"
    );
    assert_eq!(application.interactions_endpoint_url(), Some(url));
}

#[tokio::test]
async fn setup_discord_refuses_another_applications_key() {
    let (world, _) = world_with_endpoint().await;
    let application = discord_fake::application::mount_application(
        &world.discord,
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    )
    .await;

    let out = world.cli_output(&["setup", "discord"]).await;

    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("DISCORD_PUBLIC_KEY is not this application's public key"),
        "{stderr}"
    );
    assert_eq!(application.interactions_endpoint_url(), None);
}
