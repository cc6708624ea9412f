//! S1 (`/helpme` → DM greeting) and S2 (the virtual agent answers from the knowledge base).

use serde_json::Value;

use crate::harness::{Player, World};

fn buttons(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn helpme_in_the_server_says_check_your_dms_and_greets_in_the_dm() {
    let world = World::start().await;
    let ann = Player::new("Ann");
    let interaction = world.slash(&ann, "helpme", false, &[]);

    let reply = world.interaction_reply(interaction).await;
    assert!(
        reply["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Check your DMs"),
        "{reply}"
    );

    let dm = world.dm_messages(&ann, 1).await;
    let greeting = &dm[0];
    assert!(
        greeting["content"]
            .as_str()
            .unwrap()
            .contains("virtual support agent"),
        "{greeting}"
    );
    assert_eq!(buttons(greeting), vec!["fc:agent".to_owned()]);
    // Nothing flexcord sends may ping anyone.
    assert_eq!(greeting["allowed_mentions"]["parse"], serde_json::json!([]));
}

#[tokio::test]
async fn a_question_in_the_dm_is_answered_with_knowledge_base_articles() {
    let world = World::start().await;
    let ben = Player::new("Ben");
    world.dm(&ben, "I bought gems but they never showed up in my account");

    let dm = world.dm_messages(&ben, 1).await;
    let answer = dm[0]["content"].as_str().unwrap();
    assert!(
        answer.contains("https://help.starfall.example/articles/missing-purchases-and-refunds"),
        "{answer}"
    );
    assert!(answer.contains("> "), "an excerpt is quoted: {answer}");
    assert_eq!(buttons(&dm[0]), vec!["fc:agent".to_owned()]);
    // The bot answers by itself: no Twilio call at all while the user talks to the bot.
    assert!(world.twilio.conversations().is_empty());
}
