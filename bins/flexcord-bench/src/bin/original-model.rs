//! `original-model`: a MODEL of the original (Python, discord.py + Flask) design's request
//! pattern, written only so the benchmark can compare like with like. It is not flexcord and
//! not a product: no signature checks, no retries beyond Discord 429s, no persistence — as in
//! the original (see `shared/reference/twilio.md` §1.1).
//!
//! What it reproduces, per event, through the same fakes and the same environment variables:
//! - a user's DM: look the chat user up (`GET /v2/Services/{IS}/Users/{identity}`), list their
//!   channels (`GET …/Users/{identity}/Channels`), and post the message
//!   (`POST …/Channels/{CH}/Messages`, webhook-enabled, with the Discord channel id in the
//!   message attributes) — 3 Twilio calls; on the first message the channel list is empty, so it
//!   also creates the Flex chat channel (`POST /v1/Channels`) and its webhook — 5 calls;
//! - an agent message (the `/forward-to-discord` webhook): read the conversation's last
//!   message (`GET …/Channels/{CH}/Messages?Order=desc&PageSize=1`) to recover the Discord
//!   channel id from its attributes — 1 Twilio call — then post to Discord.
//!
//! Like discord.py, each DM is handled in its own task, so nothing orders one user's messages.
//!
//! Blocking (the default, the one the benchmark compares): the original called Twilio's
//! synchronous Python SDK inside its async handlers, so each Twilio request stopped the whole
//! event loop until it was answered — one Twilio request in flight for the process, and a
//! handler's calls ran back to back with nothing else in between (a handler never yielded
//! between two of them). Here one process-wide lock, held across a handler's Twilio calls, does
//! the same; Discord requests (aiohttp, which yields) are not under it. With `--non-blocking`
//! the lock is gone: the same requests, every handler's at once — an upper bound the original
//! never reached, kept for comparison. As with the SDK, which raises on any error status and does
//! not retry, a Twilio answer of 400 or more (a 429 included) fails the handler: the DM is lost.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use base64::Engine as _;
use futures_util::{SinkExt as _, StreamExt as _};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug)]
struct Model {
    /// Held across a handler's Twilio calls in blocking mode (`None`: non-blocking).
    event_loop: Option<tokio::sync::Mutex<()>>,
    http: Client<HttpConnector, Full<Bytes>>,
    twilio: String,
    twilio_auth: String,
    service: String,
    discord: String,
    discord_token: String,
}

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is required"))
}

