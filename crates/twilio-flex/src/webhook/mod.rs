//! Inbound side: `X-Twilio-Signature` validation and the typed payloads of the webhooks
//! flexcord consumes, plus (feature `flexcord`) their translation into core events.

mod payload;
mod signature;
mod studio_task;
#[cfg(feature = "flexcord")]
mod translate;

pub use payload::{
    ConversationStateUpdated, MediaItem, MessageAdded, ParticipantChange, PayloadError, Source,
    StudioTurn, WebhookEvent, parse_form_body,
};
pub use signature::{SignatureError, SignatureValidator, compute_signature, signs_body_by_hash};
pub use studio_task::StudioTaskCreated;
#[cfg(feature = "flexcord")]
pub use translate::{dedupe_key, to_core_event};
