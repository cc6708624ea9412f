//! In-memory fakes of every `flexcord-core` port, and a [`Harness`] that runs a real
//! [`flexcord_core::Router`] over them so tests read like user stories.
//!
//! For tests only (a dev-dependency): nothing here talks to a network or a disk, and the fakes
//! favour observability (every call recorded, failures scriptable) over speed.
//!
//! | port | fake |
//! |---|---|
//! | `SessionStore`, `OutboxStore` | [`InMemoryStore`] (atomic commits, versions, dedupe, leased outbox) |
//! | `ChatSurface` | [`FakeChat`] (records calls, closed DMs, scripted errors, what a reader sees with nonces honoured) |
//! | `ContactCenter` | [`FakeContactCenter`] (find-or-open conversations, `CH`/`KD`/`UO` sids) |
//! | `VirtualAgent` | [`FakeVirtualAgent`] (answers per question, failures) |
//! | `CaseManagement` | [`InMemoryCases`] (idempotent create, notes, ratings, failure switch) |
//! | `Clock` | [`FixedClock`], [`ManualClock`] |
//!
//! [`contract`] holds behavioural suites that every implementation of a port runs (the fakes
//! here, the embedded store, remote clients): [`contract::case_management`] for
//! `CaseManagement`, with [`case_management_contract!`] to turn it into tests.
//!
//! It is not a simulator of Discord or Twilio wire behaviour: adapter crates test that against
//! HTTP fakes.

#![warn(missing_docs)]

mod cases;
mod chat;
mod clock;
mod contact_center;
pub mod contract;
mod harness;
mod store;
mod virtual_agent;

pub use cases::{FIRST_CASE, InMemoryCases};
pub use chat::{ChatCall, ChatOp, FIRST_DM_CHANNEL, FakeChat};
pub use clock::{DEFAULT_NOW_MS, FixedClock, ManualClock};
pub use contact_center::{CcCall, CcOp, FakeContactCenter};
pub use harness::{AGENT, Drained, GUILD, GUILD_CHANNEL, Harness, HarnessBuilder, user};
pub use store::{EntryStatus, InMemoryStore, StoredEntry};
pub use virtual_agent::FakeVirtualAgent;
