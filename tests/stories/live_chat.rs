//! S3 (live-agent hand-off), S4 (the agent joins; both directions relayed, no echo, nothing
//! doubled) and S5 (the chat ends, rating, transcript on the case).

use std::time::Duration;

use discord_fake::fixtures::AttachmentFixture;
use twilio_fake::{Attachment, StateChangeReason};

use crate::harness::{Player, WAIT, World};

/// Asks for an agent and waits for the Interaction; returns the conversation SID.
pub async fn hand_off(world: &World, player: &Player) -> String {
    world.dm(
        player,
        "My clan disappeared after the update, what happened?",
    );
    world.dm_messages(player, 1).await;
    world.dm(player, "I want to talk to a human please");
    let conversation = world.conversation_of(player).await;
    world
        .twilio
        .wait_for_interaction_for(&conversation.sid, WAIT)
        .await
        .expect("interaction");
    conversation.sid
}

#[tokio::test]
async fn asking_for_an_agent_creates_a_case_and_a_flex_task_with_the_transcript() {
    let world = World::start().await;
    let cara = Player::new("Cara");
    let conversation = hand_off(&world, &cara).await;

    let dm = world.dm_messages(&cara, 2).await;
    let told = dm[1]["content"].as_str().unwrap();
    assert!(told.starts_with("Case #1001 created"), "{told}");

    let interaction = world
        .twilio
        .interaction_for(&conversation)
        .expect("interaction");
    let attributes = interaction.task_attributes();
    assert_eq!(attributes["customerName"], "Cara");
    assert_eq!(attributes["channelType"], "chat");

    // The agent sees what was said to the bot before the hand-off.
    let messages = world.twilio.messages(&conversation);
    let transcript: String = messages
        .iter()
        .filter_map(|m| m.body.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(transcript.contains("My clan disappeared"), "{transcript}");
}

#[tokio::test]
async fn agent_and_user_talk_both_ways_without_echo_or_doubles() {
    let world = World::start().await;
    let dan = Player::new("Dan");
    let conversation = hand_off(&world, &dan).await;
    let before = world.dm_messages(&dan, 2).await.len();

    let joined = world
        .twilio
        .agent_join(&conversation, "alice@support.example", "Alice")
        .await
        .expect("join");
    assert_eq!(joined.status(), Some(200));
    let dm = world.dm_messages(&dan, before + 1).await;
    assert!(
        dm[before]["content"]
            .as_str()
            .unwrap()
            .contains("joined the chat"),
        "{}",
        dm[before]
    );

    // Agent → user, with a file.
    let said = world
        .twilio
        .agent_say(
            &conversation,
            "alice@support.example",
            "Hi Dan, can you send a screenshot?",
            vec![Attachment::new(
                "howto.png",
                "image/png",
                b"\x89PNG fake".to_vec(),
            )],
        )
        .await
        .expect("say");
    assert_eq!(said.status(), Some(200));
    let dm = world.dm_messages(&dan, before + 2).await;
    let relayed = dm.iter().find(|m| {
        m["content"]
            .as_str()
            .unwrap_or("")
            .contains("send a screenshot")
    });
    assert!(relayed.is_some(), "agent text relayed: {dm:#?}");

    // User → agent, with an attachment (the fake CDN is the wiremock server).
    wiremock::Mock::given(wiremock::matchers::path("/cdn/shot.png"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_raw(b"PNG!".to_vec(), "image/png"),
        )
        .mount(&world.discord)
        .await;
    let url = format!("{}/cdn/shot.png", world.discord.uri());
    let posted_before = world.twilio.messages(&conversation).len();
    world.dm_with(
        &dan,
        "here it is",
        &[AttachmentFixture {
            id: 77,
            filename: "shot.png".into(),
            url,
            content_type: Some("image/png".into()),
            size: 4,
        }],
    );
    world
        .twilio
        .wait_for_messages(&conversation, posted_before + 1, WAIT)
        .await
        .expect("relayed to Flex");
    let mine: Vec<_> = world
        .twilio
        .messages(&conversation)
        .into_iter()
        .filter(|m| m.author == dan.identity())
        .collect();
    assert!(
        mine.iter().any(|m| m.body.as_deref() == Some("here it is")),
        "{mine:#?}"
    );
    assert_eq!(
        mine.last().map(|m| m.media.len()),
        Some(1),
        "the screenshot reached Flex: {mine:#?}"
    );
    // And the agent's file reached Discord as an upload.
    let uploads: Vec<_> = discord_fake::rest::requests(
        &world.discord,
        "POST",
        &format!("/api/v10/channels/{}/messages", dan.dm()),
    )
    .await
    .iter()
    .flat_map(discord_fake::rest::uploaded_files)
    .collect();
    assert!(
        uploads.iter().any(|f| f.filename == "howto.png"),
        "{uploads:#?}"
    );

    // Give an echo every chance to show up, then check nothing came back or doubled.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts = world.dm_texts(&dan).await;
    assert!(
        !texts.iter().any(|t| t.contains("here it is")),
        "the user's own words echoed: {texts:#?}"
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("send a screenshot"))
            .count(),
        1,
        "{texts:#?}"
    );
}

#[tokio::test]
async fn the_same_signed_webhook_delivered_three_times_makes_one_dm_message() {
    let world = World::start().await;
    let eve = Player::new("Eve");
    let conversation = hand_off(&world, &eve).await;
    world
        .twilio
        .agent_join(&conversation, "bob", "Bob")
        .await
        .expect("join");
    world
        .twilio
        .agent_say(&conversation, "bob", "only once please", vec![])
        .await
        .expect("say");
    let retries = world
        .twilio
        .redeliver_last_webhook(&conversation, 2)
        .await
        .expect("redeliver");
    assert!(
        retries.iter().all(|d| d.status == Some(200)),
        "{retries:#?}"
    );

    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts = world.dm_texts(&eve).await;
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("only once please"))
            .count(),
        1,
        "{texts:#?}"
    );
}

