//! Files that cannot go to Flex (issue 15): a zero-byte file, which Twilio's media upload
//! refuses, never takes the user's words with it. The text reaches the agent with a note in the
//! file's place, and the user is told which file did not go through.

use discord_fake::fixtures::AttachmentFixture;

use crate::harness::{Player, WAIT, World};
use crate::live_chat::hand_off;

#[tokio::test]
async fn a_zero_byte_file_does_not_take_the_text_with_it() {
    let world = World::start().await;
    let eve = Player::new("Eve");
    let conversation = hand_off(&world, &eve).await;
    let before = world.dm_messages(&eve, 2).await.len();
    world
        .twilio
        .agent_join(&conversation, "alice@support.example", "Alice")
        .await
        .expect("join");
    let before = world.dm_messages(&eve, before + 1).await.len();

    // The fake CDN (the Discord fake's wiremock server) serves the empty file.
    wiremock::Mock::given(wiremock::matchers::path("/cdn/empty.log"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_raw(Vec::new(), "text/plain"))
        .mount(&world.discord)
        .await;
    let url = format!("{}/cdn/empty.log", world.discord.uri());
    let posted_before = world.twilio.messages(&conversation).len();
    world.dm_with(
        &eve,
        "my log is attached",
        &[AttachmentFixture {
            id: 78,
            filename: "empty.log".into(),
            url,
            content_type: Some("text/plain".into()),
            size: 0,
        }],
    );
    world
        .twilio
        .wait_for_messages(&conversation, posted_before + 1, WAIT)
        .await
        .expect("the text reached Flex");
    let mine: Vec<_> = world
        .twilio
        .messages(&conversation)
        .into_iter()
        .filter(|m| m.author == eve.identity())
        .filter_map(|m| m.body)
        .collect();
    assert!(
        mine.iter().any(|b| b.contains("my log is attached")
            && b.contains("[file empty.log not attached: it is empty]")),
        "{mine:#?}"
    );

    let dm = world.dm_messages(&eve, before + 1).await;
    let told = dm.iter().skip(before).any(|m| {
        let text = m["content"].as_str().unwrap_or("");
        text.contains("empty.log") && text.contains("could not be passed on")
    });
    assert!(told, "the user was told: {dm:#?}");
}
