//! Per-user limits and the blocklist: the pure part (what counts, when a user is over a limit,
//! when they are told).
//!
//! A user's [`Usage`] lives in their [`Session`](crate::session::Session), so it is read with the
//! session and written in the step's commit under the session's version check: two instances
//! deciding for the same user cannot both spend the last allowance (the loser re-decides from
//! the row). Each limit is a sliding window: the times of the allowed events inside the window
//! are kept (at most `max` of them), so "at most N per window" holds for *every* window, not only
//! for fixed calendar slots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// New live-agent hand-offs.
    Handoff,
    /// `/bug` and `/new_feature` forms, together.
    Report,
    /// `/helpme`.
    HelpMe,
    /// DMs answered by the virtual agent.
    BotDm,
    /// DMs relayed to a live agent.
    AgentDm,
}

impl LimitKind {
    /// Every limit, in a stable order.
    pub const ALL: [Self; 5] = [
        Self::Handoff,
        Self::Report,
        Self::HelpMe,
        Self::BotDm,
        Self::AgentDm,
    ];

    /// The name used in metrics, logs and `flexcord users show`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Handoff => "handoff",
            Self::Report => "report",
            Self::HelpMe => "helpme",
            Self::BotDm => "bot_dm",
            Self::AgentDm => "agent_dm",
        }
    }
}

/// At most `max` events per `window_secs`. `max = 0` switches this one limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Allowed events per window.
    pub max: u32,
    /// The window, in seconds.
    pub window_secs: u64,
}

impl Rate {
    const fn window_ms(self) -> u64 {
        self.window_secs.saturating_mul(1000)
    }
}

/// The per-user limits in force (`[limits]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// False switches every per-user limit off (`FLEXCORD_LIMITS=off`); the blocklist still
    /// applies.
    pub enabled: bool,
    /// New live-agent hand-offs (one open case at a time holds regardless).
    pub handoffs: Rate,
    /// `/bug` and `/new_feature` together.
    pub reports: Rate,
    /// `/helpme`.
    pub helpme: Rate,
    /// DMs to the virtual agent.
    pub bot_dms: Rate,
    /// DMs relayed to a live agent.
    pub agent_dms: Rate,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            enabled: true,
            handoffs: Rate {
                max: 3,
                window_secs: 24 * 3600,
            },
            reports: Rate {
                max: 5,
                window_secs: 3600,
            },
            helpme: Rate {
                max: 5,
                window_secs: 600,
            },
            bot_dms: Rate {
                max: 20,
                window_secs: 60,
            },
            agent_dms: Rate {
                max: 30,
                window_secs: 60,
            },
        }
    }
}

impl Limits {
    /// The rate of `kind`.
    #[must_use]
    pub const fn rate(&self, kind: LimitKind) -> Rate {
        match kind {
            LimitKind::Handoff => self.handoffs,
            LimitKind::Report => self.reports,
            LimitKind::HelpMe => self.helpme,
            LimitKind::BotDm => self.bot_dms,
            LimitKind::AgentDm => self.agent_dms,
        }
    }

    fn applies(&self, kind: LimitKind) -> Option<Rate> {
        let rate = self.rate(kind);
        (self.enabled && rate.max > 0 && rate.window_secs > 0).then_some(rate)
    }
}

/// One limit's recent events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// When the allowed events inside the window happened (ms since the epoch), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<u64>,
    /// The user was told about a refusal that holds until this time: no second notice before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub quiet_until: u64,
}

// A reference because serde's `skip_serializing_if` passes one.
const fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// A user's recent use of every limit, stored with their session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Usage {
    /// Per limit.
    pub windows: BTreeMap<LimitKind, Window>,
}

/// What a limit says about one more event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// Over the limit until `retry_at_ms`; `notify` is true only for the first refusal of that
    /// stretch, so the user gets one notice, not one per refused message.
    Refused {
        /// When the next event would be allowed (ms since the epoch).
        retry_at_ms: u64,
        /// Tell the user (the first refusal until `retry_at_ms`).
        notify: bool,
    },
}

impl Usage {
    /// Whether one more `kind` event is allowed now, without recording it. A refusal is
    /// recorded (the notice is owed once), an allowance is not: see [`Usage::record`].
    pub fn peek(&mut self, kind: LimitKind, limits: &Limits, now_ms: u64) -> Verdict {
        let Some(rate) = limits.applies(kind) else {
            return Verdict::Allowed;
        };
        let window = self.windows.entry(kind).or_default();
        let since = now_ms.saturating_sub(rate.window_ms());
        // Events at or before `since` are out of the window.
        window.at.retain(|&t| t > since);
        let max = usize::try_from(rate.max).unwrap_or(usize::MAX);
        if window.at.len() < max {
            return Verdict::Allowed;
        }
        // The oldest event that still counts leaves the window at this time.
        let oldest = window.at.first().copied().unwrap_or(now_ms);
        let retry_at_ms = oldest.saturating_add(rate.window_ms());
        let notify = now_ms >= window.quiet_until;
        if notify {
            window.quiet_until = retry_at_ms;
        }
        Verdict::Refused {
            retry_at_ms,
            notify,
        }
    }

    /// Records one allowed `kind` event at `now_ms`.
    pub fn record(&mut self, kind: LimitKind, limits: &Limits, now_ms: u64) {
        let Some(rate) = limits.applies(kind) else {
            return;
        };
        let window = self.windows.entry(kind).or_default();
        window.at.push(now_ms);
        let max = usize::try_from(rate.max).unwrap_or(usize::MAX);
        // Only the newest `max` ever matter for the decision.
        if window.at.len() > max {
            let extra = window.at.len() - max;
            window.at.drain(..extra);
        }
    }

