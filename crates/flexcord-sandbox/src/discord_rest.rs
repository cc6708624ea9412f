//! The emulated Discord REST API (`/api/v10/…`), stateful: exactly the calls flexcord's twilight
//! adapter makes (see `flexcord-discord`'s `chat.rs`, `commands.rs`, `guild.rs`), answered the
//! way Discord does, with every message kept for the page.
//!
//! | call | effect |
//! |---|---|
//! | `POST /users/@me/channels` | opens (once) the player's DM |
//! | `POST /channels/{id}/messages` | JSON or multipart (`payload_json` + `files[n]`) message |
//! | `POST /channels/{id}/typing` | 204, shown as "flexcord is typing…" |
//! | `POST /interactions/{id}/{token}/callback` | types 4, 5, 6, 9 |
//! | `PATCH /webhooks/{app}/{token}/messages/@original` | edits the deferred answer |
//! | `POST /webhooks/{app}/{token}` | follow-up |
//! | `GET /guilds/{id}/channels`, `GET /guilds/{id}/roles` | the guild |
//! | `PUT /applications/{app}/commands` | command registration, echoed |
//!
//! Anything else answers 404 with Discord's error shape and a warning in the log, so a call the
//! emulator lacks is visible rather than silently "working".

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post, put};
use discord_fake::fixtures::{self, FixtureUser};
use discord_fake::multipart;
use serde_json::{Value, json};

use crate::shared::Shared;
use crate::world::{
    APPLICATION_ID, Draft, FileRef, GUILD_ID, Message, PLAYER_ID, PLAYER_NAME, StoredFile, World,
};

/// The REST routes, to be nested at the server root.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v10/users/@me/channels", post(open_dm))
        .route("/api/v10/channels/{channel}/messages", post(create_message))
        .route("/api/v10/channels/{channel}/typing", post(typing))
        .route(
            "/api/v10/interactions/{id}/{token}/callback",
            post(interaction_callback),
        )
        .route(
            "/api/v10/webhooks/{app}/{token}/messages/{message}",
            patch(edit_original),
        )
        .route("/api/v10/webhooks/{app}/{token}", post(follow_up))
        .route(
            "/api/v10/guilds/{guild}/channels",
            axum::routing::get(guild_channels),
        )
        .route("/api/v10/guilds/{guild}/roles", axum::routing::get(roles))
        .route("/api/v10/applications/{app}/commands", put(set_commands))
        .route(
            "/api/v10/applications/{app}/guilds/{guild}/commands",
            put(set_commands),
        )
        .route("/api/v10/{*rest}", axum::routing::any(not_emulated))
}

/// Discord's error answer.
fn error(status: StatusCode, code: u64, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

fn unknown_channel() -> Response {
    error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
}

fn unknown_interaction() -> Response {
    error(StatusCode::NOT_FOUND, 10062, "Unknown interaction")
}

/// The bot as message author.
fn bot() -> FixtureUser {
    FixtureUser::bot(fixtures::BOT_USER_ID, "flexcord")
}

/// A message as REST returns it. Embeds and components are left out: the adapter reads only
/// the id, and a faithful echo would have to be a valid twilight model in every detail.
fn message_json(message: &Message) -> Value {
    fixtures::message(message.id, message.channel_id, &bot(), &message.content)
}

/// The JSON and files of a body: plain JSON, or multipart with `payload_json` and `files[n]`.
fn read_body(headers: &HeaderMap, body: &[u8]) -> Option<(Value, Vec<multipart::UploadedFile>)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match multipart::boundary(content_type) {
        Some(boundary) => Some((
            multipart::payload_json(body, &boundary)?,
            multipart::uploaded_files(body, &boundary),
        )),
        None if body.is_empty() => Some((json!({}), Vec::new())),
        None => Some((serde_json::from_slice(body).ok()?, Vec::new())),
    }
}

fn invalid_body() -> Response {
    error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body")
}

/// Stores uploaded files; the content type comes from the extension (twilight sends none).
fn store_files(world: &mut World, files: Vec<multipart::UploadedFile>) -> Vec<FileRef> {
    files
        .into_iter()
        .map(|file| {
            let content_type = guess_content_type(&file.filename).map(str::to_owned);
            world.store_file(StoredFile {
                filename: file.filename,
                content_type,
                bytes: file.data,
            })
        })
        .collect()
}

/// A content type from a file name's extension, for the page to show images inline.
pub(crate) fn guess_content_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain",
        "pdf" => "application/pdf",
        "json" => "application/json",
        _ => return None,
    })
}

