//! The `flexcord` binary's library half: configuration, wiring, the HTTP server, the Discord
//! event dispatcher, the outbox worker's wiring (the worker itself is `flexcord-delivery`), feed
//! polling and the CLI commands. `main.rs` only parses
//! the command line and calls in here, so everything is testable.
//!
//! This is the only crate that knows every adapter; the router and the adapters never see each
//! other's types.

pub mod adapters;
pub mod app;
pub mod cli;
pub mod cli_error;
pub mod commands;
pub mod config;
mod delivery_metrics;
pub mod dispatch;
pub mod feeds;
pub mod gateway_owner;
pub mod http;
pub mod interaction_replies;
pub mod locales;
pub mod metrics;
pub mod report;
pub mod store_health;
pub mod telemetry;
pub mod twilio_limit;
pub mod typing;
