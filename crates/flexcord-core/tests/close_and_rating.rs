//! S5: the chat ends (agent, timeout, or the user), the user rates it, the DM returns to the bot.

use flexcord_core::case::CaseStatus;
use flexcord_core::case::{NoteKind, Rating};
use flexcord_core::content::Buttons;
use flexcord_core::event::ButtonAction;
use flexcord_core::ports::{CaseError, ContactCenterError};
use flexcord_core::router::{Incident, Outcome};
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcCall, CcOp, Harness, user};

#[tokio::test]
async fn the_agent_closing_ends_the_chat_asks_for_a_rating_and_files_the_transcript() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.dm(&u, "it still crashes").await.unwrap();
    h.agent_says(&conv, "fixed in 1.2").await.unwrap();

    let handled = h.closed(&conv).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    let s = h.session(&u).unwrap();
    assert_eq!(s.state, SessionState::Ended);
    assert_eq!(
        s.conversation,
        Some(conv),
        "kept so late events still match"
    );
    assert!(s.transcript.is_empty());

    h.drain().await.unwrap();
    let case_id = s.case_id.unwrap();
    let sent = h.chat.sent_to(h.dm_of(&u));
    let n = sent.len();
    assert_eq!(
        sent[n - 3].text,
        "fixed in 1.2",
        "the agent's last words come before the end"
    );
    assert_eq!(sent[n - 2].text, h.router.config().templates.chat_ended);
    assert_eq!(sent[n - 1].text, h.router.config().templates.rating_prompt);
    assert_eq!(sent[n - 1].buttons, [Buttons::Rating(case_id)]);

    let case = h.cases.case(case_id).unwrap();
    let note = case
        .notes
        .iter()
        .find(|n| n.kind == NoteKind::Transcript)
        .unwrap();
    assert!(
        note.body.contains("user1: it still crashes"),
        "{}",
        note.body
    );
    assert!(note.body.contains("alice: fixed in 1.2"), "{}", note.body);
    assert_eq!(
        case.status,
        CaseStatus::Resolved,
        "a finished chat resolves its case"
    );
}

#[tokio::test]
async fn end_chat_then_twilios_closed_webhook_gives_one_notice() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let handled = h.press(&u, ButtonAction::EndChat).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    assert!(h.contact_center.calls().iter().any(|c| matches!(
        c,
        CcCall::Close { conversation, interaction: Some(_) } if *conversation == conv
    )));
    let webhook = h.closed(&conv).await.unwrap();
    assert_eq!(webhook.outcome, Outcome::Ignored);
    h.drain().await.unwrap();
    let ended = &h.router.config().templates.chat_ended;
    assert_eq!(h.dm_texts(&u).iter().filter(|t| *t == ended).count(), 1);
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn end_chat_on_an_already_closed_conversation_still_ends() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.contact_center.close_conversation(&conv);
    let handled = h.press(&u, ButtonAction::EndChat).await.unwrap();
    assert!(
        handled.incidents.is_empty(),
        "ConversationGone on close is success"
    );
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn end_chat_with_flex_down_ends_locally_and_reports() {
    let h = Harness::new();
    let u = user(1);
    h.with_agent(&u).await.unwrap();
    h.contact_center
        .fail_once(CcOp::Close, ContactCenterError::Transient("500".into()));
    let handled = h.press(&u, ButtonAction::EndChat).await.unwrap();
    assert_eq!(
        handled.incidents,
        [Incident::ContactCenter(ContactCenterError::Transient(
            "500".into()
        ))]
    );
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn a_stale_end_chat_button_does_nothing() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    let handled = h.press(&u, ButtonAction::EndChat).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    assert_eq!(h.contact_center.count(CcOp::Close), 0);
}

#[tokio::test]
async fn closing_while_still_waiting_ends_too() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn a_failing_transcript_note_is_an_incident_not_a_failure() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.cases
        .fail_with(Some(CaseError::Unavailable("down".into())));
    let handled = h.closed(&conv).await.unwrap();
    // Both the transcript note and the status change failed; both are reported.
    assert_eq!(
        handled.incidents,
        [
            Incident::CaseSystem(CaseError::Unavailable("down".into())),
            Incident::CaseSystem(CaseError::Unavailable("down".into()))
        ]
    );
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn a_rating_is_recorded_thanked_and_returns_to_the_bot() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    let case = h.case_of(&u).unwrap();
    let i = h.interaction();
    h.press_with(
        &u,
        &i,
        ButtonAction::Rate {
            case,
            rating: Rating::new(4).unwrap(),
        },
    )
    .await
    .unwrap();

    let stored = h.cases.case(case).unwrap();
    assert_eq!(stored.rating, Rating::new(4).ok());
    assert!(
        stored
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::Rating && n.body == "Rating: 4/5")
    );
    assert_eq!(
        h.chat.reply_texts(i.id),
        [format!("Thanks for your feedback (4/5) on case {case}.")]
    );
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.conversation(&u), None);
}

#[tokio::test]
async fn rating_twice_keeps_the_first_and_adds_one_note() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    let case = h.case_of(&u).unwrap();
    h.rate(&u, case, 2).await.unwrap();
    for _ in 0..30 {
        let again = h.rate(&u, case, 5).await.unwrap();
        assert_eq!(again.outcome, Outcome::Ignored);
    }
    let stored = h.cases.case(case).unwrap();
    assert_eq!(stored.rating, Rating::new(2).ok());
    assert_eq!(
        stored
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::Rating)
            .count(),
        1
    );
}

#[tokio::test]
async fn nobody_rates_someone_elses_case() {
    let h = Harness::new();
    let owner = user(1);
    let other = user(2);
    let conv = h.with_agent(&owner).await.unwrap();
    h.closed(&conv).await.unwrap();
    let case = h.case_of(&owner).unwrap();
    h.helpme(&other).await.unwrap();
    let handled = h.rate(&other, case, 1).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    assert_eq!(h.cases.case(case).unwrap().rating, None);
}

#[tokio::test]
async fn a_dm_after_close_goes_back_to_the_bot() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    h.bot.on_text("one more question", "Sure, here it is.");
    h.dm(&u, "one more question").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.dm_texts(&u).last().unwrap(), "Sure, here it is.");
    assert!(
        h.contact_center.user_messages().is_empty(),
        "not relayed to the closed chat"
    );
}

#[tokio::test]
async fn a_late_agent_message_after_close_is_still_relayed() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    h.agent_says(&conv, "PS: the patch is out").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u).last().unwrap(), "PS: the patch is out");
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn a_new_chat_after_returning_to_the_bot_opens_a_new_conversation_and_case() {
    let h = Harness::new();
    let u = user(1);
    let first = h.with_agent(&u).await.unwrap();
    h.contact_center.close_conversation(&first);
    h.closed(&first).await.unwrap();
    let first_case = h.case_of(&u).unwrap();
    h.rate(&u, first_case, 5).await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    h.drain().await.unwrap();
    let second = h.conversation(&u).unwrap();
    assert_ne!(first, second);
    assert_ne!(h.case_of(&u).unwrap(), first_case);
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    // Late events of the first conversation no longer reach the user.
    let late = h.agent_says(&first, "late").await.unwrap();
    assert_eq!(late.outcome, Outcome::UnknownConversation);
}
