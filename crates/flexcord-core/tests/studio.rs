//! Studio routing mode: every bot-state DM goes into the conversation and the Studio flow
//! answers through bot turns; Studio, not flexcord, creates the task.

use flexcord_core::content::{Buttons, Voice};
use flexcord_core::event::{ButtonAction, FlexEvent};
use flexcord_core::ids::Identity;
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Answer, AnswerItem, ContactCenterError};
use flexcord_core::router::{Incident, Outcome};
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcOp, Harness, user};

/// What is queued for the conversation (the flow), leaving out what is queued for the DM.
fn for_the_flow(h: &Harness) -> Vec<OutboxMessage> {
    h.store
        .pending()
        .into_iter()
        .filter(|m| matches!(m, OutboxMessage::ToConversation { .. }))
        .collect()
}

#[tokio::test]
async fn a_bot_state_dm_opens_the_conversation_and_is_posted_not_answered() {
    let h = Harness::studio();
    let u = user(1);
    let handled = h.dm(&u, "how do I trade?").await.unwrap();
    assert_eq!(handled.enqueued, 1);
    assert!(
        h.bot.questions().is_empty(),
        "Studio asks the bot, not the bridge"
    );
    let conv = h.conversation(&u).unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    h.drain().await.unwrap();
    assert_eq!(
        h.contact_center.user_messages(),
        [(conv.clone(), "how do I trade?".to_owned())]
    );

    // A second DM reuses the conversation.
    h.dm(&u, "and sell?").await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::OpenConversation), 1);
    assert_eq!(h.conversation(&u), Some(conv));
}

#[tokio::test]
async fn a_bot_turn_answers_in_the_dm() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "how do I trade?").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    h.bot.on_text("how do I trade?", "Open the market tab.");
    let handled = h
        .flex(FlexEvent::BotTurn {
            conversation: conv,
            body: "how do I trade?".into(),
            request: None,
        })
        .await
        .unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.voice, Voice::VirtualAgent);
    assert_eq!(last.text, "Open the market tab.");
    assert_eq!(last.buttons, [Buttons::TalkToAgent]);
}

#[tokio::test]
async fn a_bot_turn_hand_off_opens_the_case_and_posts_a_keyword_for_the_flow() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "my account was hacked").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    h.bot.on(
        "my account was hacked",
        Answer {
            items: vec![AnswerItem::Text("A person will help.".into())],
            hand_off: true,
            small_talk: None,
        },
    );
    h.flex(FlexEvent::BotTurn {
        conversation: conv,
        body: "my account was hacked".into(),
        request: None,
    })
    .await
    .unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    assert!(h.case_of(&u).is_some());
    assert!(
        h.contact_center.tasks().is_empty(),
        "Studio's Send to Flex creates the task"
    );
    // After the user's own message (still queued), the keyword for the flow's split.
    let pending = for_the_flow(&h);
    assert!(
        matches!(
            pending.last(),
            Some(OutboxMessage::ToConversation { author, content, .. })
                if *author == Identity::for_user(u.id) && content.text == "agent"
        ),
        "{pending:?}"
    );
    h.drain().await.unwrap();
    assert!(
        h.dm_texts(&u)
            .last()
            .unwrap()
            .starts_with("Case #1001 created")
    );
}

#[tokio::test]
async fn a_keyword_opens_the_case_and_still_posts_the_message_for_the_flow() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "live agent please").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    assert!(h.case_of(&u).is_some());
    h.drain().await.unwrap();
    let conv = h.conversation(&u).unwrap();
    assert_eq!(
        h.contact_center.user_messages(),
        [(conv, "live agent please".to_owned())]
    );
    assert!(h.contact_center.tasks().is_empty());
    assert!(h.contact_center.transcripts().is_empty());
}

#[tokio::test]
async fn the_button_posts_a_keyword_for_the_flow_to_route() {
    let h = Harness::studio();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    let pending = for_the_flow(&h);
    assert!(matches!(
        &pending[..],
        [OutboxMessage::ToConversation { author, content, .. }]
            if *author == Identity::for_user(u.id) && content.text == "agent"
    ));
}

#[tokio::test]
async fn a_bot_turn_while_with_an_agent_is_ignored() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "agent").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    let handled = h
        .flex(FlexEvent::BotTurn {
            conversation: conv,
            body: "x".into(),
            request: None,
        })
        .await
        .unwrap();
    assert_eq!(handled.outcome, Outcome::Ignored);
    assert!(h.bot.questions().is_empty());
}

#[tokio::test]
async fn an_agent_joining_a_bot_state_conversation_takes_over() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "something the split routed on its own")
        .await
        .unwrap();
    let conv = h.conversation(&u).unwrap();
    h.agent_joins(&conv).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::WithAgent));
}

