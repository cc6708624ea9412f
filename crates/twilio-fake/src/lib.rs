//! A stateful fake of the Twilio APIs flexcord uses, served by axum on `127.0.0.1`.
//!
//! **What it is.** One HTTP server that stands in for every Twilio host flexcord talks to
//! (the paths stay Twilio's own, only the base URL changes):
//!
//! * Conversations v1 — `/v1/Conversations` (create, list, fetch, update, delete),
//!   `…/{CH}/Participants[/{MB}]`, `…/{CH}/Messages[/{IM}]` (with `Order` and
//!   `Page`/`PageSize` paging), `…/{CH}/Webhooks[/{WH}]`, `/v1/ParticipantConversations`,
//!   `/v1/Users/{US or identity}`;
//! * Flex v1 — `/v1/Interactions`, `…/{KD}/Channels/{UO}`, `…/Participants[/{UT}]`;
//! * Studio v2 — `/v2/Flows`, `/v2/Flows/{FW}` (stored, and run for `Target=studio`
//!   webhooks that name them; see [`StudioEmulation`]);
//! * `/v1/Configuration` (the account's Conversations configuration);
//! * Media — `/v1/Services/{IS}/Media[/{ME}[/Content]]`, plus an unauthenticated
//!   `/media/{ME}/content` returned as `links.content_direct_temporary`.
//!
//! Every REST route needs HTTP Basic auth with the configured account SID and auth token
//! and answers errors as Twilio does (`{code, message, more_info, status}`). Conversation
//! events are delivered to conversation-scoped webhooks exactly like Twilio: form-encoded,
//! signed with `X-Twilio-Signature`, in order per conversation, and — for REST-originated
//! changes — only when the request carried `X-Twilio-Webhook-Enabled: true`.
//!
//! The [`TwilioFake`] handle plays the Flex agent (`agent_join`, `agent_say`, …), exposes the
//! state and logs for assertions, offers bounded waiters, and broadcasts [`FakeEvent`]s for
//! a future browser sandbox.
//!
//! **What it is not.** Not a Twilio simulator: no TaskRouter, no full Studio engine (a stored
//! flow runs its split, Send to Flex and HTTP Request widgets with a Liquid subset; without one
//! a fixed keyword/chatbot flow is emulated), no timers (they are stored, and
//! [`TwilioFake::close_conversation`] plays them), no multi-service `/v1/Services/{IS}/Conversations`
//! paths, no TLS. Webhooks go to `http://` URLs only.
//!
//! ```no_run
//! # async fn demo() -> Result<(), twilio_fake::FakeError> {
//! use std::time::Duration;
//! use twilio_fake::{TwilioFake, TwilioFakeConfig};
//!
//! let fake = TwilioFake::start(TwilioFakeConfig::default()).await?;
//! // …point the bridge at fake.base_url(), let a customer write…
//! let conversation = fake.wait_for_conversation_with("discord:42", Duration::from_secs(10)).await?;
//! fake.agent_join(&conversation.sid, "agent@example.com", "Ada").await?;
//! let sent = fake.agent_say(&conversation.sid, "agent@example.com", "Hi!", vec![]).await?;
//! assert_eq!(sent.status(), Some(200));
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod clock;
mod config;
mod delivery;
mod error;
mod events;
mod fake;
mod flow_run;
mod form;
mod model;
mod ops;
mod recorder;
mod render;
mod routes;
mod shared;
mod sid;
mod signature;
mod studio;

pub use config::{StudioEmulation, TwilioFakeConfig};
pub use delivery::{DeliveryKind, DeliveryRecord};
pub use error::{CLOSED_CONVERSATION_ERROR_CODE, FakeError};
pub use events::FakeEvent;
pub use fake::{Attachment, Delivered, TwilioFake};
pub use model::{
    Conversation, ConversationState, EventSource, Flow, Interaction, InteractionOrigin,
    InteractionParticipant, Media, MediaRef, Message, Participant, ScopedWebhook,
    StateChangeReason, User, WebhookTarget,
};
pub use recorder::{RecordedRequest, RequestMark};
pub use signature::twilio_signature;
