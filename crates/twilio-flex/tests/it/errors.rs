//! The failure ladder: Twilio error bodies, 429 then success, 5xx on repeatable and
//! non-repeatable calls, timeouts, bad bodies.

use std::time::Duration;

use serde_json::json;
use twilio_flex::ErrorKind;
use twilio_flex::api::conversations::CreateMessage;
use twilio_flex::api::interactions::CreateInteraction;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

fn text() -> CreateMessage {
    CreateMessage {
        body: Some("hi".into()),
        ..CreateMessage::default()
    }
}

#[tokio::test]
async fn twilio_error_body_is_surfaced() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "code": 20404, "message": "The requested resource was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).fetch_conversation(&ch()).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_transient());
    let body = err.twilio().unwrap();
    assert_eq!(body.code, Some(20404));
    assert_eq!(
        body.more_info.as_deref(),
        Some("https://www.twilio.com/docs/errors/20404")
    );
    assert!(err.to_string().contains("20404"));
}

#[tokio::test]
async fn too_many_requests_then_success_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_json(
                    json!({"code": 20429, "message": "Too Many Requests", "status": 429}),
                ),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(ResponseTemplate::new(201).set_body_json(message_json(IM, "a", "{}")))
        .expect(1)
        .mount(&server)
        .await;
    // A message create is not repeatable, but a 429 was never processed: it is retried.
    let msg = client(&server)
        .create_message(&ch(), &text())
        .await
        .unwrap();
    assert_eq!(msg.sid.as_str(), IM);
}

#[tokio::test]
async fn server_error_on_message_create_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({"code": 20500, "message": "oops"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .create_message(&ch(), &text())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(err.is_transient());
}

#[tokio::test]
async fn server_error_on_interaction_create_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/Interactions"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let req = CreateInteraction {
        channel: json!({"type": "chat"}),
        routing: None,
    };
    assert_eq!(
        client(&server)
            .create_interaction(&req)
            .await
            .unwrap_err()
            .status(),
        Some(503)
    );
}

#[tokio::test]
async fn server_error_on_a_read_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "active")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).fetch_conversation(&ch()).await.unwrap();
}

#[tokio::test]
async fn server_errors_on_a_read_give_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server).fetch_conversation(&ch()).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.twilio().unwrap().message, "bad gateway");
}

#[tokio::test]
async fn slow_message_create_times_out_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Conversations/{CH}/Messages")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(message_json(IM, "a", "{}"))
                .set_delay(Duration::from_secs(30)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client_with(&server, Duration::from_millis(200));
    let err = c.create_message(&ch(), &text()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout));
    assert!(err.is_transient());
}

#[tokio::test]
async fn slow_read_is_retried_after_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(conversation_json(CH, "active")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_with(&server, Duration::from_millis(500));
    c.fetch_conversation(&ch()).await.unwrap();
}

#[tokio::test]
async fn unauthorized_and_undecodable_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/Configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.fetch_conversation(&ch()).await.unwrap_err();
    assert!(err.is_unauthorized());
    let err = c.conversations_configuration().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { body, .. } if body.contains("not json")));
}

#[tokio::test]
async fn oversized_response_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Conversations/{CH}")))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .expect(1)
        .mount(&server)
        .await;
    let c = twilio_flex::Client::builder(twilio_flex::Credentials::auth_token(ACCOUNT, TOKEN))
        .base_url(&server.uri())
        .max_response_bytes(1_000)
        .build()
        .unwrap();
    let err = c.fetch_conversation(&ch()).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::BodyTooLarge { limit: 1_000 }
    ));
}
