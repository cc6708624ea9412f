//! Results: the table printed on stdout, the JSON written to disk, and the targets of the issue
//! (each printed as met or not).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use crate::scenarios::{Cost, Direction, RunResult};
use crate::stats::Summary;

/// Everything measured on flexcord.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlexcordResults {
    /// RSS after start-up, KiB.
    pub idle_rss_kib: u64,
    /// RSS with the latency-run conversations open, KiB.
    pub rss_users_kib: u64,
    /// RSS before opening the memory-run conversations, KiB.
    pub rss_before_memory_kib: u64,
    /// RSS with `open_conversations` open, KiB.
    pub rss_open_kib: u64,
    /// RSS after all load runs, KiB.
    pub rss_after_load_kib: u64,
    /// Open conversations at the end.
    pub open_conversations: usize,
    /// Conversations opened between the two RSS readings.
    pub added_conversations: usize,
    /// INTERACTION_CREATE → callback.
    pub interaction_ack: Option<Summary>,
    /// Interactions never acknowledged.
    pub interaction_missing: usize,
    /// Twilio calls for a conversation's first message (the hand-off).
    pub first_cost: Option<Cost>,
    /// Twilio calls per relayed user message.
    pub user_cost: Option<Cost>,
    /// Twilio calls per relayed agent message.
    pub agent_cost: Option<Cost>,
    /// Paced runs at fixed rates, Discord limits off.
    pub latency: Vec<RunResult>,
    /// Throughput ramp, Discord limits on.
    pub ramp: Vec<RunResult>,
    /// Agent messages above Discord's limits.
    pub discord_queue: Option<RunResult>,
    /// User messages sent alongside the Discord-bound queue.
    pub queue_alongside: Option<RunResult>,
    /// The burst.
    pub burst: Option<RunResult>,
}

impl FlexcordResults {
    /// Bytes of RSS per conversation opened between the two memory readings.
    #[must_use]
    pub fn bytes_per_conversation(&self) -> f64 {
        let grown = self.rss_open_kib.saturating_sub(self.rss_before_memory_kib) as f64 * 1024.0;
        grown / self.added_conversations.max(1) as f64
    }

    /// The first ramp step that lost, reordered or had a p99 of 10 ms or more (the ramp stops
    /// there).
    #[must_use]
    pub fn first_failed_step(&self) -> Option<&RunResult> {
        self.ramp.iter().find(|r| !r.sustained())
    }

    /// The highest ramp rate that delivered everything in order with p99 under 10 ms.
    #[must_use]
    pub fn max_sustained(&self) -> Option<&RunResult> {
        self.ramp
            .iter()
            .filter(|r| r.sustained())
            .max_by(|a, b| a.load.rate.total_cmp(&b.load.rate))
    }
}

/// Everything measured on the model of the original design.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModelResults {
    /// RSS after start-up, KiB.
    pub idle_rss_kib: u64,
    /// Twilio calls for a conversation's first message.
    pub first_cost: Option<Cost>,
    /// Twilio calls per relayed user message.
    pub user_cost: Option<Cost>,
    /// Twilio calls per relayed agent message.
    pub agent_cost: Option<Cost>,
    /// Paced runs at fixed rates.
    pub latency: Vec<RunResult>,
    /// The burst.
    pub burst: Option<RunResult>,
}

/// One target of the issue.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// What is promised.
    pub name: String,
    /// What was measured.
    pub measured: String,
    /// Whether it was met.
    pub met: bool,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Small sizes (`--quick`).
    pub quick: bool,
    /// This machine.
    pub machine: Value,
    /// flexcord.
    pub flexcord: FlexcordResults,
    /// The model of the original design.
    pub original_model: Option<ModelResults>,
    /// The targets and whether each was met.
    pub targets: Vec<Target>,
}

/// This machine: cores, CPU model, memory.
#[must_use]
pub fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: Option<u64> = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "cpu_model": cpu,
        "mem_total_gib": mem_kib.map(|k| (k as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0),
    })
}

fn p99_at(runs: &[RunResult], direction: Direction, rate: f64) -> Option<f64> {
    runs.iter()
        .find(|r| r.load.direction == direction && (r.load.rate - rate).abs() < 0.5)
        .map(|r| r.latency.p99_ms)
}

