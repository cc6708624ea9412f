//! The same whole-system stories as `main.rs`, with the store in a fresh PostgreSQL database per
//! world (`harness::on_postgres` tells which root is running).

#![expect(
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`; a skipped run says why on stderr"
)]
#![expect(
    unreachable_pub,
    reason = "a test crate: `pub` marks what the story modules share"
)]

mod harness;

mod announcements;
mod bot;
mod crash;
mod handoff_crash;
mod hostile;
mod http_interactions;
mod instances;
mod languages;
mod limits;
mod live_chat;
mod outage;
mod postgres;
mod reports;
mod studio;
