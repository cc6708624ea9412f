//! Hand-off phrases and the "nothing found" answer.

use crate::support::{question, sample_bot};
use flexcord_core::ports::VirtualAgent;
use flexcord_kb::{FaqBot, KbConfig};

#[tokio::test]
async fn live_agent_phrases_hand_off_with_no_items() {
    let bot = sample_bot().await;
    for text in [
        "agent",
        "Human please",
        "I want a LIVE AGENT now",
        "can I talk to a real person?",
        "let me talk to someone",
        "I need to speak to a person",
    ] {
        let answer = bot.answer(&question(text)).await.unwrap();
        assert!(answer.hand_off, "{text:?} did not hand off");
        assert!(answer.items.is_empty(), "{text:?}: {answer:?}");
    }
}

#[tokio::test]
async fn words_containing_a_phrase_do_not_hand_off() {
    let bot = sample_bot().await;
    for text in [
        "my password reset mail never came, agentic humanoid",
        "my human character is stuck in a wall",
        "I don't need an agent, just tell me how to reset my password",
        "I need to speak to a person about my refund",
        "agents",
    ] {
        let answer = bot.answer(&question(text)).await.unwrap();
        assert!(!answer.hand_off, "{text:?} handed off");
    }
}

#[tokio::test]
async fn hand_off_phrases_are_configurable() {
    let dir = crate::support::sample_dir();
    let bot = FaqBot::open(KbConfig {
        dir,
        handoff_phrases: vec!["mensch".into()],
        ..KbConfig::default()
    })
    .await
    .unwrap();
    bot.index_dir().await.unwrap();
    assert!(bot.answer(&question("Mensch!")).await.unwrap().hand_off);
    assert!(!bot.answer(&question("agent")).await.unwrap().hand_off);
}

#[tokio::test]
async fn nonsense_gets_no_items_so_the_router_says_no_answer_in_the_users_language() {
    let bot = sample_bot().await;
    for text in [
        "xyzzy plugh frobnicate",
        "",
        "   ",
        "how do I do it?",
        "🎮🔥💥",
    ] {
        let answer = bot.answer(&question(text)).await.unwrap();
        assert!(!answer.hand_off, "{text:?}");
        // The router's `no_answer` template (in the user's language) is what they then read.
        assert!(answer.items.is_empty(), "{text:?}: {answer:?}");
    }
}

#[tokio::test]
async fn max_results_limits_the_articles() {
    let bot = FaqBot::open(KbConfig {
        dir: crate::support::sample_dir(),
        max_results: 1,
        ..KbConfig::default()
    })
    .await
    .unwrap();
    bot.index_dir().await.unwrap();
    let answer = bot
        .answer(&question("account password gems discord clan"))
        .await
        .unwrap();
    assert_eq!(answer.items.len(), 1, "{answer:?}");
}
