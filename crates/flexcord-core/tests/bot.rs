//! S2: the virtual agent answers DMs while no agent is engaged.

use flexcord_core::content::{Buttons, MessageContent, Voice};
use flexcord_core::ids::MessageId;
use flexcord_core::ports::VirtualAgentError;
use flexcord_core::router::{Incident, Outcome};
use flexcord_core::session::{SessionState, Speaker};
use flexcord_testkit::{CcOp, Harness, user};

#[tokio::test]
async fn a_question_gets_articles_with_title_link_and_excerpt() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.bot.on_article(
        "how do I reset my password",
        "Resetting your password",
        "https://kb.example/reset",
        "Open Settings → Account.",
    );
    let handled = h.dm(&u, "how do I reset my password").await.unwrap();
    h.drain().await.unwrap();

    assert_eq!(handled.outcome, Outcome::Done);
    assert_eq!(
        handled.enqueued, 1,
        "bot answers are outbox entries: durable"
    );
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.voice, Voice::VirtualAgent);
    assert_eq!(
        last.text,
        "Here's what I found:\n\n**Resetting your password**\nhttps://kb.example/reset\n> \
         Open Settings → Account."
    );
    assert_eq!(last.buttons, [Buttons::TalkToAgent]);
    let q = h.bot.questions().pop().unwrap();
    assert_eq!(q.session_id, "discord:1");
    let s = h.session(&u).unwrap();
    assert_eq!(s.state, SessionState::Bot);
    let speakers: Vec<_> = s.transcript.iter().map(|l| l.speaker).collect();
    assert_eq!(speakers, [Speaker::User, Speaker::Bot]);
}

#[tokio::test]
async fn a_dm_without_helpme_still_creates_a_session_and_is_answered() {
    let h = Harness::new();
    let u = user(2);
    h.bot.on_text("hi", "Hello!");
    h.dm(&u, "hi").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u), ["Hello!"]);
    assert_eq!(h.state(&u), Some(SessionState::Bot));
}

#[tokio::test]
async fn nothing_found_says_no_answer_and_offers_an_agent() {
    let h = Harness::new();
    let u = user(1);
    h.dm(&u, "something obscure").await.unwrap();
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.text, h.router.config().templates.no_answer);
    assert_eq!(last.buttons, [Buttons::TalkToAgent]);
}

#[tokio::test]
async fn a_failing_virtual_agent_offers_a_live_agent_and_reports_an_incident() {
    for error in [
        VirtualAgentError::Timeout,
        VirtualAgentError::Unavailable("down".into()),
    ] {
        let h = Harness::new();
        let u = user(1);
        h.bot.fail_once(error.clone());
        let handled = h.dm(&u, "help").await.unwrap();
        h.drain().await.unwrap();
        assert_eq!(handled.incidents, [Incident::VirtualAgent(error)]);
        let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
        assert_eq!(last.text, h.router.config().templates.bot_unavailable);
        assert_eq!(last.buttons, [Buttons::TalkToAgent]);
        assert_eq!(h.state(&u), Some(SessionState::Bot));
        // The offered button works even though the bot is down.
        h.press(&u, flexcord_core::event::ButtonAction::TalkToAgent)
            .await
            .unwrap();
        assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    }
}

#[tokio::test]
async fn the_same_dm_delivered_twice_is_answered_once() {
    let h = Harness::new();
    let u = user(1);
    h.bot.on_text("hi", "Hello!");
    let content = MessageContent::text("hi");
    h.dm_with(&u, MessageId(77), content.clone()).await.unwrap();
    let again = h.dm_with(&u, MessageId(77), content).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u), ["Hello!"]);
    assert_eq!(h.session(&u).unwrap().transcript.len(), 2);
}

#[tokio::test]
async fn a_question_about_agents_is_not_a_request_for_one() {
    let h = Harness::new();
    let u = user(1);
    h.dm(&u, "how many agents do you have").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.contact_center.count(CcOp::OpenConversation), 0);
    assert_eq!(h.bot.questions().len(), 1);
}

#[tokio::test]
async fn empty_messages_are_ignored() {
    let h = Harness::new();
    let u = user(1);
    let handled = h.dm(&u, "   ").await.unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    assert!(h.bot.questions().is_empty());
    assert!(h.dm_texts(&u).is_empty());
}

#[tokio::test]
async fn the_transcript_is_bounded() {
    let h = Harness::builder().tweak(|c| c.transcript_limit = 3).build();
    let u = user(1);
    for i in 0..5 {
        h.dm(&u, &format!("question {i}")).await.unwrap();
    }
    let s = h.session(&u).unwrap();
    assert_eq!(s.transcript.len(), 3);
    assert_eq!(s.transcript[2].speaker, Speaker::Bot);
    assert_eq!(s.transcript[1].text, "question 4");
}

#[tokio::test]
async fn a_greeting_or_thanks_is_answered_in_kind_not_with_nothing_found() {
    use flexcord_core::ports::{Answer, SmallTalk};
    let h = Harness::new();
    let u = user(1);
    h.bot.on(
        "hi",
        Answer {
            small_talk: Some(SmallTalk::Greeting),
            ..Answer::default()
        },
    );
    h.bot.on(
        "thanks!",
        Answer {
            small_talk: Some(SmallTalk::Thanks),
            ..Answer::default()
        },
    );
    h.dm(&u, "hi").await.unwrap();
    h.dm(&u, "thanks!").await.unwrap();
    h.drain().await.unwrap();
    let texts = h.dm_texts(&u);
    let t = flexcord_core::config::Templates::default();
    assert!(
        texts
            .iter()
            .any(|x| x.starts_with("Hi user1! Ask me anything")),
        "{texts:?}"
    );
    assert!(texts.contains(&t.thanks_reply), "{texts:?}");
    assert!(!texts.contains(&t.no_answer), "{texts:?}");
}
