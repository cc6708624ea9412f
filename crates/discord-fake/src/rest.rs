//! wiremock helpers for Discord's REST API as twilight calls it (`/api/v10/...` on
//! `server.address()`): default answers for everything a bot does, a small stateful guild (channels
//! and roles, so set-up code can be run twice), and readers for what was sent.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::fixtures::{self, FixtureUser};
use crate::multipart;
pub use crate::multipart::UploadedFile;

/// DM channel ids handed out by the fake are `DM_CHANNEL_OFFSET + recipient id`.
pub const DM_CHANNEL_OFFSET: u64 = 1_000_000;
/// The first id the fake gives a created message; later ones count up.
pub const FIRST_MESSAGE_ID: u64 = 900_000;
/// The first id the fake gives a created guild channel; later ones count up.
pub const FIRST_CHANNEL_ID: u64 = 700_000;

/// The DM channel the fake opens for `user_id` (`POST /users/@me/channels`).
#[must_use]
pub const fn dm_channel_id(user_id: u64) -> u64 {
    DM_CHANNEL_OFFSET + user_id
}

#[derive(Debug, Default)]
struct GuildState {
    channels: Vec<Value>,
    roles: Vec<Value>,
    /// What users wrote in each channel (`GET /channels/{id}/messages`), oldest first.
    history: std::collections::HashMap<u64, Vec<Value>>,
    /// Message-create bodies answered 500 during an outage, by channel.
    refused: std::collections::HashMap<u64, Vec<Value>>,
}

/// The stateful part of the fake REST API: one guild's channels and roles. Clones share state.
#[derive(Debug, Clone)]
pub struct FakeDiscordRest {
    guild: Arc<Mutex<GuildState>>,
    next_channel: Arc<AtomicU64>,
    next_message: Arc<AtomicU64>,
    outage: Arc<AtomicBool>,
}

impl FakeDiscordRest {
    fn lock(&self) -> MutexGuard<'_, GuildState> {
        self.guild.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an existing text channel to the guild; returns its id.
    pub fn add_channel(&self, name: &str) -> u64 {
        let id = self.next_channel.fetch_add(1, Ordering::Relaxed);
        self.lock().channels.push(fixtures::guild_text_channel(
            id,
            fixtures::GUILD_ID,
            name,
            &[],
        ));
        id
    }

    /// Adds a role to the guild (`GET /guilds/{id}/roles` lists it after @everyone).
    pub fn add_role(&self, id: u64, name: &str, permissions: u64) {
        self.lock()
            .roles
            .push(fixtures::role(id, name, permissions));
    }

    /// Records a message in its channel's history, as `GET /channels/{id}/messages` lists it
    /// (`message` is Discord's Message JSON, such as [`fixtures::dm_message`]).
    pub fn add_history(&self, message: Value) {
        let channel = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        self.lock()
            .history
            .entry(channel)
            .or_default()
            .push(message);
    }

    /// The guild's channels as the fake holds them now (Discord's JSON shape).
    #[must_use]
    pub fn channels(&self) -> Vec<Value> {
        self.lock().channels.clone()
    }

    /// Starts (`true`) or ends an outage: while it lasts, creating a message and opening a DM
    /// answer `500 Internal Server Error`, as Discord does in an incident. Interaction
    /// responses (the webhook endpoints) stay up.
    pub fn set_outage(&self, down: bool) {
        self.outage.store(down, Ordering::SeqCst);
    }

    /// How many message creates were refused by an outage so far, in `channel`.
    #[must_use]
    pub fn refused_in(&self, channel: u64) -> usize {
        self.lock().refused.get(&channel).map_or(0, Vec::len)
    }

    /// The messages created in `channel`, in order: what was posted, minus what an outage
    /// refused, and a repeat of an enforced nonce once (see [`messages_sent_to`]).
    pub async fn created_in(&self, server: &MockServer, channel: u64) -> Vec<Value> {
        let mut refused = self.lock().refused.clone();
        let posts = message_posts(server)
            .await
            .into_iter()
            .filter(|(at, _, body)| {
                let Some(refused) = refused.get_mut(at) else {
                    return true;
                };
                match refused.iter().position(|r| r == body) {
                    Some(i) => {
                        refused.remove(i);
                        false
                    }
                    None => true,
                }
            })
            .collect();
        created_messages(posts)
            .into_iter()
            .filter(|(at, _)| *at == channel)
            .map(|(_, body)| body)
            .collect()
    }

