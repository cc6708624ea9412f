//! Integration tests of the FAQ bot, one binary (faster to link on small machines).

// Shared helpers outside #[test] functions fail loudly too; that is what a test wants.
#![expect(
    clippy::unwrap_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

mod answers;
mod hostile;
mod indexing;
mod languages;
mod odd_files;
mod relevance;
mod sample_kb;
mod support;