impl Model {
    fn from_env(blocking: bool) -> anyhow::Result<Self> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            var("TWILIO_ACCOUNT_SID")?,
            var("TWILIO_AUTH_TOKEN")?
        ));
        Ok(Self {
            event_loop: blocking.then(|| tokio::sync::Mutex::new(())),
            http: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(256)
                .build(connector),
            twilio: var("TWILIO_API_BASE_URL")?.trim_end_matches('/').to_owned(),
            twilio_auth: format!("Basic {basic}"),
            service: var("TWILIO_CHAT_SERVICE_SID")?,
            discord: format!("http://{}", var("DISCORD_API_PROXY")?),
            discord_token: format!("Bot {}", var("DISCORD_TOKEN")?),
        })
    }

    async fn call(
        &self,
        method: http::Method,
        url: &str,
        auth: &str,
        body: Option<(&'static str, String)>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(url)
            .header("authorization", auth)
            .header("x-twilio-webhook-enabled", "true");
        let body = match body {
            Some((content_type, text)) => {
                request = request.header("content-type", content_type);
                Full::new(Bytes::from(text))
            }
            None => Full::new(Bytes::new()),
        };
        let response = self
            .http
            .request(request.body(body).context("request")?)
            .await
            .context("transport")?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .context("body")?
            .to_bytes();
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// Takes the event loop for a stretch of synchronous Twilio calls (blocking mode); the
    /// guard gives it back.
    async fn block(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.event_loop {
            Some(event_loop) => Some(event_loop.lock().await),
            None => None,
        }
    }

    /// The SDK's answer: the JSON, or an error for a status of 400 or more.
    async fn twilio(
        &self,
        method: http::Method,
        path: &str,
        body: Option<(&'static str, String)>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.twilio);
        let (status, answer) = self.call(method, &url, &self.twilio_auth, body).await?;
        anyhow::ensure!(
            status < 400,
            "Twilio answered {status} (code {})",
            answer["code"]
        );
        Ok(answer)
    }

    async fn twilio_get(&self, path: &str) -> anyhow::Result<Value> {
        self.twilio(http::Method::GET, path, None).await
    }

    async fn twilio_post(&self, path: &str, form: &[(&str, &str)]) -> anyhow::Result<Value> {
        let body = serde_urlencoded::to_string(form).context("form")?;
        let body = Some(("application/x-www-form-urlencoded", body));
        self.twilio(http::Method::POST, path, body).await
    }

    /// A user's DM, the original way.
    async fn on_dm(&self, user: &str, name: &str, dm: &str, text: &str) -> anyhow::Result<()> {
        // The whole handler is synchronous Twilio calls with no await between them.
        let _event_loop = self.block().await;
        let identity = format!("discord:{user}");
        let s = &self.service;
        let _user = self
            .twilio_get(&format!("/v2/Services/{s}/Users/{}", enc(&identity)))
            .await?;
        let channels = self
            .twilio_get(&format!(
                "/v2/Services/{s}/Users/{}/Channels",
                enc(&identity)
            ))
            .await?;
        let last = channels["channels"]
            .as_array()
            .and_then(|c| c.last())
            .and_then(|c| c["channel_sid"].as_str())
            .map(str::to_owned);
        let channel = match last {
            Some(c) => c,
            None => {
                let flow = format!("FO{}", "0".repeat(32));
                let created = self
                    .twilio_post(
                        "/v1/Channels",
                        &[
                            ("FlexFlowSid", &flow),
                            ("Identity", &identity),
                            ("ChatUserFriendlyName", name),
                            ("ChatFriendlyName", name),
                            ("Target", &identity),
                        ],
                    )
                    .await?;
                let sid = created["sid"]
                    .as_str()
                    .context("no channel sid")?
                    .to_owned();
                let hook = format!("{}/forward-to-discord", var("FLEXCORD_PUBLIC_URL")?);
                self.twilio_post(
                    &format!("/v2/Services/{s}/Channels/{sid}/Webhooks"),
                    &[
                        ("Type", "webhook"),
                        ("Configuration.Url", &hook),
                        ("Configuration.Filters", "onMessageSent"),
                    ],
                )
                .await?;
                sid
            }
        };
        let attributes = json!({ "discord_channel_id": dm }).to_string();
        self.twilio_post(
            &format!("/v2/Services/{s}/Channels/{channel}/Messages"),
            &[
                ("From", &identity),
                ("Body", text),
                ("Attributes", &attributes),
            ],
        )
        .await?;
        Ok(())
    }

    /// An agent's message, the original way.
    async fn on_agent_message(&self, channel: &str, body: &str) -> anyhow::Result<()> {
        let s = &self.service;
        let event_loop = self.block().await;
        let page = self
            .twilio_get(&format!(
                "/v2/Services/{s}/Channels/{channel}/Messages?Order=desc&PageSize=1"
            ))
            .await?;
        // The Discord post below is aiohttp's: it yields the event loop.
        drop(event_loop);
        let attributes = page["messages"][0]["attributes"].as_str().unwrap_or("{}");
        let attributes: Value = serde_json::from_str(attributes).unwrap_or(Value::Null);
        let dm = attributes["discord_channel_id"]
            .as_str()
            .context("no discord_channel_id in the last message")?;
        let url = format!("{}/api/v10/channels/{dm}/messages", self.discord);
        let payload = json!({ "content": body }).to_string();
        for _ in 0..10 {
            let (status, answer) = self
                .call(
                    http::Method::POST,
                    &url,
                    &self.discord_token,
                    Some(("application/json", payload.clone())),
                )
                .await?;
            if status != 429 {
                return Ok(());
            }
            let wait = answer["retry_after"].as_f64().unwrap_or(1.0);
            tokio::time::sleep(Duration::from_secs_f64(wait.clamp(0.0, 60.0))).await;
        }
        anyhow::bail!("gave up after repeated 429s")
    }
}

fn enc(s: &str) -> String {
    s.replace(':', "%3A")
}

fn log(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "original-model: {line}");
}

async fn webhook(State(model): State<Arc<Model>>, body: Bytes) -> StatusCode {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("Source") != Some("SDK") {
        return StatusCode::OK;
    }
    let (Some(channel), Some(text)) = (
        get("ChannelSid").or_else(|| get("ConversationSid")),
        get("Body"),
    ) else {
        return StatusCode::BAD_REQUEST;
    };
    // The original answered the webhook after relaying.
    if let Err(e) = model.on_agent_message(channel, text).await {
        log(&format!("agent message failed: {e:#}"));
    }
    StatusCode::OK
}

async fn gateway(model: Arc<Model>) -> anyhow::Result<()> {
    let url = format!("{}/?v=10&encoding=json", var("DISCORD_GATEWAY_URL")?);
    let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .context("gateway")?;
    let (mut tx, mut rx) = ws.split();
    let identify = json!({ "op": 2, "d": { "token": var("DISCORD_TOKEN")?, "intents": 4096,
        "properties": { "os": "linux", "browser": "original-model", "device": "original-model" } } });
    tx.send(Message::text(identify.to_string()))
        .await
        .context("identify")?;
    let mut heartbeat = tokio::time::interval(Duration::from_secs(45));
    let mut seq: Option<u64> = None;
    loop {
        tokio::select! {
            _ = heartbeat.tick() => {
                tx.send(Message::text(json!({ "op": 1, "d": seq }).to_string())).await.context("heartbeat")?;
            }
            frame = rx.next() => {
                let Some(Ok(Message::Text(text))) = frame else {
                    anyhow::ensure!(frame.is_some(), "gateway closed");
                    continue;
                };
                let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                if let Some(s) = frame["s"].as_u64() {
                    seq = Some(s);
                }
                if frame["t"] != "MESSAGE_CREATE" || frame["d"]["guild_id"].is_string()
                    || frame["d"]["author"]["bot"] == true
                {
                    continue;
                }
                let d = &frame["d"];
                let (Some(user), Some(dm), Some(text)) =
                    (d["author"]["id"].as_str(), d["channel_id"].as_str(), d["content"].as_str())
                else {
                    continue;
                };
                let name = d["author"]["username"].as_str().unwrap_or("user").to_owned();
                let (user, dm, text) = (user.to_owned(), dm.to_owned(), text.to_owned());
                if model.event_loop.is_some() {
                    // Blocking: the handler holds the event loop, so the gateway is not read
                    // again until its Twilio calls are done.
                    if let Err(e) = model.on_dm(&user, &name, &dm, &text).await {
                        log(&format!("DM failed: {e:#}"));
                    }
                    continue;
                }
                let model = Arc::clone(&model);
                tokio::spawn(async move {
                    if let Err(e) = model.on_dm(&user, &name, &dm, &text).await {
                        log(&format!("DM failed: {e:#}"));
                    }
                });
            }
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let blocking = match std::env::args().nth(1).as_deref() {
        None => true,
        Some("--non-blocking") => false,
        Some(other) => {
            anyhow::bail!("unknown argument {other:?}; usage: original-model [--non-blocking]")
        }
    };
    let model = Arc::new(Model::from_env(blocking)?);
    let listen = var("FLEXCORD_LISTEN")?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .context("listen")?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/forward-to-discord", post(webhook))
        .with_state(Arc::clone(&model));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    tokio::select! {
        result = gateway(model) => result,
        result = server => result.context("server task")?.context("server"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            log(&format!("{e:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}
