//! The adaptive limit's decision, as a pure function: [`AimdState::next`] takes what the limit
//! is now and what one attempt came to, and returns the new limit. No clock, no I/O, no locks:
//! [`crate::limit`] holds the state and calls this.
//!
//! The rule is AIMD (additive increase, multiplicative decrease), as TCP uses for the same
//! problem — finding a remote's capacity it never announces: one more request in flight after
//! every window of successes (a window is as many successes as the limit itself, so the limit
//! grows by about one per round trip while saturated), half as many after a `429` or an attempt
//! that got no answer. One burst of `429`s halves the limit once, not once per `429`: a decrease
//! only counts for attempts that started after the previous decrease (they carry its epoch).
//!
//! Until the first decrease, the limit is in *slow start*, as TCP's is: every success adds one,
//! so a saturated limit doubles each round trip. A process that starts in a surge (a restart on
//! launch day) would otherwise queue for seconds while the limit climbs from 8 one request per
//! round trip; with slow start it reaches a Twilio that takes 60 in flight within three round
//! trips. The first `429` or unanswered attempt ends slow start for the life of the process:
//! from then on the remote's capacity is known to be near, and growth is additive.
//!
//! Only a success that the limit could have held back counts towards growth: one that started
//! with at least half the limit in flight ([`AimdState::started`]). A quiet client's successes
//! say nothing about how much more the server takes, so without this rule hours of light traffic
//! would raise the limit to its ceiling, untested, and the first surge would hit the server with
//! all of it at once. Half is the bar TCP uses for the same question (RFC 7661: a congestion
//! window is validated while at least half of it is in use).

use crate::limit::Observation;

/// The bounds of an adaptive limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aimd {
    floor: usize,
    ceiling: usize,
    initial: usize,
}

impl Aimd {
    /// Between `floor` (at least 1) and `ceiling` (at least `floor`), starting at 8 requests in
    /// flight, clamped to those bounds (a cautious start: the limit grows from there).
    #[must_use]
    pub fn new(floor: usize, ceiling: usize) -> Self {
        let floor = floor.max(1);
        let ceiling = ceiling.max(floor);
        Self {
            floor,
            ceiling,
            initial: 8_usize.clamp(floor, ceiling),
        }
    }

    /// Starts at `initial` instead (clamped to the bounds).
    #[must_use]
    pub fn starting_at(mut self, initial: usize) -> Self {
        self.initial = initial.clamp(self.floor, self.ceiling);
        self
    }

    /// The least the limit falls to.
    #[must_use]
    pub const fn floor(&self) -> usize {
        self.floor
    }

    /// The most the limit grows to.
    #[must_use]
    pub const fn ceiling(&self) -> usize {
        self.ceiling
    }

    /// The state a new limiter starts in.
    #[must_use]
    pub const fn start(&self) -> AimdState {
        AimdState {
            limit: self.initial,
            successes: 0,
            epoch: 0,
        }
    }
}

/// Where an adaptive limit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AimdState {
    /// Requests allowed in flight.
    pub limit: usize,
    /// Successes counted towards the next increase.
    pub successes: usize,
    /// How many decreases happened; an attempt remembers the epoch it started in.
    pub epoch: u64,
}

/// What the limit remembers of one attempt from the moment it was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    /// How many decreases had happened.
    pub epoch: u64,
    /// Whether the limit was the bottleneck: at least half of it was in flight, this attempt
    /// included. Only such an attempt's success counts towards growing the limit.
    pub busy: bool,
}

impl AimdState {
    /// What an attempt let through now, with `in_flight` requests out (itself included),
    /// carries to [`AimdState::next`].
    #[must_use]
    pub const fn started(&self, in_flight: usize) -> Started {
        Started {
            epoch: self.epoch,
            busy: in_flight.saturating_mul(2) >= self.limit,
        }
    }