async fn open_dm(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let recipient = serde_json::from_slice::<Value>(&body).ok().and_then(|b| {
        b["recipient_id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
    });
    if recipient != Some(PLAYER_ID) {
        // The sandbox has one player; any other user does not share a server with the bot.
        return error(
            StatusCode::BAD_REQUEST,
            50007,
            "Cannot send messages to this user",
        );
    }
    let id = shared.world().open_dm();
    shared.touch();
    let player = FixtureUser::human(PLAYER_ID, PLAYER_NAME).json();
    axum::Json(json!({ "id": id.to_string(), "type": 1, "recipients": [player] })).into_response()
}

async fn create_message(
    State(shared): State<Arc<Shared>>,
    Path(channel): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((payload, files)) = read_body(&headers, &body) else {
        return invalid_body();
    };
    let posted = {
        let mut world = shared.world();
        if world.channel(channel).is_none() {
            return unknown_channel();
        }
        let files = store_files(&mut world, files);
        world.post(World::bot_message(
            channel,
            Draft::from_json(&payload),
            files,
        ))
    };
    shared.touch();
    match posted {
        Some(message) => axum::Json(message_json(&message)).into_response(),
        None => unknown_channel(),
    }
}

async fn typing(State(shared): State<Arc<Shared>>, Path(channel): Path<u64>) -> Response {
    if shared.world().channel(channel).is_none() {
        return unknown_channel();
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn interaction_callback(
    State(shared): State<Arc<Shared>>,
    Path((id, token)): Path<(u64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((payload, files)) = read_body(&headers, &body) else {
        return invalid_body();
    };
    let kind = payload["type"].as_u64().unwrap_or(0);
    let data = &payload["data"];
    {
        let mut world = shared.world();
        let Some(interaction) = world.interaction(id, &token).cloned() else {
            return unknown_interaction();
        };
        match kind {
            // Message now, or "thinking…" now and the message later by an @original edit.
            4 | 5 => {
                let mut draft = Draft::from_json(data);
                let files = store_files(&mut world, files);
                if kind == 5 {
                    draft.content = String::new();
                }
                let mut message = World::bot_message(interaction.channel_id, draft, files);
                message.thinking = kind == 5;
                message.reply_to = Some(interaction.label);
                let posted = world.post(message);
                if let (Some(posted), Some(stored)) = (posted, world.interaction_mut(&token)) {
                    stored.original = Some(posted.id);
                }
            }
            // Deferred update: the clicked message stays as it is.
            6 => {}
            9 => world.open_modal(interaction.channel_id, data),
            other => {
                tracing::warn!(kind = other, "interaction callback type not emulated");
                return invalid_body();
            }
        }
    }
    shared.touch();
    StatusCode::NO_CONTENT.into_response()
}

async fn edit_original(
    State(shared): State<Arc<Shared>>,
    Path((app, token, message)): Path<(u64, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if app != APPLICATION_ID {
        return unknown_interaction();
    }
    let Some((payload, _files)) = read_body(&headers, &body) else {
        return invalid_body();
    };
    let edited = {
        let mut world = shared.world();
        let Some(interaction) = world.interaction_mut(&token).cloned() else {
            return unknown_interaction();
        };
        let target = if message == "@original" {
            interaction.original
        } else {
            message.parse().ok()
        };
        let Some(target) = target else {
            return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
        };
        world.edit(interaction.channel_id, target, Draft::from_json(&payload))
    };
    shared.touch();
    match edited {
        Some(m) => axum::Json(message_json(&m)).into_response(),
        None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

async fn follow_up(
    State(shared): State<Arc<Shared>>,
    Path((app, token)): Path<(u64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if app != APPLICATION_ID {
        return unknown_interaction();
    }
    let Some((payload, files)) = read_body(&headers, &body) else {
        return invalid_body();
    };
    let posted = {
        let mut world = shared.world();
        let Some(interaction) = world.interaction_mut(&token).cloned() else {
            return unknown_interaction();
        };
        let files = store_files(&mut world, files);
        let mut message =
            World::bot_message(interaction.channel_id, Draft::from_json(&payload), files);
        message.reply_to = Some(interaction.label);
        world.post(message)
    };
    shared.touch();
    match posted {
        Some(m) => axum::Json(message_json(&m)).into_response(),
        None => unknown_channel(),
    }
}

async fn guild_channels(State(shared): State<Arc<Shared>>, Path(guild): Path<u64>) -> Response {
    if guild != GUILD_ID {
        return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    let channels: Vec<Value> = shared
        .world()
        .guild_channels()
        .map(|c| fixtures::guild_text_channel(c.id, GUILD_ID, &c.name, &[]))
        .collect();
    axum::Json(channels).into_response()
}

async fn roles(Path(guild): Path<u64>) -> Response {
    if guild != GUILD_ID {
        return error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    axum::Json(json!([fixtures::role(GUILD_ID, "@everyone", 0)])).into_response()
}

async fn set_commands(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(commands) = serde_json::from_slice::<Value>(&body) else {
        return invalid_body();
    };
    if !commands.is_array() {
        return invalid_body();
    }
    shared.world().commands = commands.clone();
    axum::Json(commands).into_response()
}

async fn not_emulated(method: axum::http::Method, Path(rest): Path<String>) -> Response {
    tracing::warn!(%method, path = %rest, "Discord REST call not emulated by the sandbox");
    error(StatusCode::NOT_FOUND, 0, "not emulated by flexcord sandbox")
}
