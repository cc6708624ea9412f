//! The ContactCenter adapter: which Twilio calls each port method makes, and how many.

use flexcord_core::content::{Attachment, MessageContent};
use flexcord_core::event::UserProfile;
use flexcord_core::ids::{
    CaseId, ChannelId, Identity, InteractionChannelSid, InteractionSid, MediaSid, MessageId, UserId,
};
use flexcord_core::ports::{
    ContactCenter, ContactCenterError, FileRefusal, RefusedFile, TaskRequest,
};
use flexcord_core::session::{InteractionRef, Speaker, TranscriptLine};
use serde_json::json;
use twilio_flex::{FlexConfig, FlexContactCenter};
use wiremock::matchers::{body_bytes, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

/// The test conversation as the router knows it (core's opaque reference).
fn ch() -> flexcord_core::ids::ConversationSid {
    flexcord_core::ids::ConversationSid::parse(CH).unwrap()
}

fn user() -> UserProfile {
    UserProfile {
        id: UserId(42),
        name: "Ann".into(),
        locale: Some("hi".into()),
    }
}

fn config() -> FlexConfig {
    let mut c = FlexConfig::new("https://bridge.example");
    c.workspace_sid = Some("WS1".into());
    c.workflow_sid = Some("WW1".into());
    c.chat_service_sid = Some(IS.into());
    c
}

fn adapter(server: &MockServer, config: FlexConfig) -> FlexContactCenter {
    FlexContactCenter::new(client(server), config)
}

#[tokio::test]
async fn open_conversation_reuses_a_non_closed_one_with_one_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ParticipantConversations"))
        .and(query_param("Identity", "discord:42"))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [
                {"conversation_sid": "CH00000000000000000000000000000009", "conversation_state": "closed"},
                {"conversation_sid": CH, "conversation_state": "inactive"}
            ],
            "meta": meta("conversations", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    let sid = adapter(&server, config())
        .open_conversation(&user(), ChannelId(7))
        .await
        .unwrap();
    assert_eq!(sid, ch());
    // Nothing else was called: any other request would be unmatched (404) and fail above.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn open_conversation_creates_with_participant_user_name_and_webhooks() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ParticipantConversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversations": [{"conversation_sid": CH, "conversation_state": "closed"}],
            "meta": meta("conversations", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Conversations"))
        .and(basic_auth())
        .and(FormJson("Attributes", |a| {
            a["discord_user_id"] == "42"
                && a["discord_channel_id"] == "7"
                && a["display_name"] == "Ann"
                && a["language"] == "hi"
        }))
        .respond_with(ResponseTemplate::new(201).set_body_json(conversation_json(CH, "active")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Participants")))
        .and(FormIs::new(&[("Identity", "discord:42")]))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "MB1", "identity": "discord:42"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Best effort: a failure here must not fail the call.
    Mock::given(method("POST"))
        .and(path("/v1/Users/discord%3A42"))
        .and(FormIs::new(&[("FriendlyName", "Ann")]))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"code": 50200, "message": "nope"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .and(FormIs::new(&[
            ("Target", "webhook"),
            (
                "Configuration.Url",
                "https://bridge.example/forward-to-discord",
            ),
            ("Configuration.Method", "post"),
            ("Configuration.Filters", "onMessageAdded"),
            ("Configuration.Filters", "onParticipantAdded"),
            ("Configuration.Filters", "onParticipantRemoved"),
            ("Configuration.Filters", "onConversationStateUpdated"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "WH1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .and(FormIs::new(&[
            ("Target", "studio"),
            ("Configuration.FlowSid", "FW1"),
            ("Configuration.Filters", "onMessageAdded"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "WH2"})))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.studio_flow_sid = Some("FW1".into());
    let sid = adapter(&server, cfg)
        .open_conversation(&user(), ChannelId(7))
        .await
        .unwrap();
    assert_eq!(sid, ch());
    let create = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/v1/Conversations")
        .unwrap();
    let form = form_of(&create);
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("FriendlyName").as_deref(), Some("Ann"));
    assert_eq!(get("Timers.Closed").as_deref(), Some("P3D"));
    assert_eq!(get("State").as_deref(), Some("active"));
    assert!(get("UniqueName").unwrap().starts_with("discord:42:"));
}

#[tokio::test]
async fn post_user_text_costs_exactly_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(basic_auth())
        .and(header("X-Twilio-Webhook-Enabled", "true"))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            ("Body", "my game crashes"),
            ("Attributes", "{\"discord_message_id\":\"9001\"}"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(9001),
            &MessageContent::text("my game crashes"),
            false,
        )
        .await
        .unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_message_written_earlier_is_posted_with_its_own_date_created() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            ("Body", "written during the outage"),
            ("Attributes", "{\"discord_message_id\":\"9001\"}"),
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
    let content = MessageContent {
        sent_at_ms: Some(1_767_322_245_123),
        ..MessageContent::text("written during the outage")
    };
    adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(9001),
            &content,
            false,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn maybe_sent_skips_a_message_already_posted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(query_param("Order", "desc"))
        .and(query_param("PageSize", "20"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [
                message_json("IM00000000000000000000000000000002", "alice", "{}"),
                message_json(IM, "discord:42", "{\"discord_message_id\":\"9001\"}")
            ],
            "meta": meta("messages", None)
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormJson("Attributes", |a| {
            a["discord_message_id"] == "9002"
        }))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let a = adapter(&server, config());
    let who = Identity::for_user(UserId(42));
    // Already there: skipped.
    a.post_user_message(
        &ch(),
        &who,
        MessageId(9001),
        &MessageContent::text("x"),
        true,
    )
    .await
    .unwrap();
    // Not there: posted once.
    a.post_user_message(
        &ch(),
        &who,
        MessageId(9002),
        &MessageContent::text("y"),
        true,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn attachments_are_uploaded_and_sent_one_message_each_with_text_on_the_first() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cdn/a.png"))
        .and(NoHeader("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"PNG".to_vec(), "image/png"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/b.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"TXT".to_vec(), "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(header("content-type", "image/png"))
        .and(body_bytes(b"PNG".to_vec()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": ME})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(header("content-type", "text/plain"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "ME00000000000000000000000000000002"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(header("X-Twilio-Webhook-Enabled", "true"))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            ("Body", "see these"),
            ("Attributes", "{\"discord_message_id\":\"5\"}"),
            ("MediaSid", ME),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            (
                "Attributes",
                "{\"discord_message_id\":\"5\",\"discord_part\":1}",
            ),
            ("MediaSid", "ME00000000000000000000000000000002"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let attachment = |name: &str, ct: Option<&str>| Attachment {
        url: format!("{}/cdn/{name}", server.uri()),
        filename: name.into(),
        content_type: ct.map(str::to_owned),
        size: Some(3),
    };
    let content = MessageContent {
        text: "see these".into(),
        attachments: vec![
            attachment("a.png", Some("image/png")),
            attachment("b.txt", None),
        ],
        sent_at_ms: None,
    };
    adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(5),
            &content,
            false,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn an_attachment_that_is_gone_is_relayed_as_a_link_with_the_text_and_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cdn/gone.png"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}/cdn/gone.png", server.uri());
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            (
                "Body",
                &format!(
                    "look\n[file gone.png not attached: it could not be downloaded; link: {url}]"
                ),
            ),
            ("Attributes", "{\"discord_message_id\":\"6\"}"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let content = MessageContent {
        text: "look".into(),
        attachments: vec![Attachment {
            url: url.clone(),
            filename: "gone.png".into(),
            content_type: Some("image/png".into()),
            size: Some(3),
        }],
        sent_at_ms: None,
    };
    let posted = adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(6),
            &content,
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        posted.refused_files,
        vec![RefusedFile {
            filename: "gone.png".into(),
            reason: FileRefusal::Unavailable,
        }]
    );
}

#[tokio::test]
async fn transcript_and_notice_are_bridge_authored_without_webhooks() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(NoHeader("x-twilio-webhook-enabled"))
        .and(FormIs::new(&[
            ("Author", "flexcord"),
            ("Body", "Conversation so far:\nAnn: hi\nBot: hello"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(IM, "flexcord", "{}")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(NoHeader("x-twilio-webhook-enabled"))
        .and(FormIs::new(&[
            ("Author", "flexcord"),
            ("Body", "Case #12 opened"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(IM, "flexcord", "{}")))
        .expect(1)
        .mount(&server)
        .await;
    let a = adapter(&server, config());
    let line = |speaker, name: &str, text: &str| TranscriptLine {
        speaker,
        name: name.into(),
        text: text.into(),
        at_ms: 0,
    };
    a.post_transcript(
        &ch(),
        &[
            line(Speaker::User, "Ann", "hi"),
            line(Speaker::Bot, "Bot", "hello"),
        ],
    )
    .await
    .unwrap();
    a.post_notice(&ch(), "Case #12 opened").await.unwrap();
}

#[tokio::test]
async fn create_task_posts_customer_initiated_interaction() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Interactions"))
        .and(basic_auth())
        .and(FormJson("Channel", |c| {
            c == &json!({"type": "chat", "initiated_by": "customer", "properties": {"media_channel_sid": CH}})
        }))
        .and(FormJson("Routing", |r| {
            let p = &r["properties"];
            let at = &p["attributes"];
            p["workspace_sid"] == "WS1"
                && p["workflow_sid"] == "WW1"
                && p["task_channel_unique_name"] == "chat"
                && at["from"] == "Ann"
                && at["customerName"] == "Ann"
                && at["channelType"] == "chat"
                && at["customChannelType"] == "discord"
                && at["conversationSid"] == CH
                && at["caseId"] == 12
                && at["language"] == "hi"
        }))
        .respond_with(ResponseTemplate::new(200).set_body_json(crate::interactions::interaction_json()))
        .expect(1)
        .mount(&server)
        .await;
    channel_reads_back(
        &server,
        json!({"sid": UO, "interaction_sid": KD, "status": "active"}),
    )
    .await;
    let task = TaskRequest {
        user: user(),
        case_id: Some(CaseId(12)),
        summary: "crash".into(),
        language: Some("hi".into()),
    };
    let r = adapter(&server, config())
        .create_task(&ch(), &task)
        .await
        .unwrap();
    assert_eq!(r.interaction.as_str(), KD);
    assert_eq!(r.channel.as_str(), UO);
}

#[tokio::test]
async fn create_task_without_bridge_config_is_rejected_without_calls() {
    let server = MockServer::start().await;
    let task = TaskRequest {
        user: user(),
        case_id: None,
        summary: String::new(),
        language: None,
    };
    let err = adapter(&server, FlexConfig::new("https://b"))
        .create_task(&ch(), &task)
        .await
        .unwrap_err();
    assert!(matches!(err, ContactCenterError::Rejected(_)));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn close_uses_the_interaction_channel_when_known() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Interactions/{KD}/Channels/{UO}")))
        .and(FormIs::new(&[
            ("Status", "closed"),
            ("Routing", "{\"status\":\"closed\"}"),
        ]))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"sid": UO, "status": "closed"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let r = InteractionRef {
        interaction: InteractionSid::parse(KD).unwrap(),
        channel: InteractionChannelSid::parse(UO).unwrap(),
    };
    adapter(&server, config())
        .close(&ch(), Some(&r))
        .await
        .unwrap();
}

#[tokio::test]
async fn close_without_interaction_closes_the_conversation() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .and(FormIs::new(&[("State", "closed")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "closed")))
        .expect(1)
        .mount(&server)
        .await;
    adapter(&server, config()).close(&ch(), None).await.unwrap();
}

#[tokio::test]
async fn gone_conversation_maps_to_conversation_gone() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 20404, "message": "not found", "status": 404})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = adapter(&server, config())
        .post_notice(&ch(), "x")
        .await
        .unwrap_err();
    assert!(matches!(err, ContactCenterError::ConversationGone(_)));
}

#[tokio::test]
async fn media_url_resolves_default_service_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Configuration"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"default_chat_service_sid": IS})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Services/{IS}/Media/{ME}")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(crate::media_studio::media_json(&server)),
        )
        .expect(2)
        .mount(&server)
        .await;
    let mut cfg = config();
    cfg.chat_service_sid = None;
    let a = adapter(&server, cfg);
    let media = MediaSid::parse(ME).unwrap();
    let url = a.media_url(&media).await.unwrap();
    assert_eq!(url, format!("{}/temp/{ME}", server.uri()));
    a.media_url(&media).await.unwrap();
}

/// Issue 15: a zero-byte file used to fail the media upload with 400 and dead-letter the whole
/// message, text included.
#[tokio::test]
async fn an_empty_file_never_takes_the_text_with_it() {
    let server = MockServer::start().await;
    // Discord said 0 bytes for one file; the other turns out empty when downloaded.
    Mock::given(method("GET"))
        .and(path("/cdn/blank.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(Vec::new(), "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    // Twilio refuses empty media; it must not even be asked.
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": 20001, "message": "Media content is empty", "status": 400}),
        ))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            (
                "Body",
                "my save is broken\n[file save.dat not attached: it is empty]\n\
                 [file blank.txt not attached: it is empty]",
            ),
            ("Attributes", "{\"discord_message_id\":\"7\"}"),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let file = |name: &str, size| Attachment {
        url: format!("{}/cdn/{name}", server.uri()),
        filename: name.into(),
        content_type: None,
        size,
    };
    let content = MessageContent {
        text: "my save is broken".into(),
        attachments: vec![file("save.dat", Some(0)), file("blank.txt", None)],
        sent_at_ms: None,
    };
    let posted = adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(7),
            &content,
            false,
        )
        .await
        .unwrap();
    let refused: Vec<_> = posted
        .refused_files
        .iter()
        .map(|f| (f.filename.as_str(), f.reason))
        .collect();
    assert_eq!(
        refused,
        [
            ("save.dat", FileRefusal::Empty),
            ("blank.txt", FileRefusal::Empty)
        ]
    );
}

#[tokio::test]
async fn a_file_twilio_refuses_is_replaced_by_a_note_and_the_others_still_go() {
    let server = MockServer::start().await;
    for name in ["bad.exe", "ok.png"] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(b"DATA".to_vec(), "x/y"))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(header("content-type", "application/x-msdownload"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": 20001, "message": "Unsupported media type", "status": 400}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(header("content-type", "image/png"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": ME})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormIs::new(&[
            ("Author", "discord:42"),
            (
                "Body",
                "two files\n[file bad.exe not attached: it was refused]",
            ),
            ("Attributes", "{\"discord_message_id\":\"8\"}"),
            ("MediaSid", ME),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(
            IM,
            "discord:42",
            "{}",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let file = |name: &str, ct: &str| Attachment {
        url: format!("{}/cdn/{name}", server.uri()),
        filename: name.into(),
        content_type: Some(ct.into()),
        size: Some(4),
    };
    let content = MessageContent {
        text: "two files".into(),
        attachments: vec![
            file("bad.exe", "application/x-msdownload"),
            file("ok.png", "image/png"),
        ],
        sent_at_ms: None,
    };
    let posted = adapter(&server, config())
        .post_user_message(
            &ch(),
            &Identity::for_user(UserId(42)),
            MessageId(8),
            &content,
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        posted.refused_files,
        vec![RefusedFile {
            filename: "bad.exe".into(),
            reason: FileRefusal::Refused,
        }]
    );
}

/// Issue 15: Twilio saved a message after the client's timeout; the check before the resend ran
/// before that late save, and the message was posted twice. This drives the adapter the way the
/// outbox does (each failed attempt is tried again, with `maybe_sent` after the first).
#[tokio::test]
async fn a_message_saved_after_the_timeout_is_not_posted_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(message_json(IM, "discord:42", "{}"))
                .set_delay(std::time::Duration::from_secs(30)),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The first look comes before Twilio has saved it; every later one finds it.
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [], "meta": meta("messages", None)
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [message_json(IM, "discord:42", "{\"discord_message_id\":\"11\"}")],
            "meta": meta("messages", None)
        })))
        .mount(&server)
        .await;
    let mut config = config();
    config.resend_check_delays = vec![std::time::Duration::from_millis(1); 3];
    let client = client_with(&server, std::time::Duration::from_millis(300));
    let a = FlexContactCenter::new(client, config);
    let who = Identity::for_user(UserId(42));
    let content = MessageContent::text("slow twilio");
    let mut delivered = false;
    for attempt in 0..4 {
        let sent = a
            .post_user_message(&ch(), &who, MessageId(11), &content, attempt > 0)
            .await;
        match sent {
            Ok(_) => {
                delivered = true;
                break;
            }
            Err(e) => assert!(e.is_transient(), "{e}"),
        }
    }
    assert!(delivered);
    // `expect(1)` on the POST is checked when the server drops.
}

/// Mounts the read-back of the interaction channel `KD`/`UO`.
async fn channel_reads_back(server: &MockServer, channel: serde_json::Value) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/Interactions/{KD}/Channels/{UO}")))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(channel))
        .expect(1)
        .mount(server)
        .await;
}

/// Twilio answers `POST /v1/Interactions` 200 once it accepts the request; a channel whose
/// set-up then failed says so only when read back. Taking the 200 as done left the player
/// waiting for an agent who never came; now the hand-off fails, so the router tells them.
#[tokio::test]
async fn create_task_fails_when_the_channel_set_up_failed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Interactions"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(crate::interactions::interaction_json()),
        )
        .mount(&server)
        .await;
    channel_reads_back(
        &server,
        json!({"sid": UO, "interaction_sid": KD, "status": "failed", "error_code": 45001}),
    )
    .await;
    let task = TaskRequest {
        user: user(),
        case_id: None,
        summary: String::new(),
        language: None,
    };
    let err = adapter(&server, config())
        .create_task(&ch(), &task)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ContactCenterError::Rejected(m) if m.contains("45001")),
        "{err:?}"
    );
}
