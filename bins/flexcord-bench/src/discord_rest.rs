//! A small Discord REST fake for the benchmark: answers what a bot calls, timestamps every
//! request, and (when switched on) enforces Discord's limits — 50 requests per second per bot
//! (interaction callbacks exempt, as on Discord) and 5 messages per 5 s per channel — answering
//! 429 with `retry_after` JSON and the `Retry-After` / `X-RateLimit-*` headers Discord sends.
//! Every answer leaves [`DiscordRest::rtt`] after its request arrived.
//!
//! Not `discord_fake::rest`: that one is wiremock-based (a regex match per route per request)
//! and has no limits. This one does a fixed amount of work per request so it does not distort
//! the latencies it records.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use discord_fake::fixtures::{self, FixtureUser};
use serde_json::{Value, json};

use crate::fake_server::{RequestLog, Rtt, Served, lock};

/// Discord's global limit: requests per second per bot.
pub const GLOBAL_PER_SECOND: u32 = 50;
/// Discord's per-channel message limit: this many …
pub const CHANNEL_MESSAGES: u32 = 5;
/// … per this window.
pub const CHANNEL_WINDOW: Duration = Duration::from_secs(5);

/// The DM channel the fake opens for a user (`POST /users/@me/channels`).
#[must_use]
pub const fn dm_channel_for(user_id: u64) -> u64 {
    user_id + crate::ids::DM_CHANNEL_OFFSET
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct DiscordRecord {
    /// When it arrived (before any work).
    pub at: Instant,
    /// HTTP method.
    pub method: Method,
    /// Path, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// For `POST /channels/{id}/messages`: the channel.
    pub channel: Option<u64>,
    /// The message `content`, when the body had one.
    pub content: Option<String>,
    /// For interaction callbacks: the interaction id.
    pub interaction: Option<u64>,
    /// The status answered (429 = rate limited).
    pub status: u16,
}

#[derive(Debug, Default)]
struct Limits {
    /// Start of the current one-second global window and requests in it.
    global: Option<(Instant, u32)>,
    /// Per channel: start of the current window and messages in it.
    channels: HashMap<u64, (Instant, u32)>,
}

#[derive(Debug)]
struct Inner {
    log: RequestLog<DiscordRecord>,
    /// Accepted message creates per channel.
    accepted: Mutex<HashMap<u64, u32>>,
    limits: Mutex<Limits>,
    enforce: AtomicBool,
    next_id: AtomicU64,
    rtt: Rtt,
}

/// The running fake. Dropping it stops the server.
#[derive(Debug)]
pub struct DiscordRest {
    inner: Arc<Inner>,
    served: Served,
}

impl DiscordRest {
    /// Starts on `127.0.0.1:0`, limits off.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start() -> std::io::Result<Self> {
        let inner = Arc::new(Inner {
            log: RequestLog::with_capacity(64 * 1024),
            accepted: Mutex::default(),
            limits: Mutex::default(),
            enforce: AtomicBool::new(false),
            next_id: AtomicU64::new(900_000_000_000),
            rtt: Rtt::default(),
        });
        let served = Served::start(handle, Arc::clone(&inner)).await?;
        Ok(Self { inner, served })
    }

    /// `host:port` for `DISCORD_API_PROXY`.
    #[must_use]
    pub fn proxy(&self) -> String {
        self.served.addr().to_string()
    }

    /// Turns Discord's limits on or off (and forgets the windows so far).
    pub fn enforce_limits(&self, on: bool) {
        *lock(&self.inner.limits) = Limits::default();
        self.inner.enforce.store(on, Ordering::SeqCst);
    }

    /// Every request received so far.
    #[must_use]
    pub fn requests(&self) -> &RequestLog<DiscordRecord> {
        &self.inner.log
    }

    /// The round trip added to every answer (429s included).
    #[must_use]
    pub fn rtt(&self) -> &Rtt {
        &self.inner.rtt
    }

    /// How many messages were accepted on `channel` so far.
    #[must_use]
    pub fn accepted_on(&self, channel: u64) -> u32 {
        lock(&self.inner.accepted)
            .get(&channel)
            .copied()
            .unwrap_or(0)
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let path = uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let body: Option<Value> = serde_json::from_slice(&body).ok();
    let content = body
        .as_ref()
        .and_then(|b| b.get("content").or_else(|| b.pointer("/data/content")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let channel = match (&method, segments.as_slice()) {
        (&Method::POST, ["channels", id, "messages"]) => id.parse().ok(),
        _ => None,
    };
    let interaction = match (&method, segments.as_slice()) {
        (&Method::POST, ["interactions", id, _, "callback"]) => id.parse().ok(),
        _ => None,
    };

    let limited = if inner.enforce.load(Ordering::SeqCst) {
        check_limits(&inner, at, channel, interaction.is_some())
    } else {
        Ok(None)
    };
    let response = match limited {
        Err(limit) => limit.response(),
        Ok(headers) => {
            let mut response = answer(&inner, &method, &segments, body.as_ref(), channel);
            if let Some(h) = headers {
                h.apply(response.headers_mut());
            }
            response
        }
    };
    let status = response.status().as_u16();
    if let (Some(c), true) = (channel, status < 300) {
        *lock(&inner.accepted).entry(c).or_insert(0) += 1;
    }
    inner.log.push(DiscordRecord {
        at,
        method,
        path,
        channel,
        content,
        interaction,
        status,
    });
    inner.rtt.wait(at).await;
    response
}

/// The `X-RateLimit-*` headers of a per-channel message bucket.
#[derive(Debug, Clone, Copy)]
struct BucketHeaders {
    remaining: u32,
    reset_after: Duration,
}

impl BucketHeaders {
    fn apply(self, headers: &mut HeaderMap) {
        let reset_at = SystemTime::now()
            .checked_add(self.reset_after)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0.0, |d| d.as_secs_f64());
        let pairs = [
            ("x-ratelimit-limit", CHANNEL_MESSAGES.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", format!("{reset_at:.3}")),
            (
                "x-ratelimit-reset-after",
                format!("{:.3}", self.reset_after.as_secs_f64()),
            ),
            ("x-ratelimit-bucket", "bench-channel-messages".to_owned()),
        ];
        for (name, value) in pairs {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy)]
enum Limited {
    Global { retry_after: Duration },
    Channel { retry_after: Duration },
}

impl Limited {
    fn response(self) -> Response {
        let (retry_after, global) = match self {
            Self::Global { retry_after } => (retry_after, true),
            Self::Channel { retry_after } => (retry_after, false),
        };
        let secs = retry_after.as_secs_f64();
        let body = json!({ "message": "You are being rate limited.", "retry_after": secs, "global": global });
        let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        let h = response.headers_mut();
        let retry_header = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        if let Ok(v) = HeaderValue::from_str(&retry_header.to_string()) {
            h.insert("retry-after", v);
        }
        if global {
            h.insert("x-ratelimit-global", HeaderValue::from_static("true"));
            h.insert("x-ratelimit-scope", HeaderValue::from_static("global"));
        } else {
            h.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
            BucketHeaders {
                remaining: 0,
                reset_after: retry_after,
            }
            .apply(h);
        }
        response
    }
}

fn check_limits(
    inner: &Inner,
    now: Instant,
    channel: Option<u64>,
    exempt: bool,
) -> Result<Option<BucketHeaders>, Limited> {
    let mut limits = lock(&inner.limits);
    if !exempt {
        let window = match limits.global {
            Some((start, n)) if now.duration_since(start) < Duration::from_secs(1) => (start, n),
            _ => (now, 0),
        };
        if window.1 >= GLOBAL_PER_SECOND {
            let retry_after = Duration::from_secs(1).saturating_sub(now.duration_since(window.0));
            limits.global = Some(window);
            return Err(Limited::Global { retry_after });
        }
        limits.global = Some((window.0, window.1 + 1));
    }
    let Some(channel) = channel else {
        return Ok(None);
    };
    let entry = limits.channels.entry(channel).or_insert((now, 0));
    if now.duration_since(entry.0) >= CHANNEL_WINDOW {
        *entry = (now, 0);
    }
    let reset_after = CHANNEL_WINDOW.saturating_sub(now.duration_since(entry.0));
    if entry.1 >= CHANNEL_MESSAGES {
        return Err(Limited::Channel {
            retry_after: reset_after,
        });
    }
    entry.1 += 1;
    Ok(Some(BucketHeaders {
        remaining: CHANNEL_MESSAGES - entry.1,
        reset_after,
    }))
}

fn bot() -> FixtureUser {
    FixtureUser::bot(fixtures::BOT_USER_ID, "flexcord")
}

fn answer(
    inner: &Inner,
    method: &Method,
    segments: &[&str],
    body: Option<&Value>,
    channel: Option<u64>,
) -> Response {
    let text = |b: Option<&Value>| {
        b.and_then(|b| b.get("content"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match (method, segments) {
        (&Method::POST, ["users", "@me", "channels"]) => {
            let recipient = body
                .and_then(|b| b.get("recipient_id"))
                .and_then(|v| {
                    v.as_str()
                        .and_then(|s| s.parse().ok())
                        .or_else(|| v.as_u64())
                })
                .unwrap_or(0);
            axum::Json(json!({ "id": dm_channel_for(recipient).to_string(), "type": 1 }))
                .into_response()
        }
        (&Method::POST, ["channels", _, "messages"]) => {
            let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
            let message = fixtures::message(id, channel.unwrap_or(0), &bot(), &text(body));
            axum::Json(message).into_response()
        }
        (&Method::POST, ["interactions", ..] | ["channels", _, "typing"]) => {
            StatusCode::NO_CONTENT.into_response()
        }
        (&Method::PATCH | &Method::POST, ["webhooks", ..]) => {
            let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
            axum::Json(fixtures::message(id, 0, &bot(), &text(body))).into_response()
        }
        (&Method::PUT, ["applications", ..]) => {
            axum::Json(body.cloned().unwrap_or_else(|| json!([]))).into_response()
        }
        (&Method::GET, ["guilds", _, "channels"]) => axum::Json(json!([])).into_response(),
        (&Method::GET, ["guilds", id, "roles"]) => {
            let id = id.parse().unwrap_or(fixtures::GUILD_ID);
            axum::Json(json!([fixtures::role(id, "@everyone", 0)])).into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "code": 0, "message": "404: Not Found" })),
        )
            .into_response(),
    }
}
