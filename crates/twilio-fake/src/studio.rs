//! The built-in Studio flow emulation run for `Target=studio` webhooks (see [`StudioEmulation`](crate::StudioEmulation)).

use std::sync::Arc;

use serde_json::Map;

use crate::delivery::{ConversationEvent, DeliveryKind, DeliveryRecord, send_signed};
use crate::model::{EventSource, Message, ScopedWebhook};
use crate::shared::Shared;

/// Runs the flow for one event: the stored flow the webhook names, when `POST /v2/Flows`
/// stored it ([`crate::flow_run`]), else the built-in emulation. Nothing when the flow does
/// not apply to the event.
///
/// Like Studio, this runs for every customer message while the `Target=studio` webhook is on
/// the conversation — after a Send to Flex too: Twilio does not remove the webhook, so a
/// customer who asks for an agent again starts another execution (and another task) unless
/// whoever attached the webhook removes it.
pub(crate) async fn run_flow(
    shared: &Arc<Shared>,
    event: &ConversationEvent,
    webhook: &ScopedWebhook,
) -> Vec<DeliveryRecord> {
    let studio = &shared.config.studio;
    if !studio.enabled || event.event_type != "onMessageAdded" || event.source != EventSource::Api {
        return Vec::new();
    }
    let Some(message) = event.message.as_ref() else {
        return Vec::new();
    };
    // Only customer messages start the flow: API messages whose author is a participant.
    // Bot or system replies the bridge posts (no participant) must not loop back into it.
    if message.participant_sid.is_none() {
        return Vec::new();
    }
    let stored = webhook
        .flow_sid
        .as_ref()
        .and_then(|sid| shared.lock().flows.get(sid).map(|f| f.definition.clone()));
    if let Some(definition) = stored {
        return crate::flow_run::run_stored_flow(shared, event, webhook, message, &definition)
            .await;
    }
    built_in(shared, event, webhook, message)
        .await
        .into_iter()
        .collect()
}

/// The built-in stand-in for the shipped flow (see [`crate::StudioEmulation`]).
async fn built_in(
    shared: &Arc<Shared>,
    event: &ConversationEvent,
    webhook: &ScopedWebhook,
    message: &Message,
) -> Option<DeliveryRecord> {
    let studio = &shared.config.studio;
    let body = message.body.clone().unwrap_or_default();
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

    if studio.wants_live_agent(&body) {
        let outcome = shared.send_to_flex(&event.conversation_sid, &message.author, Map::new());
        let record = match outcome {
            Ok(interaction) => DeliveryRecord {
                interaction_sid: Some(interaction.sid),
                ..base
            },
            Err(error) => DeliveryRecord {
                error: Some(error.message),
                ..base
            },
        };
        return Some(shared.record_delivery(record));
    }

    let url = studio.chatbot_url.as_deref()?;
    let params = vec![
        ("ConversationSid".to_owned(), event.conversation_sid.clone()),
        ("MessageSid".to_owned(), message.sid.clone()),
        ("Body".to_owned(), body),
        ("Author".to_owned(), message.author.clone()),
    ];
    let outcome = send_signed(shared, "POST", url, &params, None).await;
    Some(shared.record_delivery(DeliveryRecord {
        kind: DeliveryKind::Chatbot,
        url: Some(url.to_owned()),
        params,
        signature: Some(outcome.signature),
        status: outcome.status,
        error: outcome.error,
        response_body: outcome.body,
        ..base
    }))
}
