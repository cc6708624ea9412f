//! Whole-system stories, the product's user stories as end-to-end tests (`/helpme` and the
//! virtual agent, hand-off to a live agent, the chat with them and its end with a rating, reports,
//! announcements, case look-ups, hostile input): the built `flexcord` binary as a child process
//! against local fakes of Discord and Twilio. Each test starts its own world.

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

mod admin_listener;
mod announcements;
mod attachments;
mod bot;
mod case_system;
mod crash;
mod handoff_crash;
mod hostile;
mod hostile_server;
mod http_interactions;
mod languages;
mod limits;
mod live_chat;
mod outage;
mod postgres;
mod readable;
mod readable_cases;
mod reports;
mod resume;
mod storage_faults;
mod studio;
