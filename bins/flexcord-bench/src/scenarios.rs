//! The measurements: API cost, paced relay runs (latency, throughput, burst, Discord-bound
//! queueing), interaction acknowledgement and memory. Each returns plain numbers; `report`
//! turns them into the table and the JSON.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::discord_rest::DiscordRecord;
use crate::ids;
use crate::rig::{Rig, WAIT_LIMIT, wait_for};
use crate::stats::Summary;
use crate::twilio_rest::{TwilioCall, TwilioRecord};

/// Which way a relay goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Discord DM → Twilio message create.
    UserToAgent,
    /// Agent webhook → Discord message create.
    AgentToUser,
}

/// A paced run: `rate` relays per second for `count` relays, round-robin over `users`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Load {
    /// Which way.
    pub direction: Direction,
    /// Offered relays per second.
    pub rate: f64,
    /// How many relays.
    pub count: usize,
    /// Over how many conversations (users `0..users`).
    pub users: usize,
}

/// What came of a paced run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// What was offered.
    pub load: Load,
    /// Time from the event entering the bridge to the request at the other side.
    pub latency: Summary,
    /// What the bridge added: [`RunResult::latency`] less the round trips the fakes played on
    /// the relay's way (the design's own calls before the relayed request, and each attempt of
    /// that request refused with a 429 before it went through). Equal to `latency` at zero RTT.
    pub added: Summary,
    /// The round trip the fakes played, ms.
    pub rtt_ms: f64,
    /// Relays that arrived (once or more).
    pub delivered: usize,
    /// Relays that never arrived within the wait limit.
    pub lost: usize,
    /// Extra arrivals of a relay that had already arrived.
    pub duplicated: usize,
    /// Arrivals that came before an earlier relay of the same user.
    pub reordered: usize,
    /// Seconds from the first send to the last arrival.
    pub elapsed_s: f64,
    /// Seconds from the last send to the last arrival (how long the backlog took to drain).
    pub drain_s: f64,
    /// Relays per second actually achieved (delivered / elapsed).
    pub achieved_rate: f64,
    /// 429 answers the Discord fake gave during the run.
    pub discord_429: usize,
    /// Requests the Twilio fake received during the run (until the last arrival), 429s
    /// included.
    pub twilio_requests: usize,
    /// Of those, answered 429 (over the fake's concurrency limit).
    pub twilio_429: usize,
    /// The share of Twilio requests answered 429 in the second half of the run (once the
    /// client has had time to settle), when there were any requests then.
    pub twilio_429_settled: Option<f64>,
    /// CPU time (user + system) the process under test spent per delivered relay during the
    /// run, µs; `None` when it could not be read.
    pub cpu_us_per_relay: Option<f64>,
}

/// How long a model of the original may relay nothing before what is missing counts as lost
/// (it never retries, so nothing more will come).
const MODEL_QUIET: Duration = Duration::from_secs(5);

/// The p99 a throughput step must stay under to count as sustained.
pub const SUSTAINED_P99_MS: f64 = 10.0;

impl RunResult {
    /// Whether this run counts as sustained: nothing lost, nothing reordered, p99 under
    /// [`SUSTAINED_P99_MS`].
    #[must_use]
    pub fn sustained(&self) -> bool {
        self.lost == 0 && self.reordered == 0 && self.latency.p99_ms < SUSTAINED_P99_MS
    }
}

/// Twilio REST calls per event, by kind.
#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    /// Events measured.
    pub events: usize,
    /// Calls per event.
    pub calls_per_event: f64,
    /// Calls per event by kind.
    pub by_call: BTreeMap<String, f64>,
}

fn cost_of(records: &[TwilioRecord], events: usize) -> Cost {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let name = serde_json::to_value(r.call)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "other".into());
        *by.entry(name).or_insert(0) += 1;
    }
    let per = |n: usize| n as f64 / events.max(1) as f64;
    Cost {
        events,
        calls_per_event: per(records.len()),
        by_call: by.into_iter().map(|(k, v)| (k, per(v))).collect(),
    }
}

/// API cost of a conversation's first message: Twilio calls while users `from..to` are brought
/// to a live agent one at a time (flexcord: the hand-off; the model: its first message).
///
/// # Errors
///
/// When a user does not get there.
pub async fn first_message_cost(rig: &mut Rig, from: usize, to: usize) -> anyhow::Result<Cost> {
    let mark = rig.twilio.requests().mark();
    rig.open_conversations(from, to, 1).await?;
    Ok(cost_of(&rig.twilio.requests().since(mark), to - from))
}

