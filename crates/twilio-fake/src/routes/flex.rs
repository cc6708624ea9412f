//! Flex v1 Interactions: create, fetch, close the channel, update channel participants.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::form::FormParams;
use crate::model::{Interaction, InteractionOrigin};
use crate::render::parse_json_param;
use crate::shared::Shared;

type Result<T> = std::result::Result<T, ApiError>;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/Interactions", post(create_interaction))
        .route("/v1/Interactions/{kd}", get(fetch_interaction))
        .route(
            "/v1/Interactions/{kd}/Channels/{uo}",
            get(fetch_channel).post(update_channel),
        )
        .route(
            "/v1/Interactions/{kd}/Channels/{uo}/Participants",
            get(list_channel_participants),
        )
        .route(
            "/v1/Interactions/{kd}/Channels/{uo}/Participants/{ut}",
            post(update_channel_participant),
        )
}

fn interaction(shared: &Shared, kd: &str, uo: Option<&str>) -> Result<Interaction> {
    shared
        .lock()
        .interactions
        .get(kd)
        .filter(|i| uo.is_none_or(|uo| i.channel_sid == uo))
        .cloned()
        .ok_or_else(|| ApiError::not_found(&format!("/v1/Interactions/{kd}")))
}

/// `POST /v1/Interactions`: `Channel` (required) and `Routing` are JSON strings. Answers 200
/// like Twilio (creation is asynchronous there).
async fn create_interaction(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<Json<Value>> {
    let form = FormParams::parse(&body)?;
    let channel: Value = serde_json::from_str(form.require("Channel")?)
        .map_err(|e| ApiError::bad_request(format!("Invalid JSON in Channel: {e}")))?;
    if !channel.is_object() {
        return Err(ApiError::bad_request("Channel must be a JSON object"));
    }
    let routing = match form.get("Routing") {
        Some(raw) => serde_json::from_str(raw)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON in Routing: {e}")))?,
        None if channel.get("sid").is_none() => return Err(ApiError::missing_parameter("Routing")),
        None => Value::Null,
    };
    let interaction = shared.create_interaction(channel, routing, InteractionOrigin::Rest)?;
    Ok(Json(shared.interaction_json(&interaction)))
}

async fn fetch_interaction(
    State(shared): State<Arc<Shared>>,
    Path(kd): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(
        shared.interaction_json(&interaction(&shared, &kd, None)?),
    ))
}

async fn fetch_channel(
    State(shared): State<Arc<Shared>>,
    Path((kd, uo)): Path<(String, String)>,
) -> Result<Json<Value>> {
    Ok(Json(shared.interaction_channel_json(&interaction(
        &shared,
        &kd,
        Some(&uo),
    )?)))
}

async fn update_channel(
    State(shared): State<Arc<Shared>>,
    Path((kd, uo)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>> {
    let form = FormParams::parse(&body)?;
    let interaction = shared.update_interaction_channel(&kd, &uo, &form)?;
    let mut body = shared.interaction_channel_json(&interaction);
    if let (Some(raw), Value::Object(map)) = (form.get("Routing"), &mut body) {
        map.insert("routing".to_owned(), parse_json_param(raw));
    }
    Ok(Json(body))
}

async fn list_channel_participants(
    State(shared): State<Arc<Shared>>,
    Path((kd, uo)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let interaction = interaction(&shared, &kd, Some(&uo))?;
    let items: Vec<_> = interaction
        .participants
        .iter()
        .map(|p| shared.interaction_participant_json(&interaction, p))
        .collect();
    let url = shared.url(&format!("/v1/Interactions/{kd}/Channels/{uo}/Participants"));
    Ok(Json(json!({
        "participants": items,
        "meta": { "page": 0, "page_size": items.len(), "first_page_url": url,
                  "previous_page_url": null, "url": url, "next_page_url": null,
                  "key": "participants" },
    })))
}

async fn update_channel_participant(
    State(shared): State<Arc<Shared>>,
    Path((kd, uo, ut)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>> {
    let form = FormParams::parse(&body)?;
    let (interaction, participant) = shared.update_interaction_participant(&kd, &uo, &ut, &form)?;
    let mut body = shared.interaction_participant_json(&interaction, &participant);
    if let Value::Object(map) = &mut body {
        map.insert("status".to_owned(), json!(participant.status));
    }
    Ok(Json(body))
}
