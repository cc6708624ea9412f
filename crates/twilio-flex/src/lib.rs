//! A hand-written Twilio client for **Flex Conversations**, the webhook security and payload
//! types Twilio sends back, and flexcord's [`ContactCenter`](flexcord_core::ports::ContactCenter)
//! adapter ([`FlexContactCenter`]).
//!
//! The original design used Programmable Chat and the Flex v1 `Channel` resource. Both reached
//! end of life for Flex on 2026-06-01, so this crate speaks Flex Conversations instead:
//! **Conversations API v1** (conversations, participants, messages, scoped webhooks) and the
//! **Flex Interactions API v1** (tasks for agents), plus **Studio v2** (installing the flow) and
//! the **Media Content Service** (attachments).
//!
//! What it is **not**: a general Twilio SDK (only the endpoints flexcord needs, with the fields
//! it uses), a web server (the binary owns the HTTP routes and calls [`webhook`] to check and
//! parse what arrives), or a place that reads configuration from the environment.
//!
//! # Layout
//! - [`Client`] / [`ClientBuilder`] (`client`): hyper 1 + rustls (ring, no global provider),
//!   Basic auth ([`Credentials`]), one overridable base URL per product (or one for all),
//!   per-attempt timeout, bounded concurrency, bounded bodies, retries by [`retry`].
//! - [`api`]: endpoints with typed requests and responses, grouped by product.
//! - [`Page`]: list responses, followed with [`Client::next_page`].
//! - [`Error`] / [`ErrorKind`] / [`TwilioError`]: failures, with Twilio's JSON error body.
//! - [`webhook`]: `X-Twilio-Signature` ([`webhook::compute_signature`],
//!   [`webhook::SignatureValidator`]), payloads ([`webhook::WebhookEvent`]) and their core events.
//! - [`adapter`]: [`FlexContactCenter`] and its [`FlexConfig`].

#[macro_use]
mod wire_enum;

pub mod adapter;
pub mod api;
mod client;
mod credentials;
mod error;
mod form;
mod page;
pub mod retry;
pub mod webhook;

pub use adapter::{FlexConfig, FlexContactCenter};
pub use client::{BaseUrls, Client, ClientBuilder};
pub use credentials::Credentials;
pub use error::{Error, ErrorKind, TwilioError};
pub use form::Form;
pub use page::Page;