/// API cost in steady state: Twilio calls per relayed message in `direction`, over `count`
/// relays to already open conversations.
///
/// # Errors
///
/// When the relays do not arrive.
pub async fn steady_cost(
    rig: &Rig,
    direction: Direction,
    count: usize,
    users: usize,
) -> anyhow::Result<Cost> {
    let mark = rig.twilio.requests().mark();
    let run = paced(
        rig,
        Load {
            direction,
            rate: 200.0,
            count,
            users,
        },
    )
    .await?;
    anyhow::ensure!(
        run.lost == 0,
        "{} relays lost while measuring cost",
        run.lost
    );
    // Let stragglers (retries, look-ups after the relay) land before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(cost_of(&rig.twilio.requests().since(mark), count))
}

/// Sends `load` at its rate, waits for every relay to arrive (or [`WAIT_LIMIT`] after the last
/// send), and measures.
///
/// # Errors
///
/// When a webhook cannot be sent.
pub async fn paced(rig: &Rig, load: Load) -> anyhow::Result<RunResult> {
    paced_through(rig, load, 0).await
}

/// One relay's request as a fake saw it.
#[derive(Debug, Clone)]
struct Arrival {
    at: Instant,
    seq: usize,
    /// The ordering key (conversation or channel).
    key: String,
    /// Answered 429 (refused, not processed).
    refused: bool,
}

/// [`paced`], for a design that makes `round_trips` requests of its own, one after the other,
/// before the relayed one (the model of the original: 2 Twilio look-ups before a DM's message
/// create, 1 before an agent message's Discord post); their round trips are taken out of
/// [`RunResult::added`].
///
/// # Errors
///
/// When a webhook cannot be sent.
pub async fn paced_through(rig: &Rig, load: Load, round_trips: u32) -> anyhow::Result<RunResult> {
    let rtt = rig.rtt();
    let twilio_mark = rig.twilio.requests().mark();
    let discord_mark = rig.discord.requests().mark();
    let cpu_before = rig.cpu_time().ok();
    let base = ids::next_seq(load.count);
    let mut sent: Vec<(Instant, usize)> = Vec::with_capacity(load.count);
    let start = Instant::now() + Duration::from_millis(5);
    let mut webhook_tasks = tokio::task::JoinSet::new();
    for k in 0..load.count {
        let due = start + Duration::from_secs_f64(k as f64 / load.rate);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let user = k % load.users.max(1);
        let text = format!("relay {}", ids::marker(base + k));
        match load.direction {
            Direction::UserToAgent => sent.push((rig.dm(user, &text), user)),
            Direction::AgentToUser => {
                let conv = rig.conversations.get(user).cloned().unwrap_or_default();
                let webhooks = rig.webhooks.clone();
                sent.push((Instant::now(), user));
                webhook_tasks.spawn(async move { webhooks.agent_message(&conv, &text).await });
            }
        }
    }
    let last_send = Instant::now();
    while let Some(done) = webhook_tasks.join_next().await {
        done??;
    }

    // Wait for the arrivals.
    let arrived = |rig: &Rig| -> Vec<Arrival> {
        match load.direction {
            Direction::UserToAgent => twilio_arrivals(&rig.twilio.requests().since(twilio_mark)),
            Direction::AgentToUser => discord_arrivals(&rig.discord.requests().since(discord_mark)),
        }
    };
    let wanted = base..base + load.count;
    let deadline = last_send + WAIT_LIMIT;
    let mut arrivals = arrived(rig);
    let (mut got_before, mut last_progress) = (0, Instant::now());
    loop {
        let got = arrivals
            .iter()
            .filter(|a| !a.refused && wanted.contains(&a.seq))
            .map(|a| a.seq)
            .collect::<std::collections::HashSet<_>>()
            .len();
        if got > got_before {
            (got_before, last_progress) = (got, Instant::now());
        }
        // The model never retries: once it has been quiet for a while, what is missing is lost.
        let given_up = rig.kind.is_model() && last_progress.elapsed() > MODEL_QUIET;
        if got >= load.count || Instant::now() > deadline || given_up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        arrivals = arrived(rig);
    }

    let cpu = cpu_before
        .zip(rig.cpu_time().ok())
        .map(|(before, after)| after.saturating_sub(before));
    let mut latencies = Vec::with_capacity(load.count);
    let mut added = Vec::with_capacity(load.count);
    let mut seen = vec![false; load.count];
    let mut refused = vec![0_u32; load.count];
    let mut duplicated = 0;
    let mut last_seq_of: HashMap<&str, usize> = HashMap::new();
    let mut reordered = 0;
    let mut last_arrival = start;
    for Arrival {
        at,
        seq,
        key,
        refused: was_refused,
    } in &arrivals
    {
        if !wanted.contains(seq) {
            continue;
        }
        let k = seq - base;
        if *was_refused {
            if let Some(n) = refused.get_mut(k) {
                *n += 1;
            }
            continue;
        }
        if seen.get(k).copied().unwrap_or(true) {
            duplicated += 1;
            continue;
        }
        if let Some(slot) = seen.get_mut(k) {
            *slot = true;
        }
        if let Some((sent_at, _)) = sent.get(k) {
            let latency = at.saturating_duration_since(*sent_at);
            let played = rtt * (round_trips + refused.get(k).copied().unwrap_or(0));
            latencies.push(latency);
            added.push(latency.saturating_sub(played));
        }
        match last_seq_of.insert(key.as_str(), *seq) {
            Some(prev) if prev > *seq => reordered += 1,
            _ => {}
        }
        last_arrival = last_arrival.max(*at);
    }
    let delivered = seen.iter().filter(|s| **s).count();
    let first = sent.first().map_or(start, |(t, _)| *t);
    let elapsed = last_arrival.saturating_duration_since(first).as_secs_f64();
    let discord_429 = rig
        .discord
        .requests()
        .since(discord_mark)
        .iter()
        .filter(|r| r.status == 429)
        .count();
    let twilio: Vec<TwilioRecord> = rig
        .twilio
        .requests()
        .since(twilio_mark)
        .into_iter()
        .filter(|r| r.at <= last_arrival)
        .collect();
    let middle = first + last_arrival.saturating_duration_since(first) / 2;
    let settled: Vec<&TwilioRecord> = twilio.iter().filter(|r| r.at >= middle).collect();
    let twilio_429_settled = (!settled.is_empty())
        .then(|| settled.iter().filter(|r| r.status == 429).count() as f64 / settled.len() as f64);
    Ok(RunResult {
        load,
        latency: Summary::of(&latencies),
        added: Summary::of(&added),
        rtt_ms: rtt.as_secs_f64() * 1000.0,
        delivered,
        lost: load.count - delivered,
        duplicated,
        reordered,
        elapsed_s: elapsed,
        drain_s: last_arrival
            .saturating_duration_since(last_send)
            .as_secs_f64(),
        achieved_rate: if elapsed > 0.0 {
            delivered as f64 / elapsed
        } else {
            0.0
        },
        discord_429,
        twilio_requests: twilio.len(),
        twilio_429: twilio.iter().filter(|r| r.status == 429).count(),
        twilio_429_settled,
        cpu_us_per_relay: cpu.map(|c| c.as_secs_f64() * 1e6 / delivered.max(1) as f64),
    })
}

