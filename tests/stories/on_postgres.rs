//! The same whole-system stories as `main.rs`, with the store in a fresh PostgreSQL database per
//! world (`harness::on_postgres` tells which root is running).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::print_stderr
)]
#![allow(unreachable_pub)] // A test crate: `pub` marks what the story modules share.

mod harness;

mod announcements;
mod bot;
mod crash;
mod hostile;
mod live_chat;
mod outage;
mod postgres;
mod reports;
mod studio;
