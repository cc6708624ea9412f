//! Conversations v1: conversations, participants, messages, scoped webhooks, users.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::{query_params, webhook_enabled};
use crate::error::ApiError;
use crate::form::FormParams;
use crate::ops::{Actor, NewMessage};
use crate::shared::Shared;

/// Twilio's maximum page sizes for these lists.
const MAX_MESSAGES_PAGE: usize = 100;
const MAX_PARTICIPANTS_PAGE: usize = 100;
const MAX_PARTICIPANT_CONVERSATIONS_PAGE: usize = 50;

type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/v1/Conversations",
            get(list_conversations).post(create_conversation),
        )
        .route(
            "/v1/Conversations/{sid}",
            get(fetch_conversation)
                .post(update_conversation)
                .delete(delete_conversation),
        )
        .route(
            "/v1/Conversations/{sid}/Participants",
            get(list_participants).post(add_participant),
        )
        .route(
            "/v1/Conversations/{sid}/Participants/{participant}",
            get(fetch_participant).delete(remove_participant),
        )
        .route(
            "/v1/Conversations/{sid}/Messages",
            get(list_messages).post(add_message),
        )
        .route(
            "/v1/Conversations/{sid}/Messages/{message}",
            get(fetch_message),
        )
        .route(
            "/v1/Conversations/{sid}/Webhooks",
            get(list_webhooks).post(add_webhook),
        )
        .route(
            "/v1/Conversations/{sid}/Webhooks/{webhook}",
            get(fetch_webhook).delete(delete_webhook),
        )
        .route(
            "/v1/ParticipantConversations",
            get(participant_conversations),
        )
        .route("/v1/Users/{sid}", get(fetch_user).post(update_user))
}

