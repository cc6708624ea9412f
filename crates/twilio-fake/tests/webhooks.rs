//! Webhook delivery to a real local receiver: signatures, echo control, ordering, retries.

mod common;

use common::{Receiver, TOKEN, WAIT, add_webhook, call, conversation_with_customer, start};
use twilio_fake::{Attachment, DeliveryKind, EventSource, StateChangeReason, twilio_signature};

const ALL_EVENTS: [&str; 4] = [
    "onMessageAdded",
    "onParticipantAdded",
    "onParticipantRemoved",
    "onConversationStateUpdated",
];

#[tokio::test]
async fn rest_message_with_webhook_enabled_is_delivered_signed() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &["onMessageAdded"]).await;

    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Messages"),
        &[
            ("Author", "discord:1"),
            ("Body", "hello & welcome"),
            ("Attributes", r#"{"k":1}"#),
        ],
        true,
    )
    .await;
    let deliveries = fake.wait_for_deliveries(1, WAIT).await.unwrap_or_default();
    assert_eq!(deliveries[0].status, Some(200));

    let hits = bridge.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.path, "/hook?tenant=t1");
    assert_eq!(
        hit.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let expected = twilio_signature(TOKEN, &bridge.url, &hit.params);
    assert_eq!(
        hit.signature.as_deref(),
        Some(expected.as_str()),
        "signed over the full URL and params"
    );
    assert_ne!(
        twilio_signature("other", &bridge.url, &hit.params),
        expected
    );

    let message = &fake.messages(&conv)[0];
    assert_eq!(hit.param("EventType"), Some("onMessageAdded"));
    assert_eq!(hit.param("Source"), Some("API"));
    assert_eq!(hit.param("ClientIdentity"), None);
    assert_eq!(hit.param("AccountSid"), Some(common::ACCOUNT));
    assert_eq!(hit.param("ConversationSid"), Some(conv.as_str()));
    assert_eq!(hit.param("MessageSid"), Some(message.sid.as_str()));
    assert_eq!(hit.param("Index"), Some("0"));
    assert_eq!(hit.param("Body"), Some("hello & welcome"));
    assert_eq!(hit.param("Author"), Some("discord:1"));
    assert_eq!(hit.param("Attributes"), Some(r#"{"k":1}"#));
    assert_eq!(
        hit.param("ParticipantSid"),
        message.participant_sid.as_deref()
    );
    assert_eq!(hit.param("WebhookType"), Some("webhook"));
    assert!(hit.param("WebhookSid").is_some_and(|s| s.starts_with("WH")));
    assert!(
        hit.param("ChatServiceSid")
            .is_some_and(|s| s.starts_with("IS"))
    );
    assert!(hit.param("Media").is_none());
}

#[tokio::test]
async fn rest_message_without_webhook_enabled_header_is_not_delivered() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &ALL_EVENTS).await;

    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Body", "quiet")],
        false,
    )
    .await;
    // An agent message afterwards goes through the same ordered queue, so once it is
    // answered the REST message would have been delivered before it, had it been fired.
    fake.agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    let said = fake
        .agent_say(&conv, "agent", "loud", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(said.status(), Some(200));

    let events: Vec<_> = bridge
        .hits()
        .iter()
        .map(|h| {
            (
                h.param("EventType").unwrap_or_default().to_owned(),
                h.param("Body").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("onParticipantAdded".to_owned(), None),
            ("onMessageAdded".to_owned(), Some("loud".to_owned()))
        ]
    );
}

#[tokio::test]
async fn agent_messages_are_sdk_events_and_return_the_bridge_status() {
    let fake = start().await;
    let bridge = Receiver::start(403).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &["onMessageAdded"]).await;
    fake.agent_join(&conv, "agent@example.com", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));

    let said = fake
        .agent_say(
            &conv,
            "agent@example.com",
            "see attached",
            vec![Attachment::new(
                "report.pdf",
                "application/pdf",
                b"%PDF".to_vec(),
            )],
        )
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(said.status(), Some(403), "the bridge's answer is reported");
    assert_eq!(said.value.source, EventSource::Sdk);

    let hit = &bridge.hits()[0];
    assert_eq!(hit.param("Source"), Some("SDK"));
    assert_eq!(hit.param("ClientIdentity"), Some("agent@example.com"));
    let media: serde_json::Value =
        serde_json::from_str(hit.param("Media").unwrap_or("null")).unwrap_or_default();
    assert_eq!(media[0]["Filename"], "report.pdf");
    assert_eq!(media[0]["ContentType"], "application/pdf");
    assert_eq!(media[0]["Size"], 4);
    let media_sid = media[0]["Sid"].as_str().unwrap_or_default();
    assert_eq!(
        fake.media()
            .iter()
            .find(|m| m.sid == media_sid)
            .map(|m| m.bytes.to_vec()),
        Some(b"%PDF".to_vec())
    );

    bridge.answer(200);
    let again = fake
        .agent_say(&conv, "agent@example.com", "ok?", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(again.status(), Some(200));
    assert_eq!(
        fake.deliveries()
            .iter()
            .map(|d| d.status)
            .collect::<Vec<_>>(),
        [Some(403), Some(200)]
    );
}

#[tokio::test]
async fn agent_must_have_joined_to_speak() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let result = fake.agent_say(&conv, "stranger", "hi", vec![]).await;
    assert!(matches!(result, Err(twilio_fake::FakeError::NotFound(_))));
}

