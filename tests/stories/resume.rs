//! A restarted bridge resumes its own gateway session: Discord replays what was dispatched
//! while it was down — DMs *and* interactions, which no history read could recover — and
//! nothing is read from DM history. Only when Discord refuses the resume does the bridge
//! identify anew and catch up on DMs from history.

use discord_fake::rest;

use crate::harness::{Player, World};

#[tokio::test]
async fn a_restarted_bridge_resumes_and_gets_the_dms_and_interactions_sent_while_it_was_down() {
    let mut world = World::start().await;
    let ann = Player::new("Ann");
    world.dm(&ann, "I bought gems but they never showed up in my account");
    world.dm_messages(&ann, 1).await;

    assert!(world.terminate().await, "clean exit");
    // While the bridge is down: a DM and a /helpme in the server. Discord keeps both for the
    // session; the interaction exists nowhere else.
    world.dm(&ann, "How do I reset my password?");
    let helpme = world.slash(&ann, "helpme", false, &[]);
    let history = format!("/api/v10/channels/{}/messages", ann.dm());
    let read_before = rest::requests(&world.discord, "GET", &history).await.len();

    world.start_again().await;
    let reply = world.interaction_reply(helpme).await;
    assert!(
        reply["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Check your DMs"),
        "{reply}"
    );
    // The bot's answer to the DM written while down, and the /helpme greeting.
    world.dm_messages(&ann, 3).await;
    let log = world.gateway.log();
    assert_eq!(
        (log.identifies.len(), log.resumes.len(), log.refused_resumes),
        (1, 1, 0),
        "the session was resumed, not replaced"
    );
    assert_eq!(
        rest::requests(&world.discord, "GET", &history).await.len(),
        read_before,
        "no catch-up: Discord replayed what was missed"
    );
}

#[tokio::test]
async fn a_refused_resume_identifies_anew_and_catches_up_on_dms_from_history() {
    let mut world = World::start().await;
    let bo = Player::new("Bo");
    world.dm(&bo, "I bought gems but they never showed up in my account");
    world.dm_messages(&bo, 1).await;

    assert!(world.terminate().await, "clean exit");
    // The session expires while the bridge is down; Bo writes meanwhile.
    world.gateway.forget_sessions();
    world.dm_while_down(&bo, "How do I reset my password?");

    world.start_again().await;
    let answers = world.dm_messages(&bo, 2).await;
    assert_eq!(answers.len(), 2, "answered once");
    let log = world.gateway.log();
    assert_eq!((log.refused_resumes, log.identifies.len()), (1, 2));
}
