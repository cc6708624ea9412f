//! Shared test helpers: a client pointed at the mock server, a form-body matcher, fixtures.

use std::time::Duration;

use base64::Engine as _;
use twilio_flex::sid::ConversationSid;
use twilio_flex::{Client, Credentials, RetryPolicy};
use wiremock::matchers::header;
use wiremock::{Match, MockServer, Request};

pub(crate) const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub(crate) const TOKEN: &str = "test-auth-token";
pub(crate) const CH: &str = "CH00000000000000000000000000000001";
pub(crate) const IM: &str = "IM00000000000000000000000000000001";
pub(crate) const ME: &str = "ME00000000000000000000000000000001";
pub(crate) const KD: &str = "KD00000000000000000000000000000001";
pub(crate) const UO: &str = "UO00000000000000000000000000000001";
pub(crate) const IS: &str = "IS00000000000000000000000000000001";

pub(crate) fn ch() -> ConversationSid {
    ConversationSid::parse(CH).unwrap()
}

/// A client for `server` with fast retries (the policy is what the unit tests pin down).
pub(crate) fn client(server: &MockServer) -> Client {
    client_with(server, Duration::from_secs(10))
}

pub(crate) fn client_with(server: &MockServer, timeout: Duration) -> Client {
    Client::builder(Credentials::auth_token(ACCOUNT, TOKEN))
        .base_url(&server.uri())
        .timeout(timeout)
        .retry_policy(
            RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(5))
                .with_max_retry_after(Duration::from_secs(1)),
        )
        .build()
        .expect("client builds")
}

/// Matches the Basic auth header for the test account.
pub(crate) fn basic_auth() -> impl Match {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    header("authorization", format!("Basic {encoded}").as_str())
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The form body holds exactly these fields (repeated keys included, any order).
#[derive(Debug)]
pub(crate) struct FormIs(pub Vec<(String, String)>);

impl FormIs {
    pub(crate) fn new(fields: &[(&str, &str)]) -> Self {
        Self(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

impl Match for FormIs {
    fn matches(&self, request: &Request) -> bool {
        let is_form = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let mut got = pairs(&request.body);
        let mut want = self.0.clone();
        got.sort();
        want.sort();
        is_form && got == want
    }
}

/// The form field `key` holds JSON satisfying `check`.
pub(crate) struct FormJson(pub &'static str, pub fn(&serde_json::Value) -> bool);

impl Match for FormJson {
    fn matches(&self, request: &Request) -> bool {
        pairs(&request.body)
            .into_iter()
            .find(|(k, _)| k == self.0)
            .and_then(|(_, v)| serde_json::from_str::<serde_json::Value>(&v).ok())
            .is_some_and(|v| (self.1)(&v))
    }
}

/// The header is absent.
pub(crate) struct NoHeader(pub &'static str);

impl Match for NoHeader {
    fn matches(&self, request: &Request) -> bool {
        !request.headers.contains_key(self.0)
    }
}

/// The fields of a request the server received.
#[cfg(feature = "flexcord")]
pub(crate) fn form_of(request: &Request) -> Vec<(String, String)> {
    pairs(&request.body)
}

pub(crate) fn conversation_json(sid: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "account_sid": ACCOUNT, "chat_service_sid": IS, "sid": sid, "friendly_name": "Ann",
        "unique_name": null, "attributes": "{}", "state": state, "timers": {},
        "url": format!("https://conversations.twilio.com/v1/Conversations/{sid}"),
        "links": {}, "bindings": null, "messaging_service_sid": null,
        "date_created": "2026-01-01T00:00:00Z", "date_updated": "2026-01-01T00:00:00Z"
    })
}

pub(crate) fn message_json(sid: &str, author: &str, attributes: &str) -> serde_json::Value {
    serde_json::json!({
        "account_sid": ACCOUNT, "conversation_sid": CH, "sid": sid, "index": 0,
        "author": author, "body": "hi", "media": null, "attributes": attributes,
        "participant_sid": null, "date_created": "2026-01-01T00:00:00Z",
        "date_updated": "2026-01-01T00:00:00Z", "url": "https://x", "delivery": null,
        "links": {}, "content_sid": null
    })
}

pub(crate) fn meta(key: &str, next: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "first_page_url": "https://x", "key": key, "next_page_url": next, "page": 0,
        "page_size": 50, "previous_page_url": null, "url": "https://x"
    })
}