fn created(body: serde_json::Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

fn conversation(shared: &Shared, key: &str) -> Result<crate::model::Conversation> {
    let store = shared.lock();
    store
        .conversation_key(key)
        .and_then(|sid| store.conversations.get(&sid).cloned())
        .ok_or_else(|| ApiError::not_found(&format!("/v1/Conversations/{key}")))
}

async fn create_conversation(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Response> {
    let form = FormParams::parse(&body)?;
    let conversation = shared.create_conversation(&form)?;
    Ok(created(shared.conversation_json(&conversation)))
}

async fn list_conversations(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let query = query_params(query.as_deref())?;
    let all: Vec<_> = shared.lock().conversations.values().cloned().collect();
    let (page, meta) = shared.page(
        &all,
        &query,
        "/v1/Conversations",
        "conversations",
        MAX_PARTICIPANTS_PAGE,
    );
    let items: Vec<_> = page.iter().map(|c| shared.conversation_json(c)).collect();
    Ok(Json(json!({ "conversations": items, "meta": meta })))
}

async fn fetch_conversation(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
) -> Result<Json<serde_json::Value>> {
    Ok(Json(
        shared.conversation_json(&conversation(&shared, &sid)?),
    ))
}

async fn update_conversation(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    let form = FormParams::parse(&body)?;
    let (conversation, _receipt) =
        shared.update_conversation(&sid, &form, &Actor::rest(webhook_enabled(&headers)))?;
    Ok(Json(shared.conversation_json(&conversation)))
}

async fn delete_conversation(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
) -> Result<StatusCode> {
    shared.delete_conversation(&sid)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_participant(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let form = FormParams::parse(&body)?;
    let (participant, _receipt) = shared.add_participant(
        &sid,
        form.get("Identity"),
        form.get("Attributes"),
        &Actor::rest(webhook_enabled(&headers)),
    )?;
    let conversation = conversation(&shared, &sid)?;
    Ok(created(
        shared.participant_json(&conversation.sid, &participant),
    ))
}

async fn list_participants(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let query = query_params(query.as_deref())?;
    let conversation = conversation(&shared, &sid)?;
    let path = format!("/v1/Conversations/{}/Participants", conversation.sid);
    let (page, meta) = shared.page(
        &conversation.participants,
        &query,
        &path,
        "participants",
        MAX_PARTICIPANTS_PAGE,
    );
    let items: Vec<_> = page
        .iter()
        .map(|p| shared.participant_json(&conversation.sid, p))
        .collect();
    Ok(Json(json!({ "participants": items, "meta": meta })))
}

async fn fetch_participant(
    State(shared): State<Arc<Shared>>,
    Path((sid, participant)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>> {
    let conversation = conversation(&shared, &sid)?;
    let found = conversation
        .participants
        .iter()
        .find(|p| p.sid == participant || p.identity.as_deref() == Some(participant.as_str()))
        .ok_or_else(|| {
            ApiError::not_found(&format!(
                "/v1/Conversations/{sid}/Participants/{participant}"
            ))
        })?;
    Ok(Json(shared.participant_json(&conversation.sid, found)))
}

async fn remove_participant(
    State(shared): State<Arc<Shared>>,
    Path((sid, participant)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    shared.remove_participant(&sid, &participant, &Actor::rest(webhook_enabled(&headers)))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn add_message(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let form = FormParams::parse(&body)?;
    let new = NewMessage {
        author: form.get("Author").map(str::to_owned),
        body: form.get("Body").map(str::to_owned),
        attributes: form.get("Attributes").map(str::to_owned),
        media_sids: form.get_all("MediaSid"),
    };
    let (message, _receipt) =
        shared.add_message(&sid, new, &Actor::rest(webhook_enabled(&headers)))?;
    let conversation = conversation(&shared, &sid)?;
    Ok(created(shared.message_json(&conversation.sid, &message)))
}

async fn list_messages(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let query = query_params(query.as_deref())?;
    let conversation = conversation(&shared, &sid)?;
    let mut messages = conversation.messages;
    match query.get("Order") {
        Some("desc") => messages.reverse(),
        None | Some("asc") => {}
        Some(other) => return Err(ApiError::bad_request(format!("Invalid Order {other}"))),
    }
    let path = format!("/v1/Conversations/{}/Messages", conversation.sid);
    let (page, meta) = shared.page(&messages, &query, &path, "messages", MAX_MESSAGES_PAGE);
    let items: Vec<_> = page
        .iter()
        .map(|m| shared.message_json(&conversation.sid, m))
        .collect();
    Ok(Json(json!({ "messages": items, "meta": meta })))
}

async fn fetch_message(
    State(shared): State<Arc<Shared>>,
    Path((sid, message)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>> {
    let conversation = conversation(&shared, &sid)?;
    let found = conversation
        .messages
        .iter()
        .find(|m| m.sid == message || m.index.to_string() == message)
        .ok_or_else(|| {
            ApiError::not_found(&format!("/v1/Conversations/{sid}/Messages/{message}"))
        })?;
    Ok(Json(shared.message_json(&conversation.sid, found)))
}

async fn add_webhook(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let form = FormParams::parse(&body)?;
    let webhook = shared.add_webhook(&sid, &form)?;
    let conversation = conversation(&shared, &sid)?;
    Ok(created(shared.webhook_json(&conversation.sid, &webhook)))
}

async fn list_webhooks(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let query = query_params(query.as_deref())?;
    let conversation = conversation(&shared, &sid)?;
    let path = format!("/v1/Conversations/{}/Webhooks", conversation.sid);
    let (page, meta) = shared.page(
        &conversation.webhooks,
        &query,
        &path,
        "webhooks",
        MAX_PARTICIPANTS_PAGE,
    );
    let items: Vec<_> = page
        .iter()
        .map(|w| shared.webhook_json(&conversation.sid, w))
        .collect();
    Ok(Json(json!({ "webhooks": items, "meta": meta })))
}

async fn fetch_webhook(
    State(shared): State<Arc<Shared>>,
    Path((sid, webhook)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>> {
    let conversation = conversation(&shared, &sid)?;
    let found = conversation
        .webhooks
        .iter()
        .find(|w| w.sid == webhook)
        .ok_or_else(|| {
            ApiError::not_found(&format!("/v1/Conversations/{sid}/Webhooks/{webhook}"))
        })?;
    Ok(Json(shared.webhook_json(&conversation.sid, found)))
}

async fn delete_webhook(
    State(shared): State<Arc<Shared>>,
    Path((sid, webhook)): Path<(String, String)>,
) -> Result<StatusCode> {
    shared.delete_webhook(&sid, &webhook)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn participant_conversations(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let query = query_params(query.as_deref())?;
    let identity = query
        .get("Identity")
        .or_else(|| query.get("Address"))
        .ok_or_else(|| ApiError::missing_parameter("Identity"))?
        .to_owned();
    let matches: Vec<_> = shared
        .lock()
        .conversations
        .values()
        .filter_map(|c| c.participant(&identity).map(|p| (c.clone(), p.clone())))
        .collect();
    let (page, meta) = shared.page(
        &matches,
        &query,
        "/v1/ParticipantConversations",
        "conversations",
        MAX_PARTICIPANT_CONVERSATIONS_PAGE,
    );
    let items: Vec<_> = page
        .iter()
        .map(|(c, p)| shared.participant_conversation_json(c, p))
        .collect();
    Ok(Json(json!({ "conversations": items, "meta": meta })))
}

async fn fetch_user(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let user = shared
        .lock()
        .users
        .values()
        .find(|u| u.sid == sid || u.identity == sid)
        .cloned()
        .ok_or_else(|| ApiError::not_found(&format!("/v1/Users/{sid}")))?;
    Ok(Json(shared.user_json(&user)))
}

async fn update_user(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>> {
    let form = FormParams::parse(&body)?;
    let user = shared.update_user(&sid, &form)?;
    Ok(Json(shared.user_json(&user)))
}
