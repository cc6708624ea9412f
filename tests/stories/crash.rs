//! "A crash or restart loses no acknowledged message and sends none twice": the binary is killed
//! with SIGKILL mid-conversation and restarted on the same database. Also: SIGTERM drains and
//! exits cleanly, and what players wrote while the bridge was stopped is relayed once it is back.

use crate::harness::{Player, WAIT, World};
use crate::live_chat::hand_off;

#[tokio::test]
async fn killed_mid_conversation_and_restarted_the_chat_goes_on_with_nothing_lost_or_doubled() {
    let mut world = World::start().await;
    let lee = Player::new("Lee");
    let conversation = hand_off(&world, &lee).await;
    world
        .twilio
        .agent_join(&conversation, "frank", "Frank")
        .await
        .expect("join");
    // Killed while Discord has not yet answered: the message is in flight, its lease held by
    // the process that dies. The next start must send it again at once, and only once.
    world.hold_dm_in_flight(&lee, "before the crash").await;
    world
        .twilio
        .agent_say(&conversation, "frank", "before the crash", vec![])
        .await
        .expect("say");
    world.dm_sent(&lee, "before the crash").await;

    world.crash_and_restart().await;

    // Both directions still work, on the same conversation, with the same agent.
    world
        .twilio
        .agent_say(&conversation, "frank", "after the crash", vec![])
        .await
        .expect("say");
    let before = world.twilio.messages(&conversation).len();
    world.dm(&lee, "still here");
    world
        .twilio
        .wait_for_messages(&conversation, before + 1, WAIT)
        .await
        .expect("relayed after restart");
    let dm = world.dm_messages(&lee, 5).await;
    let texts: Vec<String> = dm
        .iter()
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("before the crash"))
            .count(),
        1,
        "{texts:#?}"
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("after the crash"))
            .count(),
        1,
        "{texts:#?}"
    );
    assert_eq!(
        world.twilio.conversations().len(),
        1,
        "no second conversation was opened"
    );
    let still_here = world
        .twilio
        .messages(&conversation)
        .iter()
        .filter(|m| m.body.as_deref() == Some("still here"))
        .count();
    assert_eq!(still_here, 1);
}

#[tokio::test]
async fn sigterm_drains_and_exits_cleanly() {
    let mut world = World::start().await;
    assert!(
        world.terminate().await,
        "flexcord did not exit cleanly on SIGTERM:\n{}",
        world.log_tail()
    );
}

#[tokio::test]
async fn dms_written_while_the_bridge_was_stopped_reach_the_agent_once_it_is_back() {
    let mut world = World::start().await;
    let mia = Player::new("Mia");
    let conversation = hand_off(&world, &mia).await;
    world
        .twilio
        .agent_join(&conversation, "gina", "Gina")
        .await
        .expect("join");
    world.dm(&mia, "before the deploy");
    wait_relayed(&world, &conversation, "before the deploy").await;

    // A deploy: stopped, and Mia keeps writing. The stop outlasts the gateway session (it
    // expires), so Discord will never send those events again: only history has them.
    assert!(world.terminate().await, "clean stop:\n{}", world.log_tail());
    world.gateway.forget_sessions();
    world.dm_while_down(&mia, "are you still there?");
    world.dm_while_down(&mia, "hello?");
    world.start_again().await;

    wait_relayed(&world, &conversation, "hello?").await;
    let bodies = bodies(&world, &conversation);
    let count = |text: &str| bodies.iter().filter(|b| *b == text).count();
    let at = |text: &str| bodies.iter().position(|b| b == text);
    assert!(
        at("are you still there?") < at("hello?"),
        "in the order written: {bodies:#?}"
    );
    assert_eq!(count("are you still there?"), 1, "{bodies:#?}");
    assert_eq!(
        count("before the deploy"),
        1,
        "what was relayed before the stop is not relayed again: {bodies:#?}"
    );
    // And the chat goes on live.
    world.dm(&mia, "thanks");
    wait_relayed(&world, &conversation, "thanks").await;
}

#[tokio::test]
async fn a_dm_written_while_the_bridge_was_stopped_keeps_its_own_time_in_the_transcript() {
    let mut world = World::start().await;
    let mia = Player::new("Mia");
    let conversation = hand_off(&world, &mia).await;
    world
        .twilio
        .agent_join(&conversation, "gina", "Gina")
        .await
        .expect("join");
    assert!(world.terminate().await, "clean stop:\n{}", world.log_tail());
    // Written during the outage, at a time the replay can never be mistaken for.
    let mut written = discord_fake::fixtures::dm_message(
        crate::harness::message_id(),
        mia.dm(),
        &mia.fixture,
        "written during the outage",
        &[],
    );
    written["timestamp"] = serde_json::json!("2026-03-04T05:06:07.000000+00:00");
    world.rest.add_history(written);
    // Discord no longer resumes the session (it expired): the DM is caught up from history.
    world.gateway.forget_sessions();
    world.start_again().await;

    wait_relayed(&world, &conversation, "written during the outage").await;
    let messages = world.twilio.messages(&conversation);
    let relayed = messages
        .iter()
        .find(|m| m.body.as_deref() == Some("written during the outage"));
    assert_eq!(
        relayed.map(|m| m.date_created.as_str()),
        Some("2026-03-04T05:06:07Z"),
        "the agent sees when Mia wrote it, not when it was replayed: {messages:#?}"
    );
}

/// The bodies of the conversation's messages, in order.
fn bodies(world: &World, conversation: &str) -> Vec<String> {
    world
        .twilio
        .messages(conversation)
        .iter()
        .filter_map(|m| m.body.clone())
        .collect()
}

/// Waits until a message saying `text` is in the conversation.
async fn wait_relayed(world: &World, conversation: &str, text: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !bodies(world, conversation).iter().any(|b| b == text) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{text:?} never reached the agent:\n{}",
            world.log_tail()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