/// Marked Twilio message creates (ordering key: the conversation); refused when answered 429.
fn twilio_arrivals(records: &[TwilioRecord]) -> Vec<Arrival> {
    records
        .iter()
        .filter(|r| r.call == TwilioCall::CreateMessage && (r.status < 300 || r.status == 429))
        .filter_map(|r| {
            Some(Arrival {
                at: r.at,
                seq: ids::parse_marker(r.body.as_deref()?)?,
                key: r.conversation.clone().unwrap_or_default(),
                refused: r.status == 429,
            })
        })
        .collect()
}

/// Marked Discord messages (ordering key: the channel); refused when answered 429.
fn discord_arrivals(records: &[DiscordRecord]) -> Vec<Arrival> {
    records
        .iter()
        .filter(|r| r.status < 300 || r.status == 429)
        .filter_map(|r| {
            Some(Arrival {
                at: r.at,
                seq: ids::parse_marker(r.content.as_deref()?)?,
                key: r.channel?.to_string(),
                refused: r.status == 429,
            })
        })
        .collect()
}

/// Interaction acknowledgement: `count` `/helpme` commands from fresh users `from..` at
/// `rate` per second; time from INTERACTION_CREATE to the callback request.
///
/// # Errors
///
/// When callbacks do not arrive.
pub async fn interaction_ack(
    rig: &Rig,
    from: usize,
    count: usize,
    rate: f64,
) -> anyhow::Result<(Summary, usize)> {
    let mark = rig.discord.requests().mark();
    let mut sent = HashMap::with_capacity(count);
    let start = Instant::now();
    for k in 0..count {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let (id, at) = rig.helpme(from + k);
        sent.insert(id, at);
    }
    let _ = wait_for(|| {
        let n = rig
            .discord
            .requests()
            .since(mark)
            .iter()
            .filter(|r| r.interaction.is_some())
            .count();
        (n >= count).then_some(())
    })
    .await;
    let mut latencies = Vec::with_capacity(count);
    for r in rig.discord.requests().since(mark) {
        if let Some(sent_at) = r.interaction.and_then(|id| sent.remove(&id)) {
            latencies.push(r.at.saturating_duration_since(sent_at));
        }
    }
    Ok((Summary::of(&latencies), sent.len()))
}

/// Waits up to `settle` for the process to go quiet, then reads its RSS.
///
/// # Errors
///
/// When RSS cannot be read.
pub async fn rss_after(rig: &Rig, settle: Duration) -> anyhow::Result<u64> {
    tokio::time::sleep(settle).await;
    rig.rss_kib()
}
