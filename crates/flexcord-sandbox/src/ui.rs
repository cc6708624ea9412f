//! The page and its API: `/` (HTML, JS and CSS embedded at build time, no build step), `GET
//! /ui/state` (everything the page shows, in one JSON), `GET /ui/events` (server-sent events: one
//! `changed` per change, the page then re-reads the state), `POST /ui/…` actions, and
//! `GET /files/{id}/{name}` (files posted on the emulated Discord).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use flexcord_core::case::CaseFilter;
use futures_util::{Stream, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::actions::{
    AGENT_IDENTITY, AGENT_NAME, AgentAction, AnnounceAction, ButtonAction, CommandAction, DmAction,
    LocaleAction, ModalAction,
};
use crate::error::ActionError;
use crate::shared::Shared;
use crate::world::{PLAYER_ID, PLAYER_NAME};

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const STYLE_CSS: &str = include_str!("ui/style.css");
/// How many cases the cases view lists.
const CASES_SHOWN: u32 = 25;

/// The page routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", STYLE_CSS) }),
        )
        .route("/ui/state", get(state))
        .route("/ui/events", get(events))
        .route("/ui/command", post(command))
        .route("/ui/modal/submit", post(submit_modal))
        .route("/ui/modal/cancel", post(cancel_modal))
        .route("/ui/button", post(button))
        .route("/ui/dm/open", post(open_dm))
        .route("/ui/dm", post(dm))
        .route("/ui/agent/accept", post(accept))
        .route("/ui/agent/say", post(agent_say))
        .route("/ui/agent/close", post(close))
        .route("/ui/announce", post(announce))
        .route("/ui/locale", post(set_locale))
        .route("/files/{id}/{name}", get(file))
        // Files travel base64 in JSON: room for a 10 MiB file.
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn ok() -> Response {
    Json(json!({ "ok": true })).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    let discord = {
        let world = shared.world();
        let messages: serde_json::Map<String, Value> = world
            .channels()
            .iter()
            .map(|c| (c.id.to_string(), json!(world.messages(c.id))))
            .collect();
        json!({
            "player": { "id": PLAYER_ID, "name": PLAYER_NAME, "locale": world.player_locale },
            "channels": world.channels(),
            "dm_channel": world.dm_channel(),
            "messages": messages,
            "modal": world.modal(),
        })
    };
    let flex = flex_state(&shared);
    let (cases, bridge) = match shared.bridge.get() {
        Some(bridge) => {
            let filter = CaseFilter {
                limit: CASES_SHOWN,
                ..CaseFilter::default()
            };
            let mut cases = Vec::new();
            match bridge.cases.list(&filter).await {
                Ok(list) => {
                    for case in list {
                        // The list may leave notes out; one read per case gets them.
                        let full = bridge.cases.get(case.id).await.unwrap_or(case);
                        cases.push(full);
                    }
                }
                Err(error) => tracing::warn!(%error, "cases view: cannot list cases"),
            }
            (json!(cases), json!({ "url": bridge.url }))
        }
        None => (json!([]), Value::Null),
    };
    Json(json!({ "discord": discord, "flex": flex, "cases": cases, "bridge": bridge }))
        .into_response()
}

/// The agent desk: one task per Flex interaction, with its conversation.
fn flex_state(shared: &Shared) -> Value {
    let base = shared.twilio.base_url().to_owned();
    let tasks: Vec<Value> = shared
        .twilio
        .interactions()
        .into_iter()
        .rev()
        .map(|interaction| {
            let conversation = interaction
                .conversation_sid
                .as_deref()
                .and_then(|sid| shared.twilio.conversation(sid));
            let (state, accepted, customer, messages) = match &conversation {
                Some(c) => (
                    json!(c.state),
                    c.participant(AGENT_IDENTITY).is_some(),
                    c.participants
                        .iter()
                        .filter_map(|p| p.identity.clone())
                        .find(|i| i != AGENT_IDENTITY),
                    c.messages
                        .iter()
                        .map(|m| {
                            json!({
                                "sid": m.sid, "author": m.author, "body": m.body,
                                "source": m.source, "date": m.date_created,
                                "agent": m.author == AGENT_IDENTITY,
                                "media": m.media.iter().map(|media| json!({
                                    "filename": media.filename, "content_type": media.content_type,
                                    "url": format!("{base}/media/{}/content", media.sid),
                                })).collect::<Vec<_>>(),
                            })
                        })
                        .collect::<Vec<_>>(),
                ),
                None => (Value::Null, false, None, Vec::new()),
            };
            json!({
                "interaction_sid": interaction.sid,
                "conversation_sid": interaction.conversation_sid,
                "status": interaction.channel_status,
                "attributes": interaction.task_attributes(),
                "state": state,
                "accepted": accepted,
                "customer": customer,
                "messages": messages,
            })
        })
        .collect();
    json!({ "agent": { "identity": AGENT_IDENTITY, "name": AGENT_NAME }, "tasks": tasks })
}

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = shared.changed.subscribe();
    let mut closing = shared.closing.subscribe();
    let closed = async move {
        // An error means the sandbox is gone: end the stream too.
        let _ = closing.wait_for(|closing| *closing).await;
    };
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            // Lagging only means several changes: one "changed" covers them all.
            Ok(()) | Err(broadcast::error::RecvError::Lagged(_)) => {
                Some((Ok(Event::default().event("changed").data("1")), rx))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    })
    .take_until(Box::pin(closed));
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn command(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<CommandAction>,
) -> Result<Response, ActionError> {
    shared.command(&action)?;
    Ok(ok())
}

async fn submit_modal(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<ModalAction>,
) -> Result<Response, ActionError> {
    shared.submit_modal(&action)?;
    Ok(ok())
}

async fn cancel_modal(State(shared): State<Arc<Shared>>) -> Response {
    shared.cancel_modal();
    ok()
}

async fn button(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<ButtonAction>,
) -> Result<Response, ActionError> {
    shared.click(&action)?;
    Ok(ok())
}

async fn open_dm(State(shared): State<Arc<Shared>>) -> Response {
    let id = shared.open_dm();
    Json(json!({ "channel_id": id })).into_response()
}

async fn dm(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<DmAction>,
) -> Result<Response, ActionError> {
    shared.send_dm(&action)?;
    Ok(ok())
}

async fn accept(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<AgentAction>,
) -> Result<Response, ActionError> {
    shared.accept(&action).await?;
    Ok(ok())
}

async fn agent_say(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<AgentAction>,
) -> Result<Response, ActionError> {
    shared.agent_say(&action).await?;
    Ok(ok())
}

async fn close(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<AgentAction>,
) -> Result<Response, ActionError> {
    shared.close(&action).await?;
    Ok(ok())
}

async fn announce(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<AnnounceAction>,
) -> Result<Response, ActionError> {
    let status = shared.announce(&action).await?;
    Ok(Json(json!({ "ok": true, "status": status })).into_response())
}

async fn set_locale(
    State(shared): State<Arc<Shared>>,
    Json(action): Json<LocaleAction>,
) -> Result<Response, ActionError> {
    shared.set_locale(&action)?;
    Ok(ok())
}

async fn file(
    State(shared): State<Arc<Shared>>,
    Path((id, _name)): Path<(u64, String)>,
) -> Response {
    let Some(file) = shared.world().file(id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = file
        .content_type
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    ([(header::CONTENT_TYPE, content_type)], file.bytes).into_response()
}
