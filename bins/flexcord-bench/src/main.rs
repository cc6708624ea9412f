//! `flexcord-bench`: starts the REAL `flexcord` binary against zero-latency local fakes of
//! Discord (gateway + rate-limited REST) and Twilio, measures API cost, added latency,
//! throughput, a burst, interaction acknowledgement and memory, then does the same for
//! `original-model` (a labelled model of the original design's request pattern) through the
//! same fakes, and prints a table and writes JSON.
//!
//! It is a plain binary, never run by `cargo test`. Run it with `bins/flexcord-bench/run.sh`
//! (release builds). Flags: `--flexcord PATH`, `--original PATH`, `--out FILE`, `--quick`
//! (small sizes, for a smoke run), `--skip-original`.
//!
//! `--rtt-ms N` runs the suite at real latency instead (`at_latency`): both fakes answer every
//! request N ms late, and flexcord, the blocking model of the original and the non-blocking
//! model each relay DMs at a sustained rate, then the same against a Twilio allowing only
//! `--twilio-concurrency N` requests at once (default 30; 0 skips that run), then agent messages
//! at Discord's limit, then a burst.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use flexcord_bench::latency_report::{self, LatencyResults};
use flexcord_bench::report::{self, FlexcordResults, ModelResults, Results};
use flexcord_bench::rig::{Kind, Rig};
use flexcord_bench::scenarios::{
    self, Cost, Direction, Load, RunResult, first_message_cost, paced, steady_cost,
};
use flexcord_bench::{at_latency, child};

/// How big each scenario is.
#[derive(Debug, Clone)]
struct Sizes {
    /// Conversations the latency, throughput and burst runs spread over.
    users: usize,
    /// Conversations opened one at a time to measure first-message cost.
    first: usize,
    /// Relays per steady-state cost measurement.
    steady: usize,
    /// Offered rates for the latency runs (DM → Twilio), and how long each runs. The lowest
    /// matches the highest agent → Discord rate, so the two directions compare at one rate.
    latency_rates: Vec<f64>,
    /// Offered rates for agent → Discord latency: below Discord's 50 requests/s per bot, which
    /// twilight's client-side limiter enforces (above it, latency is Discord's queue, not ours).
    agent_rates: Vec<f64>,
    latency_secs: f64,
    /// Offered rates for the throughput ramp, and how long each step runs.
    ramp_rates: Vec<f64>,
    ramp_secs: f64,
    /// Discord-bound queueing: agent messages per second, seconds, conversations.
    queue_rate: f64,
    queue_secs: f64,
    queue_users: usize,
    /// Burst: DMs, from how many users, over how many seconds.
    burst: usize,
    burst_users: usize,
    burst_secs: f64,
    /// Interaction acknowledgements measured, and their rate.
    acks: usize,
    ack_rate: f64,
    /// Open conversations for the memory measurement.
    memory_conversations: usize,
}

impl Sizes {
    fn full() -> Self {
        Self {
            users: 1_000,
            first: 20,
            steady: 500,
            latency_rates: vec![45.0, 100.0, 500.0, 1_000.0],
            agent_rates: vec![10.0, 25.0, 45.0],
            latency_secs: 10.0,
            ramp_rates: vec![500.0, 1_000.0, 1_500.0, 2_000.0, 3_000.0, 4_000.0],
            ramp_secs: 5.0,
            queue_rate: 200.0,
            queue_secs: 5.0,
            queue_users: 100,
            burst: 10_000,
            burst_users: 1_000,
            burst_secs: 10.0,
            acks: 200,
            ack_rate: 20.0,
            memory_conversations: 10_000,
        }
    }

    fn quick() -> Self {
        Self {
            users: 100,
            first: 5,
            steady: 100,
            latency_rates: vec![100.0, 500.0, 1_000.0],
            agent_rates: vec![10.0, 45.0],
            latency_secs: 2.0,
            ramp_rates: vec![1_000.0, 2_000.0],
            ramp_secs: 2.0,
            queue_rate: 200.0,
            queue_secs: 2.0,
            queue_users: 50,
            burst: 2_000,
            burst_users: 100,
            burst_secs: 2.0,
            acks: 50,
            ack_rate: 20.0,
            memory_conversations: 1_000,
        }
    }
}

#[derive(Debug)]
struct Args {
    flexcord: PathBuf,
    original: PathBuf,
    out: PathBuf,
    quick: bool,
    skip_original: bool,
    /// `--rtt-ms`: the round trip of the suite at real latency (0: the zero-latency suite).
    rtt_ms: u64,
    /// `--twilio-concurrency`: the Twilio fake's limit in the limited run (0: no such run).
    twilio_concurrency: usize,
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<&str>) -> anyhow::Result<T> {
    value
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("{flag} needs a number"))
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        flexcord: child::default_binary("flexcord"),
        original: child::default_binary("original-model"),
        out: PathBuf::from("target/bench/results.json"),
        quick: false,
        skip_original: false,
        rtt_ms: 0,
        twilio_concurrency: 30,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--flexcord" => args.flexcord = it.next().context("--flexcord needs a path")?.into(),
            "--original" => args.original = it.next().context("--original needs a path")?.into(),
            "--out" => args.out = it.next().context("--out needs a path")?.into(),
            "--quick" => args.quick = true,
            "--skip-original" => args.skip_original = true,
            "--rtt-ms" => args.rtt_ms = number("--rtt-ms", it.next().as_deref())?,
            "--twilio-concurrency" => {
                args.twilio_concurrency = number("--twilio-concurrency", it.next().as_deref())?;
            }
            other => anyhow::bail!(
                "unknown argument {other:?}; usage: flexcord-bench [--flexcord PATH] \
                 [--original PATH] [--out FILE] [--quick] [--skip-original] [--rtt-ms N \
                 [--twilio-concurrency N]]"
            ),
        }
    }
    Ok(args)
}

