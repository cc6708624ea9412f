//! Test support for anything that talks to Discord through twilight 0.18: a fake gateway
//! ([`FakeGateway`]), JSON fixtures that twilight-model 0.18 accepts ([`fixtures`]), and wiremock
//! helpers that answer the REST calls a bot makes ([`rest`], behind the default-on `wiremock`
//! feature, so a stateful emulator can use the gateway, fixtures and [`multipart`] reader without
//! pulling wiremock in).
//!
//! Who uses it: `flexcord-discord`'s tests and the whole-system stories (as a dev-dependency),
//! the benchmark runner, and `flexcord-sandbox` — which ships in the `flexcord` binary for
//! `flexcord sandbox`, so the gateway, fixtures and multipart reader are compiled into the
//! release binary, without the `wiremock` feature. No other product crate depends on it at run
//! time; `.ci/check-deps` enforces both. It is not a Discord implementation: it knows just
//! enough of the protocol (Hello, Identify, READY, heartbeats, Resume, op 7) for a twilight shard
//! to connect, receive scripted dispatches and survive a reconnect, and it binds only to
//! `127.0.0.1`.
//!
//! HTTP interactions ([`interactions`]): signed with a fixed test key and POSTed to the bot's
//! Interactions Endpoint URL, the answers recorded.
//!
//! Wiring a twilight bot to the fakes (see `reference/twilight-testing.md`):
//! - gateway: `ConfigBuilder::proxy_url(gateway.url())` — a base URL with no trailing slash;
//! - REST: `Client::builder().proxy(server.address().to_string(), true)` — `host:port`, no scheme.

#![warn(missing_docs)]

mod gateway;

#[cfg(feature = "wiremock")]
pub mod application;
pub mod fixtures;
pub mod interactions;
pub mod multipart;
#[cfg(feature = "wiremock")]
pub mod rest;

pub use gateway::{FakeGateway, GatewayLog, GatewayOptions};
pub use interactions::{InteractionSender, Signing};
