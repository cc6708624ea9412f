//! "A crash or restart loses no acknowledged message and sends none twice": the binary is killed
//! with SIGKILL mid-conversation and restarted on the same database. Also: SIGTERM drains and
//! exits cleanly.

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
