//! The built-in Studio flow emulation run for `Target=studio` webhooks (see [`StudioEmulation`](crate::StudioEmulation)).

use std::sync::Arc;

use crate::delivery::{ConversationEvent, DeliveryKind, DeliveryRecord, send_signed};
use crate::model::{EventSource, ScopedWebhook};
use crate::shared::Shared;

/// Runs the emulated flow for one event; `None` when the flow does not apply to it.
pub(crate) async fn run_flow(
    shared: &Arc<Shared>,
    event: &ConversationEvent,
    webhook: &ScopedWebhook,
) -> Option<DeliveryRecord> {
    let studio = &shared.config.studio;
    if !studio.enabled || event.event_type != "onMessageAdded" || event.source != EventSource::Api {
        return None;
    }
    let message = event.message.as_ref()?;
    // Only customer messages start the flow: API messages whose author is a participant.
    // Bot or system replies the bridge posts (no participant) must not loop back into it.
    message.participant_sid.as_ref()?;
    if shared
        .lock()
        .open_interaction_for(&event.conversation_sid)
        .is_some()
    {
        // The flow ended with Send to Flex; the agent owns the conversation now.
        return None;
    }
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
        let outcome = shared.send_to_flex(&event.conversation_sid, &message.author);
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