#[tokio::test]
async fn join_leave_and_close_fire_their_events_with_filters_respected() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let messages_only = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &ALL_EVENTS).await;
    add_webhook(&fake, &conv, &messages_only.url, &["onMessageAdded"]).await;

    let joined = fake
        .agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(
        joined.deliveries.len(),
        1,
        "only the subscribed webhook is called"
    );
    fake.agent_leave(&conv, "agent")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    let closed = fake
        .close_conversation(&conv, StateChangeReason::Timer)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(closed.value.state, twilio_fake::ConversationState::Closed);

    let hits = bridge.hits();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].param("EventType"), Some("onParticipantAdded"));
    assert_eq!(hits[0].param("Identity"), Some("agent"));
    assert_eq!(hits[0].param("Source"), Some("SDK"));
    assert!(hits[0].param("MessagingBinding.Type").is_none());
    assert_eq!(hits[1].param("EventType"), Some("onParticipantRemoved"));
    assert_eq!(
        hits[1].param("ParticipantSid"),
        hits[0].param("ParticipantSid")
    );
    assert_eq!(
        hits[2].param("EventType"),
        Some("onConversationStateUpdated")
    );
    assert_eq!(hits[2].param("StateFrom"), Some("active"));
    assert_eq!(hits[2].param("StateTo"), Some("closed"));
    assert_eq!(hits[2].param("Reason"), Some("TIMER"));
    assert_eq!(hits[2].param("Source"), Some("API"));
    assert!(messages_only.hits().is_empty());
}

#[tokio::test]
async fn retries_resend_the_same_event() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &["onMessageAdded"]).await;
    fake.agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    fake.agent_say(&conv, "agent", "once", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));

    let retries = fake
        .redeliver_last_webhook(&conv, 2)
        .await
        .unwrap_or_default();
    assert_eq!(
        retries.iter().map(|r| r.attempt).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(
        retries
            .iter()
            .all(|r| r.kind == DeliveryKind::Webhook && r.status == Some(200))
    );

    let hits = bridge.hits();
    assert_eq!(hits.len(), 3);
    let sids: Vec<_> = hits.iter().map(|h| h.param("MessageSid")).collect();
    assert!(sids.iter().all(|s| *s == sids[0] && s.is_some()));
    assert!(
        hits.iter()
            .all(|h| h.idempotency_token.is_some()
                && h.idempotency_token == hits[0].idempotency_token)
    );
    assert_eq!(
        hits.iter()
            .map(|h| h.param("RetryCount"))
            .collect::<Vec<_>>(),
        [Some("0"), Some("1"), Some("2")]
    );
    for hit in &hits {
        assert_eq!(
            hit.signature,
            Some(twilio_signature(TOKEN, &bridge.url, &hit.params))
        );
    }
    assert_eq!(
        fake.messages(&conv).len(),
        1,
        "retries do not create messages"
    );
}

#[tokio::test]
async fn a_conversations_events_arrive_in_order() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    add_webhook(&fake, &conv, &bridge.url, &["onMessageAdded"]).await;
    for i in 0..20 {
        call(
            &fake,
            "POST",
            &format!("/v1/Conversations/{conv}/Messages"),
            &[("Author", "discord:1"), ("Body", &i.to_string())],
            true,
        )
        .await;
    }
    fake.wait_for_deliveries(20, WAIT).await.unwrap_or_default();
    let indices: Vec<_> = bridge
        .hits()
        .iter()
        .map(|h| h.param("Index").unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<_> = (0..20).map(|i: i32| i.to_string()).collect();
    assert_eq!(indices, expected);
}

#[tokio::test]
async fn an_unreachable_receiver_is_recorded_as_a_failed_delivery() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    // A port that was free a moment ago: connecting to it is refused.
    let closed_port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9);
    let url = format!("http://127.0.0.1:{closed_port}/hook");
    add_webhook(&fake, &conv, &url, &["onParticipantAdded"]).await;
    let joined = fake
        .agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(joined.status(), None);
    assert!(joined.deliveries[0].error.is_some());
}

#[tokio::test]
async fn the_event_stream_reports_changes() {
    let fake = start().await;
    let mut events = fake.subscribe();
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let mut created = false;
    while let Ok(Ok(event)) = tokio::time::timeout(WAIT, events.recv()).await {
        match event {
            twilio_fake::FakeEvent::ConversationCreated { conversation_sid } => {
                assert_eq!(conversation_sid, conv);
                created = true;
            }
            twilio_fake::FakeEvent::ParticipantAdded { identity, .. } => {
                assert_eq!(identity.as_deref(), Some("discord:1"));
                break;
            }
            _ => {}
        }
    }
    assert!(created);
}

#[tokio::test]
async fn get_webhooks_carry_params_in_the_signed_query() {
    let fake = start().await;
    let bridge = Receiver::start(200).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let (status, _) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[
            ("Target", "webhook"),
            ("Configuration.Url", &bridge.url),
            ("Configuration.Method", "get"),
            ("Configuration.Filters", "onParticipantAdded"),
        ],
        false,
    )
    .await;
    assert_eq!(status, http::StatusCode::CREATED);
    let joined = fake
        .agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(joined.status(), Some(200));

    let hit = &bridge.hits()[0];
    assert!(hit.path.starts_with("/hook?tenant=t1&"), "{}", hit.path);
    assert_eq!(hit.param("Identity"), Some("agent"));
    let full_url = bridge.at(&hit.path);
    let no_params: [(&str, &str); 0] = [];
    assert_eq!(
        hit.signature,
        Some(twilio_signature(TOKEN, &full_url, &no_params))
    );
}
