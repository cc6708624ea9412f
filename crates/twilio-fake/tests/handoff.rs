//! What the hand-off's crash tests need from the fake, behaving as Twilio does: a unique name
//! taken answers 409 (50353) and fetches by name, tasks are read back through TaskRouter by
//! attribute, and a request can be held unanswered (and not carried out) to stop a client at a
//! known step.

mod common;

use std::time::Duration;

use common::{call, conversation_with_customer, start};
use http::StatusCode;

#[tokio::test]
async fn a_unique_name_is_taken_once_and_fetches_the_conversation() {
    let fake = start().await;
    let name = [("UniqueName", "flexcord:handoff:dc:msg:1")];
    let (status, first) = call(&fake, "POST", "/v1/Conversations", &name, false).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = call(&fake, "POST", "/v1/Conversations", &name, false).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], 50353);
    let (status, fetched) = call(
        &fake,
        "GET",
        "/v1/Conversations/flexcord%3Ahandoff%3Adc%3Amsg%3A1",
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["sid"], first["sid"]);
    assert_eq!(fake.conversations().len(), 1);
}

#[tokio::test]
async fn tasks_are_read_back_by_attribute_with_their_interaction() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let channel = format!(
        r#"{{"type":"chat","initiated_by":"customer","properties":{{"media_channel_sid":"{conv}"}}}}"#
    );
    let routing = r#"{"properties":{"workspace_sid":"WS1","workflow_sid":"WW1","attributes":{"flexcord_handoff":"dc:msg:1"}}}"#;
    let (_, created) = call(
        &fake,
        "POST",
        "/v1/Interactions",
        &[("Channel", &channel), ("Routing", routing)],
        false,
    )
    .await;
    let query = "EvaluateTaskAttributes=flexcord_handoff%20%3D%3D%20%22dc%3Amsg%3A1%22";
    let (status, found) = call(
        &fake,
        "GET",
        &format!("/v1/Workspaces/WS1/Tasks?{query}"),
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tasks = found["tasks"].as_array().cloned().unwrap_or_default();
    assert_eq!(tasks.len(), 1, "{found}");
    let attributes: serde_json::Value =
        serde_json::from_str(tasks[0]["attributes"].as_str().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(attributes["flexInteractionSid"], created["sid"]);
    assert_eq!(
        attributes["flexInteractionChannelSid"],
        created["channel"]["sid"]
    );
    assert_eq!(attributes["conversationSid"], conv.as_str());

    let other = "EvaluateTaskAttributes=flexcord_handoff%20%3D%3D%20%22dc%3Amsg%3A2%22";
    let (_, none) = call(
        &fake,
        "GET",
        &format!("/v1/Workspaces/WS1/Tasks?{other}"),
        &[],
        false,
    )
    .await;
    assert_eq!(none["tasks"].as_array().map(Vec::len), Some(0));
    let (status, _) = call(
        &fake,
        "GET",
        "/v1/Workspaces/WS1/Tasks?EvaluateTaskAttributes=a%20%3E%201",
        &[],
        false,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an expression the fake cannot evaluate"
    );
}

#[tokio::test]
async fn a_held_request_is_never_answered_nor_carried_out() {
    let fake = start().await;
    fake.hold_next("POST", "/v1/Conversations");
    let held = {
        let fake_router = fake.router();
        tokio::spawn(async move {
            use tower::ServiceExt as _;
            let request = http::Request::builder()
                .method("POST")
                .uri("/v1/Conversations")
                .header(
                    "authorization",
                    common::basic(common::ACCOUNT, common::TOKEN),
                )
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("FriendlyName=x"))
                .unwrap_or_default();
            fake_router.oneshot(request).await
        })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.held().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "never held");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!held.is_finished());
    assert!(fake.conversations().is_empty(), "not carried out");
    held.abort();
    // The hold is used up: the next request goes through.
    let (status, _) = call(&fake, "POST", "/v1/Conversations", &[], false).await;
    assert_eq!(status, StatusCode::CREATED);
}
