//! Clocks for tests: a fixed one and one that moves only when told.

use std::sync::atomic::{AtomicU64, Ordering};

use flexcord_core::ports::Clock;

/// 2023-11-14T22:13:20Z: a round, recognisable default "now" for tests.
pub const DEFAULT_NOW_MS: u64 = 1_700_000_000_000;

/// A clock that always says the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Default for FixedClock {
    fn default() -> Self {
        Self(DEFAULT_NOW_MS)
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.0
    }
}

/// A clock that only moves through [`ManualClock::advance`] / [`ManualClock::set`], so leases
/// and retry delays can be tested without waiting.
#[derive(Debug)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at `now_ms`.
    #[must_use]
    pub const fn new(now_ms: u64) -> Self {
        Self(AtomicU64::new(now_ms))
    }

    /// Moves time forward by `ms`.
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sets the time.
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new(DEFAULT_NOW_MS)
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
