//! The client for an external case-management system, as specified in `docs/contracts/cases.md`
//! (`/v1/cases`: create with an `Idempotency-Key`, get, list, add notes, change status or rating),
//! behind flexcord's [`flexcord_core::ports::CaseManagement`] port.
//!
//! It is **not** a case store: the embedded one lives in `flexcord-store`; this crate is what
//! flexcord uses when `CASES_URL` is set. Reading the environment is the binary's job: build a
//! [`Config`] and a [`Client`] from it.
//!
//! # Layout
//! - [`config`]: [`Config`] (URL, API key, timeout).
//! - [`wire`]: the JSON shapes of the contract and their conversions to and from the domain.
//! - [`client`]: [`Client`], one method per endpoint, on wire types.
//! - [`adapter`]: `impl CaseManagement for Client`: domain ⇄ wire and error mapping
//!   (`404` → `NotFound`; other `4xx` → `Rejected`; network, `429`, `5xx`, timeouts → `Unavailable`).
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use flexcord_core::ports::CaseManagement;
//!
//! # fn demo() -> Result<(), flexcord_http::Error> {
//! let config = cases::Config::new("https://crm.example.com/api", "api-key")?;
//! let cases: Arc<dyn CaseManagement> = Arc::new(cases::Client::new(&config)?);
//! # let _ = cases;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod adapter;
pub mod client;
pub mod config;
pub mod wire;

pub use client::Client;
pub use config::Config;