#[tokio::test]
async fn closing_the_chat_asks_for_a_rating_and_files_rating_and_transcript_on_the_case() {
    let world = World::start().await;
    let fay = Player::new("Fay");
    let conversation = hand_off(&world, &fay).await;
    world
        .twilio
        .agent_join(&conversation, "carol", "Carol")
        .await
        .expect("join");
    world
        .twilio
        .agent_say(&conversation, "carol", "Your clan is restored.", vec![])
        .await
        .expect("say");
    // The user's thanks must reach Flex before the agent closes, to be in the transcript.
    let before = world.twilio.messages(&conversation).len();
    world.dm(&fay, "thank you so much");
    world
        .twilio
        .wait_for_messages(&conversation, before + 1, WAIT)
        .await
        .expect("the thanks reached Flex");

    let closed = world
        .twilio
        .close_conversation(&conversation, StateChangeReason::Api)
        .await
        .expect("close");
    assert_eq!(closed.status(), Some(200));
    let dm = world.dm_messages(&fay, 6).await;
    let rating_prompt = dm.iter().find(|m| {
        m["content"]
            .as_str()
            .unwrap_or("")
            .contains("Rate this chat")
    });
    let rating_prompt = rating_prompt.unwrap_or_else(|| panic!("no rating prompt: {dm:#?}"));
    let ids: Vec<String> = rating_prompt["components"][0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["custom_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 5, "{rating_prompt}");
    assert_eq!(ids[4], "fc:rate:1001:5");

    let pressed = world.press(&fay, "fc:rate:1001:5");
    let thanks = world.interaction_reply(pressed).await;
    assert!(
        thanks["content"].as_str().unwrap().contains("5/5"),
        "{thanks}"
    );

    // The case now carries the rating and the transcript.
    let shown = std::process::Command::new(env!("CARGO_BIN_EXE_flexcord"))
        .args(["cases", "show", "1001"])
        .env_clear()
        .env(
            "FLEXCORD_DATABASE_URL",
            world.bridge_env("FLEXCORD_DATABASE_URL"),
        )
        .output()
        .expect("cases show");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(text.contains("Rating:   5/5"), "{text}");
    assert!(
        text.contains("Your clan is restored."),
        "transcript on the case: {text}"
    );
    assert!(
        text.contains("thank you so much"),
        "transcript on the case: {text}"
    );

    // After rating, the DM is back with the virtual agent.
    let n = world.dm_texts(&fay).await.len();
    world.dm(&fay, "how do I reset my password?");
    let after = world.dm_messages(&fay, n + 1).await;
    assert!(
        after.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{:#?}",
        after.last()
    );
}

#[tokio::test]
async fn end_chat_button_closes_from_the_user_side_with_one_notice() {
    let world = World::start().await;
    let gus = Player::new("Gus");
    let conversation = hand_off(&world, &gus).await;
    world
        .twilio
        .agent_join(&conversation, "dave", "Dave")
        .await
        .expect("join");
    let n = world.dm_messages(&gus, 3).await.len();
    world.press(&gus, "fc:end");
    let interaction = world
        .twilio
        .interaction_for(&conversation)
        .expect("interaction");
    world
        .twilio
        .wait_until("interaction closed", WAIT, |fake| {
            fake.interaction_for(&conversation)
                .filter(|i| i.channel_status == "closed")
                .map(|_| ())
        })
        .await
        .unwrap_or_else(|e| {
            panic!(
                "interaction {} not closed: {e}\n{}",
                interaction.sid,
                world.log_tail()
            )
        });
    let dm = world.dm_messages(&gus, n + 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts = world.dm_texts(&gus).await;
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("The chat has ended"))
            .count(),
        1,
        "{texts:#?}"
    );
    assert!(dm.len() >= n + 2);
}
