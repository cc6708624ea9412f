//! Delivering flexcord's durable outbox.
//!
//! The router records what the bridge owes people as outbox entries, in the same commit as the
//! event that caused them; this crate sends them. It is:
//! - [`Deliverer`]: one attempt at one entry, through the [`ChatSurface`] and
//!   [`ContactCenter`] ports, telling the adapters when an earlier attempt may have gone through
//!   (Twilio: `maybe_sent`; Discord: the entry id as nonce);
//! - [`after_attempt`]: the pure decision after a failed attempt — retry after a full-jitter
//!   backoff, or dead-letter;
//! - [`report`]: what a failure teaches the router (a conversation gone, a DM closed), as a
//!   [`DeliveryEvent`] the router records like any other event — a delivery never runs a
//!   routing step;
//! - [`OutboxWorker`]: claims (or is handed) entries, runs up to 512 deliveries at once, and
//!   settles them (successes batched, failures by [`after_attempt`]).
//!
//! It is not a store (entries come through the [`OutboxStore`] port), not an adapter (it
//! depends on flexcord-core only) and not a metrics backend ([`DeliveryMetrics`] is implemented
//! by whoever counts).
//!
//! [`ChatSurface`]: flexcord_core::ports::ChatSurface
//! [`ContactCenter`]: flexcord_core::ports::ContactCenter
//! [`OutboxStore`]: flexcord_core::ports::OutboxStore
//! [`DeliveryEvent`]: flexcord_core::event::DeliveryEvent

#![warn(missing_docs)]

mod decision;
mod deliver;
mod error;
mod file_name;
mod kind;
mod metrics;
mod settle;
mod sink;
mod streak;
mod worker;

pub use decision::{Decision, MAX_ATTEMPTS, MAX_BACKOFF, after_attempt, backoff};
pub use deliver::{Deliverer, report};
pub use error::DeliveryError;
pub use file_name::agent_file_name;
pub use kind::{MessageKind, Side};
pub use metrics::{AttemptOutcome, DeliveryMetrics, NoMetrics};
pub use sink::EventSink;
pub use worker::{LEASE, OutboxWorker};
