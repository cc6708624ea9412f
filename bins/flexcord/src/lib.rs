//! The `flexcord` binary's library half: configuration, wiring, the HTTP server, the Discord
//! event dispatcher, the outbox worker, feed polling and the CLI commands. `main.rs` only parses
//! the command line and calls in here, so everything is testable.
//!
//! This is the only crate that knows every adapter; the router and the adapters never see each
//! other's types.

pub mod adapters;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dispatch;
pub mod feeds;
pub mod http;
pub mod metrics;
pub mod outbox_worker;
pub mod report;
pub mod store_health;
pub mod telemetry;
