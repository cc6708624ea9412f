//! The flexcord benchmark's building blocks: local fakes of Discord REST (with Discord's rate
//! limits) and Twilio (with an account's concurrency limit), both answering at zero latency or
//! a set round trip, a rig that runs a process under test against them with
//! the fake gateway of `discord-fake`, the measurements, and the report.
//!
//! This is a benchmark, not a test suite: nothing here runs under `cargo test` except a few
//! fast unit tests of the arithmetic. The runner is `src/main.rs`; the model of the original
//! design is `src/bin/original-model.rs`.

pub mod at_latency;
pub mod child;
pub mod discord_rest;
pub mod fake_server;
pub mod ids;
pub mod latency_report;
pub mod report;
pub mod rig;
pub mod scenarios;
pub mod stats;
pub mod twilio_rest;
pub mod webhooks;
