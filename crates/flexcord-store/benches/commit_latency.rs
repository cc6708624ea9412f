//! How long a relay's write takes on SQLite, alone: `Store::commit` of what the router records
//! for one relayed message (dedupe key, the session with one more transcript line, one outbox
//! entry handed to a delivery worker), at a fixed offered rate over many open sessions, with the
//! worker settling deliveries and the background checkpoints running as in `flexcord run`.
//!
//! Prints p50 / p99 / max per rate. A plain binary (`harness = false`): `cargo test` never runs
//! it, and it asserts nothing about time.
//!
//! ```sh
//! cargo bench -p flexcord-store --bench commit_latency            # default rates
//! cargo bench -p flexcord-store --bench commit_latency -- 10 500  # chosen rates
//! cargo bench -p flexcord-store --bench commit_latency -- --lines 50  # chats under way
//! ```

#![expect(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a benchmark: a failed setup aborts it, and printing the result is its job"
)]

use std::time::{Duration, Instant};

use flexcord_core::content::MessageContent;
use flexcord_core::ids::{ChannelId, ConversationSid, Identity, MessageId, UserId};
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore};
use flexcord_core::session::{Session, SessionState, Speaker, TranscriptLine};
use flexcord_store::{Store, StoreConfig};

const SESSIONS: usize = 1_000;
const SECONDS: f64 = 5.0;
/// What the worker waits before settling, as `flexcord run` does.
const SETTLE_WINDOW: Duration = Duration::from_millis(5);

fn line(name: &str, seq: u64) -> TranscriptLine {
    TranscriptLine {
        speaker: Speaker::User,
        name: name.to_owned(),
        text: format!("relay {seq}: my game crashes when I open the map"),
        at_ms: seq,
    }
}

fn session(i: usize, lines: usize) -> Session {
    let user = UserId(1_000_000 + i as u64);
    let mut s = Session::new(user, format!("user{i}"), ChannelId(2_000_000 + i as u64));
    s.state = SessionState::WithAgent;
    s.conversation = Some(ConversationSid::parse(&format!("CH{i:032x}")).unwrap());
    s.agent_name = Some("Ada".into());
    s.transcript = (0..lines as u64).map(|n| line(&s.user_name, n)).collect();
    s
}

fn relay(s: &Session, seq: u64) -> Commit {
    let mut next = s.clone();
    next.transcript.push(line(&s.user_name, seq));
    Commit {
        dedupe_key: Some(format!("dc:msg:{seq}")),
        outbox: vec![OutboxMessage::ToConversation {
            conversation: s.conversation.clone().unwrap(),
            author: Identity::for_user(s.user),
            source: MessageId(seq),
            content: MessageContent::text(format!(
                "relay {seq}: my game crashes when I open the map"
            )),
        }],
        session: Some(next),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Numbers are offered rates; `--lines N` starts every transcript with N lines (a chat well
    // under way). `cargo bench` adds `--bench`, which is ignored.
    let mut rates = Vec::new();
    let mut lines = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--lines" {
            lines = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        } else if let Ok(rate) = arg.parse() {
            rates.push(rate);
        }
    }
    if rates.is_empty() {
        rates = vec![10.0, 45.0, 100.0, 500.0, 1_000.0];
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&StoreConfig::new(url)).await.unwrap();
    let checkpoints = store.spawn_checkpoints();
    let mut handed = store
        .lease_new_entries("bench", Duration::from_secs(30))
        .unwrap();
    let settler = {
        let store = store.clone();
        tokio::spawn(async move {
            while let Some(first) = handed.recv().await {
                tokio::time::sleep(SETTLE_WINDOW).await;
                let mut ids = vec![first.entry.id];
                while let Ok(more) = handed.try_recv() {
                    ids.push(more.entry.id);
                }
                store.complete_many(&ids).await.unwrap();
            }
        })
    };

    let mut sessions: Vec<Session> = (0..SESSIONS).map(|i| session(i, lines)).collect();
    for s in &mut sessions {
        let commit = Commit {
            session: Some(s.clone()),
            ..Commit::default()
        };
        store.commit(&commit).await.unwrap();
        s.version = 1;
    }
    println!("transcripts start with {lines} lines\n");
    println!("| offered rate | commits | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|");
    let mut seq = 1_u64;
    for rate in rates {
        let count = (rate * SECONDS) as usize;
        let mut took = Vec::with_capacity(count);
        let start = Instant::now();
        for k in 0..count {
            let due = start + Duration::from_secs_f64(k as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
            let s = &mut sessions[k % SESSIONS];
            let commit = relay(s, seq);
            seq += 1;
            let began = Instant::now();
            let outcome = store.commit(&commit).await.unwrap();
            took.push(began.elapsed());
            assert!(matches!(outcome, CommitOutcome::Committed { .. }));
            *s = commit.session.unwrap();
            s.version += 1;
        }
        took.sort_unstable();
        println!(
            "| {rate}/s | {count} | {:.3} | {:.3} | {:.3} |",
            percentile(&took, 0.5),
            percentile(&took, 0.99),
            percentile(&took, 1.0)
        );
    }
    settler.abort();
    if let Some(task) = checkpoints {
        task.abort();
    }
}
