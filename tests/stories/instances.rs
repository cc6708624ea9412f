//! Three instances of the bridge on one PostgreSQL and one (fake) Discord: exactly one holds
//! the gateway session, the others stand by; each DM and interaction is handled once, in each
//! user's order, when the holder is killed mid-burst and through a rolling restart. Runs when
//! `FLEXCORD_TEST_POSTGRES_URL` is set (`.ci/run` sets it).

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use discord_fake::rest;
use tempfile::TempDir;
use tokio::process::{Child, Command};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::harness::{Options, Player, WAIT, World, fresh_postgres_database, request};
use crate::live_chat::hand_off;

/// Discord refuses a second acknowledgement of one interaction (40060); the wiremock default
/// answers every callback 204, which would hide interactions answered twice.
#[derive(Default, Clone)]
struct OneAckPerInteraction(Arc<Mutex<HashSet<String>>>);

impl Respond for OneAckPerInteraction {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .path_segments()
            .and_then(|mut s| s.nth(3))
            .unwrap_or_default()
            .to_owned();
        let first = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        if first {
            ResponseTemplate::new(204)
        } else {
            ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "code": 40060, "message": "Interaction has already been acknowledged."
            }))
        }
    }
}

/// One bridge process of the three.
struct Instance {
    port: u16,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Instance {
    async fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let log_err = log.try_clone().expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_flexcord"))
            .arg("run")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn flexcord");
        self.child = Some(child);
        // Ready: the holder once connected, a standby at once.
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.readyz().await.0 != 200 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "instance on {} never ready:\n{}",
                self.port,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`: no shutdown at all.
    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// SIGTERM, and a clean exit.
    async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        matches!(
            tokio::time::timeout(WAIT, child.wait()).await,
            Ok(Ok(status)) if status.success()
        )
    }

    async fn readyz(&self) -> (u16, String) {
        self.get("/readyz").await
    }

    async fn get(&self, path: &str) -> (u16, String) {
        request(
            "GET",
            &format!("http://127.0.0.1:{}{path}", self.port),
            &[],
            bytes::Bytes::new(),
        )
        .await
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// CPU time the process used so far, in clock ticks (Linux `/proc/<pid>/stat`).
    fn cpu_ticks(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    }
}

/// The fakes (from a [`World`] whose own bridge made way) and three instances beside them.
struct Cluster {
    world: World,
    instances: Vec<Instance>,
    _dir: TempDir,
}

impl Cluster {
    async fn start() -> Option<Self> {
        let database_url = fresh_postgres_database()?;
        let mut world = World::start_with(Options {
            database_url: Some(database_url),
            // The bursts here send a player's DMs far faster than a person types; the per-user
            // limits (their own stories) would refuse some, and these stories count every one.
            env: vec![("FLEXCORD_LIMITS".to_owned(), "off".to_owned())],
            ..Options::default()
        })
        .await;
        Mock::given(wiremock::matchers::method("POST"))
            .and(wiremock::matchers::path_regex(
                r"^/api/v10/interactions/\d+/[^/]+/callback$",
            ))
            .respond_with(OneAckPerInteraction::default())
            .with_priority(1)
            .mount(&world.discord)
            .await;
        // The world's own bridge makes way for three instances on the same database and fakes;
        // the first takes its address (where Twilio's webhooks go: "behind one address").
        let port = world.bridge.port;
        assert!(world.terminate().await, "clean exit");
        let env = world.bridge_envs();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut instances = Vec::new();
        for (i, name) in ["a", "b", "c"].into_iter().enumerate() {
            let port = if i == 0 { port } else { free_port() };
            let mut env = env.clone();
            env.retain(|(k, _)| k != "FLEXCORD_LISTEN");
            env.push(("FLEXCORD_LISTEN".to_owned(), format!("127.0.0.1:{port}")));
            let mut instance = Instance {
                port,
                env,
                log: dir.path().join(format!("{name}.log")),
                child: None,
            };
            instance.start().await;
            instances.push(instance);
        }
        Some(Self {
            world,
            instances,
            _dir: dir,
        })
    }

    /// The index of the one instance whose gateway is connected, once there is exactly one and
    /// every running instance names it as the owner.
    async fn holder(&self) -> usize {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mut connected = Vec::new();
            let mut standby = 0;
            let mut running = 0;
            for (i, instance) in self.instances.iter().enumerate() {
                if instance.child.is_none() {
                    continue;
                }
                running += 1;
                let (_, body) = instance.readyz().await;
                if body.contains("gateway: connected") {
                    connected.push(i);
                } else if body.contains("gateway: standby") {
                    standby += 1;
                }
            }
            if let [one] = connected[..]
                && standby + 1 == running
            {
                return one;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no single gateway holder: connected {connected:?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn logs(&self) -> String {
        self.instances
            .iter()
            .enumerate()
            .map(|(i, instance)| {
                let text = instance.log_text();
                let lines: Vec<&str> = text.lines().collect();
                format!(
                    "--- instance {i} ---\n{}",
                    lines[lines.len().saturating_sub(40)..].join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// No instance logged a failed interaction acknowledgement.
    fn assert_no_failed_ack(&self) {
        for instance in &self.instances {
            assert!(
                !instance
                    .log_text()
                    .contains("could not acknowledge interaction"),
                "a failed acknowledgement was logged:\n{}",
                self.logs()
            );
        }
    }

    /// Sends `count` numbered DMs from `player` and, every fifth, a `/helpme` in the DM;
    /// returns the texts and the interaction ids.
    fn burst(&self, player: &Player, from: usize, count: usize) -> (Vec<String>, Vec<u64>) {
        let mut texts = Vec::new();
        let mut interactions = Vec::new();
        for n in from..from + count {
            let text = format!("burst {} #{n:03}", player.fixture.name);
            self.world.dm(player, &text);
            texts.push(text);
            if n % 5 == 4 {
                interactions.push(self.world.slash(player, "helpme", true, &[]));
            }
        }
        (texts, interactions)
    }

    /// Waits until the conversation holds every one of `texts`; then checks that each is there
    /// exactly once, in the order sent.
    async fn assert_relayed_once_in_order(&self, conversation: &str, texts: &[String]) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let bodies: Vec<String> = self
                .world
                .twilio
                .messages(conversation)
                .into_iter()
                .filter_map(|m| m.body)
                .filter(|b| b.starts_with("burst "))
                .collect();
            if texts.iter().all(|t| bodies.contains(t)) {
                assert_eq!(&bodies, texts, "each once, in the order sent");
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "missing relays: got {bodies:#?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Each interaction was acknowledged and answered, and answered once.
    async fn assert_answered_once(&self, interactions: &[u64]) {
        for &id in interactions {
            self.world.interaction_reply(id).await;
            let token = format!("itoken-{id}");
            let edits = rest::requests(
                &self.world.discord,
                "PATCH",
                &format!("/api/v10/webhooks/*/{token}/messages/*"),
            )
            .await
            .len();
            let posts = rest::requests(
                &self.world.discord,
                "POST",
                &format!("/api/v10/webhooks/*/{token}"),
            )
            .await
            .len();
            assert_eq!(edits + posts, 1, "interaction {id} answered once");
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn three_instances_hold_one_gateway_session_and_handle_each_event_once() {
    let Some(cluster) = Cluster::start().await else {
        return;
    };
    let holder = cluster.holder().await;
    let owner_line = cluster.instances[holder]
        .readyz()
        .await
        .1
        .lines()
        .find(|l| l.starts_with("gateway owner:"))
        .map(str::to_owned)
        .expect("the owner is named");
    for instance in &cluster.instances {
        assert!(
            instance.readyz().await.1.contains(&owner_line),
            "every instance names the same owner"
        );
    }
    let metrics = cluster.instances[holder].get("/metrics").await.1;
    assert!(metrics.contains("flexcord_gateway_held 1"), "{metrics}");

    let players = [Player::new("Ivy"), Player::new("Jon"), Player::new("Kai")];
    let mut conversations = Vec::new();
    for player in &players {
        conversations.push(hand_off(&cluster.world, player).await);
    }
    let cpu_before: Vec<Option<u64>> = cluster.instances.iter().map(Instance::cpu_ticks).collect();
    let mut sent = Vec::new();
    let mut interactions = Vec::new();
    for player in &players {
        let (texts, ids) = cluster.burst(player, 0, 20);
        sent.push(texts);
        interactions.extend(ids);
    }
    for (conversation, texts) in conversations.iter().zip(&sent) {
        cluster
            .assert_relayed_once_in_order(conversation, texts)
            .await;
    }
    cluster.assert_answered_once(&interactions).await;
    for &id in &interactions {
        let callbacks = rest::interaction_callbacks(&cluster.world.discord)
            .await
            .into_iter()
            .filter(|(i, _)| *i == id)
            .count();
        assert_eq!(callbacks, 1, "interaction {id} acknowledged once");
    }
    cluster.assert_no_failed_ack();
    let log = cluster.world.gateway.log();
    assert_eq!(
        (
            log.open_sessions,
            log.most_open_sessions,
            log.identifies.len()
        ),
        (1, 1, 1),
        "one gateway session for the three: the first bridge's, resumed"
    );
    // The per-instance gateway cost, for docs/benchmarks.md.
    for (i, instance) in cluster.instances.iter().enumerate() {
        let used = instance
            .cpu_ticks()
            .zip(cpu_before[i])
            .map(|(after, before)| after.saturating_sub(before));
        eprintln!(
            "instance {i} ({}): {:?} CPU ticks over the burst of 60 DMs and 12 interactions",
            if i == holder { "holder" } else { "standby" },
            used
        );
    }
}

#[tokio::test]
async fn killing_the_holder_mid_burst_a_standby_resumes_and_nothing_is_lost_or_doubled() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    let players = [Player::new("Lea"), Player::new("Max")];
    let mut conversations = Vec::new();
    for player in &players {
        conversations.push(hand_off(&cluster.world, player).await);
    }
    let holder = cluster.holder().await;
    let mut sent = vec![Vec::new(), Vec::new()];
    let mut interactions = Vec::new();
    for (p, player) in players.iter().enumerate() {
        let (texts, ids) = cluster.burst(player, 0, 15);
        sent[p].extend(texts);
        interactions.extend(ids);
    }
    // Killed in the middle of handling that burst.
    let killed_at = tokio::time::Instant::now();
    cluster.instances[holder].kill().await;
    // Sent while no instance is connected: Discord keeps them for the session.
    for (p, player) in players.iter().enumerate() {
        let (texts, ids) = cluster.burst(player, 15, 10);
        sent[p].extend(texts);
        interactions.extend(ids);
    }
    let successor = cluster.holder().await;
    let takeover = killed_at.elapsed();
    eprintln!("takeover after kill -9 of the holder: {takeover:?}");
    assert_ne!(successor, holder);
    for (p, player) in players.iter().enumerate() {
        let (texts, ids) = cluster.burst(player, 25, 10);
        sent[p].extend(texts);
        interactions.extend(ids);
    }
    for (conversation, texts) in conversations.iter().zip(&sent) {
        cluster
            .assert_relayed_once_in_order(conversation, texts)
            .await;
    }
    cluster.assert_answered_once(&interactions).await;
    let log = cluster.world.gateway.log();
    assert_eq!(log.most_open_sessions, 1, "never two sessions");
    assert_eq!(
        (log.identifies.len(), log.refused_resumes),
        (1, 0),
        "the standby resumed the session; nothing was read from history"
    );
    // The ack is not counted here: events the dead holder handled after its last recorded
    // sequence are replayed to the successor, whose acknowledgement Discord refuses; the
    // router sees them as the duplicates they are.
}

#[tokio::test]
async fn a_rolling_restart_loses_and_doubles_nothing_and_never_opens_two_sessions() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    let players = [Player::new("Noa"), Player::new("Oli")];
    let mut conversations = Vec::new();
    for player in &players {
        conversations.push(hand_off(&cluster.world, player).await);
    }
    let mut sent = vec![Vec::new(), Vec::new()];
    let mut interactions = Vec::new();
    let mut next = 0;
    for i in 0..cluster.instances.len() {
        for (p, player) in players.iter().enumerate() {
            let (texts, ids) = cluster.burst(player, next, 5);
            sent[p].extend(texts);
            interactions.extend(ids);
        }
        next += 5;
        assert!(cluster.instances[i].terminate().await, "clean exit");
        // Sent during the hand-over.
        for (p, player) in players.iter().enumerate() {
            let (texts, ids) = cluster.burst(player, next, 5);
            sent[p].extend(texts);
            interactions.extend(ids);
        }
        next += 5;
        cluster.instances[i].start().await;
        cluster.holder().await;
    }
    for (conversation, texts) in conversations.iter().zip(&sent) {
        cluster
            .assert_relayed_once_in_order(conversation, texts)
            .await;
    }
    cluster.assert_answered_once(&interactions).await;
    cluster.assert_no_failed_ack();
    let log = cluster.world.gateway.log();
    assert_eq!(log.most_open_sessions, 1, "never two sessions");
    assert_eq!(
        (log.identifies.len(), log.refused_resumes),
        (1, 0),
        "every new holder resumed the one session"
    );
}

#[tokio::test]
async fn an_instance_with_the_gateway_off_never_connects_and_says_who_holds_it() {
    let Some(mut cluster) = Cluster::start().await else {
        return;
    };
    let holder = cluster.holder().await;
    let connects = cluster.world.gateway.log().connect_uris.len();
    let mut env = cluster.instances[0].env.clone();
    env.retain(|(k, _)| k != "FLEXCORD_LISTEN");
    let port = free_port();
    env.push(("FLEXCORD_LISTEN".to_owned(), format!("127.0.0.1:{port}")));
    env.push(("FLEXCORD_GATEWAY".to_owned(), "off".to_owned()));
    let mut off = Instance {
        port,
        env,
        log: cluster.instances[0].log.with_file_name("off.log"),
        child: None,
    };
    off.start().await;
    let holder_id = cluster.instances[holder]
        .readyz()
        .await
        .1
        .lines()
        .find_map(|l| l.strip_prefix("instance: ").map(str::to_owned))
        .expect("the holder's id");
    // Its view of the holder is refreshed every second.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = off.readyz().await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("gateway: off"), "{body}");
        if body.contains(&format!("gateway owner: {holder_id}")) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The holder gone, the off instance still never connects: the standbys take over.
    cluster.instances[holder].kill().await;
    cluster.holder().await;
    assert!(off.log_text().contains("FLEXCORD_GATEWAY=off"));
    assert_eq!(
        cluster.world.gateway.log().connect_uris.len(),
        connects + 1,
        "one connection: the successor's"
    );
    assert!(off.terminate().await);
}