fn targets(f: &FlexcordResults) -> Vec<Target> {
    let mut t = Vec::new();
    let mut push = |name: &str, measured: String, met: bool| {
        t.push(Target {
            name: name.to_owned(),
            measured,
            met,
        });
    };
    let user = f.user_cost.as_ref().map_or(f64::NAN, |c| c.calls_per_event);
    push(
        "1 Twilio call per user message (steady state)",
        format!("{user:.2}"),
        user <= 1.0,
    );
    let agent = f
        .agent_cost
        .as_ref()
        .map_or(f64::NAN, |c| c.calls_per_event);
    push(
        "0 Twilio calls per agent message",
        format!("{agent:.2}"),
        agent == 0.0,
    );
    let up = p99_at(&f.latency, Direction::UserToAgent, 500.0).unwrap_or(f64::NAN);
    push(
        "p99 added latency < 2 ms at 500 relays/s (DM → Twilio)",
        format!("{up:.3} ms"),
        up < 2.0,
    );
    let down = p99_at(&f.latency, Direction::AgentToUser, 45.0).unwrap_or(f64::NAN);
    push(
        "p99 added latency < 2 ms, agent → Discord at 45/s (Discord allows 50 requests/s per bot)",
        format!("{down:.3} ms"),
        down < 2.0,
    );
    let burst_ok = f
        .burst
        .as_ref()
        .is_some_and(|b| b.lost == 0 && b.reordered == 0 && b.duplicated == 0);
    push(
        "burst: zero loss, per-user order kept, no duplicates",
        f.burst.as_ref().map_or_else(
            || "not run".into(),
            |b| {
                format!(
                    "lost {}, reordered {}, duplicated {}",
                    b.lost, b.reordered, b.duplicated
                )
            },
        ),
        burst_ok,
    );
    let idle_mib = f.idle_rss_kib as f64 / 1024.0;
    push(
        "idle RSS < 30 MiB",
        format!("{idle_mib:.1} MiB"),
        idle_mib < 30.0,
    );
    let per = f.bytes_per_conversation();
    push(
        "< 4 KiB RSS per open conversation",
        format!("{per:.0} B"),
        per < 4096.0,
    );
    let ack = f.interaction_ack.map_or(f64::NAN, |s| s.p99_ms);
    push(
        "interaction acknowledged p99 < 100 ms",
        format!("{ack:.3} ms"),
        ack < 100.0 && f.interaction_missing == 0,
    );
    t
}

impl Results {
    /// Collects the run and evaluates the targets.
    #[must_use]
    pub fn new(
        quick: bool,
        flexcord: FlexcordResults,
        original_model: Option<ModelResults>,
    ) -> Self {
        Self {
            quick,
            machine: machine(),
            targets: targets(&flexcord),
            flexcord,
            original_model,
        }
    }

