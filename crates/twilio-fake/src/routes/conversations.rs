//! Conversations v1: conversations, participants, messages, scoped webhooks, users.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::{query_params, webhook_enabled};
use crate::error::ApiError;
use crate::form::FormParams;
use crate::model::{Conversation, Message, Participant, ScopedWebhook};
use crate::ops::{Actor, NewMessage};
use crate::shared::Shared;

/// Twilio's maximum page sizes for these lists.
const MAX_MESSAGES_PAGE: usize = 100;
const MAX_PARTICIPANTS_PAGE: usize = 100;
const MAX_PARTICIPANT_CONVERSATIONS_PAGE: usize = 50;

type Result<T> = std::result::Result<T, ApiError>;

/// A list Twilio serves under one conversation. Participants, messages and webhooks are listed
/// and fetched the same way and differ only in these fields, so one pair of handlers
/// ([`list_nested`], [`fetch_nested`]) serves all three.
struct Nested<T: 'static> {
    /// Path segment after `/v1/Conversations/{sid}/`.
    segment: &'static str,
    /// The key a list page holds its items under.
    key: &'static str,
    max_page: usize,
    items: fn(&Conversation) -> &[T],
    /// Whether the list honours `Order=asc|desc` (only messages do).
    orderable: bool,
    /// Whether an item answers to the id in a fetch URL.
    answers_to: fn(&T, &str) -> bool,
    render: fn(&Shared, &str, &T) -> serde_json::Value,
}

/// An item kind nested under a conversation.
trait NestedItem: Clone + Send + Sync + 'static {
    const NESTED: Nested<Self>;
}

impl NestedItem for Participant {
    const NESTED: Nested<Self> = Nested {
        segment: "Participants",
        key: "participants",
        max_page: MAX_PARTICIPANTS_PAGE,
        items: |c| c.participants.as_slice(),
        orderable: false,
        answers_to: |p, id| p.sid == id || p.identity.as_deref() == Some(id),
        render: Shared::participant_json,
    };
}

impl NestedItem for Message {
    const NESTED: Nested<Self> = Nested {
        segment: "Messages",
        key: "messages",
        max_page: MAX_MESSAGES_PAGE,
        items: |c| c.messages.as_slice(),
        orderable: true,
        answers_to: |m, id| m.sid == id || m.index.to_string() == id,
        render: Shared::message_json,
    };
}

impl NestedItem for ScopedWebhook {
    const NESTED: Nested<Self> = Nested {
        segment: "Webhooks",
        key: "webhooks",
        // Webhooks page like participants.
        max_page: MAX_PARTICIPANTS_PAGE,
        items: |c| c.webhooks.as_slice(),
        orderable: false,
        answers_to: |w, id| w.sid == id,
        render: Shared::webhook_json,
    };
}

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
        .merge(nested_routes::<Participant>(
            post(add_participant),
            delete(remove_participant),
        ))
        .merge(nested_routes::<Message>(
            post(add_message),
            MethodRouter::new(),
        ))
        .merge(nested_routes::<ScopedWebhook>(
            post(add_webhook),
            delete(delete_webhook),
        ))
        .route(
            "/v1/ParticipantConversations",
            get(participant_conversations),
        )
        .route("/v1/Users/{sid}", get(fetch_user).post(update_user))
}

/// The list and item routes of one nested kind, at the paths its segment names, with `GET`
/// served by [`list_nested`] and [`fetch_nested`] and the other methods by the caller's.
fn nested_routes<T: NestedItem>(
    list: MethodRouter<Arc<Shared>>,
    item: MethodRouter<Arc<Shared>>,
) -> Router<Arc<Shared>> {
    let list_path = format!("/v1/Conversations/{{sid}}/{}", T::NESTED.segment);
    let item_path = format!("{list_path}/{{id}}");
    Router::new()
        .route(&list_path, list.get(list_nested::<T>))
        .route(&item_path, item.get(fetch_nested::<T>))
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

/// `GET /v1/Conversations/{sid}/<T's segment>`: one page of the conversation's items.
async fn list_nested<T: NestedItem>(
    State(shared): State<Arc<Shared>>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>> {
    let nested = T::NESTED;
    let query = query_params(query.as_deref())?;
    let conversation = conversation(&shared, &sid)?;
    let mut items = Cow::Borrowed((nested.items)(&conversation));
    if nested.orderable {
        match query.get("Order") {
            Some("desc") => items.to_mut().reverse(),
            None | Some("asc") => {}
            Some(other) => return Err(ApiError::bad_request(format!("Invalid Order {other}"))),
        }
    }
    let path = format!("/v1/Conversations/{}/{}", conversation.sid, nested.segment);
    let (page, meta) = shared.page(&items, &query, &path, nested.key, nested.max_page);
    let rendered: Vec<_> = page
        .iter()
        .map(|item| (nested.render)(&shared, &conversation.sid, item))
        .collect();
    Ok(Json(json!({ nested.key: rendered, "meta": meta })))
}

/// `GET /v1/Conversations/{sid}/<T's segment>/{id}`: the first item answering to `id`; the 404
/// names the path as the caller wrote it.
async fn fetch_nested<T: NestedItem>(
    State(shared): State<Arc<Shared>>,
    Path((sid, id)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>> {
    let nested = T::NESTED;
    let conversation = conversation(&shared, &sid)?;
    let found = (nested.items)(&conversation)
        .iter()
        .find(|item| (nested.answers_to)(item, &id))
        .ok_or_else(|| {
            ApiError::not_found(&format!("/v1/Conversations/{sid}/{}/{id}", nested.segment))
        })?;
    Ok(Json((nested.render)(&shared, &conversation.sid, found)))
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
        date_created: form.get("DateCreated").map(str::to_owned),
    };
    let (message, _receipt) =
        shared.add_message(&sid, new, &Actor::rest(webhook_enabled(&headers)))?;
    let conversation = conversation(&shared, &sid)?;
    Ok(created(shared.message_json(&conversation.sid, &message)))
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
