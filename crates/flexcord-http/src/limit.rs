//! [`ConcurrencyLimit`]: how many requests one client lets run at once.
//!
//! This type is the one seam for concurrency: unlimited, fixed, or adaptive ([`Aimd`]). The
//! client asks for a [`Permit`] before each attempt and reports what the attempt came to on it
//! ([`Permit::observe`]); an adaptive limit feeds that to the pure decision in [`crate::aimd`].
//!
//! The gate is a counter under a mutex plus a [`Notify`] rather than a semaphore because the
//! limit moves while permits are out: after a decrease, `in_flight` may exceed `limit` for a
//! while; nobody new gets in until enough permits come back (no overshoot), and every permit
//! that comes back while there is room wakes one waiter (no deadlock). A waiter that finds room
//! and sees more room behind it wakes the next, so a wake-up is never stranded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::aimd::{Aimd, AimdState, Started};

/// A limit on requests in flight, shared by every clone of the client that holds it (clone the
/// limit itself to share it between clients, e.g. every client of one Twilio account).
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    gate: Option<Arc<Gate>>,
}

#[derive(Debug)]
struct Gate {
    state: Mutex<GateState>,
    room: Notify,
    overloaded: AtomicU64,
}

#[derive(Debug)]
struct GateState {
    in_flight: usize,
    /// `None` for a fixed limit.
    bounds: Option<Aimd>,
    limit: AimdState,
}

/// Held while one attempt runs; dropping it lets the next request go.
#[derive(Debug)]
pub(crate) struct Permit {
    held: Option<(Arc<Gate>, Started)>,
}

/// What one attempt came to, as far as a limiter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// The server answered (any status but 429).
    Answered,
    /// The server said it was overloaded (`429`).
    Overloaded,
    /// No answer in time, or the connection failed.
    NoAnswer,
}

impl Default for ConcurrencyLimit {
    /// No limit.
    fn default() -> Self {
        Self::unlimited()
    }
}

impl ConcurrencyLimit {
    /// No limit: every request goes at once.
    #[must_use]
    pub const fn unlimited() -> Self {
        Self { gate: None }
    }

    /// At most `max` requests in flight (at least one).
    #[must_use]
    pub fn fixed(max: usize) -> Self {
        let max = max.max(1);
        Self::gate(None, Aimd::new(max, max).start())
    }

    /// A limit that finds the server's capacity within `bounds` (see [`crate::aimd`]).
    #[must_use]
    pub fn adaptive(bounds: Aimd) -> Self {
        Self::gate(Some(bounds), bounds.start())
    }

    fn gate(bounds: Option<Aimd>, limit: AimdState) -> Self {
        Self {
            gate: Some(Arc::new(Gate {
                state: Mutex::new(GateState {
                    in_flight: 0,
                    bounds,
                    limit,
                }),
                room: Notify::new(),
                overloaded: AtomicU64::new(0),
            })),
        }
    }

    /// The current limit, `None` when unlimited.
    #[must_use]
    pub fn max(&self) -> Option<usize> {
        self.gate.as_ref().map(|g| g.lock().limit.limit)
    }

    /// Attempts answered `429` so far (every kind of limit counts them; `0` when unlimited).
    #[must_use]
    pub fn overloaded_total(&self) -> u64 {
        self.gate
            .as_ref()
            .map_or(0, |g| g.overloaded.load(Ordering::Relaxed))
    }