    /// The JSON document.
    #[must_use]
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn cost_cell(c: Option<&Cost>) -> String {
    c.map_or_else(|| "-".into(), |c| format!("{:.2}", c.calls_per_event))
}

/// The highest sustained rate, and what the step above it did (or that none failed).
fn sustained_cell(f: &FlexcordResults) -> String {
    let failed = f.first_failed_step().map(|r| {
        format!(
            "{}/s: p99 {:.3} ms, lost {}, reordered {}",
            r.load.rate, r.latency.p99_ms, r.lost, r.reordered
        )
    });
    match (f.max_sustained(), failed) {
        (Some(s), Some(next)) => format!("{}/s (next step, {next})", s.load.rate),
        (Some(s), None) => format!("≥ {}/s (every step passed)", s.load.rate),
        (None, Some(first)) => format!("below the first step ({first})"),
        (None, None) => "not measured".into(),
    }
}

fn lat_cell(r: Option<&RunResult>) -> String {
    r.map_or_else(
        || "-".into(),
        |r| {
            format!(
                "{:.3} / {:.3} / {:.3} ms{}{}",
                r.latency.p50_ms,
                r.latency.p99_ms,
                r.latency.max_ms,
                r.cpu_us_per_relay
                    .map(|us| format!(", {us:.0} µs CPU each"))
                    .unwrap_or_default(),
                if r.lost > 0 {
                    format!(" ({} lost)", r.lost)
                } else {
                    String::new()
                }
            )
        },
    )
}

fn find(runs: &[RunResult], direction: Direction, rate: f64) -> Option<&RunResult> {
    runs.iter()
        .find(|r| r.load.direction == direction && (r.load.rate - rate).abs() < 0.5)
}

/// The table (Markdown, so it pastes into docs/benchmarks.md as is).
#[must_use]
pub fn table(r: &Results) -> String {
    let f = &r.flexcord;
    let m = r.original_model.as_ref();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nmachine: {}{}\n",
        r.machine,
        if r.quick { " (--quick sizes)" } else { "" }
    );
    let _ = writeln!(out, "| measure | flexcord | original design (model) |");
    let _ = writeln!(out, "|---|---|---|");
    let mut row = |name: &str, a: String, b: String| {
        let _ = writeln!(out, "| {name} | {a} | {b} |");
    };
    row(
        "Twilio calls, conversation's first message",
        cost_cell(f.first_cost.as_ref()),
        cost_cell(m.and_then(|m| m.first_cost.as_ref())),
    );
    row(
        "Twilio calls per user message (steady)",
        cost_cell(f.user_cost.as_ref()),
        cost_cell(m.and_then(|m| m.user_cost.as_ref())),
    );
    row(
        "Twilio calls per agent message",
        cost_cell(f.agent_cost.as_ref()),
        cost_cell(m.and_then(|m| m.agent_cost.as_ref())),
    );
    for run in &f.latency {
        let (direction, rate) = (run.load.direction, run.load.rate);
        let label = match direction {
            Direction::UserToAgent => "DM → Twilio request",
            Direction::AgentToUser => "agent webhook → Discord request",
        };
        row(
            &format!("{label} at {rate}/s, p50 / p99 / max"),
            lat_cell(Some(run)),
            lat_cell(m.and_then(|m| find(&m.latency, direction, rate))),
        );
    }
    for step in &f.ramp {
        row(
            &format!(
                "throughput step {}/s (limits on), p50 / p99 / max",
                step.load.rate
            ),
            format!(
                "{} (achieved {:.0}/s)",
                lat_cell(Some(step)),
                step.achieved_rate
            ),
            "-".into(),
        );
    }
    row(
        "highest sustained DM relay rate with p99 < 10 ms",
        sustained_cell(f),
        "-".into(),
    );
    if let Some(q) = &f.discord_queue {
        row(
            &format!(
                "agent messages at {}/s over {} DMs (Discord limits on)",
                q.load.rate, q.load.users
            ),
            format!(
                "delivered {}/{}, reordered {}, 429s {}, drained {:.1} s after the last send",
                q.delivered, q.load.count, q.reordered, q.discord_429, q.drain_s
            ),
            "-".into(),
        );
    }
    if let Some(q) = &f.queue_alongside {
        row(
            "DMs at 100/s meanwhile, p50 / p99 / max",
            lat_cell(Some(q)),
            "-".into(),
        );
    }
    let burst = |b: Option<&RunResult>| {
        b.map_or_else(
            || "-".into(),
            |b| {
                format!(
                    "delivered {}/{}, lost {}, reordered {}, duplicated {}, drain {:.2} s, p99 {:.3} ms",
                    b.delivered, b.load.count, b.lost, b.reordered, b.duplicated, b.drain_s, b.latency.p99_ms
                )
            },
        )
    };
    row(
        "burst (DMs from users in 10 s, limits on)",
        burst(f.burst.as_ref()),
        burst(m.and_then(|m| m.burst.as_ref())),
    );
    row(
        "RSS after all load runs",
        format!("{:.1} MiB", f.rss_after_load_kib as f64 / 1024.0),
        "-".into(),
    );
    row(
        "idle RSS",
        format!("{:.1} MiB", f.idle_rss_kib as f64 / 1024.0),
        m.map_or_else(
            || "-".into(),
            |m| format!("{:.1} MiB", m.idle_rss_kib as f64 / 1024.0),
        ),
    );
    row(
        &format!("RSS with {} open conversations", f.open_conversations),
        format!(
            "{:.1} MiB ({:.0} B per conversation over the last {})",
            f.rss_open_kib as f64 / 1024.0,
            f.bytes_per_conversation(),
            f.added_conversations
        ),
        "-".into(),
    );
    row(
        "interaction acknowledged, p50 / p99 / max",
        f.interaction_ack.map_or_else(
            || "-".into(),
            |s| format!("{:.3} / {:.3} / {:.3} ms", s.p50_ms, s.p99_ms, s.max_ms),
        ),
        "-".into(),
    );
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
