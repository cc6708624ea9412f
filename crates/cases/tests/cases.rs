//! The cases client against a local wiremock case system: request shapes (method, path, JSON,
//! `Authorization`, `Idempotency-Key`), decoding, retries, and which `CaseError` each failure
//! becomes.

// Helpers outside `#[test]` functions: a failed expectation there is a test failure too.
#![expect(
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::time::Duration;

use flexcord_core::case::{
    CaseFilter, CaseKind, CaseNote, CaseSource, CaseStatus, NewCase, NoteKind, Priority, Rating,
    Reporter,
};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_core::ports::{CaseError, CaseManagement};
use serde_json::{Value, json};
use wiremock::matchers::{
    body_json, header, header_exists, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_with(server: &MockServer, timeout: Duration) -> cases::Client {
    let config = cases::Config::new(&server.uri(), "cases-key").expect("config");
    cases::Client::new(&config.with_timeout(timeout)).expect("client")
}

fn client(server: &MockServer) -> cases::Client {
    client_with(server, Duration::from_secs(5))
}

fn new_case(key: &str) -> NewCase {
    NewCase {
        kind: CaseKind::Bug,
        title: "Crash when opening the map".into(),
        description: "The game closes when I press M.".into(),
        fields: vec![("Platform / version".into(), "Windows 11, 1.4.2".into())],
        reporter: Reporter {
            user_id: UserId(80_351_110_224_678_912),
            name: "Nelly".into(),
        },
        source: CaseSource {
            channel: ChannelId(1_203_458_712_345_678_901),
            direct_message: false,
        },
        priority: Priority::Low,
        idempotency_key: key.into(),
    }
}

fn new_case_json() -> Value {
    json!({
        "kind": "bug",
        "title": "Crash when opening the map",
        "description": "The game closes when I press M.",
        "fields": [{"name": "Platform / version", "value": "Windows 11, 1.4.2"}],
        "reporter": {"discord_user_id": "80351110224678912", "name": "Nelly"},
        "source": {"discord_channel_id": "1203458712345678901", "direct_message": false},
        "priority": "low"
    })
}

fn case_json(number: u64) -> Value {
    let mut case = new_case_json();
    let extra = json!({
        "number": number, "status": "open", "rating": null,
        "notes": [{"kind": "comment", "author": "flexcord", "body": "posted", "at_ms": 5}],
        "created_at_ms": 1_767_225_600_000_u64
    });
    for (k, v) in extra.as_object().expect("object") {
        case[k] = v.clone();
    }
    case
}

fn api_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

#[tokio::test]
async fn create_posts_the_documented_body_with_auth_and_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .and(header("authorization", "Bearer cases-key"))
        .and(header("idempotency-key", "dc:int:1203458799999999999"))
        .and(body_json(new_case_json()))
        .respond_with(ResponseTemplate::new(201).set_body_json(case_json(1042)))
        .expect(1)
        .mount(&server)
        .await;

    let case = client(&server)
        .create(&new_case("dc:int:1203458799999999999"))
        .await
        .expect("case");
    assert_eq!(case.id, CaseId(1042));
    assert_eq!(case.kind, CaseKind::Bug);
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.reporter.user_id, UserId(80_351_110_224_678_912));
    assert_eq!(case.source.channel, ChannelId(1_203_458_712_345_678_901));
    assert_eq!(
        case.fields,
        vec![("Platform / version".into(), "Windows 11, 1.4.2".into())]
    );
    assert_eq!(case.notes.len(), 1);
    assert_eq!(case.rating, None);
}

#[tokio::test]
async fn create_is_retried_with_the_same_idempotency_key_after_a_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .and(header("idempotency-key", "dc:int:7"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .and(header("idempotency-key", "dc:int:7"))
        .and(body_json(new_case_json()))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json(7)))
        .expect(1)
        .mount(&server)
        .await;

    let case = client(&server)
        .create(&new_case("dc:int:7"))
        .await
        .expect("case");
    assert_eq!(case.id, CaseId(7));
}

#[tokio::test]
async fn create_is_retried_after_a_timeout_because_of_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("idempotency-key", "dc:int:8"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("idempotency-key", "dc:int:8"))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json(8)))
        .expect(1)
        .mount(&server)
        .await;
    let case = client_with(&server, Duration::from_millis(300))
        .create(&new_case("dc:int:8"))
        .await
        .expect("case");
    assert_eq!(case.id, CaseId(8));
}

#[tokio::test]
async fn create_without_a_usable_key_is_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(0)
        .mount(&server)
        .await;
    for key in [String::new(), "a\r\nInjected: 1".into(), "k".repeat(256)] {
        let err = client(&server)
            .create(&new_case(&key))
            .await
            .expect_err("rejected");
        assert!(matches!(err, CaseError::Rejected(_)), "{key:?}: {err:?}");
    }
}

