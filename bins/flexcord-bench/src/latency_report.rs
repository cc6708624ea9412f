//! The table and targets of the runs at real latency (`--rtt-ms N`): flexcord beside the
//! blocking model of the original design (the one compared) and the non-blocking model (an
//! upper bound the original never reached).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::at_latency::{LimitedRun, ProgramResults};
use crate::report::Target;
use crate::scenarios::RunResult;

/// The whole run at latency.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyResults {
    /// Small sizes (`--quick`).
    pub quick: bool,
    /// The round trip both fakes played, ms.
    pub rtt_ms: u64,
    /// The Twilio fake's concurrency limit in the limited run, if it ran.
    pub twilio_concurrency: Option<usize>,
    /// This machine.
    pub machine: Value,
    /// flexcord.
    pub flexcord: ProgramResults,
    /// The blocking model of the original design.
    pub original_model: Option<ProgramResults>,
    /// The non-blocking model (upper bound).
    pub original_model_non_blocking: Option<ProgramResults>,
    /// The targets and whether each was met.
    pub targets: Vec<Target>,
}

impl LatencyResults {
    /// Collects the run and evaluates the targets.
    #[must_use]
    pub fn new(
        quick: bool,
        rtt_ms: u64,
        twilio_concurrency: Option<usize>,
        flexcord: ProgramResults,
        original_model: Option<ProgramResults>,
        original_model_non_blocking: Option<ProgramResults>,
    ) -> Self {
        let targets = targets(&flexcord, original_model.as_ref(), rtt_ms);
        Self {
            quick,
            rtt_ms,
            twilio_concurrency,
            machine: crate::report::machine(),
            flexcord,
            original_model,
            original_model_non_blocking,
            targets,
        }
    }

    /// The JSON document.
    #[must_use]
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The p99 the bridge may add at the sustained rate.
const ADDED_P99_MS: f64 = 5.0;

/// Whether a run carried what was offered: everything delivered, in order, at (nearly) the
/// offered rate.
fn carried(r: &RunResult) -> bool {
    r.lost == 0 && r.reordered == 0 && r.achieved_rate >= 0.98 * r.load.rate
}

fn targets(f: &ProgramResults, model: Option<&ProgramResults>, rtt_ms: u64) -> Vec<Target> {
    let mut t = Vec::new();
    let mut push = |name: String, measured: String, met: bool| {
        t.push(Target {
            name,
            measured,
            met,
        });
    };
    if let Some(s) = &f.sustained {
        push(
            format!(
                "{} DMs/s over {} conversations at {rtt_ms} ms RTT, bridge-added p99 < {ADDED_P99_MS} ms",
                s.load.rate, s.load.users
            ),
            format!(
                "achieved {:.0}/s, p99 {:.3} ms, lost {}, reordered {}",
                s.achieved_rate, s.added.p99_ms, s.lost, s.reordered
            ),
            carried(s) && s.added.p99_ms < ADDED_P99_MS,
        );
    }
    if let Some(l) = &f.limited {
        let share = l.run.twilio_429_settled.unwrap_or(f64::NAN);
        // AIMD saws between half the server's limit and a little over it (it grows until a
        // 429 comes back): near means a mean within that band.
        let allowed = l.twilio_concurrency as f64;
        let near = l
            .settled
            .limit_mean
            .is_some_and(|m| m >= allowed / 2.0 && m <= allowed * 1.2);
        push(
            format!(
                "Twilio allows {}: the limit settles near it (mean within ½–1.2× of it), < 1% 429s once settled, nothing lost, order kept",
                l.twilio_concurrency
            ),
            format!(
                "limit {}, 429s {:.2}% settled, lost {}, reordered {}",
                limit_cell(l),
                share * 100.0,
                l.run.lost,
                l.run.reordered
            ),
            near && share < 0.01 && l.run.lost == 0 && l.run.reordered == 0,
        );
    }
    let ours = f.sustained.as_ref().map(|s| s.achieved_rate);
    let theirs = model
        .and_then(|m| m.sustained.as_ref())
        .map(|s| s.achieved_rate);
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        let times = ours / theirs.max(f64::MIN_POSITIVE);
        push(
            "≥ 50× the blocking original-design model's sustained DM rate".to_owned(),
            format!("{times:.0}× ({ours:.0}/s against {theirs:.1}/s)"),
            times >= 50.0,
        );
    }
    t
}

fn limit_cell(l: &LimitedRun) -> String {
    match (
        l.settled.limit_min,
        l.settled.limit_mean,
        l.settled.limit_max,
    ) {
        (Some(min), Some(mean), Some(max)) => format!("{min} / {mean:.1} / {max}"),
        _ => "not reported".into(),
    }
}

