//! Media Content Service (raw upload, temporary URL) and Studio v2 flows.

use bytes::Bytes;
use serde_json::json;
use twilio_flex::api::studio::{FlowParams, FlowStatus};
use twilio_flex::sid::MediaSid;
use wiremock::matchers::{body_bytes, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

pub(crate) fn media_json(server: &MockServer) -> serde_json::Value {
    json!({
        "sid": ME, "service_sid": IS, "size": 3, "content_type": "image/png", "filename": null,
        "links": {"content": format!("/v1/Services/{IS}/Media/{ME}/Content"),
                  "content_direct_temporary": format!("{}/temp/{ME}", server.uri())}
    })
}

#[tokio::test]
async fn upload_media_posts_raw_bytes_with_their_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(basic_auth())
        .and(header("content-type", "image/png"))
        .and(body_bytes(b"PNG".to_vec()))
        .respond_with(ResponseTemplate::new(201).set_body_json(media_json(&server)))
        .expect(1)
        .mount(&server)
        .await;
    let media = client(&server)
        .upload_media(IS, "image/png", None, Bytes::from_static(b"PNG"))
        .await
        .unwrap();
    assert_eq!(media.sid.as_str(), ME);
}

#[tokio::test]
async fn upload_media_names_the_file_so_flex_shows_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/Services/{IS}/Media")))
        .and(query_param("Filename", "crash report.png"))
        .and(body_bytes(b"PNG".to_vec()))
        .respond_with(ResponseTemplate::new(201).set_body_json(media_json(&server)))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .upload_media(
            IS,
            "image/png",
            Some("crash report.png"),
            Bytes::from_static(b"PNG"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn fetch_media_returns_temporary_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/Services/{IS}/Media/{ME}")))
        .and(basic_auth())
        .respond_with(ResponseTemplate::new(200).set_body_json(media_json(&server)))
        .expect(1)
        .mount(&server)
        .await;
    let media = client(&server)
        .fetch_media(IS, &MediaSid::parse(ME).unwrap())
        .await
        .unwrap();
    assert_eq!(
        media.links.content_direct_temporary,
        Some(format!("{}/temp/{ME}", server.uri()))
    );
}

#[tokio::test]
async fn download_sends_no_credentials_and_is_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/attachments/a.png"))
        .and(NoHeader("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![7u8; 64], "image/png"))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let url = format!("{}/attachments/a.png", server.uri());
    let (bytes, ct) = c.download(&url, 1024).await.unwrap();
    assert_eq!(bytes.len(), 64);
    assert_eq!(ct.as_deref(), Some("image/png"));
    let err = c.download(&url, 10).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        twilio_flex::ErrorKind::BodyTooLarge { limit: 10 }
    ));
}

#[tokio::test]
async fn create_and_update_flow() {
    let server = MockServer::start().await;
    let definition = json!({"description": "flexcord", "states": [], "initial_state": "Trigger"});
    let flow = json!({"sid": "FW1", "friendly_name": "flexcord", "status": "published",
        "revision": 2, "valid": true, "errors": [], "warnings": [], "definition": definition});
    Mock::given(method("POST"))
        .and(path("/v2/Flows"))
        .and(basic_auth())
        .and(FormIs::new(&[
            ("FriendlyName", "flexcord"),
            ("Status", "published"),
            ("Definition", &definition.to_string()),
        ]))
        .respond_with(ResponseTemplate::new(201).set_body_json(&flow))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/Flows/FW1"))
        .and(FormIs::new(&[
            ("Status", "draft"),
            ("Definition", &definition.to_string()),
            ("CommitMessage", "update"),
        ]))
        .respond_with(ResponseTemplate::new(200).set_body_json(&flow))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let created = c
        .create_flow(&FlowParams {
            friendly_name: Some("flexcord".into()),
            status: FlowStatus::Published,
            definition: Some(definition.clone()),
            commit_message: None,
        })
        .await
        .unwrap();
    assert_eq!(created.status, Some(FlowStatus::Published));
    c.update_flow(
        "FW1",
        &FlowParams {
            friendly_name: None,
            status: FlowStatus::Draft,
            definition: Some(definition),
            commit_message: Some("update".into()),
        },
    )
    .await
    .unwrap();
}
