//! TaskRouter v1, as far as reading tasks back goes: `GET /v1/Workspaces/{WS}/Tasks` with
//! `EvaluateTaskAttributes`. Every interaction's task is listed, with the attributes Flex gives
//! it (`flexInteractionSid`, `flexInteractionChannelSid`, `conversationSid`) over the ones the
//! creator posted.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::model::Interaction;
use crate::shared::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/v1/Workspaces/{ws}/Tasks", get(list_tasks))
}

/// The one expression form the fake evaluates: `name == "value"` (or single quotes). Anything
/// else is a 400, so a client relying on more fails loudly instead of matching everything.
fn parse_expression(raw: &str) -> Result<(String, String), ApiError> {
    let refused = || ApiError::bad_request(format!("Unsupported EvaluateTaskAttributes {raw}"));
    let (name, value) = raw.split_once("==").ok_or_else(refused)?;
    let name = name.trim();
    let value = value.trim();
    let quoted = value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')));
    if name.is_empty() || !quoted {
        return Err(refused());
    }
    Ok((name.to_owned(), value[1..value.len() - 1].to_owned()))
}

/// The task's attributes as TaskRouter shows them.
fn task_attributes(interaction: &Interaction) -> Map<String, Value> {
    let mut map = match interaction.task_attributes() {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("flexInteractionSid".into(), json!(interaction.sid));
    map.insert(
        "flexInteractionChannelSid".into(),
        json!(interaction.channel_sid),
    );
    if let Some(c) = &interaction.conversation_sid {
        map.insert("conversationSid".into(), json!(c));
    }
    map
}

async fn list_tasks(
    State(shared): State<Arc<Shared>>,
    Path(ws): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = super::query_params(query.as_deref())?;
    let wanted = params
        .get("EvaluateTaskAttributes")
        .map(parse_expression)
        .transpose()?;
    let interactions: Vec<Interaction> = shared.lock().interactions.values().cloned().collect();
    let items: Vec<Value> = interactions
        .iter()
        // A channel whose set-up failed routed no task.
        .filter(|i| i.channel_status != "failed")
        .filter_map(|i| {
            let attributes = task_attributes(i);
            if let Some((name, value)) = &wanted {
                let matches = match attributes.get(name) {
                    Some(Value::String(s)) => s == value,
                    Some(Value::Number(n)) => n.to_string() == *value,
                    _ => false,
                };
                if !matches {
                    return None;
                }
            }
            let sid = format!("WT{}", i.sid.get(2..).unwrap_or_default());
            let status = if i.channel_status == "closed" {
                "completed"
            } else {
                "pending"
            };
            Some(json!({
                "sid": sid,
                "workspace_sid": ws,
                "attributes": Value::Object(attributes).to_string(),
                "assignment_status": status,
                "url": shared.url(&format!("/v1/Workspaces/{ws}/Tasks/{sid}")),
            }))
        })
        .collect();
    let url = shared.url(&format!("/v1/Workspaces/{ws}/Tasks"));
    Ok(Json(json!({
        "tasks": items,
        "meta": { "page": 0, "page_size": items.len(), "first_page_url": url,
                  "previous_page_url": null, "url": url, "next_page_url": null,
                  "key": "tasks" },
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_parsed_or_refused() {
        assert_eq!(
            parse_expression(r#"flexcord_handoff == "dc:msg:1""#).ok(),
            Some(("flexcord_handoff".to_owned(), "dc:msg:1".to_owned()))
        );
        assert!(parse_expression("a > 1").is_err());
        assert!(parse_expression("a == b").is_err());
    }
}
