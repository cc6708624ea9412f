//! Per-user limits: each refuses past its allowance, holds for its window (the test clock), tells
//! the user once per stretch, and lets nothing through to Flex, the case system or the report
//! channels.

use flexcord_core::case::CaseKind;
use flexcord_core::event::{ButtonAction, ReportForm};
use flexcord_core::limits::{LimitKind, Refusal};
use flexcord_core::router::{Handled, Incident};
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcOp, Harness, user};

const MIN: u64 = 60_000;
const HOUR: u64 = 60 * MIN;

fn refused(handled: &Handled, kind: LimitKind) -> bool {
    handled
        .incidents
        .contains(&Incident::Refused(Refusal::Limit(kind)))
}

fn bug(n: usize) -> ReportForm {
    ReportForm {
        kind: if n.is_multiple_of(2) {
            CaseKind::Bug
        } else {
            CaseKind::Feature
        },
        title: format!("Report {n}"),
        description: "Something is wrong.".into(),
        steps: None,
        platform: None,
    }
}

fn count_containing(texts: &[String], needle: &str) -> usize {
    texts.iter().filter(|t| t.contains(needle)).count()
}

#[tokio::test]
async fn reports_five_an_hour_then_a_polite_refusal_each_and_nothing_filed() {
    let h = Harness::new();
    let u = user(1);
    let mut refusals = 0;
    for n in 0..10 {
        let i = h.interaction();
        let handled = h.report(&u, &i, bug(n)).await.unwrap();
        if refused(&handled, LimitKind::Report) {
            refusals += 1;
            let reply = h.chat.reply_texts(i.id);
            assert_eq!(reply.len(), 1);
            assert!(reply[0].contains("was not filed"), "{reply:?}");
            assert!(reply[0].contains("<t:"), "says when: {reply:?}");
        }
    }
    assert_eq!(refusals, 5);
    assert_eq!(h.cases.creates(), 5);
    h.drain().await.unwrap();
    assert_eq!(h.chat.reports().len(), 5, "no card for a refused report");

    // Just inside the hour: still refused. Past it: allowed again.
    h.clock.advance(HOUR - 1_000);
    let handled = h.report(&u, &h.interaction(), bug(11)).await.unwrap();
    assert!(refused(&handled, LimitKind::Report));
    h.clock.advance(2_000);
    let handled = h.report(&u, &h.interaction(), bug(12)).await.unwrap();
    assert!(!refused(&handled, LimitKind::Report));
    assert_eq!(h.cases.creates(), 6);

    // Another user has their own allowance.
    let other = user(2);
    let handled = h.report(&other, &h.interaction(), bug(0)).await.unwrap();
    assert!(!refused(&handled, LimitKind::Report));
}

#[tokio::test]
async fn helpme_five_in_ten_minutes() {
    let h = Harness::new();
    let u = user(1);
    for _ in 0..5 {
        let handled = h.helpme(&u).await.unwrap();
        assert!(!refused(&handled, LimitKind::HelpMe));
    }
    let i = h.interaction();
    let handled = h.helpme_with(&u, &i, false).await.unwrap();
    assert!(refused(&handled, LimitKind::HelpMe));
    assert!(h.chat.reply_texts(i.id)[0].contains("/helpme again"));
    h.drain().await.unwrap();
    assert_eq!(
        count_containing(&h.chat.texts_to(h.dm_of(&u)), "virtual support agent"),
        5,
        "no sixth greeting"
    );
    h.clock.advance(10 * MIN);
    let handled = h.helpme(&u).await.unwrap();
    assert!(!refused(&handled, LimitKind::HelpMe));
}

#[tokio::test]
async fn bot_dms_twenty_a_minute_with_one_notice() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    for n in 0..40 {
        h.dm(&u, &format!("question {n}")).await.unwrap();
    }
    assert_eq!(
        h.bot.questions().len(),
        20,
        "the virtual agent is asked 20 times"
    );
    h.drain().await.unwrap();
    let texts = h.chat.texts_to(h.dm_of(&u));
    assert_eq!(count_containing(&texts, "a lot of messages at once"), 1);

    h.clock.advance(MIN);
    h.dm(&u, "one more").await.unwrap();
    assert_eq!(h.bot.questions().len(), 21);
}

