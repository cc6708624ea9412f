//! Durable state for flexcord: the [`SessionStore`](flexcord_core::ports::SessionStore) port
//! (sessions, processed-event ids, the commit that enqueues outbox entries), the
//! [`OutboxStore`](flexcord_core::ports::OutboxStore) port (claiming and settling those entries)
//! and the embedded
//! [`CaseManagement`](flexcord_core::ports::CaseManagement) port, on SQLite or PostgreSQL.
//!
//! - **SQLite** (`sqlite://flexcord.db`) is the embedded default: one file, WAL mode, one
//!   instance of the bridge. Because there is one instance, a relay costs one round trip to the
//!   database: commits are single scripts, recently used sessions are cached in memory, and a
//!   delivery worker registered with [`Store::lease_new_entries`] receives new outbox entries
//!   already leased instead of claiming them.
//! - **PostgreSQL** (`postgres://…`) is for several instances sharing one database: dedupe,
//!   optimistic session versions and outbox leases hold across processes, and each instance
//!   shows it is alive (an advisory lock), so a crashed one's leases are released in seconds.
//!
//! Who holds the Discord gateway: [`Store::try_take_gateway`] (on PostgreSQL an advisory lock
//! on a connection of its own, freed when the process dies; always granted on SQLite), the
//! holder's [`GatewayLease`] recording the session a successor resumes
//! ([`Store::gateway_session`]), and [`Store::gateway_owner`] for whoever wants to show it.
//!
//! At start-up call [`Store::register_instance`] (the name the delivery worker claims under),
//! then [`Store::release_leases`]; once running, [`Store::spawn_checkpoints`] and
//! [`Store::spawn_lease_recovery`] (each a no-op on the backend that needs none).
//!
//! Storage faults: [`Store::writes_failing`] says whether the last commit failed with the
//! database unavailable (disk full, read-only, unreachable); a SQLite connection that met such a
//! fault is replaced, so the store recovers without being reopened; and
//! [`Store::note_unrecorded_dm`] keeps, beside a SQLite file, the DM channels whose messages the
//! caller holds but could not record, for [`Store::recent_dm_channels`].
//!
//! The schema is embedded in the binary and migrated when a [`Store`] is opened; concurrent
//! openers serialise on a lock, so rolling restarts are safe.
//!
//! This crate is **not** a general database layer: it knows only the tables flexcord needs, and
//! it never decides anything — the router in `flexcord-core` does. It does not prune or
//! checkpoint on its own either: call [`spawn_retention`] (or `SessionStore::prune`) and
//! [`Store::spawn_checkpoints`] from the binary.
//!
//! ```no_run
//! # async fn demo() -> Result<(), flexcord_store::OpenError> {
//! use std::sync::Arc;
//! use flexcord_core::ports::{CaseManagement, OutboxStore, SessionStore};
//! use flexcord_store::{Store, StoreConfig};
//!
//! let store = Store::open(&StoreConfig::new("sqlite://flexcord.db")).await?;
//! let sessions: Arc<dyn SessionStore> = Arc::new(store.clone());
//! let outbox: Arc<dyn OutboxStore> = Arc::new(store.clone());
//! let cases: Arc<dyn CaseManagement> = Arc::new(store.cases());
//! # let _ = (sessions, outbox, cases);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod blocklist;
mod cases;
mod checkpoints;
mod codec;
mod config;
mod dead_letters;
mod dialect;
mod direct;
mod error;
mod gateway_lease;
mod health;
mod migrate;
mod outbox;
mod outbox_store;
mod presence;
mod read_only;
mod recent;
mod recovery;
mod retention;
mod session_cache;
mod session_store;
mod sessions;
mod sqlite_commit;
mod sqlite_script;
mod store;
mod unrecorded;
mod writer;

pub use cases::LocalCases;
pub use config::{Backend, StoreConfig, redact_url};
pub use error::OpenError;
pub use gateway_lease::{GatewayLease, GatewayOwner, GatewaySession};
pub use outbox::DeadLetter;
pub use read_only::SchemaStatus;
pub use recent::RecentDm;
pub use recovery::RECOVER_EVERY;
pub use retention::spawn_retention;
pub use store::Store;