/// Progress lines go to stderr so stdout holds only the table.
fn progress(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "[bench] {line}");
}

fn paced_load(direction: Direction, rate: f64, secs: f64, users: usize) -> Load {
    Load {
        direction,
        rate,
        count: (rate * secs).round() as usize,
        users,
    }
}

/// Starts `program` in a rig (its output to `<logs>/<name>.log`) and reads its idle RSS.
async fn start_rig(
    kind: Kind,
    program: &std::path::Path,
    logs: &std::path::Path,
    name: &str,
) -> anyhow::Result<(Rig, u64)> {
    let log = logs.join(format!("{name}.log"));
    progress(&format!(
        "starting {} (log: {})",
        program.display(),
        log.display()
    ));
    let rig = Rig::start(kind, program, &log).await?;
    let idle_rss_kib = scenarios::rss_after(&rig, Duration::from_secs(2)).await?;
    Ok((rig, idle_rss_kib))
}

/// Twilio calls per relayed user message and per relayed agent message.
async fn steady_costs(rig: &Rig, sizes: &Sizes, tag: &str) -> anyhow::Result<(Cost, Cost)> {
    progress(&format!("{tag}steady-state cost"));
    let user = steady_cost(rig, Direction::UserToAgent, sizes.steady, sizes.users).await?;
    let agent = steady_cost(rig, Direction::AgentToUser, sizes.steady, sizes.users).await?;
    Ok((user, agent))
}

/// The paced latency runs: DMs at each of `latency_rates`, then agent messages at each of
/// `agent_rates`, checking the process is still alive after each.
async fn latency_runs(rig: &mut Rig, sizes: &Sizes, tag: &str) -> anyhow::Result<Vec<RunResult>> {
    let runs = sizes
        .latency_rates
        .iter()
        .map(|&rate| (Direction::UserToAgent, rate))
        .chain(
            sizes
                .agent_rates
                .iter()
                .map(|&rate| (Direction::AgentToUser, rate)),
        );
    let mut results = Vec::new();
    for (direction, rate) in runs {
        progress(&format!("{tag}latency {direction:?} at {rate}/s"));
        let run = paced(
            &*rig,
            paced_load(direction, rate, sizes.latency_secs, sizes.users),
        )
        .await?;
        results.push(run);
        rig.check_alive()?;
    }
    Ok(results)
}

/// The burst: `burst` DMs from `burst_users` users, spread over `burst_secs`.
fn burst_load(sizes: &Sizes) -> Load {
    Load {
        direction: Direction::UserToAgent,
        rate: sizes.burst as f64 / sizes.burst_secs,
        count: sizes.burst,
        users: sizes.burst_users,
    }
}

async fn bench_flexcord(
    args: &Args,
    sizes: &Sizes,
    logs: &std::path::Path,
) -> anyhow::Result<FlexcordResults> {
    let (mut rig, idle_rss_kib) =
        start_rig(Kind::Flexcord, &args.flexcord, logs, "flexcord").await?;
    let mut r = FlexcordResults {
        idle_rss_kib,
        ..FlexcordResults::default()
    };
    progress(&format!("idle RSS {} KiB", r.idle_rss_kib));

    progress("interaction acknowledgement");
    let (ack, missing) =
        scenarios::interaction_ack(&rig, 900_000, sizes.acks, sizes.ack_rate).await?;
    r.interaction_ack = Some(ack);
    r.interaction_missing = missing;

    progress("first-message cost (hand-off, one user at a time)");
    r.first_cost = Some(first_message_cost(&mut rig, 0, sizes.first).await?);
    progress(&format!("opening {} live-agent conversations", sizes.users));
    rig.open_conversations(sizes.first, sizes.users, 32).await?;
    r.rss_users_kib = scenarios::rss_after(&rig, Duration::from_secs(1)).await?;

    // Memory before any load, so the allocator's high-water mark from the load runs neither
    // hides nor inflates what conversations cost.
    progress(&format!(
        "opening conversations up to {}",
        sizes.memory_conversations
    ));
    rig.open_conversations(sizes.users, sizes.memory_conversations, 32)
        .await?;
    r.rss_before_memory_kib = r.rss_users_kib;
    r.rss_open_kib = scenarios::rss_after(&rig, Duration::from_secs(2)).await?;
    r.open_conversations = sizes.memory_conversations;
    r.added_conversations = sizes.memory_conversations - sizes.users;

    let (user_cost, agent_cost) = steady_costs(&rig, sizes, "").await?;
    (r.user_cost, r.agent_cost) = (Some(user_cost), Some(agent_cost));

    r.latency = latency_runs(&mut rig, sizes, "").await?;

    rig.discord.enforce_limits(true);
    for &rate in &sizes.ramp_rates {
        progress(&format!("throughput step {rate}/s (Discord limits on)"));
        let run = paced(
            &rig,
            paced_load(Direction::UserToAgent, rate, sizes.ramp_secs, sizes.users),
        )
        .await?;
        let sustained = run.sustained();
        r.ramp.push(run);
        rig.check_alive()?;
        if !sustained {
            break;
        }
    }

    progress("Discord-bound queueing (agent messages above Discord's limits, DMs alongside)");
    let agent = paced_load(
        Direction::AgentToUser,
        sizes.queue_rate,
        sizes.queue_secs,
        sizes.queue_users,
    );
    let users = paced_load(Direction::UserToAgent, 100.0, sizes.queue_secs, sizes.users);
    let (agent, users) = tokio::join!(paced(&rig, agent), paced(&rig, users));
    r.discord_queue = Some(agent?);
    r.queue_alongside = Some(users?);

    progress(&format!(
        "burst: {} DMs from {} users in {} s",
        sizes.burst, sizes.burst_users, sizes.burst_secs
    ));
    r.burst = Some(paced(&rig, burst_load(sizes)).await?);
    r.rss_after_load_kib = scenarios::rss_after(&rig, Duration::from_secs(1)).await?;
    rig.check_alive()?;
    rig.stop().await;
    Ok(r)
}

