//! The FAQ bot suggests only articles that answer the question, and answers small talk in kind:
//! a table of real-looking questions against the sample knowledge base, each with the articles
//! that must be suggested and those that must not.

use crate::support::{articles, question, sample_bot};
use flexcord_core::ports::{SmallTalk, VirtualAgent};

/// (question, slugs that must be suggested, slugs that must not).
const TABLE: &[(&str, &[&str], &[&str])] = &[
    (
        "how do I delete my data",
        &["data-deletion-and-privacy"],
        &["crash-on-startup", "connection-and-lag"],
    ),
    (
        "erase all my personal information",
        &["data-deletion-and-privacy"],
        &["cross-platform-progress"],
    ),
    (
        "I bought gems but never got them",
        &["missing-purchases-and-refunds"],
        &["gift-and-promo-codes"],
    ),
    (
        "can I get my money back?",
        &["missing-purchases-and-refunds"],
        &["account-recovery", "parental-controls"],
    ),
    (
        "refund for gems I bought",
        &["missing-purchases-and-refunds"],
        &["data-deletion-and-privacy"],
    ),
    (
        "game closes right after the logo",
        &["crash-on-startup"],
        &["connection-and-lag", "missing-purchases-and-refunds"],
    ),
    (
        "app won't launch, just a black screen",
        &["crash-on-startup"],
        &["parental-controls", "device-requirements"],
    ),
    (
        "my game crashes",
        &["crash-on-startup"],
        &["game-modes-and-ranked-seasons", "cross-platform-progress"],
    ),
    (
        "I forgot my password",
        &["reset-password"],
        &["account-recovery", "gift-and-promo-codes"],
    ),
    (
        "the reset email never shows up in my inbox",
        &["reset-password", "account-recovery"],
        &["missing-purchases-and-refunds"],
    ),
    (
        "lost my phone and now my progress is gone",
        &["account-recovery", "cross-platform-progress"],
        &[],
    ),
    (
        "my ping is super high and I keep getting disconnected",
        &["connection-and-lag"],
        &["game-modes-and-ranked-seasons", "device-requirements"],
    ),
    (
        "the game is so laggy",
        &["connection-and-lag"],
        &["crash-on-startup", "game-modes-and-ranked-seasons"],
    ),
    (
        "somebody keeps insulting me in chat",
        &["report-a-player"],
        &["clan-management"],
    ),
    (
        "this guy is using hacks, how do I report him",
        &["report-a-player"],
        &["account-recovery", "gift-and-promo-codes"],
    ),
    (
        "when does the ranked season end?",
        &["game-modes-and-ranked-seasons"],
        &["ban-appeal", "link-discord"],
    ),
    (
        "will the game run on my old tablet",
        &["device-requirements"],
        &["link-discord", "parental-controls"],
    ),
    (
        "what are the minimum requirements for android",
        &["device-requirements"],
        &["parental-controls", "cross-platform-progress"],
    ),
    (
        "where do I type a coupon I got from a streamer",
        &["gift-and-promo-codes"],
        &["reset-password", "data-deletion-and-privacy"],
    ),
    (
        "how to kick someone out of my guild",
        &["clan-management"],
        &["account-recovery", "parental-controls"],
    ),
    (
        "my kid spent money without asking me",
        &["parental-controls"],
        &["link-discord"],
    ),
    (
        "I got banned for no reason",
        &["ban-appeal"],
        &["clan-management"],
    ),
    (
        "switching from android to iphone, will I keep my stuff?",
        &["cross-platform-progress"],
        &["parental-controls"],
    ),
    (
        "when does the ranked season end?",
        &["game-modes-and-ranked-seasons"],
        &["link-discord"],
    ),
];

#[tokio::test]
async fn suggestions_are_the_articles_that_answer_and_no_others() {
    let bot = sample_bot().await;
    let mut failures = Vec::new();
    for (text, expected, unexpected) in TABLE {
        let answer = bot.answer(&question(text)).await.unwrap();
        let urls: Vec<String> = articles(&answer)
            .iter()
            .filter_map(|a| a.url.clone())
            .collect();
        let has = |slug: &str| {
            urls.iter()
                .any(|u| u.ends_with(&format!("/articles/{slug}")))
        };
        for slug in *expected {
            if !has(slug) {
                failures.push(format!("{text:?}: missing {slug}, got {urls:?}"));
            }
        }
        for slug in *unexpected {
            if has(slug) {
                failures.push(format!("{text:?}: should not suggest {slug}, got {urls:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn greetings_and_thanks_are_marked_as_small_talk_not_searched() {
    let bot = sample_bot().await;
    for text in [
        "hi",
        "Hello there!",
        "hey 👋",
        "good morning",
        "namaste",
        "नमस्ते",
    ] {
        let answer = bot.answer(&question(text)).await.unwrap();
        assert!(!answer.hand_off, "{text:?}");
        assert!(answer.items.is_empty(), "{text:?}: {answer:?}");
        assert_eq!(answer.small_talk, Some(SmallTalk::Greeting), "{text:?}");
    }
    for text in [
        "thanks!",
        "Thank you so much",
        "ty",
        "ok thanks a lot",
        "धन्यवाद",
    ] {
        let answer = bot.answer(&question(text)).await.unwrap();
        assert_eq!(answer.small_talk, Some(SmallTalk::Thanks), "{text:?}");
    }
    let answer = bot
        .answer(&question("hi, I forgot my password"))
        .await
        .unwrap();
    assert_eq!(answer.small_talk, None);
    let urls: Vec<_> = articles(&answer)
        .iter()
        .filter_map(|a| a.url.clone())
        .collect();
    assert!(
        urls.iter().any(|u| u.ends_with("/articles/reset-password")),
        "{answer:?}"
    );
}