    /// [`Usage::peek`], then [`Usage::record`] when allowed.
    pub fn check(&mut self, kind: LimitKind, limits: &Limits, now_ms: u64) -> Verdict {
        let verdict = self.peek(kind, limits, now_ms);
        if verdict == Verdict::Allowed {
            self.record(kind, limits, now_ms);
        }
        verdict
    }

    /// How many `kind` events count right now, and the limit (`flexcord users show`).
    #[must_use]
    pub fn count(&self, kind: LimitKind, limits: &Limits, now_ms: u64) -> usize {
        let since = now_ms.saturating_sub(limits.rate(kind).window_ms());
        self.windows
            .get(&kind)
            .map_or(0, |w| w.at.iter().filter(|&&t| t > since).count())
    }

    /// Drops windows with nothing left in them, so the stored value stays small.
    pub fn tidy(&mut self, limits: &Limits, now_ms: u64) {
        self.windows.retain(|kind, w| {
            let since = now_ms.saturating_sub(limits.rate(*kind).window_ms());
            w.at.retain(|&t| t > since);
            !w.at.is_empty() || w.quiet_until > now_ms
        });
    }
}

/// Why a request was refused on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over a per-user limit.
    Limit(LimitKind),
    /// The user is blocked.
    Blocked,
}

impl Refusal {
    /// The label used in metrics (`limit` on `flexcord_refusals_total`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Limit(kind) => kind.as_str(),
            Self::Blocked => "blocked",
        }
    }
}

/// A blocked user, as staff or an operator recorded them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Who is blocked.
    pub user: UserId,
    /// Why (shown to staff and operators, never to the user).
    pub reason: String,
    /// Who blocked them: a Discord user (`discord:<id>`) or `cli`.
    pub by: String,
    /// When (ms since the epoch).
    pub at_ms: u64,
}

/// Blocked users are told at most once per this many milliseconds that support is unavailable
/// to them.
pub const BLOCK_NOTICE_EVERY_MS: u64 = 24 * 3600 * 1000;

/// When `retry_at_ms` is, as a Discord relative timestamp (`<t:…:R>`): the client shows it in
/// the reader's own language and time zone ("in 5 minutes"), so templates stay translatable.
#[must_use]
pub fn retry_timestamp(retry_at_ms: u64) -> String {
    format!("<t:{}:R>", retry_at_ms.div_ceil(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    #[test]
    fn a_window_allows_max_then_refuses_until_the_oldest_leaves() {
        let limits = Limits::default();
        let mut u = Usage::default();
        for i in 0..20 {
            assert_eq!(
                u.check(LimitKind::BotDm, &limits, 1000 + i),
                Verdict::Allowed
            );
        }
        assert_eq!(
            u.check(LimitKind::BotDm, &limits, 2000),
            Verdict::Refused {
                retry_at_ms: 1000 + MIN,
                notify: true
            }
        );
        // Refused again: no second notice.
        assert_eq!(
            u.check(LimitKind::BotDm, &limits, 3000),
            Verdict::Refused {
                retry_at_ms: 1000 + MIN,
                notify: false
            }
        );
        // The oldest left: one more allowed, then refused with a new notice.
        assert_eq!(
            u.check(LimitKind::BotDm, &limits, 1000 + MIN),
            Verdict::Allowed
        );
        assert!(matches!(
            u.check(LimitKind::BotDm, &limits, 1000 + MIN),
            Verdict::Refused { notify: true, .. }
        ));
    }

    #[test]
    fn limits_are_independent_and_can_be_switched_off() {
        let mut limits = Limits::default();
        let mut u = Usage::default();
        for _ in 0..5 {
            assert_eq!(u.check(LimitKind::Report, &limits, 1), Verdict::Allowed);
        }
        assert_ne!(u.check(LimitKind::Report, &limits, 1), Verdict::Allowed);
        assert_eq!(u.check(LimitKind::HelpMe, &limits, 1), Verdict::Allowed);
        limits.enabled = false;
        assert_eq!(u.check(LimitKind::Report, &limits, 1), Verdict::Allowed);
        limits.enabled = true;
        limits.reports.max = 0;
        assert_eq!(u.check(LimitKind::Report, &limits, 1), Verdict::Allowed);
    }

    #[test]
    fn peek_does_not_spend() {
        let limits = Limits::default();
        let mut u = Usage::default();
        for _ in 0..10 {
            assert_eq!(u.peek(LimitKind::Handoff, &limits, 5), Verdict::Allowed);
        }
        assert_eq!(u.count(LimitKind::Handoff, &limits, 5), 0);
    }

    #[test]
    fn tidy_forgets_old_windows_and_usage_round_trips() {
        let limits = Limits::default();
        let mut u = Usage::default();
        u.check(LimitKind::AgentDm, &limits, 1);
        u.check(LimitKind::Handoff, &limits, 1);
        u.tidy(&limits, 2 * MIN);
        assert_eq!(u.count(LimitKind::AgentDm, &limits, 2 * MIN), 0);
        assert_eq!(u.count(LimitKind::Handoff, &limits, 2 * MIN), 1);
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, r#"{"handoff":{"at":[1]}}"#);
        assert_eq!(serde_json::from_str::<Usage>(&json).unwrap(), u);
    }

    #[test]
    fn retry_times_are_discord_timestamps_rounded_up() {
        assert_eq!(retry_timestamp(1_000), "<t:1:R>");
        assert_eq!(retry_timestamp(1_001), "<t:2:R>");
    }
}