    /// The state after one attempt, let through at `started`, came to `outcome`.
    #[must_use]
    pub fn next(self, bounds: &Aimd, outcome: Observation, started: Started) -> Self {
        match outcome {
            Observation::Answered if !started.busy => self,
            // Slow start: nothing has been refused yet, so grow by one a success.
            Observation::Answered if self.epoch == 0 => Self {
                limit: (self.limit + 1).min(bounds.ceiling),
                successes: 0,
                ..self
            },
            Observation::Answered => {
                let successes = self.successes + 1;
                if successes >= self.limit {
                    Self {
                        limit: (self.limit + 1).min(bounds.ceiling),
                        successes: 0,
                        ..self
                    }
                } else {
                    Self { successes, ..self }
                }
            }
            Observation::Overloaded | Observation::NoAnswer => {
                if started.epoch < self.epoch {
                    // Sent under a larger limit; the decrease it asks for already happened.
                    return self;
                }
                Self {
                    limit: (self.limit / 2).max(bounds.floor),
                    successes: 0,
                    epoch: self.epoch + 1,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An attempt let through with the whole limit in flight (the limit was the bottleneck).
    fn saturated(state: AimdState) -> Started {
        state.started(state.limit)
    }

    /// The state after a first `429` halved `limit * 2` to `limit`: slow start is over.
    fn past_slow_start(bounds: &Aimd, limit: usize) -> AimdState {
        let state = AimdState {
            limit: limit * 2,
            successes: 0,
            epoch: 0,
        };
        let state = state.next(bounds, Observation::Overloaded, saturated(state));
        assert_eq!((state.limit, state.epoch), (limit, 1));
        state
    }

    fn run(bounds: &Aimd, mut state: AimdState, outcomes: &[Observation]) -> AimdState {
        for &o in outcomes {
            state = state.next(bounds, o, saturated(state));
        }
        state
    }

    #[test]
    fn before_anything_is_refused_the_limit_doubles_each_round_trip() {
        let bounds = Aimd::new(1, 100);
        let mut state = bounds.start();
        assert_eq!(state.limit, 8);
        // A round trip while saturated: as many successes as the limit.
        for expected in [16, 32, 64, 100] {
            let window = state.limit;
            state = run(&bounds, state, &vec![Observation::Answered; window]);
            assert_eq!(state.limit, expected);
        }
    }

    #[test]
    fn the_first_refusal_ends_slow_start() {
        let bounds = Aimd::new(1, 100);
        let state = run(&bounds, bounds.start(), &[Observation::Answered; 56]);
        assert_eq!(state.limit, 64);
        let state = state.next(&bounds, Observation::Overloaded, saturated(state));
        assert_eq!(state.limit, 32);
        let state = run(&bounds, state, &[Observation::Answered; 32]);
        assert_eq!(state.limit, 33, "one more per window from now on");
    }

    #[test]
    fn slow_start_grows_only_while_the_limit_is_the_bottleneck() {
        let bounds = Aimd::new(1, 100);
        let mut state = bounds.start();
        for _ in 0..1_000 {
            state = state.next(&bounds, Observation::Answered, state.started(3));
        }
        assert_eq!(state.limit, 8);
    }

    #[test]
    fn a_window_of_successes_grows_the_limit_by_one() {
        let bounds = Aimd::new(1, 100);
        let state = run(
            &bounds,
            past_slow_start(&bounds, 4),
            &[Observation::Answered; 3],
        );
        assert_eq!(
            state.limit, 4,
            "three successes are not yet a window of four"
        );
        let state = state.next(&bounds, Observation::Answered, saturated(state));
        assert_eq!(state.limit, 5);
        let state = run(&bounds, state, &[Observation::Answered; 5]);
        assert_eq!(state.limit, 6, "the next window is five successes");
    }

    #[test]
    fn successes_with_little_in_flight_do_not_grow_the_limit() {
        let bounds = Aimd::new(1, 100);
        let mut state = past_slow_start(&bounds, 16);
        // Hours of light traffic: one request at a time, then seven at a time.
        for in_flight in [1, 7] {
            for _ in 0..1_000 {
                state = state.next(&bounds, Observation::Answered, state.started(in_flight));
            }
        }
        assert_eq!(
            state.limit, 16,
            "the limit grew without being the bottleneck"
        );
        // Half the limit in flight is enough: 16 successes grow it by one.
        for _ in 0..16 {
            state = state.next(&bounds, Observation::Answered, state.started(8));
        }
        assert_eq!(state.limit, 17);
    }

    #[test]
    fn whether_the_limit_was_the_bottleneck_is_decided_when_the_attempt_starts() {
        let bounds = Aimd::new(1, 100).starting_at(10);
        let state = bounds.start();
        assert!(state.started(5).busy && state.started(10).busy);
        assert!(!state.started(4).busy && !state.started(1).busy);
    }

    #[test]
    fn a_429_or_no_answer_halves_the_limit() {
        let bounds = Aimd::new(1, 100).starting_at(40);
        let state = bounds.start();
        let state = state.next(&bounds, Observation::Overloaded, saturated(state));
        assert_eq!(state.limit, 20);
        let state = state.next(&bounds, Observation::NoAnswer, saturated(state));
        assert_eq!(state.limit, 10);
    }

    #[test]
    fn a_429_halves_the_limit_even_with_little_in_flight() {
        // Another process on the same account may be what fills Twilio's limit.
        let bounds = Aimd::new(1, 100).starting_at(40);
        let state = bounds.start();
        let state = state.next(&bounds, Observation::Overloaded, state.started(1));
        assert_eq!(state.limit, 20);
    }

    #[test]
    fn one_burst_of_429s_halves_once() {
        let bounds = Aimd::new(1, 100).starting_at(40);
        let mut state = bounds.start();
        let before = saturated(state);
        // Forty requests went out under the same limit and all came back 429.
        for _ in 0..40 {
            state = state.next(&bounds, Observation::Overloaded, before);
        }
        assert_eq!(state.limit, 20);
    }

    #[test]
    fn the_limit_stays_between_floor_and_ceiling() {
        let bounds = Aimd::new(3, 6).starting_at(4);
        let grown = run(&bounds, bounds.start(), &[Observation::Answered; 100]);
        assert_eq!(grown.limit, 6);
        let shrunk = run(&bounds, grown, &[Observation::Overloaded; 10]);
        assert_eq!(shrunk.limit, 3);
    }

    #[test]
    fn bounds_are_sane() {
        let bounds = Aimd::new(0, 0);
        assert_eq!(
            (bounds.floor(), bounds.ceiling(), bounds.start().limit),
            (1, 1, 1)
        );
        assert_eq!(Aimd::new(1, 100).start().limit, 8);
        assert_eq!(Aimd::new(1, 4).start().limit, 4);
    }

    #[test]
    fn the_limit_grows_back_after_a_decrease() {
        let bounds = Aimd::new(1, 100).starting_at(16);
        let state = bounds.start();
        let state = state.next(&bounds, Observation::Overloaded, saturated(state));
        assert_eq!(state.limit, 8);
        let state = run(&bounds, state, &[Observation::Answered; 8 + 9 + 10]);
        assert_eq!(state.limit, 11);
    }
}
