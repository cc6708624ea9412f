//! The hand-off's steps when an earlier try may have done them: each is looked for first and
//! not made again (Twilio takes no idempotency key on these creates).

use flexcord_core::event::UserProfile;
use flexcord_core::ids::{ChannelId, UserId};
use flexcord_core::ports::{ContactCenter, TaskRequest};
use flexcord_core::session::{Speaker, TranscriptLine};
use serde_json::json;
use twilio_flex::{FlexConfig, FlexContactCenter};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const KEY: &str = "dc:msg:77";

fn core_ch() -> flexcord_core::ids::ConversationSid {
    flexcord_core::ids::ConversationSid::parse(CH).unwrap()
}

fn ann() -> UserProfile {
    UserProfile {
        id: UserId(42),
        name: "Ann".into(),
        locale: None,
    }
}

fn adapter(server: &MockServer) -> FlexContactCenter {
    let mut c = FlexConfig::new("https://bridge.example");
    c.workspace_sid = Some("WS1".into());
    c.workflow_sid = Some("WW1".into());
    c.chat_service_sid = Some(IS.into());
    FlexContactCenter::new(client(server), c)
}

/// Fails the test if `POST route` is ever called.
async fn never(server: &MockServer, route: &str) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_conversation_an_earlier_try_created_is_found_by_unique_name_and_finished() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Conversations/flexcord%3Ahandoff%3Adc%3Amsg%3A77"))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "active")))
        .expect(1)
        .mount(&server)
        .await;
    never(&server, "/v1/Conversations").await;
    // The participant is there already: Twilio answers 409 (50433).
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Participants")))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "code": 50433, "message": "Participant already exists", "status": 409
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Users/discord%3A42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "US1"})))
        .mount(&server)
        .await;
    // The bridge's webhook is there too: listed, not added again.
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "webhooks": [{"sid": "WH1", "target": "webhook",
                "configuration": {"url": "https://bridge.example/forward-to-discord",
                                  "method": "post", "filters": []}}],
            "meta": meta("webhooks", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    never(&server, &format!("/v1/Conversations/{CH}/Webhooks")).await;

    let sid = adapter(&server)
        .open_handoff_conversation(&ann(), ChannelId(7), KEY)
        .await
        .unwrap();
    assert_eq!(sid.as_str(), CH);
}

#[tokio::test]
async fn a_unique_name_taken_meanwhile_is_the_conversation() {
    let server = MockServer::start().await;
    // Not there at first; the create then meets the name taken (an earlier try's create
    // whose answer was lost) and the second look finds it.
    Mock::given(method("GET"))
        .and(path("/v1/Conversations/flexcord%3Ahandoff%3Adc%3Amsg%3A77"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 20404, "message": "not found", "status": 404
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/Conversations/flexcord%3Ahandoff%3Adc%3Amsg%3A77"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "active")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Conversations"))
        .and(FormJson("Attributes", |a| a["discord_user_id"] == "42"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "code": 50353, "message": "Conversation with provided unique name already exists",
            "status": 409
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Participants")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "MB1", "identity": "discord:42"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Users/discord%3A42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "US1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "webhooks": [], "meta": meta("webhooks", None)
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Webhooks")))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": "WH1"})))
        .expect(1)
        .mount(&server)
        .await;

    let sid = adapter(&server)
        .open_handoff_conversation(&ann(), ChannelId(7), KEY)
        .await
        .unwrap();
    assert_eq!(sid.as_str(), CH);
}

#[tokio::test]
async fn a_transcript_already_posted_is_not_posted_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [{"sid": IM, "index": 0, "author": "flexcord",
                          "body": "Conversation so far:\nAnn: hi",
                          "attributes": "{\"flexcord_handoff\":\"dc:msg:77\"}"}],
            "meta": meta("messages", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    never(&server, &format!("/v1/Conversations/{CH}/Messages")).await;
    let lines = [TranscriptLine {
        speaker: Speaker::User,
        name: "Ann".into(),
        text: "hi".into(),
        at_ms: 0,
    }];
    adapter(&server)
        .post_handoff_transcript(&core_ch(), KEY, &lines)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_transcript_not_there_yet_is_posted_with_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messages": [], "meta": meta("messages", None)
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .and(FormJson("Attributes", |a| a["flexcord_handoff"] == KEY))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": IM, "index": 0})))
        .expect(1)
        .mount(&server)
        .await;
    let lines = [TranscriptLine {
        speaker: Speaker::User,
        name: "Ann".into(),
        text: "hi".into(),
        at_ms: 0,
    }];
    adapter(&server)
        .post_handoff_transcript(&core_ch(), KEY, &lines)
        .await
        .unwrap();
}

fn task() -> TaskRequest {
    TaskRequest {
        user: ann(),
        case_id: None,
        summary: "crash".into(),
        language: None,
    }
}

#[tokio::test]
async fn a_task_an_earlier_try_created_is_found_through_taskrouter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Workspaces/WS1/Tasks"))
        .and(query_param(
            "EvaluateTaskAttributes",
            "flexcord_handoff == \"dc:msg:77\"",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tasks": [{"sid": "WT1", "assignment_status": "pending",
                "attributes": json!({"flexcord_handoff": KEY, "flexInteractionSid": KD,
                                     "flexInteractionChannelSid": UO}).to_string()}],
            "meta": meta("tasks", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    never(&server, "/v1/Interactions").await;
    let found = adapter(&server)
        .create_handoff_task(&core_ch(), KEY, &task())
        .await
        .unwrap();
    assert_eq!(found.interaction.as_str(), KD);
    assert_eq!(found.channel.as_str(), UO);
}

#[tokio::test]
async fn a_task_not_there_yet_is_created_carrying_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Workspaces/WS1/Tasks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "tasks": [], "meta": meta("tasks", None)
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Interactions"))
        .and(FormJson("Routing", |r| {
            r["properties"]["attributes"]["flexcord_handoff"] == KEY
        }))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(crate::interactions::interaction_json()),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Interactions/{KD}/Channels/{UO}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"sid": UO, "interaction_sid": KD, "status": "active"})),
        )
        .mount(&server)
        .await;
    let created = adapter(&server)
        .create_handoff_task(&core_ch(), KEY, &task())
        .await
        .unwrap();
    assert_eq!(created.interaction.as_str(), KD);
}
