//! Typed webhook payloads, parsed from Twilio's form parameters: the conversation-scoped
//! webhook events flexcord subscribes to (`POST /forward-to-discord`) and the Studio HTTP
//! Request widget's call (`POST /chatbot-to-discord`).
//!
//! Parsing is total: unknown events become [`WebhookEvent::Other`], unknown fields are
//! ignored, and malformed input is a [`PayloadError`], never a panic.

use crate::sid::{ConversationSid, MediaSid, MessageSid};
use serde::Deserialize;

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// A parameter the event cannot do without is absent.
    #[error("missing parameter {0}")]
    Missing(&'static str),
    /// A parameter is present but not what it should be (a SID with the wrong prefix, a
    /// non-numeric index, malformed `Media` JSON).
    #[error("invalid parameter {name}: {reason}")]
    Invalid {
        /// The parameter.
        name: &'static str,
        /// Why (bounded).
        reason: String,
    },
}

fn invalid(name: &'static str, reason: impl std::fmt::Display) -> PayloadError {
    PayloadError::Invalid {
        name,
        reason: reason.to_string().chars().take(120).collect(),
    }
}

wire_enum! {
    /// Twilio's `Source`: who caused the event.
    pub enum Source {
        /// A Conversations SDK client: in Flex, an agent.
        Sdk = "SDK",
        /// A REST call: flexcord itself, Studio, or another integration.
        Api = "API",
    }
}

/// One element of the `Media` JSON array on `onMessageAdded`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediaItem {
    /// `ME…`
    #[serde(rename = "Sid", alias = "sid")]
    pub sid: MediaSid,
    /// File name.
    #[serde(rename = "Filename", alias = "filename", default)]
    pub filename: Option<String>,
    /// MIME type.
    #[serde(rename = "ContentType", alias = "content_type", default)]
    pub content_type: Option<String>,
    /// Bytes.
    #[serde(rename = "Size", alias = "size", default)]
    pub size: Option<u64>,
}

/// `onMessageAdded`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAdded {
    /// `ConversationSid`.
    pub conversation: ConversationSid,
    /// `MessageSid`.
    pub message: MessageSid,
    /// `Index`.
    pub index: Option<u64>,
    /// `Author`.
    pub author: Option<String>,
    /// `Body` (empty when absent).
    pub body: String,
    /// `Attributes` (JSON string, unparsed).
    pub attributes: Option<String>,
    /// `ParticipantSid` (absent for system messages).
    pub participant_sid: Option<String>,
    /// `Media`, parsed.
    pub media: Vec<MediaItem>,
    /// `Source`.
    pub source: Option<Source>,
    /// `ClientIdentity` (SDK events only).
    pub client_identity: Option<String>,
}

/// `onParticipantAdded` / `onParticipantRemoved`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantChange {
    /// `ConversationSid`.
    pub conversation: ConversationSid,
    /// `ParticipantSid`.
    pub participant_sid: Option<String>,
    /// `Identity` (absent for SMS/WhatsApp participants).
    pub identity: Option<String>,
    /// `Attributes` (JSON string, unparsed).
    pub attributes: Option<String>,
    /// `Source`.
    pub source: Option<Source>,
}

/// `onConversationStateUpdated`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationStateUpdated {
    /// `ConversationSid`.
    pub conversation: ConversationSid,
    /// `StateFrom`.
    pub state_from: Option<String>,
    /// `StateTo`.
    pub state_to: String,
    /// `Reason` (`API`, `TIMER`, `EVENT`).
    pub reason: Option<String>,
}

/// The Studio HTTP Request widget's call to `POST /chatbot-to-discord`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioTurn {
    /// `ConversationSid`.
    pub conversation: ConversationSid,
    /// `Body`: the user's message.
    pub body: String,
    /// `Author`.
    pub author: Option<String>,
}

/// A webhook flexcord understands (or knowingly ignores).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `onMessageAdded`.
    MessageAdded(MessageAdded),
    /// `onParticipantAdded`.
    ParticipantAdded(ParticipantChange),
    /// `onParticipantRemoved`.
    ParticipantRemoved(ParticipantChange),
    /// `onConversationStateUpdated`.
    ConversationStateUpdated(ConversationStateUpdated),
    /// The Studio flow asks for a bot answer.
    StudioTurn(StudioTurn),
    /// Any other `EventType` (kept, not an error, so new subscriptions do not break parsing).
    Other {
        /// The `EventType` as sent.
        event_type: String,
        /// `ConversationSid`, when present and valid.
        conversation: Option<ConversationSid>,
    },
}

struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn non_empty(&self, name: &str) -> Option<&'a str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.non_empty(name).map(str::to_owned)
    }

    fn required(&self, name: &'static str) -> Result<&'a str, PayloadError> {
        self.non_empty(name).ok_or(PayloadError::Missing(name))
    }

    fn conversation(&self) -> Result<ConversationSid, PayloadError> {
        let raw = self.required("ConversationSid")?;
        ConversationSid::parse(raw).map_err(|e| invalid("ConversationSid", e))
    }

    fn source(&self) -> Option<Source> {
        self.non_empty("Source").map(Source::from)
    }
}

/// Decodes an `application/x-www-form-urlencoded` body into parameters (repeated names kept).
#[must_use]
pub fn parse_form_body(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

impl WebhookEvent {
    /// Parses a conversation-scoped webhook from its form parameters.
    ///
    /// # Errors
    ///
    /// [`PayloadError`] when `EventType` is missing, or a known event lacks `ConversationSid`
    /// or carries malformed fields.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, PayloadError> {
        let p = Params(params);
        let event_type = p.required("EventType")?;
        Ok(match event_type {
            "onMessageAdded" => Self::MessageAdded(parse_message_added(&p)?),
            "onParticipantAdded" => Self::ParticipantAdded(parse_participant(&p)?),
            "onParticipantRemoved" => Self::ParticipantRemoved(parse_participant(&p)?),
            "onConversationStateUpdated" => {
                Self::ConversationStateUpdated(ConversationStateUpdated {
                    conversation: p.conversation()?,
                    state_from: p.owned("StateFrom"),
                    state_to: p.required("StateTo")?.to_owned(),
                    reason: p.owned("Reason"),
                })
            }
            other => Self::Other {
                event_type: other.chars().take(64).collect(),
                conversation: p
                    .non_empty("ConversationSid")
                    .and_then(|s| ConversationSid::parse(s).ok()),
            },
        })
    }

    /// [`WebhookEvent::from_params`] on a raw form body.
    ///
    /// # Errors
    ///
    /// As for [`WebhookEvent::from_params`].
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        Self::from_params(&parse_form_body(body))
    }

    /// The conversation the event is about, when known.
    #[must_use]
    pub fn conversation(&self) -> Option<&ConversationSid> {
        match self {
            Self::MessageAdded(m) => Some(&m.conversation),
            Self::ParticipantAdded(p) | Self::ParticipantRemoved(p) => Some(&p.conversation),
            Self::ConversationStateUpdated(s) => Some(&s.conversation),
            Self::StudioTurn(t) => Some(&t.conversation),
            Self::Other { conversation, .. } => conversation.as_ref(),
        }
    }
}

impl StudioTurn {
    /// Parses the Studio HTTP Request widget's form parameters (`ConversationSid`, `Body`,
    /// `Author`).
    ///
    /// # Errors
    ///
    /// [`PayloadError`] when `ConversationSid` is missing or malformed.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, PayloadError> {
        let p = Params(params);
        Ok(Self {
            conversation: p.conversation()?,
            body: p.get("Body").unwrap_or_default().to_owned(),
            author: p.owned("Author"),
        })
    }

    /// [`StudioTurn::from_params`] on a raw form body.
    ///
    /// # Errors
    ///
    /// As for [`StudioTurn::from_params`].
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        Self::from_params(&parse_form_body(body))
    }
}

impl From<StudioTurn> for WebhookEvent {
    fn from(turn: StudioTurn) -> Self {
        Self::StudioTurn(turn)
    }
}

fn parse_message_added(p: &Params<'_>) -> Result<MessageAdded, PayloadError> {
    let conversation = p.conversation()?;
    let message =
        MessageSid::parse(p.required("MessageSid")?).map_err(|e| invalid("MessageSid", e))?;
    let index = p
        .non_empty("Index")
        .map(|i| i.parse::<u64>().map_err(|e| invalid("Index", e)))
        .transpose()?;
    let media = match p.non_empty("Media") {
        None => Vec::new(),
        Some(raw) => serde_json::from_str::<Option<Vec<MediaItem>>>(raw)
            .map_err(|e| invalid("Media", e))?
            .unwrap_or_default(),
    };
    Ok(MessageAdded {
        conversation,
        message,
        index,
        author: p.owned("Author"),
        body: p.get("Body").unwrap_or_default().to_owned(),
        attributes: p.owned("Attributes"),
        participant_sid: p.owned("ParticipantSid"),
        media,
        source: p.source(),
        client_identity: p.owned("ClientIdentity"),
    })
}

