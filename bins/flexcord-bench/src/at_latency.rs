//! The runs "at real latency" (`--rtt-ms N`): both fakes answer every request N ms late, and
//! each program under test — flexcord, the blocking model of the original design (the one
//! compared) and the same model without the blocking (an upper bound the original never
//! reached) — relays DMs to Twilio at a sustained rate over open conversations, then the same
//! against a Twilio that allows only so many requests at once, then agent messages at Discord's
//! limit, then a burst.
//!
//! Set-up (opening the conversations) runs at zero latency, only to save minutes: what is
//! measured starts once the round trip is switched on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::rig::{Kind, Rig};
use crate::scenarios::{Direction, Load, RunResult, paced_through};

/// How big each run is.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Open conversations every run spreads over.
    pub users: usize,
    /// DMs per second offered to flexcord and the non-blocking model, and for how long.
    pub rate: f64,
    /// Seconds each DM run lasts.
    pub secs: f64,
    /// Seconds of DMs at `rate` before the sustained run, reported apart: the adaptive limit
    /// starts at 8 requests in flight and (in slow start) doubles each round trip while it is
    /// the bottleneck, so a cold process queues for its first few round trips.
    pub warm_up_secs: f64,
    /// DMs per second offered to the blocking model, a little above what it can carry, and for
    /// how long (at `rate` its backlog would take most of an hour to drain).
    pub blocking_rate: f64,
    /// Seconds the blocking model's DM runs last.
    pub blocking_secs: f64,
    /// Agent messages per second (Discord allows 50 requests/s per bot), and for how long.
    pub agent_rate: f64,
    /// Seconds the agent run lasts.
    pub agent_secs: f64,
    /// The burst: DMs, from how many users, over how many seconds.
    pub burst: usize,
    /// Users the burst comes from.
    pub burst_users: usize,
    /// Seconds the burst is sent over.
    pub burst_secs: f64,
}

impl Sizes {
    /// The sizes of the published table.
    #[must_use]
    pub fn full() -> Self {
        Self {
            users: 1_000,
            rate: 1_000.0,
            secs: 10.0,
            warm_up_secs: 5.0,
            blocking_rate: 20.0,
            blocking_secs: 5.0,
            agent_rate: 50.0,
            agent_secs: 10.0,
            burst: 10_000,
            burst_users: 1_000,
            burst_secs: 1.0,
        }
    }

    /// A smoke run.
    #[must_use]
    pub fn quick() -> Self {
        Self {
            users: 100,
            rate: 500.0,
            secs: 3.0,
            warm_up_secs: 2.0,
            blocking_rate: 20.0,
            blocking_secs: 2.0,
            agent_rate: 50.0,
            agent_secs: 3.0,
            burst: 2_000,
            burst_users: 100,
            burst_secs: 1.0,
        }
    }
}

/// Where the client's limit and the fake's load stood during the second half of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settled {
    /// flexcord's `flexcord_twilio_concurrency_limit` (min / mean / max of the samples), when
    /// the program reports one.
    pub limit_min: Option<usize>,
    /// Mean of the samples.
    pub limit_mean: Option<f64>,
    /// Largest sample.
    pub limit_max: Option<usize>,
    /// Requests the Twilio fake was answering at once (mean of samples every 10 ms).
    pub fake_in_flight_mean: f64,
    /// … and the most seen.
    pub fake_in_flight_max: usize,
}

/// A DM run against a Twilio that limits concurrent requests.
#[derive(Debug, Clone, Serialize)]
pub struct LimitedRun {
    /// The fake's limit.
    pub twilio_concurrency: usize,
    /// The run.
    pub run: RunResult,
    /// What the limit settled at.
    pub settled: Settled,
}

/// Everything measured on one program at latency.
#[derive(Debug, Clone, Serialize)]
pub struct ProgramResults {
    /// Which program.
    pub program: &'static str,
    /// DMs at the sustained rate from a cold start, before `sustained` (not for the blocking
    /// model, which has nothing to warm up).
    pub warm_up: Option<RunResult>,
    /// DMs at a sustained rate.
    pub sustained: Option<RunResult>,
    /// The same, with the Twilio fake limiting concurrency.
    pub limited: Option<LimitedRun>,
    /// Agent messages at Discord's limit.
    pub agent: Option<RunResult>,
    /// The burst.
    pub burst: Option<RunResult>,
}

