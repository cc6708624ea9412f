//! `HttpClient` against a local wiremock server: authentication, JSON, timeouts, the body limit
//! and the retry loop as a caller sees them.

// Helpers outside `#[test]` functions: a failed expectation there is a test failure too.
#![expect(
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::time::Duration;

use flexcord_http::url::Url;
use flexcord_http::{Auth, ErrorKind, HttpClient, Request, RetryPolicy, endpoint};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Fast retries so the tests do not sleep long; the policy itself is unit-tested.
fn client() -> HttpClient {
    HttpClient::builder()
        .timeout(Duration::from_millis(500))
        .max_response_bytes(1024)
        .auth(Auth::bearer("test-key"))
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(5),
            Duration::from_millis(50),
        ))
        .build()
        .expect("client builds")
}

fn url(server: &MockServer, segments: &[&str]) -> Url {
    endpoint(&Url::parse(&server.uri()).expect("mock uri"), segments).expect("endpoint")
}

#[tokio::test]
async fn sends_json_with_bearer_auth_and_decodes_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/things"))
        .and(header("authorization", "Bearer test-key"))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(json!({"name": "x"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;

    let request = Request::post(url(&server, &["v1", "things"])).json(&json!({"name": "x"}));
    let answer: Value = client()
        .send_json(request.expect("request"))
        .await
        .expect("answer");
    assert_eq!(answer, json!({"id": 7}));
}

#[tokio::test]
async fn a_custom_header_credential_is_sent_under_its_name() {
    let server = MockServer::start().await;
    Mock::given(header("x-api-key", "k1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = HttpClient::builder()
        .auth(Auth::header(
            flexcord_http::http::HeaderName::from_static("x-api-key"),
            "k1",
        ))
        .build()
        .expect("client builds");
    let response = client
        .send(Request::get(url(&server, &["x"])))
        .await
        .expect("answer");
    assert_eq!(response.status().as_u16(), 204);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::post(url(&server, &["slow"])))
        .await
        .expect_err("timeout");
    assert_eq!(err.kind(), &ErrorKind::Timeout);
    assert!(err.is_transient());
}

#[tokio::test]
async fn an_idempotent_request_is_retried_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    let answer: Value = client()
        .send_json(Request::get(url(&server, &["x"])))
        .await
        .expect("second try answers");
    assert_eq!(answer, json!({"ok": true}));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::get(url(&server, &["big"])))
        .await
        .expect_err("too large");
    assert_eq!(err.kind(), &ErrorKind::TooLarge { limit: 1024 });
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_body_at_the_limit_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(1024)))
        .mount(&server)
        .await;
    let response = client()
        .send(Request::get(url(&server, &["ok"])))
        .await
        .expect("fits");
    assert_eq!(response.body().len(), 1024);
}

#[tokio::test]
async fn an_idempotent_get_is_retried_after_a_503() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([1])))
        .expect(1)
        .mount(&server)
        .await;
    let answer: Value = client()
        .send_json(Request::get(url(&server, &["x"])))
        .await
        .expect("ok");
    assert_eq!(answer, json!([1]));
}

#[tokio::test]
async fn a_post_is_not_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("{\"error\":\"boom\"}"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::post(url(&server, &["x"])))
        .await
        .expect_err("500");
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.body_excerpt(), Some("{\"error\":\"boom\"}"));
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried_after_a_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let request = Request::post(url(&server, &["x"])).idempotent(true);
    client().send(request).await.expect("second try answers");
}

#[tokio::test]
async fn a_429_is_retried_even_for_a_post_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client()
        .send(Request::post(url(&server, &["x"])))
        .await
        .expect("second try answers");
}

#[tokio::test]
async fn a_429_asking_for_a_longer_wait_than_allowed_is_returned_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::get(url(&server, &["x"])))
        .await
        .expect_err("429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.is_transient());
}

#[tokio::test]
async fn retries_stop_after_the_attempt_budget_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::get(url(&server, &["x"])))
        .await
        .expect_err("502");
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(502));
}

