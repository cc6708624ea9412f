//! Conversations v1 endpoints: method, path, auth, exact form fields, decoding, paging.

use serde_json::json;
use twilio_flex::api::conversations::{
    ConversationParams, ConversationState, CreateMessage, CreateScopedWebhook, MessageOrder,
    WebhookTarget,
};
use twilio_flex::sid::MediaSid;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

#[tokio::test]
async fn create_conversation_posts_exact_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Conversations"))
        .and(basic_auth())
        .and(FormIs::new(&[
            ("FriendlyName", "Ann"),
            ("UniqueName", "discord:1:5"),
            ("Attributes", "{\"a\":1}"),
            ("State", "active"),
            ("Timers.Closed", "P3D"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(conversation_json(CH, "active")))
        .expect(1)
        .mount(&server)
        .await;
    let params = ConversationParams {
        friendly_name: Some("Ann".into()),
        unique_name: Some("discord:1:5".into()),
        attributes: Some("{\"a\":1}".into()),
        state: Some(ConversationState::Active),
        timers_closed: Some("P3D".into()),
        ..ConversationParams::default()
    };
    let conv = client(&server).create_conversation(&params).await.unwrap();
    assert_eq!(conv.sid.as_str(), CH);
    assert_eq!(conv.state, Some(ConversationState::Active));
    assert_eq!(conv.chat_service_sid.as_deref(), Some(IS));
}

#[tokio::test]
async fn fetch_and_close_conversation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "inactive")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .and(basic_auth())
        .and(FormIs::new(&[("State", "closed")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "closed")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.fetch_conversation(&ch()).await.unwrap().state,
        Some(ConversationState::Inactive)
    );
    let params = ConversationParams {
        state: Some(ConversationState::Closed),
        ..ConversationParams::default()
    };
    assert_eq!(
        c.update_conversation(&ch(), &params).await.unwrap().state,
        Some(ConversationState::Closed)
    );
}

#[tokio::test]
async fn add_and_list_participants() {
    let server = MockServer::start().await;
    let participant = json!({"sid": "MB1", "conversation_sid": CH, "identity": "discord:42",
        "attributes": "{}", "account_sid": ACCOUNT, "messaging_binding": null});
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Participants")))
        .and(basic_auth())
        .and(FormIs::new(&[("Identity", "discord:42")]))
        .respond_with(ResponseTemplate::new(201).set_body_json(&participant))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Participants")))
        .and(query_param("PageSize", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"participants": [participant], "meta": meta("participants", None)}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let p = c.add_participant(&ch(), "discord:42", None).await.unwrap();
    assert_eq!(p.identity.as_deref(), Some("discord:42"));
    let page = c.list_participants(&ch(), Some(100)).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(c.next_page(&page).await.unwrap().is_none());
}

#[tokio::test]
async fn open_conversation_lookup_pages_until_a_non_closed_one() {
    let server = MockServer::start().await;
    let item = |sid: &str, state: &str| {
        json!({"conversation_sid": sid, "conversation_state": state, "participant_identity": "discord:42",
               "chat_service_sid": IS, "account_sid": ACCOUNT})
    };
    // Twilio's next_page_url is absolute; only its path and query are used, on our base URL.
    let next = "https://conversations.twilio.com/v1/ParticipantConversations?Identity=discord%3A42&PageSize=50&Page=1&PageToken=PT1";
    Mock::given(method("GET"))
        .and(path("/v1/ParticipantConversations"))
        .and(query_param("Identity", "discord:42"))
        .and(query_param("PageToken", "PT1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [item("CH00000000000000000000000000000002", "active")],
            "meta": meta("conversations", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/ParticipantConversations"))
        .and(query_param("Identity", "discord:42"))
        .and(query_param("PageSize", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [item(CH, "closed")],
            "meta": meta("conversations", Some(next))
        })))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .find_open_conversation("discord:42", 5)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.conversation_sid.as_str(),
        "CH00000000000000000000000000000002"
    );
    assert_eq!(found.conversation_state, Some(ConversationState::Active));
}

#[tokio::test]
async fn create_message_sends_webhook_header_and_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(basic_auth())
        .and(header("X-Twilio-Webhook-Enabled", "true"))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            ("Body", "hello & bye"),
            ("Attributes", "{\"discord_message_id\":\"7\"}"),
            ("MediaSid", ME),
            ("DateCreated", "2026-01-02T02:50:45Z"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let msg = CreateMessage {
        author: Some("discord:42".into()),
        body: Some("hello & bye".into()),
        attributes: Some("{\"discord_message_id\":\"7\"}".into()),
        media_sid: Some(MediaSid::parse(ME).unwrap()),
        webhook_enabled: true,
        date_created: Some("2026-01-02T02:50:45Z".into()),
    };
    let created = client(&server).create_message(&ch(), &msg).await.unwrap();
    assert_eq!(created.sid.as_str(), IM);
}

#[tokio::test]
async fn message_without_webhooks_has_no_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(NoHeader("x-twilio-webhook-enabled"))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(IM, "flexcord", "{}")))
        .expect(1)
        .mount(&server)
        .await;
    let msg = CreateMessage {
        body: Some("x".into()),
        ..CreateMessage::default()
    };
    client(&server).create_message(&ch(), &msg).await.unwrap();
}