async fn bench_original(
    args: &Args,
    sizes: &Sizes,
    logs: &std::path::Path,
) -> anyhow::Result<ModelResults> {
    let (mut rig, idle_rss_kib) =
        start_rig(Kind::Original, &args.original, logs, "original-model").await?;
    let mut r = ModelResults {
        idle_rss_kib,
        ..ModelResults::default()
    };
    progress("model: first-message cost");
    r.first_cost = Some(first_message_cost(&mut rig, 0, sizes.first).await?);
    rig.open_conversations(sizes.first, sizes.users, 32).await?;
    let (user_cost, agent_cost) = steady_costs(&rig, sizes, "model: ").await?;
    (r.user_cost, r.agent_cost) = (Some(user_cost), Some(agent_cost));
    r.latency = latency_runs(&mut rig, sizes, "model: ").await?;
    rig.discord.enforce_limits(true);
    progress("model: burst");
    r.burst = Some(paced(&rig, burst_load(sizes)).await?);
    rig.stop().await;
    Ok(r)
}

/// The suite at real latency: each program in its own rig, one after the other.
async fn run_at_latency(args: &Args, logs: &std::path::Path) -> anyhow::Result<()> {
    let sizes = if args.quick {
        at_latency::Sizes::quick()
    } else {
        at_latency::Sizes::full()
    };
    let rtt = Duration::from_millis(args.rtt_ms);
    let limit = (args.twilio_concurrency > 0).then_some(args.twilio_concurrency);
    let mut programs = vec![(Kind::Flexcord, &args.flexcord, "flexcord")];
    if !args.skip_original {
        programs.push((Kind::Original, &args.original, "original-model"));
        programs.push((
            Kind::OriginalNonBlocking,
            &args.original,
            "original-model-non-blocking",
        ));
    }
    let mut results = Vec::new();
    for (kind, program, name) in programs {
        let (mut rig, _) = start_rig(kind, program, logs, name).await?;
        let measured = at_latency::run_program(&mut rig, &sizes, rtt, limit).await;
        rig.stop().await;
        results.push(measured?);
    }
    let mut results = results.into_iter();
    let flexcord = results.next().context("flexcord was not measured")?;
    let r = LatencyResults::new(
        args.quick,
        args.rtt_ms,
        limit,
        flexcord,
        results.next(),
        results.next(),
    );
    let _ = std::io::stdout()
        .lock()
        .write_all(latency_report::table(&r).as_bytes());
    let json = serde_json::to_string_pretty(&r.to_json()).context("encoding JSON")?;
    std::fs::write(&args.out, json)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    progress(&format!("wrote {}", args.out.display()));
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    let sizes = if args.quick {
        Sizes::quick()
    } else {
        Sizes::full()
    };
    let logs = args
        .out
        .parent()
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    if args.rtt_ms > 0 {
        return run_at_latency(&args, &logs).await;
    }

    let flexcord = bench_flexcord(&args, &sizes, &logs).await?;
    let original = if args.skip_original {
        None
    } else {
        Some(bench_original(&args, &sizes, &logs).await?)
    };
    let results = Results::new(args.quick, flexcord, original);
    let table = report::table(&results);
    let _ = std::io::stdout().lock().write_all(table.as_bytes());
    let json = serde_json::to_string_pretty(&results.to_json()).context("encoding JSON")?;
    std::fs::write(&args.out, json)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    progress(&format!("wrote {}", args.out.display()));
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr().lock(), "flexcord-bench: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