fn rate_cell(r: &RunResult) -> String {
    let mut cell = format!("{:.1}/s of {}/s offered", r.achieved_rate, r.load.rate);
    if r.lost > 0 {
        let _ = write!(cell, ", {} of {} never arrived", r.lost, r.load.count);
    }
    if r.reordered > 0 {
        let _ = write!(cell, ", {} out of order", r.reordered);
    }
    cell
}

fn added_cell(r: &RunResult) -> String {
    let mut cell = format!(
        "{:.3} / {:.3} / {:.3} ms",
        r.added.p50_ms, r.added.p99_ms, r.added.max_ms
    );
    if let Some(us) = r.cpu_us_per_relay {
        let _ = write!(cell, ", {us:.0} µs CPU each");
    }
    cell
}

fn limited_cell(l: &LimitedRun, reports_limit: bool) -> String {
    let share = l
        .run
        .twilio_429_settled
        .map_or_else(|| "-".into(), |s| format!("{:.2}%", s * 100.0));
    let mut cell = String::new();
    if reports_limit {
        let _ = write!(cell, "limit {} (min / mean / max), ", limit_cell(l));
    }
    let _ = write!(
        cell,
        "Twilio answering {:.1} at once on average (most {}), 429s {share} settled ({} of {} requests in all)",
        l.settled.fake_in_flight_mean,
        l.settled.fake_in_flight_max,
        l.run.twilio_429,
        l.run.twilio_requests
    );
    cell
}

fn burst_cell(r: &RunResult) -> String {
    format!(
        "arrived {}/{}, reordered {}, duplicated {}, last {:.2} s after the last DM, p99 {:.3} ms",
        r.delivered, r.load.count, r.reordered, r.duplicated, r.drain_s, r.added.p99_ms
    )
}

/// The table (Markdown).
#[must_use]
pub fn table(r: &LatencyResults) -> String {
    let programs: Vec<Option<&ProgramResults>> = vec![
        Some(&r.flexcord),
        r.original_model.as_ref(),
        r.original_model_non_blocking.as_ref(),
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nat {} ms RTT; machine: {}{}\n",
        r.rtt_ms,
        r.machine,
        if r.quick { " (--quick sizes)" } else { "" }
    );
    let _ = writeln!(
        out,
        "| measure | flexcord | original design (model, blocking) | upper bound: the model without blocking |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    let mut row = |name: String, cell: &dyn Fn(&ProgramResults) -> Option<String>| {
        let cells: Vec<String> = programs
            .iter()
            .map(|p| p.and_then(cell).unwrap_or_else(|| "-".into()))
            .collect();
        let _ = writeln!(out, "| {name} | {} |", cells.join(" | "));
    };
    let users = r.flexcord.sustained.as_ref().map_or(0, |s| s.load.users);
    row(
        format!("DM → Twilio over {users} open conversations: achieved rate"),
        &|p| p.sustained.as_ref().map(rate_cell),
    );
    row("… bridge-added latency, p50 / p99 / max".into(), &|p| {
        p.sustained.as_ref().map(added_cell)
    });
    row(
        "… before it, from a cold start (warm-up): achieved rate; bridge-added p50 / p99 / max"
            .into(),
        &|p| {
            p.warm_up
                .as_ref()
                .map(|w| format!("{}; {}", rate_cell(w), added_cell(w)))
        },
    );
    if let Some(limit) = r.twilio_concurrency {
        row(
            format!("the same, Twilio allowing {limit} requests at once: achieved rate"),
            &|p| p.limited.as_ref().map(|l| rate_cell(&l.run)),
        );
        row(
            "… where it settled (second half of the run)".into(),
            &|p| {
                p.limited
                    .as_ref()
                    .map(|l| limited_cell(l, p.program == "flexcord"))
            },
        );
        row("… bridge-added latency, p50 / p99 / max".into(), &|p| {
            p.limited.as_ref().map(|l| added_cell(&l.run))
        });
    }
    row(
        "agent → Discord at Discord's limit (limits on): achieved rate".into(),
        &|p| p.agent.as_ref().map(rate_cell),
    );
    row("… bridge-added latency, p50 / p99 / max".into(), &|p| {
        p.agent.as_ref().map(added_cell)
    });
    let burst = r.flexcord.burst.as_ref().map_or_else(String::new, |b| {
        format!(
            "{} DMs from {} users in {} s",
            b.load.count,
            b.load.users,
            b.load.count as f64 / b.load.rate
        )
    });
    row(format!("burst: {burst}"), &|p| {
        p.burst.as_ref().map(burst_cell)
    });
    let _ = writeln!(out, "\n| target | measured | met |\n|---|---|---|");
    for t in &r.targets {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            t.name,
            t.measured,
            if t.met { "yes" } else { "NO" }
        );
    }
    out
}