fn parse_participant(p: &Params<'_>) -> Result<ParticipantChange, PayloadError> {
    Ok(ParticipantChange {
        conversation: p.conversation()?,
        participant_sid: p.owned("ParticipantSid"),
        identity: p.owned("Identity"),
        attributes: p.owned("Attributes"),
        source: p.source(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const CH: &str = "CH00000000000000000000000000000001";
    const IM: &str = "IM00000000000000000000000000000001";

    #[test]
    fn message_added_with_media_and_extra_fields() {
        let media = r#"[{"Sid":"ME00000000000000000000000000000001","Filename":"a.png","ContentType":"image/png","Size":42,"Extra":1}]"#;
        let e = WebhookEvent::from_params(&params(&[
            ("EventType", "onMessageAdded"),
            ("ConversationSid", CH),
            ("MessageSid", IM),
            ("Index", "3"),
            ("Author", "agent@example.com"),
            ("Body", "hello"),
            ("Source", "SDK"),
            ("ClientIdentity", "agent@example.com"),
            ("ParticipantSid", "MB1"),
            ("Attributes", "{}"),
            ("Media", media),
            ("WebhookSid", "WH1"),
            ("SomethingNew", "x"),
        ]))
        .unwrap();
        let WebhookEvent::MessageAdded(m) = e else {
            panic!("not a message: {e:?}")
        };
        assert_eq!(m.index, Some(3));
        assert_eq!(m.source, Some(Source::Sdk));
        assert_eq!(m.media.len(), 1);
        assert_eq!(m.media[0].filename.as_deref(), Some("a.png"));
        assert_eq!(m.media[0].size, Some(42));
        assert_eq!(m.body, "hello");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let base = [("EventType", "onMessageAdded"), ("MessageSid", IM)];
        assert_eq!(
            WebhookEvent::from_params(&params(&base)),
            Err(PayloadError::Missing("ConversationSid"))
        );
        let bad_sid = WebhookEvent::from_params(&params(&[
            ("EventType", "onMessageAdded"),
            ("ConversationSid", "IM123"),
            ("MessageSid", IM),
        ]));
        assert!(matches!(
            bad_sid,
            Err(PayloadError::Invalid {
                name: "ConversationSid",
                ..
            })
        ));
        let bad_media = WebhookEvent::from_params(&params(&[
            ("EventType", "onMessageAdded"),
            ("ConversationSid", CH),
            ("MessageSid", IM),
            ("Media", "[{\"Sid\":\"XX1\"}"),
        ]));
        assert!(matches!(
            bad_media,
            Err(PayloadError::Invalid { name: "Media", .. })
        ));
        let bad_index = WebhookEvent::from_params(&params(&[
            ("EventType", "onMessageAdded"),
            ("ConversationSid", CH),
            ("MessageSid", IM),
            ("Index", "-1"),
        ]));
        assert!(matches!(
            bad_index,
            Err(PayloadError::Invalid { name: "Index", .. })
        ));
        assert_eq!(
            WebhookEvent::from_params(&[]),
            Err(PayloadError::Missing("EventType"))
        );
        assert!(WebhookEvent::from_form(b"%%%&&&==").is_err());
    }

    #[test]
    fn unknown_events_are_a_variant() {
        let e = WebhookEvent::from_form(
            format!("EventType=onDeliveryUpdated&ConversationSid={CH}").as_bytes(),
        )
        .unwrap();
        assert!(
            matches!(e, WebhookEvent::Other { ref event_type, conversation: Some(_) } if event_type == "onDeliveryUpdated")
        );
    }

    #[test]
    fn state_and_participant_events() {
        let e = WebhookEvent::from_params(&params(&[
            ("EventType", "onConversationStateUpdated"),
            ("ConversationSid", CH),
            ("StateFrom", "active"),
            ("StateTo", "closed"),
            ("Reason", "TIMER"),
        ]))
        .unwrap();
        assert!(
            matches!(e, WebhookEvent::ConversationStateUpdated(ref s) if s.state_to == "closed")
        );
        let e = WebhookEvent::from_params(&params(&[
            ("EventType", "onParticipantRemoved"),
            ("ConversationSid", CH),
            ("Identity", "alice"),
            ("ParticipantSid", "MB2"),
        ]))
        .unwrap();
        assert!(
            matches!(e, WebhookEvent::ParticipantRemoved(ref p) if p.identity.as_deref() == Some("alice"))
        );
    }

    #[test]
    fn studio_turn_parses_form() {
        let t = StudioTurn::from_form(
            format!("ConversationSid={CH}&Body=hi+there&Author=discord%3A1").as_bytes(),
        )
        .unwrap();
        assert_eq!(t.body, "hi there");
        assert_eq!(t.author.as_deref(), Some("discord:1"));
        assert!(StudioTurn::from_form(b"Body=hi").is_err());
    }
}