#[tokio::test]
async fn a_4xx_is_final() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let err = client()
        .send(Request::get(url(&server, &["x"])))
        .await
        .expect_err("404");
    assert_eq!(err.status_code().map(|s| s.as_u16()), Some(404));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn invalid_json_is_a_decode_error_that_keeps_the_cause() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let err = client()
        .send_json::<Value>(Request::get(url(&server, &["x"])))
        .await
        .expect_err("bad");
    assert_eq!(err.kind(), &ErrorKind::Decode);
    assert!(err.detailed().len() > err.to_string().len());
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    // Bind, learn the port, close: nothing listens there any more.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{port}/x")).expect("url");
    let err = client().send(Request::get(url)).await.expect_err("refused");
    assert_eq!(err.kind(), &ErrorKind::Connect);
    assert!(err.is_transient());
}

#[tokio::test]
async fn non_http_urls_are_refused_before_any_io() {
    let url = Url::parse("file:///etc/passwd").expect("url");
    let err = client().send(Request::get(url)).await.expect_err("refused");
    assert!(matches!(err.kind(), ErrorKind::InvalidUrl(_)));
}

#[tokio::test]
async fn basic_credentials_go_to_the_service_but_never_with_a_download() {
    let server = MockServer::start().await;
    // base64("SK1:secret")
    Mock::given(path("/api"))
        .and(header("authorization", "Basic U0sxOnNlY3JldA=="))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/file"))
        .respond_with(ResponseTemplate::new(200).set_body_string("bytes"))
        .expect(1)
        .mount(&server)
        .await;
    let client = HttpClient::builder()
        .auth(Auth::basic("SK1", "secret"))
        .build()
        .expect("client builds");
    client
        .send(Request::get(url(&server, &["api"])))
        .await
        .expect("authenticated call");
    client
        .send(Request::get(url(&server, &["file"])).without_credentials())
        .await
        .expect("download");
    let requests = server.received_requests().await.expect("recorded");
    let download = requests
        .iter()
        .find(|r| r.url.path() == "/file")
        .expect("the download arrived");
    assert!(!download.headers.contains_key("authorization"));
}

#[tokio::test]
async fn redirects_are_followed_only_when_asked_and_without_credentials() {
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/b"))
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved"))
        .mount(&server)
        .await;
    let not_followed = client().send(Request::get(url(&server, &["a"]))).await;
    assert_eq!(
        not_followed
            .err()
            .and_then(|e| e.status_code())
            .map(|s| s.as_u16()),
        Some(302)
    );
    let followed = client()
        .send(Request::get(url(&server, &["a"])).follow_redirects(3))
        .await
        .expect("followed");
    assert_eq!(followed.body(), b"moved");
    let requests = server.received_requests().await.expect("recorded");
    let hop = requests
        .iter()
        .rfind(|r| r.url.path() == "/b")
        .expect("the redirect target was asked");
    assert!(!hop.headers.contains_key("authorization"));
}

#[tokio::test]
async fn a_per_request_limit_overrides_the_clients() {
    let server = MockServer::start().await;
    Mock::given(path("/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(100)))
        .mount(&server)
        .await;
    let err = client()
        .send(Request::get(url(&server, &["big"])).max_response_bytes(10))
        .await
        .err()
        .map(|e| e.kind().clone());
    assert_eq!(err, Some(ErrorKind::TooLarge { limit: 10 }));
}

#[tokio::test]
async fn a_concurrency_limit_of_one_holds_the_second_request_until_the_first_is_answered() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(200)))
        .mount(&server)
        .await;
    let client = HttpClient::builder()
        .concurrency(flexcord_http::ConcurrencyLimit::fixed(1))
        .build()
        .expect("client builds");
    let first = client.send(Request::get(url(&server, &["slow"])));
    let second = client.send(Request::get(url(&server, &["slow"])));
    let probe = async {
        // Poll (bounded) until the first request is in; the second must not be in with it.
        for _ in 0..200 {
            let seen = server.received_requests().await.map_or(0, |r| r.len());
            if seen > 0 {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        0
    };
    let (a, b, seen_together) = tokio::join!(first, second, probe);
    assert!(a.is_ok() && b.is_ok());
    assert_eq!(seen_together, 1, "both requests were in flight at once");
}
