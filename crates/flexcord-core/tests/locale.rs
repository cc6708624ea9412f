//! Issue 19: who is speaking, and in which language. A user reads the texts of the locale
//! their latest interaction gave (remembered for their DMs), falling back by language and then
//! to the default; the agent's task and the virtual agent's question carry the language.

use std::collections::BTreeMap;

use flexcord_core::config::Templates;
use flexcord_core::content::{Buttons, Voice};
use flexcord_core::event::{FlexEvent, UserProfile};
use flexcord_core::ids::Identity;
use flexcord_core::locale::Locales;
use flexcord_testkit::{AGENT, CcCall, Harness, user};

fn hindi() -> Templates {
    Templates {
        greeting: "नमस्ते {user}! मैं वर्चुअल सहायता एजेंट हूँ।".into(),
        check_dms: "अपने DM देखें।".into(),
        no_answer: "मुझे इस बारे में कोई लेख नहीं मिला।".into(),
        answer_intro: "मुझे यह मिला:".into(),
        case_created: "केस {case} बनाया गया।".into(),
        agent_joined: "{agent} चैट में शामिल हुए।".into(),
        ..Templates::default()
    }
}

fn portuguese() -> Templates {
    Templates {
        greeting: "Olá {user}!".into(),
        ..Templates::default()
    }
}

/// A bridge with English (default), Hindi and Portuguese.
fn harness() -> Harness {
    Harness::builder()
        .tweak(|c| {
            let sets: BTreeMap<String, Templates> = [
                ("en".to_owned(), Templates::default()),
                ("hi".to_owned(), hindi()),
                ("pt".to_owned(), portuguese()),
            ]
            .into();
            c.locales = Locales::new("en", sets);
        })
        .build()
}

fn speaking(id: u64, locale: &str) -> UserProfile {
    UserProfile {
        locale: Some(locale.to_owned()),
        ..user(id)
    }
}

#[tokio::test]
async fn helpme_in_hindi_greets_in_hindi_with_hindi_buttons() {
    let h = harness();
    let u = speaking(1, "hi");
    let interaction = h.interaction();
    h.helpme_with(&u, &interaction, false).await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.chat.reply_texts(interaction.id), ["अपने DM देखें।"]);
    let greeting = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(greeting.text, "नमस्ते user1! मैं वर्चुअल सहायता एजेंट हूँ।");
    assert_eq!(greeting.buttons, [Buttons::TalkToAgent]);
    // The chat surface labels the buttons in the reader's language.
    assert_eq!(greeting.locale.as_deref(), Some("hi"));
    assert_eq!(h.session(&u).unwrap().locale.as_deref(), Some("hi"));
}

#[tokio::test]
async fn a_dm_after_a_hindi_interaction_is_answered_in_hindi() {
    let h = harness();
    h.helpme(&speaking(1, "hi")).await.unwrap();
    // DMs carry no locale: the one remembered from the interaction is used.
    let u = user(1);
    h.dm(&u, "something the bot does not know").await.unwrap();
    h.bot.on_article(
        "password",
        "पासवर्ड रीसेट",
        "https://kb.example/hi/reset",
        "…",
    );
    h.dm(&u, "password").await.unwrap();
    h.drain().await.unwrap();
    let sent = h.chat.sent_to(h.dm_of(&u));
    let answers: Vec<_> = sent
        .iter()
        .filter(|m| m.voice == Voice::VirtualAgent)
        .collect();
    assert_eq!(answers[0].text, "मुझे इस बारे में कोई लेख नहीं मिला।");
    assert!(
        answers[1]
            .text
            .starts_with("मुझे यह मिला:\n\n**पासवर्ड रीसेट**"),
        "{}",
        answers[1].text
    );
    assert_eq!(answers[1].locale.as_deref(), Some("hi"));
    // The virtual agent is asked in the user's language, so it can pick articles in it.
    let questions = h.bot.questions();
    assert!(questions.iter().all(|q| q.locale.as_deref() == Some("hi")));
}

#[tokio::test]
async fn a_regional_locale_falls_back_to_its_language_and_an_unknown_one_to_the_default() {
    let h = harness();
    let br = speaking(1, "pt-BR");
    h.helpme(&br).await.unwrap();
    let unknown = speaking(2, "xx-YY");
    h.helpme(&unknown).await.unwrap();
    let american = speaking(3, "en-US");
    h.helpme(&american).await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&br), ["Olá user1!"]);
    let english = Templates::default().greeting.replace("{user}", "user2");
    assert_eq!(h.dm_texts(&unknown), [english]);
    assert!(h.dm_texts(&american)[0].starts_with("Hi user3!"));
}

#[tokio::test]
async fn the_latest_interaction_decides_the_language() {
    let h = harness();
    h.helpme(&speaking(1, "hi")).await.unwrap();
    h.helpme(&speaking(1, "pt-BR")).await.unwrap();
    h.dm(&user(1), "anything").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(
        h.session(&user(1)).unwrap().locale.as_deref(),
        Some("pt-BR")
    );
    let texts = h.dm_texts(&user(1));
    assert_eq!(texts[1], "Olá user1!");
}

#[tokio::test]
async fn the_flex_task_and_conversation_carry_the_users_language() {
    let h = harness();
    h.helpme(&speaking(1, "hi")).await.unwrap();
    let u = user(1);
    h.dm(&u, "I want a human").await.unwrap();
    // The hand-off's steps run from the outbox.
    h.drain().await.unwrap();
    let tasks = h.contact_center.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].1.language.as_deref(), Some("hi"));
    let opened = h
        .contact_center
        .calls()
        .into_iter()
        .find_map(|c| match c {
            CcCall::OpenConversation { user, .. } => Some(user),
            _ => None,
        })
        .unwrap();
    assert_eq!(opened.locale.as_deref(), Some("hi"));
    h.drain().await.unwrap();
    let case = h.case_of(&u).unwrap();
    assert!(h.dm_texts(&u).contains(&format!("केस {case} बनाया गया।")));
}

#[tokio::test]
async fn agent_messages_name_the_agent_by_their_flex_friendly_name() {
    let h = harness();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    h.flex(FlexEvent::ParticipantAdded {
        conversation: conv.clone(),
        identity: Identity::new(AGENT),
        name: Some("Alice Agent".into()),
    })
    .await
    .unwrap();
    h.agent_says(&conv, "Try restarting.").await.unwrap();
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.voice, Voice::Agent);
    assert_eq!(last.author.as_deref(), Some("Alice Agent"));
    assert_eq!(last.text, "Try restarting.");
}

#[tokio::test]
async fn an_agent_without_a_friendly_name_is_never_shown_by_their_raw_identity() {
    let h = harness();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    // Flex encodes an e-mail identity; the message arrives before any join event.
    h.flex(FlexEvent::MessageAdded {
        conversation: conv,
        message: h.message_sid(),
        origin: flexcord_core::event::MessageOrigin::Sdk,
        author: Identity::new("bob_40example_2Ecom"),
        body: "hello".into(),
        media: Vec::new(),
    })
    .await
    .unwrap();
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.author.as_deref(), Some("bob"));
}
