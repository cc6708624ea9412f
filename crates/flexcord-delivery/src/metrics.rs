//! What the worker reports for counting; the binary implements it over its metrics registry.

use std::time::Duration;

use crate::kind::MessageKind;

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// Sent.
    Delivered,
    /// Failed; will be tried again.
    Retried,
    /// Failed for good; dead-lettered.
    Dead,
}

impl AttemptOutcome {
    /// The metric label (`outcome`).
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retried => "retried",
            Self::Dead => "dead",
        }
    }
}

/// Receives the worker's measurements.
pub trait DeliveryMetrics: Send + Sync + std::fmt::Debug {
    /// One attempt at an entry of `kind` ended with `outcome` after `elapsed`.
    fn attempt(&self, kind: MessageKind, outcome: AttemptOutcome, elapsed: Duration);
    /// Entries queued right now: every entry not yet delivered nor dead, including those in
    /// flight or waiting to be settled.
    fn depth(&self, depth: u64);
}

/// Counts nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMetrics;

impl DeliveryMetrics for NoMetrics {
    fn attempt(&self, _: MessageKind, _: AttemptOutcome, _: Duration) {}
    fn depth(&self, _: u64) {}
}
