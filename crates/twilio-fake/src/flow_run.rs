//! Runs a Studio flow stored through `POST /v2/Flows` for a conversation message, the way
//! Studio executes it: from the trigger's `incomingConversationMessage` transition through
//! `split-based-on`, `send-to-flex` and `make-http-request` widgets, each rendered with the
//! message as `{{trigger.conversation.*}}` and earlier widgets' outputs as `{{widgets.*}}`.
//!
//! Enough of Studio for the flows a bridge ships, not all of it:
//! - Liquid: `{{ path }}` and `{{ path | to_json }}`; a missing path renders empty.
//! - Split conditions: `contains`, `equal_to`, `not_equal_to`, `matches_any_of`,
//!   `is_blank`, `is_not_blank`, and `regex`, which the fake has no engine for: a `regex`
//!   condition is evaluated as the emulation's live-agent keyword match (the shipped flow's
//!   regex is built from the same keywords).
//! - Send to Flex: its `attributes` template is rendered and parsed as JSON, then, as Studio
//!   does for Conversations, `channelType`, `customerAddress`, `from`, `name` and
//!   `customerName` are added when missing (from the message's author). Its outputs are
//!   `TaskSid` and `Attributes` — the task's attributes as Flex stores them, with
//!   `flexInteractionSid` and `flexInteractionChannelSid`.
//! - Any other widget ends the execution.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::delivery::{ConversationEvent, DeliveryKind, DeliveryRecord, send_signed};
use crate::model::{Message, ScopedWebhook};
use crate::shared::Shared;

/// Widgets run per execution at most (a flow that loops is cut off).
const MAX_STEPS: usize = 32;

