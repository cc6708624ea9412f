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

/// Mia asks for an agent in studio mode; returns her conversation once the flow has created
/// the task and reported it to the bridge (its HTTP Request after Send to Flex).
async fn studio_hand_off(world: &World, mia: &Player) -> String {
    world.dm(mia, "agent");
    let conversation = world.conversation_of(mia).await.sid;
    world
        .twilio
        .wait_for_interaction_for(&conversation, WAIT)
        .await
        .expect("Send to Flex");
    world
        .twilio
        .wait_until("the flow reported the task", WAIT, |fake| {
            fake.deliveries()
                .iter()
                .find(|d| {
                    d.url
                        .as_deref()
                        .is_some_and(|u| u.ends_with("/studio-task-created"))
                })
                .map(|_| ())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", world.log_tail()));
    conversation
}

#[tokio::test]
async fn studio_mode_a_second_hand_off_word_creates_no_second_task_and_the_task_shows_the_players_name()
 {
    let world = World::start_with(Options {
        studio: true,
        ..Options::default()
    })
    .await;
    let mia = Player::new("Mia");
    let conversation = studio_hand_off(&world, &mia).await;

    let tasks = world.twilio.interactions();
    assert_eq!(
        tasks[0].task_attributes()["from"],
        "Mia",
        "Flex names the task after the player, not discord:<id>: {:#?}",
        tasks[0].task_attributes()
    );

    // Still waiting, Mia asks again. Twilio leaves the flow's webhook on the conversation
    // unless the bridge removes it; the flow would run Send to Flex a second time.
    world.dm(&mia, "agent??");
    world
        .twilio
        .wait_until("the second message relayed", WAIT, |fake| {
            fake.messages(&conversation)
                .iter()
                .find(|m| m.body.as_deref() == Some("agent??"))
                .map(|_| ())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", world.log_tail()));
    // The agent's message is delivered after everything queued before it on the
    // conversation, the flow's run for "agent??" included.
    world
        .twilio
        .agent_join(&conversation, "gina", "Gina")
        .await
        .expect("join");
    world
        .twilio
        .agent_say(&conversation, "gina", "Hi Mia", vec![])
        .await
        .expect("say");
    let tasks = world.twilio.interactions();
    assert_eq!(
        tasks.len(),
        1,
        "one task for one player: {tasks:#?}\n{}",
        world.log_tail()
    );
}

#[tokio::test]
async fn studio_mode_end_chat_closes_the_interaction_channel_not_the_conversation() {
    let world = World::start_with(Options {
        studio: true,
        ..Options::default()
    })
    .await;
    let mia = Player::new("Mia");
    let conversation = studio_hand_off(&world, &mia).await;
    world
        .twilio
        .agent_join(&conversation, "gina", "Gina")
        .await
        .expect("join");
    // "Case #… created", then "Gina joined": the chat is live on the bridge's side.
    world.dm_messages(&mia, 2).await;

    world.press(&mia, "fc:end");
    world
        .twilio
        .wait_until("interaction channel closed", WAIT, |fake| {
            fake.interaction_for(&conversation)
                .filter(|i| i.channel_status == "closed")
                .map(|_| ())
        })
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{e}: {:#?}\n{}",
                world.twilio.interactions(),
                world.log_tail()
            )
        });
    let closed_underneath: Vec<_> = world
        .twilio
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST"
                && r.path == format!("/v1/Conversations/{conversation}")
                && r.form.iter().any(|(k, v)| k == "State" && v == "closed")
        })
        .collect();
    assert!(
        closed_underneath.is_empty(),
        "Flex closes the conversation when its task completes; the bridge must not: {closed_underneath:#?}"
    );
}
