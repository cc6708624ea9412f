//! The heart of flexcord: domain types, the ports every adapter implements, and the [`Router`]
//! — the per-user state machine `Bot → AwaitingAgent → WithAgent → Ended → Bot` that decides
//! what happens to every Discord and Flex event.
//!
//! This crate does **no I/O**: no HTTP, no SQL, no sockets, no clocks, no logging. It talks to
//! the world only through the traits in [`ports`], which adapter crates implement and the binary
//! wires together. That keeps the routing logic testable with in-memory fakes
//! (`flexcord-testkit`) and embeddable in any tokio service.
//!
//! It is not a Discord or Twilio client, and it does not know what either's wire formats look
//! like: adapters translate those into [`event`] values.
//!
//! # Layout
//! - [`ids`]: typed ids (Discord snowflakes, Twilio SIDs, case numbers).
//! - [`content`], [`case`], [`session`]: the domain model.
//! - [`event`]: inbound events from Discord and Flex, and what deliveries report back.
//! - [`outbox`]: everything owed to a person, delivered (by `flexcord-delivery`) after its
//!   cause is recorded.
//! - [`ports`]: the traits adapters implement.
//! - [`config`]: routing mode, keywords, user-facing texts; [`locale`]: which language's texts
//!   a user reads.
//! - [`router`]: the state machine.
//! - [`agent_request`]: whether a message deliberately asks for a live agent.
//! - [`limits`]: per-user limits (sliding windows kept with the session) and blocks.
//! - [`log_safe`]: escaping outside text for log lines (for the crates that log).

#![warn(missing_docs)]

pub mod agent_request;
pub mod case;
pub mod config;
pub mod content;
pub mod error;
pub mod event;
pub mod ids;
pub mod limits;
pub mod locale;
pub mod log_safe;
pub mod outbox;
pub mod ports;
pub mod router;
pub mod session;
pub mod utc;

pub use router::Router;