#[tokio::test]
async fn list_messages_follows_next_page_on_the_mock_server() {
    let server = MockServer::start().await;
    let next = format!(
        "{}/v1/Conversations/{CH}/Messages?Order=desc&PageSize=1&Page=1&PageToken=PT2",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(query_param("PageToken", "PT2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [message_json("IM00000000000000000000000000000002", "a", "{}")],
            "meta": meta("messages", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(query_param("Order", "desc"))
        .and(query_param("PageSize", "1"))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [message_json(IM, "a", "{}")],
            "meta": meta("messages", Some(&next))
        })))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let first = c
        .list_messages(&ch(), Some(MessageOrder::Desc), Some(1))
        .await
        .unwrap();
    assert_eq!(first.items[0].sid.as_str(), IM);
    let second = c.next_page(&first).await.unwrap().unwrap();
    assert_eq!(
        second.items[0].sid.as_str(),
        "IM00000000000000000000000000000002"
    );
    assert!(c.next_page(&second).await.unwrap().is_none());
}

#[tokio::test]
async fn scoped_webhooks_create_list_delete() {
    let server = MockServer::start().await;
    let hook = json!({"sid": "WH1", "conversation_sid": CH, "target": "webhook",
        "configuration": {"url": "https://b/forward-to-discord", "method": "post",
                           "filters": ["onMessageAdded", "onParticipantAdded"]},
        "url": "https://x", "account_sid": ACCOUNT});
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .and(basic_auth())
        .and(FormIs::new(&[
            ("Target", "webhook"),
            ("Configuration.Url", "https://b/forward-to-discord"),
            ("Configuration.Method", "post"),
            ("Configuration.Filters", "onMessageAdded"),
            ("Configuration.Filters", "onParticipantAdded"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(&hook))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"webhooks": [hook], "meta": meta("webhooks", None)})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks/WH1")))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let created = c
        .create_scoped_webhook(
            &ch(),
            &CreateScopedWebhook::webhook(
                "https://b/forward-to-discord",
                &["onMessageAdded", "onParticipantAdded"],
            ),
        )
        .await
        .unwrap();
    assert_eq!(created.target, Some(WebhookTarget::Webhook));
    let listed = c.list_scoped_webhooks(&ch()).await.unwrap();
    assert_eq!(
        listed.items[0]
            .configuration
            .as_ref()
            .unwrap()
            .filters
            .len(),
        2
    );
    c.delete_scoped_webhook(&ch(), "WH1").await.unwrap();
}

#[tokio::test]
async fn studio_scoped_webhook_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .and(FormIs::new(&[
            ("Target", "studio"),
            ("Configuration.FlowSid", "FW1"),
            ("Configuration.Filters", "onMessageAdded"),
        ]))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sid": "WH2", "target": "studio"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let hook = client(&server)
        .create_scoped_webhook(
            &ch(),
            &CreateScopedWebhook::studio("FW1", &["onMessageAdded"]),
        )
        .await
        .unwrap();
    assert_eq!(hook.target, Some(WebhookTarget::Studio));
}

#[tokio::test]
async fn update_user_friendly_name_encodes_identity_in_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Users/discord%3A42"))
        .and(basic_auth())
        .and(FormIs::new(&[("FriendlyName", "Ann B")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sid": "US1", "identity": "discord:42", "friendly_name": "Ann B"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server)
        .update_user_friendly_name("discord:42", "Ann B")
        .await
        .unwrap();
    assert_eq!(user.friendly_name.as_deref(), Some("Ann B"));
}