/// Round trips a design makes one after the other before the relayed request: flexcord none
/// (the router already knows the conversation); the model looks the user up and lists their
/// channels before a DM's message create, and reads the last message before an agent
/// message's Discord post.
const fn round_trips(kind: Kind, direction: Direction) -> u32 {
    match (kind, direction) {
        (Kind::Flexcord, _) => 0,
        (_, Direction::UserToAgent) => 2,
        (_, Direction::AgentToUser) => 1,
    }
}

fn progress(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "[bench] {line}");
}

fn load(direction: Direction, rate: f64, secs: f64, users: usize) -> Load {
    Load {
        direction,
        rate,
        count: (rate * secs).round() as usize,
        users,
    }
}

/// Samples flexcord's current Twilio limit (`/metrics`, updated every second) and the fake's
/// requests in flight until `done`.
async fn sample(rig: &Rig, done: &AtomicBool) -> (Vec<(Instant, usize)>, Vec<(Instant, usize)>) {
    let mut limits = Vec::new();
    let mut in_flight = Vec::new();
    let mut tick = 0_u32;
    while !done.load(Ordering::SeqCst) {
        in_flight.push((Instant::now(), rig.twilio.in_flight()));
        if rig.kind == Kind::Flexcord
            && tick.is_multiple_of(25)
            && let Some(limit) = rig.get_text("/metrics").await.as_deref().and_then(gauge)
        {
            limits.push((Instant::now(), limit));
        }
        tick += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    (limits, in_flight)
}

/// `flexcord_twilio_concurrency_limit` in a Prometheus text page.
fn gauge(page: &str) -> Option<usize> {
    page.lines()
        .find_map(|l| l.strip_prefix("flexcord_twilio_concurrency_limit "))
        .and_then(|v| v.trim().parse().ok())
}

/// The samples from `from` on.
fn settled(from: Instant, limits: &[(Instant, usize)], in_flight: &[(Instant, usize)]) -> Settled {
    let limits: Vec<usize> = limits
        .iter()
        .filter(|(t, _)| *t >= from)
        .map(|(_, v)| *v)
        .collect();
    let in_flight: Vec<usize> = in_flight
        .iter()
        .filter(|(t, _)| *t >= from)
        .map(|(_, v)| *v)
        .collect();
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    Settled {
        limit_min: limits.iter().min().copied(),
        limit_mean: (!limits.is_empty()).then(|| mean(&limits)),
        limit_max: limits.iter().max().copied(),
        fake_in_flight_mean: mean(&in_flight),
        fake_in_flight_max: in_flight.iter().max().copied().unwrap_or(0),
    }
}

/// The DM run again with the Twilio fake allowing `limit` requests at once; the client's limit
/// and the fake's load are sampled throughout and summarised over the second half.
async fn limited_run(rig: &Rig, dms: Load, limit: usize) -> anyhow::Result<LimitedRun> {
    rig.twilio.set_concurrency(Some(limit));
    let done = AtomicBool::new(false);
    let start = Instant::now();
    let running = async {
        let run = paced_through(rig, dms, round_trips(rig.kind, Direction::UserToAgent)).await;
        done.store(true, Ordering::SeqCst);
        run
    };
    let (run, (limits, in_flight)) = tokio::join!(running, sample(rig, &done));
    rig.twilio.set_concurrency(None);
    let run = run?;
    let middle = start + start.elapsed() / 2;
    Ok(LimitedRun {
        twilio_concurrency: limit,
        settled: settled(middle, &limits, &in_flight),
        run,
    })
}

/// Opens `sizes.users` conversations at zero latency, switches the round trip on and runs
/// everything on `rig`.
///
/// # Errors
///
/// When set-up fails, a webhook cannot be sent or the program dies.
pub async fn run_program(
    rig: &mut Rig,
    sizes: &Sizes,
    rtt: Duration,
    twilio_concurrency: Option<usize>,
) -> anyhow::Result<ProgramResults> {
    let kind = rig.kind;
    let name = match kind {
        Kind::Flexcord => "flexcord",
        Kind::Original => "original-model",
        Kind::OriginalNonBlocking => "original-model --non-blocking",
    };
    let mut r = ProgramResults {
        program: name,
        warm_up: None,
        sustained: None,
        limited: None,
        agent: None,
        burst: None,
    };
    progress(&format!(
        "{name}: opening {} conversations (zero latency)",
        sizes.users
    ));
    rig.open_conversations(0, sizes.users, 32).await?;
    rig.set_rtt(rtt);
    let (rate, secs) = match kind {
        Kind::Original => (sizes.blocking_rate, sizes.blocking_secs),
        _ => (sizes.rate, sizes.secs),
    };
    let dms = load(Direction::UserToAgent, rate, secs, sizes.users);

    let trips = round_trips(kind, Direction::UserToAgent);
    if kind != Kind::Original && sizes.warm_up_secs > 0.0 {
        progress(&format!(
            "{name}: warm-up, DMs at {rate}/s for {} s, {} ms RTT",
            sizes.warm_up_secs,
            rtt.as_millis()
        ));
        let warm_up = load(
            Direction::UserToAgent,
            rate,
            sizes.warm_up_secs,
            sizes.users,
        );
        r.warm_up = Some(paced_through(rig, warm_up, trips).await?);
        rig.check_alive()?;
    }
    progress(&format!(
        "{name}: DMs at {rate}/s, {} ms RTT",
        rtt.as_millis()
    ));
    r.sustained = Some(paced_through(rig, dms, trips).await?);
    rig.check_alive()?;

    if let Some(limit) = twilio_concurrency {
        progress(&format!(
            "{name}: DMs at {rate}/s, Twilio allows {limit} requests at once"
        ));
        r.limited = Some(limited_run(rig, dms, limit).await?);
        rig.check_alive()?;
    }

    rig.discord.enforce_limits(true);
    progress(&format!(
        "{name}: agent messages at {}/s (Discord limits on)",
        sizes.agent_rate
    ));
    let agent = load(
        Direction::AgentToUser,
        sizes.agent_rate,
        sizes.agent_secs,
        sizes.users,
    );
    let trips = round_trips(kind, Direction::AgentToUser);
    r.agent = Some(paced_through(rig, agent, trips).await?);
    rig.check_alive()?;

    progress(&format!(
        "{name}: burst of {} DMs from {} users in {} s",
        sizes.burst, sizes.burst_users, sizes.burst_secs
    ));
    let burst = Load {
        direction: Direction::UserToAgent,
        rate: sizes.burst as f64 / sizes.burst_secs,
        count: sizes.burst,
        users: sizes.burst_users.min(sizes.users),
    };
    let trips = round_trips(kind, Direction::UserToAgent);
    r.burst = Some(paced_through(rig, burst, trips).await?);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_read_from_the_metrics_page() {
        let page = "# HELP flexcord_twilio_concurrency_limit Twilio requests allowed in flight now\n\
                    # TYPE flexcord_twilio_concurrency_limit gauge\n\
                    flexcord_twilio_concurrency_limit 27\n\
                    flexcord_twilio_overloaded_total 3\n";
        assert_eq!(gauge(page), Some(27));
        assert_eq!(gauge("flexcord_relays_total 1\n"), None);
    }

    #[test]
    fn only_the_samples_of_the_second_half_count() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let limits = [(at(0), 8), (at(100), 31), (at(200), 15), (at(300), 25)];
        let in_flight = [(at(0), 1), (at(150), 10), (at(250), 20)];
        let s = settled(at(150), &limits, &in_flight);
        assert_eq!((s.limit_min, s.limit_max), (Some(15), Some(25)));
        assert_eq!(s.limit_mean, Some(20.0));
        assert!((s.fake_in_flight_mean - 15.0).abs() < 1e-9);
        assert_eq!(s.fake_in_flight_max, 20);
    }
}
