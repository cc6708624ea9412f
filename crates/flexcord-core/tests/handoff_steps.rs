//! The bridge-mode hand-off as durable steps: asking records it, the outbox carries out each
//! step, each step's report moves it on, and a crash after any step (the step done remotely,
//! never settled nor reported) leaves one case, one conversation, one transcript and one task.

use flexcord_core::event::{ButtonAction, DeliveryEvent};
use flexcord_core::ids::{CaseId, ConversationSid, UserId};
use flexcord_core::outbox::{HandOffStep, OutboxMessage};
use flexcord_core::ports::{CaseError, ContactCenterError, OutboxStore};
use flexcord_core::router::Outcome;
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcOp, FIRST_CASE, Harness, user};

/// The hand-off steps waiting in the outbox, in order.
fn steps(h: &Harness) -> Vec<HandOffStep> {
    h.store
        .pending()
        .into_iter()
        .filter_map(|m| match m {
            OutboxMessage::HandOff { step } => Some(step),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn asking_records_the_hand_off_and_calls_nothing_until_the_outbox_runs() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.drain().await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();

    assert!(
        h.contact_center.calls().is_empty(),
        "no remote call while deciding"
    );
    assert_eq!(h.cases.creates(), 0);
    let s = h.session(&u).unwrap();
    assert_eq!(s.state, SessionState::AwaitingAgent);
    assert_eq!(s.conversation, None, "opening");
    assert!(matches!(
        steps(&h).as_slice(),
        [HandOffStep::Open { user: who, .. }] if who.id == u.id
    ));
}

#[tokio::test]
async fn each_report_moves_the_hand_off_on_and_the_user_hears_once() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.dm(&u, "my game crashes").await.unwrap();
    h.drain().await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    let drained = h.drain().await.unwrap();

    let reported: Vec<&str> = drained
        .reported
        .iter()
        .map(|e| match e {
            DeliveryEvent::HandOffOpened { .. } => "opened",
            DeliveryEvent::HandOffRouted { .. } => "routed",
            _ => "other",
        })
        .collect();
    assert_eq!(reported, ["opened", "routed"]);
    let s = h.session(&u).unwrap();
    assert_eq!(s.case_id, Some(CaseId(FIRST_CASE)));
    assert!(s.conversation.is_some());
    assert!(s.interaction.is_some());
    let told: Vec<String> = h
        .dm_texts(&u)
        .into_iter()
        .filter(|t| t.contains("created"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");

    // A report made again (the worker could not settle before a crash) changes nothing.
    for event in drained.reported {
        let again = h.router.handle_delivery(event).await.unwrap();
        assert_eq!(again.outcome, Outcome::Duplicate);
    }
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u)
            .iter()
            .filter(|t| t.contains("created"))
            .count(),
        1
    );
}

/// Drains until the next hand-off step is the `n`th (0: open, 1: transcript, 2: task), then
/// has a worker carry it out and die before settling or reporting it; then the restarted
/// worker drains everything.
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test helper: failing it fails the test"
)]
async fn crash_after_step(n: usize) -> Harness {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.dm(&u, "refund for order 12").await.unwrap();
    h.drain().await.unwrap();
    h.dm(&u, "agent").await.unwrap();
    let mut done = 0;
    loop {
        let batch = h
            .store
            .claim("w", std::time::Duration::from_secs(30), 1)
            .await
            .unwrap();
        let Some(entry) = batch.into_iter().next() else {
            panic!("ran out of entries before step {n}");
        };
        if let OutboxMessage::HandOff { .. } = &entry.message {
            if done == n {
                // Carried out remotely; the process dies before it is settled or reported.
                let _ = h.deliverer.deliver(&entry).await;
                h.store
                    .retry_later(entry.id, "crashed", std::time::Duration::ZERO)
                    .await
                    .unwrap();
                break;
            }
            done += 1;
        }
        // Anything else (or an earlier step) is delivered and reported as usual.
        match h.deliverer.deliver(&entry).await {
            Ok(Some(event)) => {
                h.router.handle_delivery(event).await.unwrap();
            }
            Ok(None) => {}
            Err(e) => panic!("{e}"),
        }
        h.store.complete(entry.id).await.unwrap();
    }
    h.advance_past_retries();
    h.drain().await.unwrap();
    h
}

#[tokio::test]
async fn a_crash_after_any_step_leaves_one_case_conversation_transcript_and_task() {
    for n in 0..3 {
        let h = crash_after_step(n).await;
        let u = user(1);
        assert_eq!(h.cases.all().len(), 1, "step {n}: cases");
        assert_eq!(
            h.contact_center.handoff_conversations(),
            1,
            "step {n}: conversations"
        );
        assert_eq!(
            h.contact_center.transcripts().len(),
            1,
            "step {n}: transcripts"
        );
        assert_eq!(h.contact_center.tasks().len(), 1, "step {n}: tasks");
        let s = h.session(&u).unwrap();
        assert_eq!(s.state, SessionState::AwaitingAgent, "step {n}");
        assert!(s.interaction.is_some(), "step {n}: routed");
        assert_eq!(
            h.dm_texts(&u)
                .iter()
                .filter(|t| t.contains("created"))
                .count(),
            1,
            "step {n}: told once"
        );
    }
}

