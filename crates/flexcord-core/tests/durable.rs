//! Everything the bridge owes a person goes through the outbox: greetings, virtual-agent
//! answers, the "Case #N created" notice, report cards and the reporter's case number survive
//! a Discord outage and arrive exactly once afterwards.

use flexcord_core::case::CaseKind;
use flexcord_core::config::render;
use flexcord_core::event::{DeliveryEvent, ReportForm};
use flexcord_core::ids::CaseId;
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{ChatError, OutboxStore, StoreError};
use flexcord_core::router::Outcome;
use flexcord_testkit::{ChatOp, Drained, FIRST_CASE, Harness, user};

fn outage(h: &Harness) {
    for op in [ChatOp::Send, ChatOp::PostReport, ChatOp::OpenDm] {
        h.chat
            .fail_always(op, ChatError::Transient("500 Internal Server Error".into()));
    }
}

/// Discord recovers; the retries come due and are delivered.
async fn recover(h: &Harness) -> Result<Drained, StoreError> {
    h.chat.heal();
    h.advance_past_retries();
    h.drain().await
}

fn bug() -> ReportForm {
    ReportForm {
        kind: CaseKind::Bug,
        title: "Crash on launch".into(),
        description: "The game closes at once.".into(),
        steps: None,
        platform: None,
    }
}

#[tokio::test]
async fn a_bot_answer_lost_to_a_discord_outage_arrives_once_afterwards() {
    let h = Harness::new();
    let u = user(1);
    h.bot.on_text("hi", "Hello!");
    outage(&h);
    let handled = h.dm(&u, "hi").await.unwrap();
    assert_eq!(handled.enqueued, 1, "the answer is an outbox entry");
    assert_eq!(h.drain().await.unwrap().retried.len(), 1);
    assert!(h.chat.shown_texts(h.dm_of(&u)).is_empty());
    recover(&h).await.unwrap();
    assert_eq!(h.chat.shown_texts(h.dm_of(&u)), ["Hello!"]);
}

#[tokio::test]
async fn the_greeting_waits_out_an_outage_even_when_the_dm_could_not_be_opened() {
    let h = Harness::new();
    let u = user(1);
    outage(&h);
    let i = h.interaction();
    let handled = h.helpme_with(&u, &i, false).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    assert_eq!(
        h.chat.reply_texts(i.id),
        [h.router.config().templates.check_dms.clone()],
        "the interaction is answered at once"
    );
    assert!(matches!(
        h.store.pending()[..],
        [OutboxMessage::ToUser { ref user, .. }] if user.id == u.id
    ));
    h.drain().await.unwrap();
    recover(&h).await.unwrap();
    let greeting = render(&h.router.config().templates.greeting, &[("user", &u.name)]);
    assert_eq!(h.chat.shown_texts(h.dm_of(&u)), [greeting]);
}

#[tokio::test]
async fn the_greetings_button_works_for_a_user_whose_dm_was_opened_by_the_delivery() {
    let h = Harness::new();
    let u = user(1);
    h.chat
        .fail_once(ChatOp::OpenDm, ChatError::Transient("500".into()));
    h.helpme(&u).await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(
        h.state(&u),
        Some(flexcord_core::session::SessionState::Bot),
        "the delivery that opened the DM gave the user a session"
    );
    h.press_with(
        &u,
        &h.interaction(),
        flexcord_core::event::ButtonAction::TalkToAgent,
    )
    .await
    .unwrap();
    h.drain().await.unwrap();
    assert!(h.conversation(&u).is_some(), "handed off to an agent");
}

#[tokio::test]
async fn the_case_created_notice_waits_out_an_outage() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.drain().await.unwrap();
    outage(&h);
    h.dm(&u, "I want a live agent").await.unwrap();
    h.drain().await.unwrap();
    assert!(h.conversation(&u).is_some(), "the task was created");
    let notice = render(
        &h.router.config().templates.case_created,
        &[("user", &u.name), ("case", &CaseId(FIRST_CASE).to_string())],
    );
    assert!(!h.chat.shown_texts(h.dm_of(&u)).contains(&notice));
    recover(&h).await.unwrap();
    let shown = h.chat.shown_texts(h.dm_of(&u));
    assert_eq!(
        shown.iter().filter(|t| **t == notice).count(),
        1,
        "{shown:?}"
    );
}

#[tokio::test]
async fn a_report_card_and_the_reporters_case_number_wait_out_an_outage() {
    let h = Harness::new();
    let u = user(1);
    outage(&h);
    let i = h.interaction();
    h.report(&u, &i, bug()).await.unwrap();
    let confirmation = "Thanks! Your bug report is case #1001.";
    assert_eq!(h.chat.reply_texts(i.id), [confirmation]);
    h.drain().await.unwrap();
    assert!(h.chat.shown_reports().is_empty());
    recover(&h).await.unwrap();
    let cards = h.chat.shown_reports();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].1.case_id, CaseId(FIRST_CASE));
    assert_eq!(
        h.chat.shown_texts(h.dm_of(&u)),
        [confirmation],
        "the reporter keeps the case number even if the ephemeral reply was lost"
    );
}

#[tokio::test]
async fn a_send_repeated_after_a_crash_is_shown_once() {
    let h = Harness::new();
    let u = user(1);
    h.bot.on_text("hi", "Hello!");
    h.dm(&u, "hi").await.unwrap();
    // Delivered, then the process died before settling: the lease runs out, the entry is
    // claimed and sent again, with the same nonce.
    let entry = h
        .store
        .claim("crashed", std::time::Duration::from_secs(30), 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    h.deliverer.deliver(&entry).await.unwrap();
    h.clock.advance(31_000);
    assert_eq!(h.drain().await.unwrap().delivered, 1);
    assert_eq!(h.chat.texts_to(h.dm_of(&u)).len(), 2, "sent twice");
    assert_eq!(h.chat.shown_texts(h.dm_of(&u)), ["Hello!"], "shown once");
}

#[tokio::test]
async fn a_closed_dm_reported_twice_tells_the_agent_once() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let event = DeliveryEvent::DmClosed {
        entry: 77,
        channel: Some(h.dm_of(&u)),
        conversation: Some(conv.clone()),
    };
    let first = h.router.handle_delivery(event.clone()).await.unwrap();
    assert_eq!(first.enqueued, 1, "the agent's notice is an outbox entry");
    let again = h.router.handle_delivery(event).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(
        h.contact_center.notices(),
        [(conv, h.router.config().templates.dm_closed_notice.clone())]
    );
}
