//! S4: the agent joins, talks (text and media), leaves; echoes and strangers are ignored.

use flexcord_core::case::CaseStatus;
use flexcord_core::content::{AgentMedia, Buttons, Voice};
use flexcord_core::event::{FlexEvent, MessageOrigin};
use flexcord_core::ids::{ConversationSid, Identity, MediaSid};
use flexcord_core::router::Outcome;
use flexcord_core::session::SessionState;
use flexcord_testkit::{AGENT, Harness, user};

#[tokio::test]
async fn the_agent_joining_is_announced_with_an_end_chat_button() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    let handled = h.agent_joins(&conv).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    assert_eq!(handled.enqueued, 1);
    assert_eq!(h.state(&u), Some(SessionState::WithAgent));
    assert_eq!(h.session(&u).unwrap().agent_name.as_deref(), Some("alice"));
    assert_eq!(
        h.cases.case(h.case_of(&u).unwrap()).unwrap().status,
        CaseStatus::InProgress
    );

    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.text, "alice joined the chat.");
    assert_eq!(last.buttons, [Buttons::EndChat]);
}

#[tokio::test]
async fn a_friendly_name_is_preferred_over_the_identity() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    h.flex(FlexEvent::ParticipantAdded {
        conversation: conv,
        identity: Identity::new(AGENT),
        name: Some("Alice Agent".into()),
    })
    .await
    .unwrap();
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        "Alice Agent joined the chat."
    );
}

#[tokio::test]
async fn agent_text_and_media_reach_the_dm_in_the_agents_voice() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let media = AgentMedia {
        sid: MediaSid::parse("ME123").unwrap(),
        filename: Some("fix.png".into()),
        content_type: Some("image/png".into()),
        size: Some(5),
    };
    h.flex(h.agent_message(&conv, "Try this:", vec![media]))
        .await
        .unwrap();
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.voice, Voice::Agent);
    assert_eq!(last.text, "Try this:");
    assert_eq!(last.files.len(), 1);
    assert_eq!(last.files[0].url, "https://media.example.test/ME123");
    assert_eq!(last.files[0].filename, "fix.png");
}

#[tokio::test]
async fn an_agent_message_before_the_join_notice_counts_as_the_join() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    h.agent_says(&conv, "Hi, I'm Alice").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::WithAgent));
    // The late join event then changes nothing.
    let late = h.agent_joins(&conv).await.unwrap();
    assert_eq!(late.outcome, Outcome::Ignored);
    h.drain().await.unwrap();
    let texts = h.dm_texts(&u);
    assert_eq!(
        &texts[texts.len() - 2..],
        ["alice joined the chat.", "Hi, I'm Alice"]
    );
}

#[tokio::test]
async fn the_bridges_own_messages_never_echo() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let before = h.dm_texts(&u).len();
    for origin in [MessageOrigin::Api, MessageOrigin::Other] {
        let handled = h
            .flex(FlexEvent::MessageAdded {
                conversation: conv.clone(),
                message: h.message_sid(),
                origin,
                author: Identity::for_user(u.id),
                body: "what the user said".into(),
                media: Vec::new(),
            })
            .await
            .unwrap();
        assert_eq!(handled.outcome, Outcome::Ignored);
    }
    // A customer-authored SDK message is the user's own words too.
    let own = h
        .flex(FlexEvent::MessageAdded {
            conversation: conv,
            message: h.message_sid(),
            origin: MessageOrigin::Sdk,
            author: Identity::for_user(u.id),
            body: "mine".into(),
            media: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(own.outcome, Outcome::Ignored);
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u).len(), before);
}

#[tokio::test]
async fn the_same_agent_message_delivered_twice_is_relayed_once() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let event = h.agent_message(&conv, "only once", Vec::new());
    h.flex(event.clone()).await.unwrap();
    let again = h.flex(event).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u).iter().filter(|t| *t == "only once").count(),
        1
    );
}

#[tokio::test]
async fn the_customers_own_participant_events_are_ignored() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    let added = h
        .flex(FlexEvent::ParticipantAdded {
            conversation: conv.clone(),
            identity: Identity::for_user(u.id),
            name: None,
        })
        .await
        .unwrap();
    assert_eq!(added.outcome, Outcome::Ignored);
    let removed = h
        .flex(FlexEvent::ParticipantRemoved {
            conversation: conv,
            identity: Identity::for_user(u.id),
        })
        .await
        .unwrap();
    assert_eq!(removed.outcome, Outcome::Ignored);
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
}

#[tokio::test]
async fn the_agent_leaving_is_announced_and_the_next_agent_too() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.flex(FlexEvent::ParticipantRemoved {
        conversation: conv.clone(),
        identity: Identity::new(AGENT),
    })
    .await
    .unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    h.flex(FlexEvent::ParticipantAdded {
        conversation: conv,
        identity: Identity::new("bob@example.com"),
        name: None,
    })
    .await
    .unwrap();
    h.drain().await.unwrap();
    let texts = h.dm_texts(&u);
    assert_eq!(
        &texts[texts.len() - 2..],
        ["alice left the chat.", "bob joined the chat."]
    );
    assert_eq!(h.state(&u), Some(SessionState::WithAgent));
}

#[tokio::test]
async fn events_for_an_unknown_conversation_are_acknowledged_and_do_nothing() {
    let h = Harness::new();
    let stranger = ConversationSid::parse("CHdeadbeef").unwrap();
    let handled = h.agent_says(&stranger, "hello?").await.unwrap();
    assert_eq!(handled.outcome, Outcome::UnknownConversation);
    let handled = h.closed(&stranger).await.unwrap();
    assert_eq!(handled.outcome, Outcome::UnknownConversation);
    assert!(h.store.entries().is_empty());
    assert!(h.chat.calls().is_empty());
}