#[tokio::test]
async fn create_validation_errors_are_rejections_with_the_servers_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(api_error("validation_failed", "title must not be empty")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .create(&new_case("k"))
        .await
        .expect_err("422");
    assert!(
        matches!(&err, CaseError::Rejected(t) if t.contains("validation_failed: title must not be empty")),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_decodes_a_case() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/1042"))
        .and(header("authorization", "Bearer cases-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json(1042)))
        .expect(1)
        .mount(&server)
        .await;
    let case = client(&server).get(CaseId(1042)).await.expect("case");
    assert_eq!(case.id, CaseId(1042));
    assert_eq!(case.notes[0].kind, NoteKind::Comment);
}

#[tokio::test]
async fn get_maps_404_400_401_and_500() {
    type Check = fn(&CaseError) -> bool;
    let cases: [(u16, Check); 4] = [
        (404, |e| *e == CaseError::NotFound(CaseId(9))),
        (400, |e| matches!(e, CaseError::Rejected(_))),
        (401, |e| matches!(e, CaseError::Rejected(_))),
        (500, |e| matches!(e, CaseError::Unavailable(_))),
    ];
    for (status, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/cases/9"))
            .respond_with(ResponseTemplate::new(status).set_body_json(api_error("e", "m")))
            .mount(&server)
            .await;
        let err = client(&server).get(CaseId(9)).await.expect_err("error");
        assert!(expected(&err), "{status}: {err:?}");
    }
}

#[tokio::test]
async fn get_is_retried_after_a_503_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/5"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json(5)))
        .expect(1)
        .mount(&server)
        .await;
    let case = client(&server).get(CaseId(5)).await.expect("case");
    assert_eq!(case.id, CaseId(5));
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2));
}

#[tokio::test]
async fn get_gives_up_after_three_server_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    let err = client(&server).get(CaseId(5)).await.expect_err("502");
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_slow_get_times_out_as_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .expect(3)
        .mount(&server)
        .await;
    let err = client_with(&server, Duration::from_millis(200))
        .get(CaseId(1))
        .await
        .expect_err("t");
    assert!(
        matches!(&err, CaseError::Unavailable(t) if t.contains("timed out")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_case_that_breaks_the_contract_is_unavailable_not_a_panic() {
    let server = MockServer::start().await;
    let mut bad = case_json(3);
    bad["rating"] = json!(9);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bad))
        .mount(&server)
        .await;
    let err = client(&server)
        .get(CaseId(3))
        .await
        .expect_err("bad rating");
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn list_sends_the_filters_as_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/cases"))
        .and(query_param("reporter", "42"))
        .and(query_param("kind", "support"))
        .and(query_param("status", "in_progress"))
        .and(query_param("limit", "10"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"cases": [case_json(2), case_json(1)]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let filter = CaseFilter {
        reporter: Some(UserId(42)),
        kind: Some(CaseKind::Support),
        status: Some(CaseStatus::InProgress),
        limit: 10,
    };
    let cases = client(&server).list(&filter).await.expect("cases");
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![CaseId(2), CaseId(1)]);
}

#[tokio::test]
async fn list_without_filters_sends_no_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/cases"))
        .and(query_param_is_missing("reporter"))
        .and(query_param_is_missing("kind"))
        .and(query_param_is_missing("status"))
        .and(query_param_is_missing("limit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"cases": []})))
        .expect(1)
        .mount(&server)
        .await;
    let cases = client(&server)
        .list(&CaseFilter::default())
        .await
        .expect("cases");
    assert!(cases.is_empty());
}

#[tokio::test]
async fn add_note_posts_the_note() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/cases/1042/notes"))
        .and(header("authorization", "Bearer cases-key"))
        .and(body_json(json!({
            "kind": "transcript", "author": "flexcord", "body": "Nelly: hi\nBob: hello", "at_ms": 0
        })))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let note = CaseNote {
        kind: NoteKind::Transcript,
        author: "flexcord".into(),
        body: "Nelly: hi\nBob: hello".into(),
        at_ms: 0,
    };
    client(&server)
        .add_note(CaseId(1042), &note)
        .await
        .expect("added");
}

#[tokio::test]
async fn add_note_is_not_repeated_after_a_503_or_a_timeout() {
    let note = CaseNote {
        kind: NoteKind::Comment,
        author: "a".into(),
        body: "b".into(),
        at_ms: 1,
    };
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .add_note(CaseId(1), &note)
        .await
        .expect_err("503");
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_with(&server, Duration::from_millis(200));
    let err = client
        .add_note(CaseId(1), &note)
        .await
        .expect_err("timeout");
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn add_note_to_an_unknown_case_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/cases/77/notes"))
        .respond_with(ResponseTemplate::new(404).set_body_json(api_error("not_found", "no case")))
        .expect(1)
        .mount(&server)
        .await;
    let note = CaseNote {
        kind: NoteKind::Comment,
        author: "a".into(),
        body: "b".into(),
        at_ms: 1,
    };
    let err = client(&server)
        .add_note(CaseId(77), &note)
        .await
        .expect_err("404");
    assert_eq!(err, CaseError::NotFound(CaseId(77)));
}

#[tokio::test]
async fn set_rating_and_set_status_patch_one_field() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/cases/12"))
        .and(header_exists("authorization"))
        .and(body_json(json!({"rating": 4})))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json(12)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/cases/12"))
        .and(body_json(json!({"status": "resolved"})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let rating = Rating::new(4).expect("valid rating");
    client.set_rating(CaseId(12), rating).await.expect("rated");
    client
        .set_status(CaseId(12), CaseStatus::Resolved)
        .await
        .expect("resolved");
}

#[tokio::test]
async fn set_status_is_retried_after_a_503_and_maps_404() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/v1/cases/12"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1/cases/12"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .set_status(CaseId(12), CaseStatus::Closed)
        .await
        .expect("closed");

    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let err = client(&server)
        .set_status(CaseId(13), CaseStatus::Closed)
        .await
        .expect_err("404");
    assert_eq!(err, CaseError::NotFound(CaseId(13)));
}

#[tokio::test]
async fn an_unreachable_case_system_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let config = cases::Config::new(&format!("http://127.0.0.1:{port}"), "k").expect("config");
    let client = cases::Client::new(&config).expect("client");
    let err = client.get(CaseId(1)).await.expect_err("refused");
    assert!(matches!(err, CaseError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_output() {
    let server = MockServer::start().await;
    assert!(!format!("{:?}", client(&server)).contains("cases-key"));
}
