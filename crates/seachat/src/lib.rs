//! The client for an external, SeaChat-style virtual agent: one `POST /v1/turns` per user
//! message, as specified in `docs/contracts/virtual-agent.md`, behind flexcord's
//! [`flexcord_core::ports::VirtualAgent`] port.
//!
//! It is **not** a bot: it only talks to one. The embedded FAQ bot lives in `flexcord-kb`; this
//! crate is what flexcord uses when `SEACHAT_URL` is set. Reading the environment is the binary's
//! job: build a [`Config`] and a [`Client`] from it.
//!
//! # Layout
//! - [`config`]: [`Config`] (URL, API key, deadline).
//! - [`wire`]: the JSON request, response and error bodies of the contract.
//! - [`client`]: [`Client`], which sends a turn and returns the decoded response.
//! - [`adapter`]: `impl VirtualAgent for Client`: wire → domain, and error mapping
//!   (timeout → `Timeout`; unreachable, `429`, `5xx` → `Unavailable`; `4xx`, bad JSON → `Failed`).
//!
//! # Example
//!
//! ```no_run
//! use std::sync::Arc;
//! use flexcord_core::ports::VirtualAgent;
//!
//! # fn demo() -> Result<(), flexcord_http::Error> {
//! let config = seachat::Config::new("https://bot.example.com", "api-key")?;
//! let agent: Arc<dyn VirtualAgent> = Arc::new(seachat::Client::new(&config)?);
//! # let _ = agent;
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