    /// Waits for room for one more request. Cancel-safe: a dropped wait loses no wake-up
    /// (tokio hands a `notify_one` on to the next waiter).
    pub(crate) async fn acquire(&self) -> Permit {
        let Some(gate) = &self.gate else {
            return Permit { held: None };
        };
        loop {
            let notified = gate.room.notified();
            tokio::pin!(notified);
            // Registered before looking, so a release between the look and the wait still
            // reaches this waiter.
            notified.as_mut().enable();
            {
                let mut state = gate.lock();
                if state.in_flight < state.limit.limit {
                    state.in_flight += 1;
                    let started = state.limit.started(state.in_flight);
                    let more = state.in_flight < state.limit.limit;
                    drop(state);
                    if more {
                        gate.room.notify_one();
                    }
                    return Permit {
                        held: Some((Arc::clone(gate), started)),
                    };
                }
            }
            notified.await;
        }
    }
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, GateState> {
        // The state is two integers updated together; a panic elsewhere cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Permit {
    /// Tells the limit what this attempt came to; an adaptive limit moves on it.
    pub(crate) fn observe(&self, outcome: Observation) {
        let Some((gate, started)) = &self.held else {
            return;
        };
        if outcome == Observation::Overloaded {
            gate.overloaded.fetch_add(1, Ordering::Relaxed);
        }
        let mut state = gate.lock();
        let Some(bounds) = state.bounds else {
            return;
        };
        let before = state.limit.limit;
        state.limit = state.limit.next(&bounds, outcome, *started);
        let grew = state.limit.limit > before && state.in_flight < state.limit.limit;
        drop(state);
        if grew {
            gate.room.notify_one();
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some((gate, _)) = &self.held {
            let mut state = gate.lock();
            state.in_flight -= 1;
            let room = state.in_flight < state.limit.limit;
            drop(state);
            if room {
                gate.room.notify_one();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn try_acquire(limit: &ConcurrencyLimit) -> Option<Permit> {
        tokio::time::timeout(Duration::ZERO, limit.acquire())
            .await
            .ok()
    }

    #[tokio::test]
    async fn a_fixed_limit_lets_only_that_many_through() {
        let limit = ConcurrencyLimit::fixed(1);
        let first = limit.acquire().await;
        assert!(
            try_acquire(&limit).await.is_none(),
            "a second permit was handed out"
        );
        first.observe(Observation::Overloaded);
        assert_eq!(limit.max(), Some(1), "a fixed limit does not move");
        assert_eq!(limit.overloaded_total(), 1);
        drop(first);
        assert!(try_acquire(&limit).await.is_some());
    }

    #[test]
    fn zero_means_one_and_unlimited_has_no_max() {
        assert_eq!(ConcurrencyLimit::fixed(0).max(), Some(1));
        assert_eq!(ConcurrencyLimit::unlimited().max(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn shrinking_while_permits_are_out_neither_overshoots_nor_deadlocks() {
        let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 100).starting_at(4));
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(limit.acquire().await);
        }
        // A 429 halves the limit to 2 while 4 permits are out.
        out[0].observe(Observation::Overloaded);
        assert_eq!(limit.max(), Some(2));
        let waiter = {
            let limit = limit.clone();
            tokio::spawn(async move { limit.acquire().await })
        };
        // Returning two permits leaves 2 out: still no room under a limit of 2.
        out.truncate(2);
        tokio::task::yield_now().await;
        assert!(
            !waiter.is_finished(),
            "a permit went out past the shrunk limit"
        );
        // A third comes back: now there is room, and the waiter gets it.
        out.truncate(1);
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(matches!(got, Ok(Ok(_))), "the waiter never got room");
    }

    #[tokio::test(start_paused = true)]
    async fn growing_wakes_a_waiter() {
        let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 100).starting_at(1));
        let held = limit.acquire().await;
        let waiter = {
            let limit = limit.clone();
            tokio::spawn(async move { limit.acquire().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        // One success is a full window at limit 1: the limit becomes 2 while `held` is out.
        held.observe(Observation::Answered);
        assert_eq!(limit.max(), Some(2));
        let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
        assert!(
            matches!(got, Ok(Ok(_))),
            "growing the limit did not let the waiter in"
        );
        drop(held);
    }

    #[tokio::test(start_paused = true)]
    async fn many_waiters_all_get_through_and_never_more_than_the_limit() {
        let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 3).starting_at(3));
        let peak = Arc::new(AtomicU64::new(0));
        let now = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for i in 0..50_u64 {
            let (limit, peak, now) = (limit.clone(), Arc::clone(&peak), Arc::clone(&now));
            tasks.push(tokio::spawn(async move {
                let permit = limit.acquire().await;
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                permit.observe(if i % 7 == 0 {
                    Observation::Overloaded
                } else {
                    Observation::Answered
                });
                now.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            assert!(
                tokio::time::timeout(Duration::from_secs(60), task)
                    .await
                    .is_ok()
            );
        }
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(limit.overloaded_total(), 8);
    }
}
