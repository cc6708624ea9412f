//! Shared test helpers: a started fake, in-process REST calls, and a webhook receiver.
// `allow`, not `expect`: this module is compiled into three test crates, each of which uses a
// different part of it, so what is silenced differs from crate to crate.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use serde_json::Value;
use tower::ServiceExt as _;
use twilio_fake::{TwilioFake, TwilioFakeConfig};

pub const ACCOUNT: &str = "AC11111111111111111111111111111111";
pub const TOKEN: &str = "test-auth-token";
/// Generous upper bound for waits on a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn config() -> TwilioFakeConfig {
    TwilioFakeConfig {
        account_sid: ACCOUNT.to_owned(),
        auth_token: TOKEN.to_owned(),
        ..Default::default()
    }
}

pub async fn start() -> TwilioFake {
    TwilioFake::start(config()).await.expect("fake starts")
}

pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// An in-process request with valid credentials.
pub async fn call(
    fake: &TwilioFake,
    method: &str,
    path: &str,
    form: &[(&str, &str)],
    webhook_enabled: bool,
) -> (StatusCode, Value) {
    call_as(
        fake,
        method,
        path,
        form,
        webhook_enabled,
        Some(basic(ACCOUNT, TOKEN)),
    )
    .await
}

pub async fn call_as(
    fake: &TwilioFake,
    method: &str,
    path: &str,
    form: &[(&str, &str)],
    webhook_enabled: bool,
    authorization: Option<String>,
) -> (StatusCode, Value) {
    let mut builder = http::Request::builder().method(method).uri(path);
    if let Some(auth) = authorization {
        builder = builder.header("authorization", auth);
    }
    if webhook_enabled {
        builder = builder.header("x-twilio-webhook-enabled", "true");
    }
    let body = if form.is_empty() {
        Body::empty()
    } else {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
        Body::from(serde_urlencoded::to_string(form).unwrap())
    };
    let response = fake
        .router()
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

/// Creates a conversation with a customer participant; returns its SID.
pub async fn conversation_with_customer(fake: &TwilioFake, identity: &str) -> String {
    let (status, conv) = call(
        fake,
        "POST",
        "/v1/Conversations",
        &[("FriendlyName", "chat")],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sid = conv["sid"].as_str().unwrap().to_owned();
    let (status, _) = call(
        fake,
        "POST",
        &format!("/v1/Conversations/{sid}/Participants"),
        &[("Identity", identity)],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    sid
}

/// Registers a `Target=webhook` scoped webhook for `filters`.
pub async fn add_webhook(
    fake: &TwilioFake,
    conversation: &str,
    url: &str,
    filters: &[&str],
) -> Value {
    let mut form = vec![
        ("Target", "webhook"),
        ("Configuration.Url", url),
        ("Configuration.Method", "POST"),
    ];
    form.extend(filters.iter().map(|f| ("Configuration.Filters", *f)));
    let (status, body) = call(
        fake,
        "POST",
        &format!("/v1/Conversations/{conversation}/Webhooks"),
        &form,
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub content_type: Option<String>,
    pub signature: Option<String>,
    pub idempotency_token: Option<String>,
    pub params: Vec<(String, String)>,
}

impl Hit {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny webhook receiver on 127.0.0.1:0 that records requests and answers `status`.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start(status: u16) -> Self {
        let hits = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(status));
        let state = (Arc::clone(&hits), Arc::clone(&status));
        let app = Router::new().fallback(capture).with_state(state);
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}/hook?tenant=t1"),
            hits,
            status,
        }
    }

    pub fn at(&self, path: &str) -> String {
        let base = self.url.split("/hook").next().unwrap();
        format!("{base}{path}")
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }
}

type ReceiverState = (Arc<Mutex<Vec<Hit>>>, Arc<AtomicU16>);

async fn capture(State((hits, status)): State<ReceiverState>, request: Request) -> StatusCode {
    let (parts, body) = request.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let content_type = header("content-type");
    let signature = header("x-twilio-signature");
    let idempotency_token = header("i-twilio-idempotency-token");
    let bytes = to_bytes(body, usize::MAX).await.unwrap();
    let params: Vec<(String, String)> = if bytes.is_empty() {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()).unwrap()
    } else {
        serde_urlencoded::from_bytes(&bytes).unwrap()
    };
    hits.lock().unwrap().push(Hit {
        path,
        content_type,
        signature,
        idempotency_token,
        params,
    });
    StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
}
