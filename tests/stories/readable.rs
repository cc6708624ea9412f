//! What people read after a hand-off: the case is titled with the player's question (not the
//! hand-off phrase) and lists their messages with times; the agent's transcript in Flex is
//! plain text with the articles as titles and links; a player's file reaches Flex by name.

use discord_fake::fixtures::AttachmentFixture;

use crate::harness::{Player, WAIT, World};
use crate::live_chat::hand_off;

#[tokio::test]
async fn the_case_and_the_transcript_read_as_the_players_problem() {
    let world = World::start().await;
    let gus = Player::new("Gus");
    let conversation = hand_off(&world, &gus).await;

    // The transcript the agent reads first: no Markdown markers from the bot's answer.
    let transcript = world
        .twilio
        .messages(&conversation)
        .into_iter()
        .filter_map(|m| m.body)
        .find(|b| b.starts_with("Conversation so far:"))
        .expect("the transcript was posted");
    assert!(
        transcript.contains("Gus: My clan disappeared after the update, what happened?"),
        "{transcript}"
    );
    assert!(transcript.contains("Virtual agent:"), "{transcript}");
    assert!(
        !transcript.contains("**") && !transcript.contains("\n>"),
        "Markdown reached Flex: {transcript}"
    );
    assert!(
        transcript.contains("https://"),
        "article links kept: {transcript}"
    );

    // The case: the question as title, the messages as timestamped lines.
    let shown = world.cli(&["cases", "show", "1001"]).await;
    assert!(
        shown.contains("My clan disappeared after the update, what happened?"),
        "{shown}"
    );
    let title_line = shown.lines().next().unwrap_or_default();
    assert!(
        !title_line.contains("talk to a human"),
        "the hand-off phrase is not the title: {shown}"
    );
    assert!(
        shown.contains(" UTC] My clan disappeared after the update"),
        "timestamped description: {shown}"
    );
}

#[tokio::test]
async fn a_players_file_reaches_flex_with_its_name() {
    let world = World::start().await;
    let ivy = Player::new("Ivy");
    let conversation = hand_off(&world, &ivy).await;
    wiremock::Mock::given(wiremock::matchers::path("/cdn/crash.png"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_raw(vec![0x89, b'P', b'N', b'G'], "image/png"),
        )
        .mount(&world.discord)
        .await;
    let before = world.twilio.messages(&conversation).len();
    world.dm_with(
        &ivy,
        "here is the crash",
        &[AttachmentFixture {
            id: 91,
            filename: "crash.png".into(),
            url: format!("{}/cdn/crash.png", world.discord.uri()),
            content_type: Some("image/png".into()),
            size: 4,
        }],
    );
    world
        .twilio
        .wait_for_messages(&conversation, before + 1, WAIT)
        .await
        .expect("the file reached Flex");
    let names: Vec<Option<String>> = world
        .twilio
        .messages(&conversation)
        .into_iter()
        .flat_map(|m| m.media)
        .map(|m| m.filename)
        .collect();
    assert_eq!(names, [Some("crash.png".to_owned())]);
}