#[tokio::test]
async fn what_the_user_writes_while_the_hand_off_opens_goes_to_the_agent_not_the_bot() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.dm(&u, "agent").await.unwrap();
    h.dm(&u, "it is about my refund").await.unwrap();
    assert!(h.bot.questions().is_empty(), "the bot is not asked");
    let again = h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    assert_eq!(again.outcome, Outcome::Done);
    assert_eq!(steps(&h).len(), 1, "asking again starts nothing new");
    h.drain().await.unwrap();
    let transcripts = h.contact_center.transcripts();
    assert_eq!(transcripts.len(), 1);
    assert!(
        transcripts[0]
            .1
            .iter()
            .any(|l| l.text == "it is about my refund"),
        "{transcripts:?}"
    );
    assert_eq!(h.contact_center.tasks().len(), 1);
}

#[tokio::test]
async fn end_chat_while_the_hand_off_opens_is_a_stale_button() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.dm(&u, "agent").await.unwrap();
    let pressed = h.press(&u, ButtonAction::EndChat).await.unwrap();
    assert_eq!(pressed.outcome, Outcome::Ignored);
    h.drain().await.unwrap();
    assert!(h.session(&u).unwrap().interaction.is_some());
}

#[tokio::test]
async fn a_conversation_that_cannot_be_opened_sends_the_user_back_to_the_bot() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.contact_center.fail_once(
        CcOp::OpenConversation,
        ContactCenterError::Unauthorized("401".into()),
    );
    h.dm(&u, "agent").await.unwrap();
    let drained = h.drain().await.unwrap();
    assert!(drained.reported.iter().any(|e| matches!(
        e,
        DeliveryEvent::HandOffFailed {
            conversation: None,
            ..
        }
    )));
    let s = h.session(&u).unwrap();
    assert_eq!(s.state, SessionState::Bot);
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &h.router.config().templates.relay_failed
    );
    assert!(h.contact_center.tasks().is_empty());
}

#[tokio::test]
async fn a_failing_case_system_routes_without_a_case_and_opens_it_once_it_answers() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.cases
        .fail_with(Some(CaseError::Unavailable("503".into())));
    h.dm(&u, "agent").await.unwrap();
    h.drain().await.unwrap();
    let s = h.session(&u).unwrap();
    assert_eq!(s.case_id, None);
    assert!(
        s.interaction.is_some(),
        "the chat did not wait for the case system"
    );
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &h.router.config().templates.transferring_without_case
    );
    // The case is owed: queued on a key of its own, so the chat's relays never wait on it.
    let pending = h.store.pending();
    let case_step = pending
        .iter()
        .find(|m| {
            matches!(
                m,
                OutboxMessage::HandOff {
                    step: HandOffStep::Case { .. }
                }
            )
        })
        .expect("the case step waits for the case system");
    let conversation = s.conversation.clone().unwrap();
    assert_ne!(
        case_step.ordering_key(),
        format!("conv:{conversation}"),
        "not behind the chat's relays"
    );

    h.cases.fail_with(None);
    h.advance_past_retries();
    let drained = h.drain().await.unwrap();
    assert!(drained.reported.iter().any(|e| matches!(
        e,
        DeliveryEvent::HandOffCaseOpened { case, .. } if *case == CaseId(FIRST_CASE)
    )));
    let s = h.session(&u).unwrap();
    assert_eq!(
        s.case_id,
        Some(CaseId(FIRST_CASE)),
        "kept for the rating and the transcript"
    );
    assert_eq!(s.state, SessionState::AwaitingAgent);
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &format!("This chat is now case #{FIRST_CASE}.")
    );
    assert!(
        h.contact_center.notices().contains(&(
            conversation,
            format!("Case #{FIRST_CASE} is open for this chat.")
        )),
        "{:?}",
        h.contact_center.notices()
    );
    assert_eq!(h.cases.creates(), 1, "one case");
}

#[tokio::test]
async fn a_case_opened_after_the_chat_ended_changes_nothing_in_it() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.cases
        .fail_with(Some(CaseError::Unavailable("503".into())));
    h.dm(&u, "agent").await.unwrap();
    h.drain().await.unwrap();
    let conversation = h.conversation(&u).unwrap();
    h.closed(&conversation).await.unwrap();
    let told = h.dm_texts(&u).len();

    let handled = h
        .router
        .handle_delivery(DeliveryEvent::HandOffCaseOpened {
            user: u.id,
            key: "dc:msg:1".into(),
            conversation,
            case: CaseId(77),
        })
        .await
        .unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    let s = h.session(&u).unwrap();
    assert_eq!(s.case_id, None);
    assert_eq!(h.dm_texts(&u).len(), told, "nothing more to the user");
}

#[tokio::test]
async fn a_stale_report_changes_nothing() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.drain().await.unwrap();
    // The user is with the bot: no hand-off is opening.
    let handled = h
        .router
        .handle_delivery(DeliveryEvent::HandOffOpened {
            user: UserId(1),
            key: "dc:msg:1".into(),
            case: None,
            conversation: ConversationSid::parse("CH00000000000000000000000000000099").unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    assert_eq!(h.session(&u).unwrap().state, SessionState::Bot);
    assert_eq!(h.session(&u).unwrap().conversation, None);
}
