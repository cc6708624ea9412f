//! Integration tests of the FAQ bot, one binary (faster to link on small machines).

// Shared helpers outside #[test] functions fail loudly too; that is what a test wants.
#![allow(clippy::unwrap_used, clippy::panic)]

mod answers;
mod hostile;
mod indexing;
mod odd_files;
mod sample_kb;
mod support;
