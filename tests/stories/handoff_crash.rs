//! "Asking for an agent gives one case, one conversation, one transcript and one Flex task,
//! whatever crashes when": the hand-off's steps are held at Twilio one at a time (the fake
//! never answers the request), the binary is killed with SIGKILL while it waits, and started
//! again on the same database. Each run must end with exactly one of each remote object, and
//! the chat must work.

use std::time::Duration;

use crate::harness::{Player, WAIT, World};

/// Holds the hand-off's request `method route`, kills the bridge while it waits, restarts it
/// and checks that the hand-off completes with one of everything.
async fn crash_while_waiting_on(method: &str, route: &str) {
    let mut world = World::start().await;
    let ada = Player::new("Ada");
    world.dm(&ada, "My clan disappeared after the update, what happened?");
    world.dm_messages(&ada, 1).await;
    world.twilio.hold_next(method, route);
    world.dm(&ada, "I want to talk to a human please");
    let deadline = tokio::time::Instant::now() + WAIT;
    while world.twilio.held().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the hand-off never reached {method} {route}:\n{}",
            world.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    world.crash_and_restart().await;

    // The hand-off completes after the restart: the task exists, and a message written now
    // reaches the conversation — after the task step, which is ahead of it in the
    // conversation's queue, so nothing of the hand-off is still to be retried.
    world.dm_sent(&ada, "created").await;
    world.dm(&ada, "still there?");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let relayed = world.twilio.conversations().iter().any(|c| {
            world
                .twilio
                .messages(&c.sid)
                .iter()
                .any(|m| m.body.as_deref() == Some("still there?"))
        });
        if relayed {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the chat never worked after the crash at {method} {route}:\n{}",
            world.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let conversations = world.twilio.conversations();
    assert_eq!(
        conversations.len(),
        1,
        "one conversation (crash at {method} {route}): {conversations:#?}"
    );
    let conversation = &conversations[0];
    let participants: Vec<_> = conversation
        .participants
        .iter()
        .filter(|p| p.identity.as_deref() == Some(ada.identity().as_str()))
        .collect();
    assert_eq!(participants.len(), 1, "the player, once");
    let transcripts = world
        .twilio
        .messages(&conversation.sid)
        .iter()
        .filter(|m| {
            m.body
                .as_deref()
                .is_some_and(|b| b.starts_with("Conversation so far"))
        })
        .count();
    assert_eq!(transcripts, 1, "one transcript (crash at {method} {route})");
    let interactions = world.twilio.interactions();
    assert_eq!(
        interactions.len(),
        1,
        "one Flex task (crash at {method} {route}): {interactions:#?}"
    );
    assert_eq!(
        interactions[0].conversation_sid.as_deref(),
        Some(conversation.sid.as_str())
    );
    let forwards = conversation
        .webhooks
        .iter()
        .filter(|w| w.target == twilio_fake::WebhookTarget::Webhook)
        .count();
    assert_eq!(forwards, 1, "the bridge's webhook, once");
    let cases = world.cli(&["cases", "list"]).await;
    assert_eq!(
        cases.lines().filter(|l| l.contains("#10")).count(),
        1,
        "one case (crash at {method} {route}): {cases}"
    );
    let told: Vec<String> = world
        .dm_texts(&ada)
        .await
        .into_iter()
        .filter(|t| t.contains("created"))
        .collect();
    assert_eq!(told.len(), 1, "told the case number once: {told:#?}");
    assert!(told[0].starts_with("Case #1001 created"), "{told:#?}");
}

#[tokio::test]
async fn a_crash_before_the_conversation_is_created_hands_off_once() {
    crash_while_waiting_on("POST", "/v1/Conversations").await;
}

#[tokio::test]
async fn a_crash_after_the_conversation_is_created_hands_off_once() {
    crash_while_waiting_on("POST", "/v1/Conversations/{sid}/Participants").await;
}

#[tokio::test]
async fn a_crash_while_the_conversation_is_set_up_hands_off_once() {
    crash_while_waiting_on("POST", "/v1/Conversations/{sid}/Webhooks").await;
}

#[tokio::test]
async fn a_crash_before_the_transcript_is_posted_hands_off_once() {
    crash_while_waiting_on("POST", "/v1/Conversations/{sid}/Messages").await;
}

#[tokio::test]
async fn a_crash_before_the_flex_task_is_created_hands_off_once() {
    crash_while_waiting_on("POST", "/v1/Interactions").await;
}

#[tokio::test]
async fn a_crash_after_the_flex_task_is_created_hands_off_once() {
    crash_while_waiting_on("GET", "/v1/Interactions/{kd}/Channels/{uo}").await;
}
