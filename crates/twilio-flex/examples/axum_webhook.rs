//! Using `twilio-flex` on its own: an axum endpoint for Twilio Conversations webhooks, and the
//! REST client.
//!
//! The handler does what any Twilio webhook receiver must: rebuild the URL Twilio called from
//! your public base URL, check `X-Twilio-Signature` over it and the form parameters (403 when
//! missing or wrong), parse the form into a typed [`WebhookEvent`] (400 when malformed), then
//! answer 200 quickly (Twilio gives a webhook 5 s).
//!
//! When run, the example serves on `127.0.0.1:0`, sends itself one correctly signed request, one
//! forged request and one signed but malformed request, prints the answers, then points the REST
//! client at the same server (which also plays a one-route Twilio) and exits. Nothing leaves the
//! machine.
//!
//! Run it with `cargo run -p twilio-flex --example axum_webhook`.

// An example's job is to show what happens, on stdout.
#![expect(
    clippy::print_stdout,
    reason = "an example: it tells the reader what it is doing"
)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{get, post};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use twilio_flex::webhook::{SignatureValidator, WebhookEvent, compute_signature, parse_form_body};
use twilio_flex::{Client, Credentials};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The account's auth token: the REST password and the key of every webhook signature.
const AUTH_TOKEN: &str = "example-auth-token";
const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
const CONVERSATION: &str = "CH00000000000000000000000000000001";
const WEBHOOK_PATH: &str = "/twilio/conversation-events";

#[derive(Debug, Clone)]
struct AppState {
    signatures: Arc<SignatureValidator>,
    /// The base URL Twilio uses to reach this server (behind a proxy: the public one, never the
    /// listen address). Signatures are computed over it, so it must match exactly.
    public_url: Arc<str>,
}

/// `POST /twilio/conversation-events`: verify, parse, acknowledge.
async fn conversation_events(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let params = parse_form_body(&body);
    let url = match uri.query() {
        Some(query) => format!("{}{}?{query}", state.public_url, uri.path()),
        None => format!("{}{}", state.public_url, uri.path()),
    };
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok());
    if let Err(error) = state.signatures.validate(&url, &params, signature) {
        return (StatusCode::FORBIDDEN, format!("refused: {error}"));
    }
    match WebhookEvent::from_params(&params) {
        // Acknowledge now; do the real work (relaying, storing) after, or in a queue.
        Ok(WebhookEvent::MessageAdded(message)) => (
            StatusCode::OK,
            format!(
                "message {} in {} from {:?} via {:?}: {:?}",
                message.message,
                message.conversation,
                message.author.unwrap_or_default(),
                message.source,
                message.body
            ),
        ),
        Ok(other) => (StatusCode::OK, format!("other event: {other:?}")),
        Err(error) => (StatusCode::BAD_REQUEST, format!("malformed: {error}")),
    }
}

/// A stand-in for Twilio's `GET /v1/Conversations/{Sid}`, so the REST client has something to
/// talk to without leaving the machine.
async fn fake_fetch_conversation(Path(sid): Path<String>) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "chat_service_sid": "IS00000000000000000000000000000000",
        "friendly_name": "Ann",
        "state": "active",
        "attributes": "{}",
    }))
}

fn form(params: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// Sends a form POST the way Twilio would, optionally signed; returns status and body.
async fn post_form(
    url: &str,
    params: &[(String, String)],
    signature: Option<&str>,
) -> Result<(u16, String), BoxError> {
    let client = HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request =
        http::Request::post(url).header("content-type", "application/x-www-form-urlencoded");
    if let Some(signature) = signature {
        request = request.header("x-twilio-signature", signature);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(form(params))))?)
        .await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState {
        signatures: Arc::new(SignatureValidator::new(AUTH_TOKEN)),
        public_url: base.as_str().into(),
    };
    let app = Router::new()
        .route(WEBHOOK_PATH, post(conversation_events))
        .route("/v1/Conversations/{sid}", get(fake_fetch_conversation))
        .with_state(state);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    println!("listening on {base}");

    // What Twilio posts when an agent writes in the Flex UI.
    let url = format!("{base}{WEBHOOK_PATH}");
    let params = pairs(&[
        ("EventType", "onMessageAdded"),
        ("ConversationSid", CONVERSATION),
        ("MessageSid", "IM00000000000000000000000000000001"),
        ("Author", "alice@example.com"),
        ("Body", "Hi Ann, how can I help?"),
        ("Source", "SDK"),
        ("Index", "3"),
    ]);
    let signature = compute_signature(AUTH_TOKEN, &url, &params);

    let (status, body) = post_form(&url, &params, Some(&signature)).await?;
    println!("signed request     -> {status} {body}");

    // Same signature, different body: someone changed the message on the way.
    let mut forged = params.clone();
    if let Some(body) = forged.iter_mut().find(|(k, _)| k == "Body") {
        body.1 = "Please send me your password".to_owned();
    }
    let (status, body) = post_form(&url, &forged, Some(&signature)).await?;
    println!("forged request     -> {status} {body}");

    let (status, body) = post_form(&url, &params, None).await?;
    println!("unsigned request   -> {status} {body}");

    // Authentic but unusable: an onMessageAdded without its MessageSid.
    let malformed = pairs(&[
        ("EventType", "onMessageAdded"),
        ("ConversationSid", CONVERSATION),
    ]);
    let signature = compute_signature(AUTH_TOKEN, &url, &malformed);
    let (status, body) = post_form(&url, &malformed, Some(&signature)).await?;
    println!("malformed request  -> {status} {body}");

    // The REST client. In production leave the base URL alone (Twilio's hosts); `base_url`
    // sends every product to one host with paths unchanged, for proxies and fakes.
    let client = Client::builder(Credentials::auth_token(ACCOUNT_SID, AUTH_TOKEN))
        .base_url(&base)
        .build()?;
    let sid = twilio_flex::sid::ConversationSid::parse(CONVERSATION)?;
    let conversation = client.fetch_conversation(&sid).await?;
    println!(
        "REST: conversation {} is {:?} ({:?})",
        conversation.sid,
        conversation.state,
        conversation.friendly_name.unwrap_or_default()
    );

    let _ = stop.send(());
    server.await??;
    println!("stopped");
    Ok(())
}
