//! From wire payloads to [`flexcord_core::event::FlexEvent`], and the dedupe key that makes
//! Twilio's at-least-once delivery effectively once.

use flexcord_core::content::AgentMedia;
use flexcord_core::event::{FlexEvent, MessageOrigin};

use super::payload::{Source, WebhookEvent};
use crate::core_ids::{identity_from_wire, to_core};

/// The core event for a webhook, or `None` for events the router does not act on (other
/// event types, state changes other than to `closed`, participants without an identity).
#[must_use]
pub fn to_core_event(event: &WebhookEvent) -> Option<FlexEvent> {
    match event {
        WebhookEvent::MessageAdded(m) => Some(FlexEvent::MessageAdded {
            conversation: to_core(&m.conversation)?,
            message: to_core(&m.message)?,
            origin: match &m.source {
                Some(Source::Sdk) => MessageOrigin::Sdk,
                Some(Source::Api) => MessageOrigin::Api,
                _ => MessageOrigin::Other,
            },
            author: identity_from_wire(m.author.as_deref().unwrap_or("system")),
            body: m.body.clone(),
            media: m
                .media
                .iter()
                .map(|item| {
                    Some(AgentMedia {
                        sid: to_core(&item.sid)?,
                        filename: item.filename.clone(),
                        content_type: item.content_type.clone(),
                        size: item.size,
                    })
                })
                .collect::<Option<_>>()?,
        }),
        WebhookEvent::ParticipantAdded(p) => Some(FlexEvent::ParticipantAdded {
            conversation: to_core(&p.conversation)?,
            identity: identity_from_wire(p.identity.as_deref()?),
            name: p.attributes.as_deref().and_then(display_name),
        }),
        WebhookEvent::ParticipantRemoved(p) => Some(FlexEvent::ParticipantRemoved {
            conversation: to_core(&p.conversation)?,
            identity: identity_from_wire(p.identity.as_deref()?),
        }),
        WebhookEvent::ConversationStateUpdated(s) if s.state_to == "closed" => {
            Some(FlexEvent::ConversationClosed {
                conversation: to_core(&s.conversation)?,
            })
        }
        WebhookEvent::StudioTurn(t) => Some(FlexEvent::BotTurn {
            conversation: to_core(&t.conversation)?,
            body: t.body.clone(),
            request: None,
        }),
        _ => None,
    }
}

/// A display name from participant attributes, when they carry one.
fn display_name(attributes: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(attributes).ok()?;
    ["friendlyName", "friendly_name", "full_name", "name"]
        .iter()
        .find_map(|k| value.get(k)?.as_str().filter(|s| !s.trim().is_empty()))
        .map(|s| s.chars().take(100).collect())
}

/// A stable identity for deduplicating Twilio's retries: `EventType:MessageSid` for messages,
/// `EventType:ParticipantSid` for participants, `EventType:ConversationSid:StateTo` for state
/// changes. `None` when the event has no natural key (Studio turns, unknown events).
#[must_use]
pub fn dedupe_key(event: &WebhookEvent) -> Option<String> {
    match event {
        WebhookEvent::MessageAdded(m) => Some(format!("onMessageAdded:{}", m.message)),
        WebhookEvent::ParticipantAdded(p) => Some(format!(
            "onParticipantAdded:{}:{}",
            p.conversation,
            p.participant_sid.as_deref()?
        )),
        WebhookEvent::ParticipantRemoved(p) => Some(format!(
            "onParticipantRemoved:{}:{}",
            p.conversation,
            p.participant_sid.as_deref()?
        )),
        WebhookEvent::ConversationStateUpdated(s) => Some(format!(
            "onConversationStateUpdated:{}:{}",
            s.conversation, s.state_to
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> WebhookEvent {
        let p: Vec<_> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        WebhookEvent::from_params(&p).unwrap()
    }

    const CH: &str = "CH00000000000000000000000000000001";

    #[test]
    fn agent_message_becomes_sdk_message_with_media() {
        let e = parse(&[
            ("EventType", "onMessageAdded"),
            ("ConversationSid", CH),
            ("MessageSid", "IM1"),
            ("Source", "SDK"),
            ("Author", "alice"),
            ("Body", "hi"),
            (
                "Media",
                r#"[{"Sid":"ME1","Filename":"f.txt","ContentType":"text/plain","Size":3}]"#,
            ),
        ]);
        let Some(FlexEvent::MessageAdded {
            origin,
            author,
            media,
            ..
        }) = to_core_event(&e)
        else {
            panic!("expected a message");
        };
        assert_eq!(origin, MessageOrigin::Sdk);
        assert_eq!(author.name(), Some("alice"));
        assert_eq!(media[0].filename.as_deref(), Some("f.txt"));
        assert_eq!(dedupe_key(&e).as_deref(), Some("onMessageAdded:IM1"));
    }

    #[test]
    fn api_and_unknown_sources() {
        for (source, origin) in [
            ("API", MessageOrigin::Api),
            ("WHATSAPP", MessageOrigin::Other),
        ] {
            let e = parse(&[
                ("EventType", "onMessageAdded"),
                ("ConversationSid", CH),
                ("MessageSid", "IM1"),
                ("Source", source),
            ]);
            assert!(
                matches!(to_core_event(&e), Some(FlexEvent::MessageAdded { origin: o, .. }) if o == origin)
            );
        }
    }

    #[test]
    fn closed_state_only() {
        let closed = parse(&[
            ("EventType", "onConversationStateUpdated"),
            ("ConversationSid", CH),
            ("StateTo", "closed"),
        ]);
        assert!(matches!(
            to_core_event(&closed),
            Some(FlexEvent::ConversationClosed { .. })
        ));
        let inactive = parse(&[
            ("EventType", "onConversationStateUpdated"),
            ("ConversationSid", CH),
            ("StateTo", "inactive"),
        ]);
        assert_eq!(to_core_event(&inactive), None);
    }

    #[test]
    fn participants_need_an_identity() {
        let joined = parse(&[
            ("EventType", "onParticipantAdded"),
            ("ConversationSid", CH),
            ("Identity", "alice"),
            ("ParticipantSid", "MB1"),
            ("Attributes", r#"{"friendlyName":"Alice A."}"#),
        ]);
        assert!(matches!(
            to_core_event(&joined),
            Some(FlexEvent::ParticipantAdded { name: Some(ref n), .. }) if n == "Alice A."
        ));
        let sms = parse(&[("EventType", "onParticipantAdded"), ("ConversationSid", CH)]);
        assert_eq!(to_core_event(&sms), None);
    }

    #[test]
    fn studio_turn_becomes_bot_turn() {
        let t = super::super::StudioTurn::from_form(
            format!("ConversationSid={CH}&Body=help").as_bytes(),
        )
        .unwrap();
        assert!(
            matches!(to_core_event(&t.into()), Some(FlexEvent::BotTurn { ref body, .. }) if body == "help")
        );
    }
}