    fn down(&self) -> bool {
        self.outage.load(Ordering::SeqCst)
    }

    /// The channel with this name, if any.
    #[must_use]
    pub fn channel_named(&self, name: &str) -> Option<Value> {
        self.lock()
            .channels
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
    }
}

/// Mounts default answers for the REST calls a bot makes, at wiremock's default priority (5), so
/// a test can override any of them with a mock of higher priority (`.with_priority(1)`):
///
/// | call | answer |
/// |---|---|
/// | `POST /users/@me/channels` | DM channel `{"id": dm_channel_id(recipient), "type": 1}`; 500 during an outage |
/// | `POST /channels/{id}/messages` | a Message echoing `content`, ids from [`FIRST_MESSAGE_ID`] up; 500 during [`FakeDiscordRest::set_outage`] |
/// | `POST /channels/{id}/typing` | 204 |
/// | `POST /interactions/{id}/{token}/callback` | 204 |
/// | `PATCH /webhooks/{app}/{token}/messages/{id}` | a Message (edit of the original) |
/// | `POST /webhooks/{app}/{token}` | a Message (follow-up) |
/// | `GET`/`POST /guilds/{id}/channels` | the stateful channel list / a created channel |
/// | `PUT /channels/{id}/permissions/{overwrite}` | 204, and the overwrite is stored |
/// | `GET /guilds/{id}/roles` | @everyone plus [`FakeDiscordRest::add_role`] roles |
/// | `GET /channels/{id}/messages` | [`FakeDiscordRest::add_history`] messages: `after`, `limit`, newest first |
/// | `PUT /applications/{app}/commands`, `.../guilds/{id}/commands` | the body echoed back |
pub async fn mount_discord_defaults(server: &MockServer) -> FakeDiscordRest {
    let rest = FakeDiscordRest {
        guild: Arc::new(Mutex::new(GuildState {
            channels: Vec::new(),
            roles: vec![fixtures::role(fixtures::GUILD_ID, "@everyone", 0)],
            history: std::collections::HashMap::new(),
            refused: std::collections::HashMap::new(),
        })),
        next_channel: Arc::new(AtomicU64::new(FIRST_CHANNEL_ID)),
        next_message: Arc::new(AtomicU64::new(FIRST_MESSAGE_ID)),
        outage: Arc::new(AtomicBool::new(false)),
    };

    let open_dm = rest.clone();
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/users/@me/channels$"))
        .respond_with(move |req: &Request| {
            if open_dm.down() {
                return server_error();
            }
            let recipient = json_body(req)
                .and_then(|b| {
                    b["recipient_id"]
                        .as_str()
                        .and_then(|s| s.parse::<u64>().ok())
                })
                .unwrap_or(0);
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": dm_channel_id(recipient).to_string(), "type": 1 }))
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/channels/\d+/messages$"))
        .respond_with(CreateMessage(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v10/channels/\d+/messages$"))
        .respond_with(ListMessages(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/channels/\d+/typing$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/interactions/\d+/[^/]+/callback$"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
    Mock::given(method("PATCH"))
        .and(path_regex(r"^/api/v10/webhooks/\d+/[^/]+/messages/[^/]+$"))
        .respond_with(MessageEcho(Arc::clone(&rest.next_message)))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/webhooks/\d+/[^/]+$"))
        .respond_with(MessageEcho(Arc::clone(&rest.next_message)))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v10/guilds/\d+/channels$"))
        .respond_with(ListChannels(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/api/v10/guilds/\d+/channels$"))
        .respond_with(CreateChannel(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex(r"^/api/v10/channels/\d+/permissions/\d+$"))
        .respond_with(PutOverwrite(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v10/guilds/\d+/roles$"))
        .respond_with(ListRoles(rest.clone()))
        .mount(server)
        .await;
    Mock::given(method("PUT"))
        .and(path_regex(
            r"^/api/v10/applications/\d+(/guilds/\d+)?/commands$",
        ))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(200).set_body_json(json_body(req).unwrap_or_else(|| json!([])))
        })
        .mount(server)
        .await;
    rest
}

/// A Discord JSON error answer: `{"code": code, "message": message}` with `status`.
#[must_use]
pub fn discord_error(status: u16, code: u64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "code": code, "message": message }))
}

/// Makes sending to `channel_id` fail as Discord does for a user whose DMs are closed
/// (403, code 50007), overriding the default.
pub async fn mount_dm_closed(server: &MockServer, channel_id: u64) {
    Mock::given(method("POST"))
        .and(path_regex(format!(
            r"^/api/v10/channels/{channel_id}/messages$"
        )))
        .respond_with(discord_error(
            403,
            50007,
            "Cannot send messages to this user",
        ))
        .with_priority(1)
        .mount(server)
        .await;
}

/// Discord's answer in an incident.
fn server_error() -> ResponseTemplate {
    discord_error(500, 0, "500: Internal Server Error")
}

/// `POST /channels/{id}/messages`: a [`MessageEcho`], or a 500 during an outage (remembered,
/// so that [`FakeDiscordRest::created_in`] leaves it out).
#[derive(Debug)]
struct CreateMessage(FakeDiscordRest);

impl Respond for CreateMessage {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if self.0.down() {
            let channel = req
                .url
                .path_segments()
                .and_then(|mut s| s.nth(3))
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or(0);
            if let Some(body) = json_body(req) {
                self.0.lock().refused.entry(channel).or_default().push(body);
            }
            return server_error();
        }
        MessageEcho(Arc::clone(&self.0.next_message)).respond(req)
    }
}

/// Echoes a created/edited message: a valid Message JSON with the posted content.
#[derive(Debug)]
struct MessageEcho(Arc<AtomicU64>);

/// Discord refuses any request larger than 25 MiB (413, "Request entity too large", 40005).
pub const MAX_REQUEST_BYTES: usize = 25 * 1024 * 1024;
/// Discord refuses an embed whose parts add up to more than 6,000 characters (400, 50035).
pub const MAX_EMBED_TOTAL_CHARS: usize = 6000;

/// What Discord checks on a message before creating it, beyond what twilight's builders check:
/// the whole request's size and each embed's character total.
fn refusal(req: &Request) -> Option<ResponseTemplate> {
    if req.body.len() > MAX_REQUEST_BYTES {
        return Some(discord_error(413, 40005, "Request entity too large"));
    }
    let body = json_body(req)?;
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let too_long = body["embeds"].as_array().is_some_and(|embeds| {
        embeds.iter().any(|e| {
            let fields: usize = e["fields"].as_array().map_or(0, |fields| {
                fields
                    .iter()
                    .map(|f| chars(&f["name"]) + chars(&f["value"]))
                    .sum()
            });
            chars(&e["title"])
                + chars(&e["description"])
                + fields
                + chars(&e["footer"]["text"])
                + chars(&e["author"]["name"])
                > MAX_EMBED_TOTAL_CHARS
        })
    });
    too_long.then(|| {
        discord_error(
            400,
            50035,
            "Invalid Form Body (embeds: Embed size exceeds maximum size of 6000)",
        )
    })
}

impl Respond for MessageEcho {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if let Some(refused) = refusal(req) {
            return refused;
        }
        let id = self.0.fetch_add(1, Ordering::Relaxed);
        let channel = req
            .url
            .path_segments()
            .and_then(|mut s| s.nth(3))
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(1);
        let content = json_body(req)
            .and_then(|b| b["content"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let author = FixtureUser::bot(fixtures::BOT_USER_ID, "flexcord");
        ResponseTemplate::new(200).set_body_json(fixtures::message(id, channel, &author, &content))
    }
}

#[derive(Debug)]
struct ListChannels(FakeDiscordRest);

impl Respond for ListChannels {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(self.0.channels())
    }
}

/// `GET /channels/{id}/messages?after=…&limit=…` as Discord answers it: the `limit` (default
/// 50) messages right after `after`, newest first.
#[derive(Debug)]
struct ListMessages(FakeDiscordRest);

impl Respond for ListMessages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let channel = req
            .url
            .path_segments()
            .and_then(|mut s| s.nth(3))
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        let query = |name: &str| {
            req.url
                .query_pairs()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let after = query("after").unwrap_or(0);
        let limit = usize::try_from(query("limit").unwrap_or(50).clamp(1, 100)).unwrap_or(50);
        let id = |m: &Value| m["id"].as_str().and_then(|i| i.parse::<u64>().ok());
        let mut page: Vec<Value> = self
            .0
            .lock()
            .history
            .get(&channel)
            .map(|h| {
                h.iter()
                    .filter(|m| id(m).is_some_and(|i| i > after))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        page.sort_by_key(|m| id(m));
        page.truncate(limit);
        page.reverse();
        ResponseTemplate::new(200).set_body_json(page)
    }
}

#[derive(Debug)]
struct ListRoles(FakeDiscordRest);

impl Respond for ListRoles {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(self.0.lock().roles.clone())
    }
}

#[derive(Debug)]
struct CreateChannel(FakeDiscordRest);

impl Respond for CreateChannel {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let Some(body) = json_body(req) else {
            return discord_error(400, 50035, "Invalid Form Body");
        };
        let Some(name) = body["name"].as_str() else {
            return discord_error(400, 50035, "Invalid Form Body");
        };
        let id = self.0.next_channel.fetch_add(1, Ordering::Relaxed);
        let overwrites: Vec<Value> = body["permission_overwrites"]
            .as_array()
            .map(|o| o.iter().cloned().map(normalize_overwrite).collect())
            .unwrap_or_default();
        let channel = fixtures::guild_text_channel(id, fixtures::GUILD_ID, name, &overwrites);
        self.0.lock().channels.push(channel.clone());
        ResponseTemplate::new(201).set_body_json(channel)
    }
}

#[derive(Debug)]
struct PutOverwrite(FakeDiscordRest);

impl Respond for PutOverwrite {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let segments: Vec<&str> = req
            .url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        // ["api", "v10", "channels", cid, "permissions", oid]
        let (Some(cid), Some(oid), Some(mut body)) =
            (segments.get(3), segments.get(5), json_body(req))
        else {
            return discord_error(400, 50035, "Invalid Form Body");
        };
        body["id"] = json!(oid);
        let mut state = self.0.lock();
        let Some(channel) = state.channels.iter_mut().find(|c| c["id"] == *cid) else {
            return discord_error(404, 10003, "Unknown Channel");
        };
        let mut overwrites = channel["permission_overwrites"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        overwrites.retain(|o| o["id"] != *oid);
        overwrites.push(normalize_overwrite(body));
        channel["permission_overwrites"] = Value::Array(overwrites);
        ResponseTemplate::new(204)
    }
}

/// Discord always returns `allow` and `deny` (as strings); requests may leave either out.
fn normalize_overwrite(mut overwrite: Value) -> Value {
    for key in ["allow", "deny"] {
        if overwrite[key].is_null() {
            overwrite[key] = json!("0");
        }
    }
    overwrite
}

/// The JSON a request carried: its body, or the `payload_json` part of a multipart body.
#[must_use]
pub fn json_body(req: &Request) -> Option<Value> {
    match multipart_boundary(req) {
        Some(boundary) => multipart::payload_json(&req.body, &boundary),
        None => serde_json::from_slice(&req.body).ok(),
    }
}

/// Files uploaded with a multipart request, in order.
#[must_use]
pub fn uploaded_files(req: &Request) -> Vec<UploadedFile> {
    let Some(boundary) = multipart_boundary(req) else {
        return Vec::new();
    };
    multipart::uploaded_files(&req.body, &boundary)
}

fn multipart_boundary(req: &Request) -> Option<String> {
    multipart::boundary(req.headers.get("content-type")?.to_str().ok()?)
}

/// True when `path` matches `pattern` segment by segment, `*` matching any one segment
/// (`/api/v10/channels/*/messages`).
#[must_use]
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut q = path.split('/');
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == "*" || a == b => {}
            _ => return false,
        }
    }
}

/// The requests received so far with method `verb` and a path matching `pattern` (see
/// [`path_matches`]), in arrival order.
pub async fn requests(server: &MockServer, verb: &str, pattern: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            r.method.as_str().eq_ignore_ascii_case(verb) && path_matches(pattern, r.url.path())
        })
        .collect()
}

