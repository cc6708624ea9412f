//! Studio routing mode: every DM goes into the conversation, the (emulated) Studio flow sends
//! questions to `POST /chatbot-to-discord` and live-agent requests to Flex.

use crate::harness::{Options, Player, WAIT, World};

#[tokio::test]
async fn studio_mode_answers_through_the_flow_and_hands_off_through_send_to_flex() {
    let world = World::start_with(Options {
        studio: true,
        ..Options::default()
    })
    .await;
    let mia = Player::new("Mia");
    world.dm(&mia, "my game crashes right after the logo");
    let dm = world.dm_messages(&mia, 1).await;
    assert!(
        dm[0]["content"].as_str().unwrap().contains("crash"),
        "{}",
        dm[0]
    );
    let conversation = world.conversation_of(&mia).await;
    assert!(
        conversation
            .webhooks
            .iter()
            .any(|w| w.target == twilio_fake::WebhookTarget::Studio),
        "{:#?}",
        conversation.webhooks
    );

    world.dm(&mia, "agent");
    world
        .twilio
        .wait_for_interaction_for(&conversation.sid, WAIT)
        .await
        .expect("Send to Flex");
    let dm = world.dm_messages(&mia, 2).await;
    assert!(
        dm[1]["content"].as_str().unwrap().contains("Case #1001"),
        "{}",
        dm[1]
    );

    world
        .twilio
        .agent_join(&conversation.sid, "gina", "Gina")
        .await
        .expect("join");
    world
        .twilio
        .agent_say(&conversation.sid, "gina", "Hello from Flex", vec![])
        .await
        .expect("say");
    let dm = world.dm_messages(&mia, 4).await;
    assert!(dm.iter().any(|m| {
        m["content"]
            .as_str()
            .unwrap_or("")
            .contains("Hello from Flex")
    }));
}