#[tokio::test]
async fn dms_to_an_agent_thirty_a_minute_and_the_user_is_told_they_were_not_delivered() {
    let h = Harness::new();
    let u = user(1);
    h.with_agent(&u).await.unwrap();
    let before = h.contact_center.count(CcOp::PostUserMessage);
    let mut refusals = 0;
    for n in 0..300 {
        let handled = h.dm(&u, &format!("line {n}")).await.unwrap();
        if refused(&handled, LimitKind::AgentDm) {
            refusals += 1;
        }
    }
    assert_eq!(refusals, 270);
    h.drain().await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::PostUserMessage) - before, 30);
    let texts = h.chat.texts_to(h.dm_of(&u));
    assert_eq!(
        count_containing(&texts, "were not delivered"),
        1,
        "one notice, not one per refused message"
    );

    // The window slides: a minute later messages go through again, and a new stretch of
    // refusals gets a new notice.
    h.clock.advance(MIN);
    for n in 0..31 {
        h.dm(&u, &format!("later {n}")).await.unwrap();
    }
    h.drain().await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::PostUserMessage) - before, 60);
    assert_eq!(
        count_containing(&h.chat.texts_to(h.dm_of(&u)), "were not delivered"),
        2
    );
}

#[tokio::test]
async fn agent_fifty_times_is_one_case_and_one_task() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    for _ in 0..50 {
        h.dm(&u, "agent").await.unwrap();
    }
    h.drain().await.unwrap();
    assert_eq!(h.cases.creates(), 1);
    assert_eq!(h.contact_center.count(CcOp::CreateTask), 1);
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
}

#[tokio::test]
async fn three_new_hand_offs_a_day_then_the_bot_keeps_the_user() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    for round in 0..3 {
        h.dm(&u, "agent").await.unwrap();
        // The hand-off opens from the outbox; "End chat" while it opens is ignored.
        h.drain().await.unwrap();
        assert_eq!(
            h.state(&u),
            Some(SessionState::AwaitingAgent),
            "round {round}"
        );
        h.press(&u, ButtonAction::EndChat).await.unwrap();
        h.drain().await.unwrap();
    }
    assert_eq!(h.contact_center.count(CcOp::CreateTask), 3);

    // The fourth request, by message and by button: refused, told once, nothing created.
    let handled = h.dm(&u, "agent").await.unwrap();
    assert!(refused(&handled, LimitKind::Handoff));
    let handled = h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    assert!(refused(&handled, LimitKind::Handoff));
    h.drain().await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::CreateTask), 3);
    assert_eq!(h.cases.creates(), 3);
    assert_ne!(h.state(&u), Some(SessionState::AwaitingAgent));
    assert_eq!(
        count_containing(&h.chat.texts_to(h.dm_of(&u)), "can't open another one"),
        1
    );

    // 24 hours after the first, one more is allowed.
    h.clock.advance(24 * HOUR);
    h.dm(&u, "agent").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    h.drain().await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::CreateTask), 4);
}

#[tokio::test]
async fn a_failed_hand_off_does_not_use_up_the_allowance() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.contact_center.fail_always(
        CcOp::CreateTask,
        flexcord_core::ports::ContactCenterError::Transient("down".into()),
    );
    for _ in 0..5 {
        h.dm(&u, "agent").await.unwrap();
    }
    h.contact_center.heal();
    h.dm(&u, "agent").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
}

#[tokio::test]
async fn limits_off_lets_everything_through() {
    let h = Harness::builder()
        .tweak(|c| c.limits.enabled = false)
        .build();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    for n in 0..30 {
        let handled = h.dm(&u, &format!("question {n}")).await.unwrap();
        assert!(handled.incidents.is_empty());
    }
    for n in 0..7 {
        h.report(&u, &h.interaction(), bug(n)).await.unwrap();
    }
    assert_eq!(h.bot.questions().len(), 30);
    assert_eq!(h.cases.creates(), 7);
}

#[tokio::test]
async fn a_deliberate_request_hands_off_and_a_sentence_gets_an_answer() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.dm(&u, "my human character is stuck in a wall")
        .await
        .unwrap();
    h.dm(&u, "I don't need an agent, just tell me how to respawn")
        .await
        .unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.cases.creates(), 0);
    assert_eq!(h.bot.questions().len(), 2);
    h.dm(&u, "can I talk to a human please?").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    // The case is created by the hand-off's first step, from the outbox.
    h.drain().await.unwrap();
    assert_eq!(h.cases.creates(), 1);
}
