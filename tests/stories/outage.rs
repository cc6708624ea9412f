//! Discord answers 500 for a while, then recovers: every greeting, virtual-agent answer,
//! "Case #N created" notice, report card and reporter's case number arrives exactly once
//! afterwards (they are outbox entries, retried until Discord takes them).

use std::time::Duration;

use discord_fake::rest;
use serde_json::Value;

use crate::harness::{Player, WAIT, World};

/// Waits until `done` holds, or fails with the bridge's log.
async fn until(world: &World, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}\n--- flexcord log ---\n{}",
            world.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// DM openings requested for `player` so far.
async fn dm_openings(world: &World, player: &Player) -> usize {
    rest::requests(&world.discord, "POST", "/api/v10/users/@me/channels")
        .await
        .iter()
        .filter_map(rest::json_body)
        .filter(|b| b["recipient_id"].as_str() == Some(&player.fixture.id.to_string()))
        .count()
}

/// The contents of the messages created in `channel` (embeds as their JSON).
async fn created(world: &World, channel: u64) -> Vec<String> {
    world
        .rest
        .created_in(&world.discord, channel)
        .await
        .iter()
        .map(|m: &Value| match m["content"].as_str() {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => m["embeds"].to_string(),
        })
        .collect()
}

#[tokio::test]
async fn everything_owed_to_players_arrives_once_after_a_discord_outage() {
    let world = World::start().await;
    let ann = Player::new("Ann"); // /helpme: the greeting
    let ben = Player::new("Ben"); // a question: the virtual agent's answer
    let cat = Player::new("Cat"); // asks for an agent: "Case #N created"
    let dan = Player::new("Dan"); // /bug: the card, and his copy of the case number
    let bug_report = world.channel("bug-report");

    world.rest.set_outage(true);
    let helpme = world.slash(&ann, "helpme", false, &[]);
    world.dm(&ben, "I bought gems but they never showed up in my account");
    world.dm(&cat, "I want to talk to a human agent please");
    let submit = world.submit(
        &dan,
        "fc:form:bug",
        &[
            ("title", "Game freezes in ranked lobby"),
            (
                "description",
                "The lobby timer hits zero and nothing happens.",
            ),
        ],
        false,
    );
    // Interaction responses are another endpoint family and stay up: the players are answered
    // at once, Dan with his case number.
    let reply = world.interaction_reply(helpme).await;
    assert!(
        reply["content"]
            .as_str()
            .unwrap()
            .contains("Check your DMs"),
        "{reply}"
    );
    let reply = world.interaction_reply(submit).await;
    let confirmation = reply["content"].as_str().unwrap().to_owned();
    assert!(confirmation.contains("#100"), "{confirmation}");

    // Every one of them met the outage at least once.
    until(&world, "each send refused by the outage", async || {
        world.rest.refused_in(ben.dm()) > 0
            && world.rest.refused_in(cat.dm()) > 0
            && world.rest.refused_in(bug_report) > 0
            // Ann's: /helpme's own attempt, then the delivery's.
            && dm_openings(&world, &ann).await >= 2
            && dm_openings(&world, &dan).await >= 1
    })
    .await;
    assert!(
        world.conversation_of(&cat).await.sid.starts_with("CH"),
        "Cat's case was handed to Flex during the outage"
    );
    world.rest.set_outage(false);

    until(&world, "everything delivered", async || {
        !created(&world, ann.dm()).await.is_empty()
            && !created(&world, ben.dm()).await.is_empty()
            && !created(&world, cat.dm()).await.is_empty()
            && !created(&world, bug_report).await.is_empty()
            && !created(&world, dan.dm()).await.is_empty()
    })
    .await;

    let ann_dm = created(&world, ann.dm()).await;
    assert_eq!(ann_dm.len(), 1, "{ann_dm:?}");
    assert!(ann_dm[0].contains("virtual support agent"), "{ann_dm:?}");
    let ben_dm = created(&world, ben.dm()).await;
    assert_eq!(ben_dm.len(), 1, "{ben_dm:?}");
    assert!(
        ben_dm[0].contains("missing-purchases-and-refunds"),
        "{ben_dm:?}"
    );
    let cat_dm = created(&world, cat.dm()).await;
    assert_eq!(cat_dm.len(), 1, "{cat_dm:?}");
    assert!(cat_dm[0].contains("created"), "{cat_dm:?}");
    let cards = created(&world, bug_report).await;
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(
        cards[0].contains("Game freezes in ranked lobby"),
        "{cards:?}"
    );
    assert_eq!(created(&world, dan.dm()).await, [confirmation]);
}
