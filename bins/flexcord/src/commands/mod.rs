//! The one-shot subcommands: `setup discord|twilio`, `check`, `cases list|show`,
//! `outbox dead|retry`, `users block|unblock|list|show`, `kb index`.
//! They print for people on stdout; logs go to stderr.

pub mod cases;
pub mod check;
pub mod kb;
pub mod outbox;
pub mod sandbox;
pub mod setup;
pub mod users;