/// Polls the recorded requests until `done` holds for them; returns them then, or `None` after
/// `timeout`. (wiremock has no notification, so this polls every 10 ms.)
pub async fn wait_for(
    server: &MockServer,
    timeout: Duration,
    mut done: impl FnMut(&[Request]) -> bool,
) -> Option<Vec<Request>> {
    let poll = async {
        loop {
            let all = server.received_requests().await.unwrap_or_default();
            if done(&all) {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(timeout, poll).await.ok()
}

/// The JSON bodies of the messages created in `channel_id`, in order.
pub async fn messages_sent_to(server: &MockServer, channel_id: u64) -> Vec<Value> {
    // Nonces are checked per author across every channel, so all message creates are read.
    created_messages(message_posts(server).await)
        .into_iter()
        .filter(|(channel, _)| *channel == channel_id)
        .map(|(_, body)| body)
        .collect()
}

/// Every message create received, as `(channel, author's token, body)`, in order.
async fn message_posts(server: &MockServer) -> Vec<(u64, String, Value)> {
    requests(server, "POST", "/api/v10/channels/*/messages")
        .await
        .iter()
        .filter_map(|r| {
            let channel = r.url.path_segments()?.nth(3)?.parse::<u64>().ok()?;
            let author = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            Some((channel, author, json_body(r)?))
        })
        .collect()
}

/// The message creates, as `(channel, author's token, body)` in order, that created a message
/// — as `(channel, body)` — as Discord decides: a nonce sent with `enforce_nonce: true` that the
/// same author (bot token) already used returns the earlier message and creates none, in any
/// channel (what a bridge re-sending after a crash relies on, and what makes two deployments on
/// one bot lose each other's messages if their nonces repeat). Discord remembers a nonce for
/// "the past few minutes"; a test runs well inside that, so here the window is the whole test.
fn created_messages(posts: Vec<(u64, String, Value)>) -> Vec<(u64, Value)> {
    let mut nonces = std::collections::HashSet::new();
    posts
        .into_iter()
        .filter(|(_, author, body)| {
            let enforced = body["enforce_nonce"].as_bool() == Some(true);
            match nonce_text(&body["nonce"]) {
                Some(nonce) if enforced => nonces.insert((author.clone(), nonce)),
                _ => true,
            }
        })
        .map(|(channel, _, body)| (channel, body))
        .collect()
}

/// A nonce as Discord compares it: an integer or a string.
fn nonce_text(nonce: &Value) -> Option<String> {
    match nonce {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `content` of every message created in `channel_id`, in order: what the user read.
pub async fn texts_sent_to(server: &MockServer, channel_id: u64) -> Vec<String> {
    messages_sent_to(server, channel_id)
        .await
        .iter()
        .map(|b| b["content"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Interaction callbacks received: (interaction id, body), in order.
pub async fn interaction_callbacks(server: &MockServer) -> Vec<(u64, Value)> {
    requests(server, "POST", "/api/v10/interactions/*/*/callback")
        .await
        .iter()
        .filter_map(|r| {
            let id = r.url.path_segments()?.nth(3)?.parse().ok()?;
            Some((id, json_body(r)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns_match_whole_segments() {
        assert!(path_matches(
            "/api/v10/channels/*/messages",
            "/api/v10/channels/12/messages"
        ));
        assert!(!path_matches(
            "/api/v10/channels/*/messages",
            "/api/v10/channels/12/typing"
        ));
        assert!(!path_matches(
            "/api/v10/channels/*",
            "/api/v10/channels/12/messages"
        ));
    }

    #[test]
    fn a_repeated_enforced_nonce_creates_no_second_message() {
        let bot = || "Bot a".to_owned();
        let posts = vec![
            (
                1,
                bot(),
                json!({"content": "a", "nonce": "1", "enforce_nonce": true}),
            ),
            (
                1,
                bot(),
                json!({"content": "a again", "nonce": "1", "enforce_nonce": true}),
            ),
            (
                2,
                bot(),
                json!({"content": "a elsewhere", "nonce": 1, "enforce_nonce": true}),
            ),
            (1, bot(), json!({"content": "b", "nonce": "2"})),
            (1, bot(), json!({"content": "b unenforced", "nonce": "2"})),
            (1, bot(), json!({"content": "c"})),
            (
                1,
                "Bot b".to_owned(),
                json!({"content": "other bot", "nonce": "1", "enforce_nonce": true}),
            ),
        ];
        let created: Vec<Value> = created_messages(posts)
            .into_iter()
            .map(|(_, b)| b["content"].clone())
            .collect();
        assert_eq!(created, vec!["a", "b", "b unenforced", "c", "other bot"]);
    }
}