#[tokio::test]
async fn a_closed_bot_conversation_is_reopened_on_the_next_dm() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "first").await.unwrap();
    let first = h.conversation(&u).unwrap();
    h.contact_center.close_conversation(&first);
    h.closed(&first).await.unwrap();
    assert_eq!(h.conversation(&u), None);
    h.dm(&u, "second").await.unwrap();
    let second = h.conversation(&u).unwrap();
    assert_ne!(first, second);
}

#[tokio::test]
async fn a_conversation_that_cannot_be_opened_tells_the_user() {
    let h = Harness::studio();
    let u = user(1);
    h.contact_center.fail_once(
        CcOp::OpenConversation,
        ContactCenterError::Unauthorized("401".into()),
    );
    let handled = h.dm(&u, "hello").await.unwrap();
    assert_eq!(
        handled.incidents,
        [Incident::ContactCenter(ContactCenterError::Unauthorized(
            "401".into()
        ))]
    );
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u),
        [h.router.config().templates.relay_failed.clone()]
    );
    assert!(h.store.pending().is_empty());
}

#[tokio::test]
async fn the_same_bot_turn_request_three_times_is_answered_once() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "how do I trade?").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    h.bot.on_text("how do I trade?", "Open the market tab.");
    h.drain().await.unwrap();
    let before = h.chat.sent_to(h.dm_of(&u)).len();
    let turn = FlexEvent::BotTurn {
        conversation: conv,
        body: "how do I trade?".into(),
        request: Some("IM00000000000000000000000000000001".into()),
    };
    let outcomes = [
        h.flex(turn.clone()).await.unwrap().outcome,
        h.flex(turn.clone()).await.unwrap().outcome,
        h.flex(turn).await.unwrap().outcome,
    ];
    assert_eq!(
        outcomes,
        [Outcome::Done, Outcome::Duplicate, Outcome::Duplicate]
    );
    // Bot answers go through the outbox: deliver what was queued, then look.
    h.drain().await.unwrap();
    let answers: Vec<_> = h.chat.sent_to(h.dm_of(&u)).split_off(before);
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].text, "Open the market tab.");
}

/// The interaction the flow's Send to Flex created, as the flow reports it.
#[expect(clippy::unwrap_used, reason = "fixed, valid test sids")]
fn reported_interaction() -> flexcord_core::session::InteractionRef {
    flexcord_core::session::InteractionRef {
        interaction: "KD00000000000000000000000000000042".parse().unwrap(),
        channel: "UO00000000000000000000000000000043".parse().unwrap(),
    }
}

#[tokio::test]
async fn the_reported_task_detaches_the_flow_and_end_chat_closes_its_interaction() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "agent").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));

    let report = FlexEvent::TaskCreated {
        conversation: conv.clone(),
        interaction: reported_interaction(),
    };
    assert_eq!(h.flex(report.clone()).await.unwrap().outcome, Outcome::Done);
    assert_eq!(
        h.contact_center
            .calls()
            .iter()
            .filter(|c| matches!(c,
            flexcord_testkit::CcCall::DetachFlow(c) if *c == conv))
            .count(),
        1,
        "the flow is detached"
    );
    // A repeat is recorded once (it may ask to detach again: removing no webhook is fine).
    assert_eq!(h.flex(report).await.unwrap().outcome, Outcome::Duplicate);
    assert_eq!(
        h.session(&u).unwrap().interaction,
        Some(reported_interaction())
    );

    h.agent_joins(&conv).await.unwrap();
    h.press(&u, ButtonAction::EndChat).await.unwrap();
    let closes: Vec<_> = h
        .contact_center
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            flexcord_testkit::CcCall::Close { interaction, .. } => Some(interaction),
            _ => None,
        })
        .collect();
    assert_eq!(closes, [Some(reported_interaction())]);
}

#[tokio::test]
async fn a_failed_detach_is_reported_and_the_interaction_still_kept() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "agent").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    h.contact_center.fail_once(
        CcOp::DetachFlow,
        ContactCenterError::Transient("503".into()),
    );
    let handled = h
        .flex(FlexEvent::TaskCreated {
            conversation: conv,
            interaction: reported_interaction(),
        })
        .await
        .unwrap();
    assert!(matches!(
        handled.incidents.as_slice(),
        [Incident::ContactCenter(ContactCenterError::Transient(_))]
    ));
    assert_eq!(
        h.session(&u).unwrap().interaction,
        Some(reported_interaction())
    );
}

#[tokio::test]
async fn a_task_the_flow_made_on_its_own_is_kept_until_its_conversation_closes() {
    let h = Harness::studio();
    let u = user(1);
    h.dm(&u, "hello").await.unwrap();
    let conv = h.conversation(&u).unwrap();
    h.flex(FlexEvent::TaskCreated {
        conversation: conv.clone(),
        interaction: reported_interaction(),
    })
    .await
    .unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(
        h.session(&u).unwrap().interaction,
        Some(reported_interaction())
    );
    h.closed(&conv).await.unwrap();
    let s = h.session(&u).unwrap();
    assert_eq!((s.conversation, s.interaction), (None, None));
}
