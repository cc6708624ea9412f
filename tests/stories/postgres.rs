//! The core stories once more with the store on PostgreSQL (several-instance deployments), when
//! `FLEXCORD_TEST_POSTGRES_URL` is set (`.ci/run` sets it). Locally without it the test says so
//! and passes; in CI (`CI=true`) a missing database is a failure.

use crate::harness::fresh_postgres_database as fresh_database;

use twilio_fake::StateChangeReason;

use crate::harness::{Options, Player, World};
use crate::live_chat::hand_off;

#[tokio::test]
async fn the_whole_live_chat_works_on_postgresql_and_survives_a_restart() {
    let Some(database_url) = fresh_database() else {
        return;
    };
    let mut world = World::start_with(Options {
        database_url: Some(database_url),
        ..Options::default()
    })
    .await;
    let nia = Player::new("Nia");
    let conversation = hand_off(&world, &nia).await;
    world
        .twilio
        .agent_join(&conversation, "hank", "Hank")
        .await
        .expect("join");
    // Killed while Discord has not yet answered the agent's message: the restarted instance
    // must release the dead one's lease at once (not after 30 s) and send it again, once.
    world.hold_dm_in_flight(&nia, "hello from postgres").await;
    world
        .twilio
        .agent_say(&conversation, "hank", "hello from postgres", vec![])
        .await
        .expect("say");
    world.dm_sent(&nia, "hello from postgres").await;

    world.crash_and_restart().await;
    world
        .twilio
        .agent_say(&conversation, "hank", "still here after restart", vec![])
        .await
        .expect("say");
    world
        .twilio
        .close_conversation(&conversation, StateChangeReason::Api)
        .await
        .expect("close");
    let dm = world.dm_messages(&nia, 7).await;
    let texts: Vec<&str> = dm
        .iter()
        .map(|m| m["content"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("hello from postgres"))
            .count(),
        1,
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("still here after restart")),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("Rate this chat")),
        "{texts:#?}"
    );

    let text = world.cli(&["cases", "show", "1001"]).await;
    assert!(
        text.contains("hello from postgres"),
        "transcript on the case: {text}"
    );
}
