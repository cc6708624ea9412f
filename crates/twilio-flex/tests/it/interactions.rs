//! Flex Interactions v1: create (JSON strings in the form), close a channel, update a participant.

use serde_json::json;
use twilio_flex::api::interactions::{
    ChatRouting, CreateInteraction, InteractionChannelStatus, ParticipantStatus,
};
use twilio_flex::sid::{ConversationSid, InteractionChannelSid, InteractionSid};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

pub(crate) fn interaction_json() -> serde_json::Value {
    json!({
        "sid": KD,
        "channel": {"type": "chat", "sid": UO},
        "routing": {"properties": {"workspace_sid": "WS1"}},
        "url": format!("https://flex-api.twilio.com/v1/Interactions/{KD}"),
        "links": {"channels": "https://x"}, "interaction_context_sid": null, "webhook_ttid": null
    })
}

#[tokio::test]
async fn create_interaction_sends_channel_and_routing_as_json_strings() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Interactions"))
        .and(basic_auth())
        .and(FormJson("Channel", |c| {
            c == &json!({"type": "chat", "initiated_by": "customer",
                         "properties": {"media_channel_sid": CH}})
        }))
        .and(FormJson("Routing", |r| {
            r["properties"]["workspace_sid"] == "WS1"
                && r["properties"]["workflow_sid"] == "WW1"
                && r["properties"]["task_channel_unique_name"] == "chat"
                && r["properties"]["attributes"]["from"] == "Ann"
        }))
        .respond_with(ResponseTemplate::new(200).set_body_json(interaction_json()))
        .expect(1)
        .mount(&server)
        .await;
    let req = CreateInteraction::customer_chat(
        &ConversationSid::parse(CH).unwrap(),
        &ChatRouting {
            workspace_sid: "WS1".into(),
            workflow_sid: "WW1".into(),
            task_channel_unique_name: "chat".into(),
            attributes: json!({"from": "Ann"}),
        },
    );
    let created = client(&server).create_interaction(&req).await.unwrap();
    assert_eq!(created.sid.as_str(), KD);
    assert_eq!(created.channel.unwrap().sid.unwrap().as_str(), UO);
}

#[tokio::test]
async fn close_interaction_channel_form() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Interactions/{KD}/Channels/{UO}")))
        .and(basic_auth())
        .and(FormIs::new(&[
            ("Status", "closed"),
            ("Routing", "{\"status\":\"closed\"}"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sid": UO, "interaction_sid": KD, "type": "chat", "status": "closed"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let channel = client(&server)
        .close_interaction_channel(
            &InteractionSid::parse(KD).unwrap(),
            &InteractionChannelSid::parse(UO).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(channel.status, Some(InteractionChannelStatus::Closed));
}

#[tokio::test]
async fn update_interaction_participant_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/v1/Interactions/{KD}/Channels/{UO}/Participants/UT1"
        )))
        .and(basic_auth())
        .and(FormIs::new(&[("Status", "closed")]))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"sid": "UT1", "channel_sid": UO, "interaction_sid": KD, "type": "customer"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server)
        .update_interaction_participant(
            &InteractionSid::parse(KD).unwrap(),
            &InteractionChannelSid::parse(UO).unwrap(),
            "UT1",
            &ParticipantStatus::Closed,
        )
        .await
        .unwrap();
    assert_eq!(p.kind.as_deref(), Some("customer"));
}
