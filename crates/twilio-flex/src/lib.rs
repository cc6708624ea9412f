//! A hand-written Twilio client for **Flex Conversations**: the REST endpoints a chat
//! integration needs, the `X-Twilio-Signature` check for the webhooks Twilio sends back, and
//! typed webhook payloads.
//!
//! It speaks **Conversations API v1** (conversations, participants, messages, scoped webhooks),
//! the **Flex Interactions API v1** (tasks for agents), **Studio v2** (flows) and the **Media
//! Content Service** (attachments). Programmable Chat and the Flex v1 `Channel` resource reached
//! end of life for Flex on 2026-06-01 and are not covered.
//!
//! What it is **not**: a general Twilio SDK (only the endpoints a Flex chat integration needs,
//! with the fields it uses), a web server (your HTTP framework owns the routes and calls
//! [`webhook`] to check and parse what arrives), or a place that reads configuration from the
//! environment. The HTTP plumbing (TLS, timeouts, the concurrency limit, retries) is the shared
//! `flexcord-http` core.
//!
//! # Example
//!
//! ```no_run
//! use twilio_flex::api::conversations::CreateMessage;
//! use twilio_flex::sid::ConversationSid;
//! use twilio_flex::{Client, Credentials};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // An API key (`SK…`) and its secret; `Credentials::auth_token` takes the account's token.
//! let credentials = Credentials::api_key(
//!     "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
//!     "SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
//!     "the key's secret",
//! );
//! let client = Client::builder(credentials).build()?;
//! let conversation = ConversationSid::parse("CHxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")?;
//! let message = CreateMessage {
//!     author: Some("support-bot".into()),
//!     body: Some("Hello from Rust".into()),
//!     ..CreateMessage::default()
//! };
//! let sent = client.create_message(&conversation, &message).await?;
//! println!("posted {}", sent.sid);
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//! - [`Client`] / [`ClientBuilder`] (`client`): Basic auth ([`Credentials`]: account SID +
//!   auth token, or API key + secret), one overridable base URL per product (or one for all),
//!   per-attempt timeout, bounded concurrency, bounded bodies, retries by the shared policy
//!   ([`RetryPolicy`]: 429 always, honouring `Retry-After`; 5xx and timeouts only for calls safe
//!   to repeat).
//! - [`api`]: endpoints with typed requests and responses, grouped by product.
//! - [`sid`]: SID newtypes, checked for their prefix.
//! - [`Page`]: list responses, followed with [`Client::next_page`].
//! - [`Error`] / [`ErrorKind`] / [`TwilioError`]: failures, with Twilio's JSON error body.
//! - [`webhook`]: `X-Twilio-Signature` ([`webhook::compute_signature`],
//!   [`webhook::SignatureValidator`]) and payloads ([`webhook::WebhookEvent`]).
//!
//! # Cargo features
//! - `flexcord` (default): flexcord's `ContactCenter` adapter (`adapter`: `FlexContactCenter`,
//!   `FlexConfig`), the mapping of flexcord's opaque ids to Twilio's (`core_ids`), and the translation of webhooks into flexcord's core events
//!   (`webhook::to_core_event`). Build with `default-features = false` for the client alone,
//!   without any of flexcord's domain.

#![warn(missing_docs)]

#[macro_use]
mod wire_enum;

#[cfg(feature = "flexcord")]
pub mod adapter;
pub mod api;
mod client;
#[cfg(feature = "flexcord")]
pub mod core_ids;
mod credentials;
mod error;
mod form;
#[cfg(feature = "flexcord")]
pub mod handoff;
mod page;
pub mod sid;
pub mod webhook;

#[cfg(feature = "flexcord")]
pub use adapter::{FlexConfig, FlexContactCenter};
pub use client::{BaseUrls, Client, ClientBuilder};
pub use credentials::Credentials;
pub use error::{Error, ErrorKind, TwilioError};
pub use flexcord_http::{Aimd, ConcurrencyLimit, RetryPolicy};
pub use form::Form;
pub use page::Page;