/// Runs `definition` for `message`; returns what each widget did.
pub(crate) async fn run_stored_flow(
    shared: &Arc<Shared>,
    event: &ConversationEvent,
    webhook: &ScopedWebhook,
    message: &Message,
    definition: &Value,
) -> Vec<DeliveryRecord> {
    let states = definition
        .get("states")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let by_name = |name: &str| {
        states
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
    };
    let channel_attributes = shared
        .lock()
        .conversations
        .get(&event.conversation_sid)
        .and_then(|c| serde_json::from_str::<Value>(&c.attributes).ok())
        .unwrap_or_else(|| json!({}));
    let mut context = json!({
        "trigger": { "conversation": {
            "ConversationSid": event.conversation_sid,
            "MessageSid": message.sid,
            "Body": message.body.clone().unwrap_or_default(),
            "Author": message.author,
            "ParticipantSid": message.participant_sid.clone().unwrap_or_default(),
            "Index": message.index.to_string(),
            "DateCreated": message.date_created,
            // Message attributes stay a string; only the conversation's are parsed.
            "Attributes": message.attributes,
            "ChannelAttributes": channel_attributes,
        }},
        "widgets": {},
    });
    let base = DeliveryRecord {
        seq: 0,
        kind: DeliveryKind::SendToFlex,
        conversation_sid: event.conversation_sid.clone(),
        event_type: event.event_type.to_owned(),
        webhook_sid: Some(webhook.sid.clone()),
        url: None,
        params: Vec::new(),
        signature: None,
        attempt: 0,
        status: None,
        error: None,
        response_body: String::new(),
        interaction_sid: None,
    };
    let mut records = Vec::new();
    let mut next = states
        .iter()
        .find(|s| s.get("type").and_then(Value::as_str) == Some("trigger"))
        .and_then(|t| transition(t, "incomingConversationMessage"));
    for _ in 0..MAX_STEPS {
        let Some(state) = next.as_deref().and_then(by_name) else {
            break;
        };
        let name = state
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let properties = state.get("properties").cloned().unwrap_or(Value::Null);
        next = match state.get("type").and_then(Value::as_str) {
            Some("split-based-on") => split(shared, state, &properties, &context),
            Some("send-to-flex") => {
                let template = properties
                    .get("attributes")
                    .and_then(Value::as_str)
                    .unwrap_or("{}");
                let rendered = render(template, &context);
                let Ok(Value::Object(attributes)) = serde_json::from_str::<Value>(&rendered) else {
                    records.push(shared.record_delivery(DeliveryRecord {
                        error: Some(format!("task attributes are not a JSON object: {rendered}")),
                        ..base.clone()
                    }));
                    next = transition(state, "failedToEnqueue");
                    continue;
                };
                match shared.send_to_flex(&event.conversation_sid, &message.author, attributes) {
                    Ok(interaction) => {
                        let mut task = interaction.task_attributes();
                        if let Some(map) = task.as_object_mut() {
                            map.insert("flexInteractionSid".into(), json!(interaction.sid));
                            map.insert(
                                "flexInteractionChannelSid".into(),
                                json!(interaction.channel_sid),
                            );
                        }
                        if let Some(widgets) = context["widgets"].as_object_mut() {
                            widgets.insert(
                                name.to_owned(),
                                json!({
                                    "TaskSid": task_sid(&interaction.sid),
                                    "Attributes": task.to_string(),
                                }),
                            );
                        }
                        records.push(shared.record_delivery(DeliveryRecord {
                            interaction_sid: Some(interaction.sid),
                            ..base.clone()
                        }));
                        transition(state, "callComplete")
                    }
                    Err(error) => {
                        records.push(shared.record_delivery(DeliveryRecord {
                            error: Some(error.message),
                            ..base.clone()
                        }));
                        transition(state, "failedToEnqueue")
                    }
                }
            }
            Some("make-http-request") => {
                let url = render(
                    properties
                        .get("url")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    &context,
                );
                let method = properties
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("POST")
                    .to_owned();
                let params: Vec<(String, String)> = properties
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|list| {
                        list.iter()
                            .filter_map(|p| {
                                let key = p.get("key")?.as_str()?.to_owned();
                                let value = p.get("value").and_then(Value::as_str).unwrap_or("");
                                Some((key, render(value, &context)))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let outcome = send_signed(shared, &method, &url, &params, None).await;
                let ok = outcome.status.is_some_and(|s| (200..300).contains(&s));
                records.push(shared.record_delivery(DeliveryRecord {
                    kind: DeliveryKind::Chatbot,
                    url: Some(url),
                    params,
                    signature: Some(outcome.signature),
                    status: outcome.status,
                    error: outcome.error,
                    response_body: outcome.body,
                    ..base.clone()
                }));
                transition(state, if ok { "success" } else { "failed" })
            }
            _ => None,
        };
    }
    records
}

/// The name of the state a widget's `event` transition leads to, if any.
fn transition(state: &Value, event: &str) -> Option<String> {
    state
        .get("transitions")
        .and_then(Value::as_array)?
        .iter()
        .find(|t| t.get("event").and_then(Value::as_str) == Some(event))
        .and_then(|t| t.get("next"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// A `split-based-on` widget: the first transition whose condition holds, else `noMatch`.
fn split(shared: &Shared, state: &Value, properties: &Value, context: &Value) -> Option<String> {
    let input = properties
        .get("input")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let transitions = state.get("transitions").and_then(Value::as_array)?;
    for t in transitions {
        let Some(conditions) = t.get("conditions").and_then(Value::as_array) else {
            continue;
        };
        let holds = !conditions.is_empty()
            && conditions.iter().all(|c| {
                let argument = c
                    .get("arguments")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(Value::as_str)
                    .unwrap_or(input);
                let subject = render(argument, context);
                let wanted = c.get("value").and_then(Value::as_str).unwrap_or_default();
                condition_holds(
                    shared,
                    c.get("type").and_then(Value::as_str),
                    &subject,
                    wanted,
                )
            });
        if holds {
            return t.get("next").and_then(Value::as_str).map(str::to_owned);
        }
    }
    transition(state, "noMatch")
}

fn condition_holds(shared: &Shared, kind: Option<&str>, subject: &str, wanted: &str) -> bool {
    let lower = subject.to_lowercase();
    match kind {
        Some("contains") => lower.contains(&wanted.to_lowercase()),
        Some("equal_to") => lower == wanted.to_lowercase(),
        Some("not_equal_to") => lower != wanted.to_lowercase(),
        Some("matches_any_of") => wanted
            .split(',')
            .any(|w| w.trim().to_lowercase() == lower.trim()),
        Some("is_blank") => subject.trim().is_empty(),
        Some("is_not_blank") => !subject.trim().is_empty(),
        // No regex engine here: the emulation's keywords stand in (see the module docs).
        Some("regex") => shared.config.studio.wants_live_agent(subject),
        _ => false,
    }
}

/// Renders the Liquid subset: `{{ a.b.c }}` and `{{ a.b.c | to_json }}`.
pub(crate) fn render(template: &str, context: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let expression = &after[..end];
        let (path, filter) = match expression.split_once('|') {
            Some((path, filter)) => (path.trim(), Some(filter.trim())),
            None => (expression.trim(), None),
        };
        let value = path
            .split('.')
            .try_fold(context, |v, key| v.get(key))
            .cloned()
            .unwrap_or(Value::Null);
        match filter {
            Some("to_json") => out.push_str(&value.to_string()),
            _ => match value {
                Value::String(s) => out.push_str(&s),
                Value::Null => {}
                other => out.push_str(&other.to_string()),
            },
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// A TaskRouter task SID for an interaction (the fake has no TaskRouter: one per interaction).
fn task_sid(interaction_sid: &str) -> String {
    format!("WT{}", interaction_sid.trim_start_matches("KD"))
}

#[cfg(test)]
mod tests {
    use super::render;
    use serde_json::json;

    #[test]
    fn renders_paths_and_to_json() {
        let context = json!({"trigger": {"conversation": {
            "Author": "discord:1",
            "ChannelAttributes": {"from": "Mia \"M\""},
        }}});
        assert_eq!(
            render("{\"a\": \"{{trigger.conversation.Author}}\"}", &context),
            "{\"a\": \"discord:1\"}"
        );
        assert_eq!(
            render(
                "{\"from\": {{ trigger.conversation.ChannelAttributes.from | to_json }}}",
                &context
            ),
            "{\"from\": \"Mia \\\"M\\\"\"}"
        );
        assert_eq!(render("x{{trigger.missing}}y", &context), "xy");
    }
}
