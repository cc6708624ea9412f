//! The world the stories run in: the real `flexcord` binary as a child process, a fake Discord
//! gateway (websocket) and REST API (wiremock), and a stateful Twilio fake that signs its
//! webhooks and plays the agent. Everything on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use discord_fake::FakeGateway;
use discord_fake::fixtures::{self, FixtureUser, InteractionFixture};
use discord_fake::rest::{self, FakeDiscordRest};
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tempfile::TempDir;
use tokio::process::{Child, Command};
use twilio_fake::{TwilioFake, TwilioFakeConfig};
use wiremock::MockServer;

/// Upper bound for anything we wait for. Generous: CI machines are shared and slow.
pub const WAIT: Duration = Duration::from_secs(20);

pub const WORKSPACE_SID: &str = "WS00000000000000000000000000000001";
pub const WORKFLOW_SID: &str = "WW00000000000000000000000000000001";
pub const TASK_CHANNEL_SID: &str = "TC00000000000000000000000000000001";
pub const ANNOUNCE_TOKEN: &str = "announce-secret";

static IDS: AtomicU64 = AtomicU64::new(5_000_000);

/// A fresh snowflake for fixtures.
pub fn next_id() -> u64 {
    IDS.fetch_add(1, Ordering::Relaxed)
}

/// A fresh message id made now, as Discord makes them: the time in the high bits, so that
/// "messages after a moment" (the catch-up after a restart) means what it does on Discord.
pub fn message_id() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    flexcord_discord::catch_up::snowflake_at(now) | (next_id() & 0x3f_ffff)
}

/// How to start the world.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `studio` instead of the default `bridge` routing.
    pub studio: bool,
    /// A database URL instead of a fresh SQLite file.
    pub database_url: Option<String>,
    /// Extra environment for the binary.
    pub env: Vec<(String, String)>,
}

/// The bridge process.
pub struct Bridge {
    child: Option<Child>,
    pub port: u16,
    env: Vec<(String, String)>,
    log: PathBuf,
    starts: usize,
}

/// Everything a story needs.
pub struct World {
    pub gateway: FakeGateway,
    pub discord: MockServer,
    pub rest: FakeDiscordRest,
    pub twilio: TwilioFake,
    pub bridge: Bridge,
    /// Holds the database and the log; removed when the world is dropped.
    _dir: TempDir,
}

/// A Discord user in the stories.
#[derive(Debug, Clone)]
pub struct Player {
    pub fixture: FixtureUser,
}

impl Player {
    pub fn new(name: &str) -> Self {
        Self {
            fixture: FixtureUser::human(next_id(), name),
        }
    }
    /// The DM channel the fake REST hands out for this user.
    pub fn dm(&self) -> u64 {
        rest::dm_channel_id(self.fixture.id)
    }
    pub fn identity(&self) -> String {
        format!("discord:{}", self.fixture.id)
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh database on the PostgreSQL test server (`FLEXCORD_TEST_POSTGRES_URL`), so runs never
/// see each other's rows. `None`, after a notice, when no server is configured; in CI
/// (`CI=true`) a missing server is a failure.
pub fn fresh_postgres_database() -> Option<String> {
    let Ok(url) = std::env::var("FLEXCORD_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but FLEXCORD_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL"
        );
        eprintln!("FLEXCORD_TEST_POSTGRES_URL not set: no PostgreSQL story run");
        return None;
    };
    let name = format!("flexcord_stories_{}_{}", std::process::id(), next_id());
    let created = std::process::Command::new("psql")
        .arg(&url)
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .expect("psql runs");
    assert!(created.success(), "could not create database {name}");
    let base = url
        .rsplit_once('/')
        .map_or(url.as_str(), |(base, _)| base)
        .to_owned();
    Some(format!("{base}/{name}"))
}

/// The same stories are built twice (see bins/flexcord/Cargo.toml): `stories` keeps the store in
/// a SQLite file, `stories_postgres` in a fresh PostgreSQL database per world.
fn on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "stories_postgres"
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl World {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let gateway = FakeGateway::start().await.expect("fake gateway");
        let discord = MockServer::start().await;
        let rest = rest::mount_discord_defaults(&discord).await;
        for name in [
            "announcements",
            "bug-report",
            "feature-request",
            "customer-service",
        ] {
            rest.add_channel(name);
        }
        let port = free_port();
        let public_url = format!("http://127.0.0.1:{port}");
        let mut twilio_config = TwilioFakeConfig::default();
        if options.studio {
            twilio_config.studio.enabled = true;
            twilio_config.studio.chatbot_url = Some(format!("{public_url}/chatbot-to-discord"));
            twilio_config.studio.workspace_sid = WORKSPACE_SID.to_owned();
            twilio_config.studio.workflow_sid = WORKFLOW_SID.to_owned();
        }
        let twilio = TwilioFake::start(twilio_config).await.expect("twilio fake");
        let database_url = options
            .database_url
            .clone()
            .or_else(|| {
                if on_postgres() {
                    fresh_postgres_database()
                } else {
                    None
                }
            })
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("flexcord.db").display()));
        let mut env: Vec<(String, String)> = [
            ("DISCORD_TOKEN", "test-token".to_owned()),
            (
                "DISCORD_APPLICATION_ID",
                fixtures::APPLICATION_ID.to_string(),
            ),
            ("DISCORD_GUILD_ID", fixtures::GUILD_ID.to_string()),
            ("DISCORD_GATEWAY_URL", gateway.url().to_owned()),
            ("DISCORD_API_PROXY", discord.address().to_string()),
            ("TWILIO_ACCOUNT_SID", twilio.config().account_sid.clone()),
            ("TWILIO_AUTH_TOKEN", twilio.config().auth_token.clone()),
            ("TWILIO_API_BASE_URL", twilio.base_url().to_owned()),
            (
                "TWILIO_CHAT_SERVICE_SID",
                twilio.config().chat_service_sid.clone(),
            ),
            ("TWILIO_WORKSPACE_SID", WORKSPACE_SID.to_owned()),
            ("TWILIO_WORKFLOW_SID", WORKFLOW_SID.to_owned()),
            (
                "FLEXCORD_ROUTING",
                if options.studio { "studio" } else { "bridge" }.to_owned(),
            ),
            ("FLEXCORD_PUBLIC_URL", public_url),
            ("FLEXCORD_LISTEN", format!("127.0.0.1:{port}")),
            ("FLEXCORD_DATABASE_URL", database_url),
            (
                "FLEXCORD_KB_DIR",
                repo_root().join("kb").display().to_string(),
            ),
            ("FLEXCORD_ANNOUNCE_TOKEN", ANNOUNCE_TOKEN.to_owned()),
            ("RUST_LOG", "info,flexcord=debug".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if options.studio {
            env.push((
                "TWILIO_TASK_CHANNEL_SID".to_owned(),
                TASK_CHANNEL_SID.to_owned(),
            ));
        }
        env.extend(options.env);
        let bridge = Bridge {
            child: None,
            port,
            env,
            log: dir.path().join("flexcord.log"),
            starts: 0,
        };
        let mut world = Self {
            gateway,
            discord,
            rest,
            twilio,
            bridge,
            _dir: dir,
        };
        if options.studio {
            world.install_flow().await;
        }
        world.launch().await;
        world
    }

    /// Studio mode: `flexcord setup twilio` installs the shipped flow into the fake, as an
    /// operator would, so the fake runs the real definition; the bridge then uses its sid.
    async fn install_flow(&mut self) {
        // No flow sid yet: setup creates the flow and prints its sid.
        let out = self.cli(&["setup", "twilio"]).await;
        let sid = out
            .split("TWILIO_STUDIO_FLOW_SID=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("setup twilio printed no flow sid:\n{out}"))
            .to_owned();
        self.bridge
            .env
            .push(("TWILIO_STUDIO_FLOW_SID".to_owned(), sid));
    }

    /// Starts the binary and waits until it is ready (gateway connected — identified, or its
    /// recorded session resumed —, HTTP answering).
    async fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.bridge.log)
            .expect("log file");
        let log_err = log.try_clone().expect("log file");
        let child = self
            .flexcord(&["run"])
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .expect("spawn flexcord");
        self.bridge.child = Some(child);
        self.bridge.starts += 1;
        let ready = tokio::time::timeout(WAIT, async {
            loop {
                let (status, body) = request("GET", &self.readyz_url(), &[], Bytes::new()).await;
                if status == 200 && body.contains("gateway: connected") {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        if ready.is_err() {
            panic!("flexcord did not become ready:\n{}", self.log_tail());
        }
    }

    /// Kills the bridge with SIGKILL (no shutdown at all) and starts it again on the same
    /// database and fakes.
    pub async fn crash_and_restart(&mut self) {
        if let Some(mut child) = self.bridge.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
        self.launch().await;
    }

    /// Kills the bridge with SIGKILL (no shutdown at all); [`World::start_again`] starts it
    /// again on the same database and fakes.
    // `allow`, not `expect`: this module is compiled into both story crates, and only one of
    // them leaves it unused.
    #[allow(dead_code, reason = "only the SQLite stories (storage faults) use it")]
    pub async fn crash(&mut self) {
        if let Some(mut child) = self.bridge.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Makes Discord hold its answer to the next message created in `player`'s DM that
    /// contains `text` for a minute. Once [`World::dm_sent`] saw it, a crash lands while that
    /// delivery is in flight: maybe created, not settled, its lease held by the process that
    /// dies. Later sends are answered as usual.
    pub async fn hold_dm_in_flight(&self, player: &Player, text: &str) {
        use wiremock::matchers::{body_string_contains, method, path};
        wiremock::Mock::given(method("POST"))
            .and(path(format!("/api/v10/channels/{}/messages", player.dm())))
            .and(body_string_contains(text))
            .respond_with(wiremock::ResponseTemplate::new(503).set_delay(Duration::from_secs(60)))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&self.discord)
            .await;
    }

    /// Waits until a message containing `text` was sent to `player`'s DM.
    pub async fn dm_sent(&self, player: &Player, text: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.dm_texts(player).await.iter().any(|t| t.contains(text)) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no DM containing {text:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the bridge again after [`World::terminate`], on the same database and fakes.
    pub async fn start_again(&mut self) {
        self.launch().await;
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status's success.
    pub async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.bridge.child.take() else {
            return false;
        };
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        match tokio::time::timeout(WAIT, child.wait()).await {
            Ok(Ok(status)) => status.success(),
            _ => false,
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.bridge.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(80)..].join("\n")
    }

    /// Runs a one-shot `flexcord` command (`cases`, `outbox`, …) with the bridge's environment,
    /// as an operator would beside the running bridge; returns what it printed.
    pub async fn cli(&self, args: &[&str]) -> String {
        let out = self.flexcord(args).output().await.expect("run flexcord");
        assert!(
            out.status.success(),
            "flexcord {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Like [`World::cli`] for a command that may fail: its whole output.
    pub async fn cli_output(&self, args: &[&str]) -> std::process::Output {
        self.flexcord(args).output().await.expect("run flexcord")
    }

    /// Like [`World::cli`] for a command that must fail (exit status 1); returns its stderr.
    pub async fn cli_failing(&self, args: &[&str]) -> String {
        let out = self.flexcord(args).output().await.expect("run flexcord");
        assert_eq!(
            out.status.code(),
            Some(1),
            "flexcord {args:?} did not fail:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `flexcord <args>` with exactly the bridge's environment.
    fn flexcord(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flexcord"));
        command.args(args).env_clear().envs(
            self.bridge
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        command
    }

    /// The whole environment the bridge was started with (to start more instances beside it).
    // `allow`, not `expect`: only the PostgreSQL stories use it.
    #[allow(dead_code, reason = "only the several-instance stories use it")]
    pub fn bridge_envs(&self) -> Vec<(String, String)> {
        self.bridge.env.clone()
    }

    /// A variable the bridge was started with.
    pub fn bridge_env(&self, name: &str) -> String {
        self.bridge
            .env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// `/readyz` on the admin listener when there is one (`FLEXCORD_ADMIN_LISTEN`), else on
    /// the public one.
    fn readyz_url(&self) -> String {
        match self.bridge_env("FLEXCORD_ADMIN_LISTEN") {
            admin if admin.is_empty() => self.url("/readyz"),
            admin => format!("http://{admin}/readyz"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.bridge.port)
    }

    // ---- Discord side -------------------------------------------------------------------

    /// The user sends a DM to the bot.
    pub fn dm(&self, player: &Player, text: &str) -> u64 {
        self.dm_with(player, text, &[])
    }

    /// The user writes a DM while the bridge is not running: Discord keeps it in the channel's
    /// history, and nobody receives its gateway event.
    pub fn dm_while_down(&self, player: &Player, text: &str) -> u64 {
        let id = message_id();
        self.rest.add_history(fixtures::dm_message(
            id,
            player.dm(),
            &player.fixture,
            text,
            &[],
        ));
        id
    }

    /// The user sends a DM with attachments.
    pub fn dm_with(
        &self,
        player: &Player,
        text: &str,
        files: &[fixtures::AttachmentFixture],
    ) -> u64 {
        let id = message_id();
        let message = fixtures::dm_message(id, player.dm(), &player.fixture, text, files);
        self.rest.add_history(message.clone());
        self.gateway.dispatch("MESSAGE_CREATE", message);
        id
    }

    fn interaction(&self, player: &Player, in_dm: bool) -> InteractionFixture {
        self.interaction_with(player, in_dm, 0)
    }

    fn interaction_with(
        &self,
        player: &Player,
        in_dm: bool,
        permissions: u64,
    ) -> InteractionFixture {
        if in_dm {
            InteractionFixture::in_dm(next_id(), player.fixture.clone(), player.dm())
        } else {
            let channel = self
                .rest
                .channel_named("customer-service")
                .and_then(|c| c["id"].as_str().and_then(|s| s.parse().ok()))
                .unwrap_or(1);
            InteractionFixture::in_guild(
                next_id(),
                player.fixture.clone(),
                channel,
                Vec::new(),
                permissions,
            )
        }
    }

    /// A slash command; returns the interaction id.
    pub fn slash(
        &self,
        player: &Player,
        name: &str,
        in_dm: bool,
        options: &[(&str, Value)],
    ) -> u64 {
        let i = self.interaction(player, in_dm);
        self.gateway
            .dispatch("INTERACTION_CREATE", i.slash_command(name, options));
        i.id
    }

    /// A slash command from a Discord client set to `locale` (`hi`, `pt-BR`); returns the
    /// interaction id.
    pub fn slash_in_locale(&self, player: &Player, name: &str, in_dm: bool, locale: &str) -> u64 {
        let i = self.interaction(player, in_dm);
        let mut event = i.slash_command(name, &[]);
        event["locale"] = Value::String(locale.to_owned());
        self.gateway.dispatch("INTERACTION_CREATE", event);
        i.id
    }

    /// A slash command in the server by a member with Manage Server.
    pub fn slash_as_staff(&self, player: &Player, name: &str, options: &[(&str, Value)]) -> u64 {
        const MANAGE_GUILD: u64 = 1 << 5;
        let i = self.interaction_with(player, false, MANAGE_GUILD);
        self.gateway
            .dispatch("INTERACTION_CREATE", i.slash_command(name, options));
        i.id
    }

    /// A button press in the DM.
    pub fn press(&self, player: &Player, custom_id: &str) -> u64 {
        let i = self.interaction(player, true);
        self.gateway
            .dispatch("INTERACTION_CREATE", i.button_click(custom_id));
        i.id
    }

    /// A modal submit.
    pub fn submit(
        &self,
        player: &Player,
        custom_id: &str,
        fields: &[(&str, &str)],
        in_dm: bool,
    ) -> u64 {
        let i = self.interaction(player, in_dm);
        self.gateway
            .dispatch("INTERACTION_CREATE", i.modal_submit(custom_id, fields));
        i.id
    }

    /// Waits until the DM has at least `n` messages; returns their JSON bodies.
    pub async fn dm_messages(&self, player: &Player, n: usize) -> Vec<Value> {
        self.channel_messages(player.dm(), n).await
    }

    /// Waits until a channel has at least `n` messages; returns their JSON bodies.
    pub async fn channel_messages(&self, channel: u64, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let got = rest::messages_sent_to(&self.discord, channel).await;
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "channel {channel}: wanted {n} messages, got {}: {:#?}\n--- flexcord log ---\n{}",
                    got.len(),
                    got.iter().map(|m| m["content"].clone()).collect::<Vec<_>>(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The texts the user read in the DM so far (no waiting).
    pub async fn dm_texts(&self, player: &Player) -> Vec<String> {
        rest::texts_sent_to(&self.discord, player.dm()).await
    }

    /// Waits for the follow-up (edit of the deferred response) to an interaction; returns its body.
    pub async fn interaction_reply(&self, interaction: u64) -> Value {
        let token = format!("itoken-{interaction}");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let edits = rest::requests(
                &self.discord,
                "PATCH",
                &format!("/api/v10/webhooks/*/{token}/messages/*"),
            )
            .await;
            let posts = rest::requests(
                &self.discord,
                "POST",
                &format!("/api/v10/webhooks/*/{token}"),
            )
            .await;
            if let Some(body) = edits.iter().chain(posts.iter()).find_map(rest::json_body) {
                return body;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "no reply to interaction {interaction}\n--- flexcord log ---\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The id of a guild channel by name.
    pub fn channel(&self, name: &str) -> u64 {
        self.rest
            .channel_named(name)
            .and_then(|c| c["id"].as_str().and_then(|s| s.parse().ok()))
            .expect("channel exists")
    }

    // ---- Twilio side --------------------------------------------------------------------

    /// The user's open conversation, once the bridge created it.
    pub async fn conversation_of(&self, player: &Player) -> twilio_fake::Conversation {
        match self
            .twilio
            .wait_for_conversation_with(&player.identity(), WAIT)
            .await
        {
            Ok(c) => c,
            Err(e) => panic!(
                "no conversation for {}: {e}\n{}",
                player.identity(),
                self.log_tail()
            ),
        }
    }

    // ---- HTTP ---------------------------------------------------------------------------

    pub async fn get(&self, path: &str) -> (u16, String) {
        request("GET", &self.url(path), &[], Bytes::new()).await
    }

    pub async fn post(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> (u16, String) {
        request("POST", &self.url(path), headers, body.into()).await
    }

    /// Posts a form to the bridge signed like Twilio would sign it.
    pub async fn post_signed_form(&self, path: &str, params: &[(&str, &str)]) -> (u16, String) {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let url = self.url(path);
        let signature =
            twilio_flex::webhook::compute_signature(&self.twilio.config().auth_token, &url, &owned);
        let body = form(params);
        self.post(
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-twilio-signature", &signature),
            ],
            body,
        )
        .await
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- flexcord log (tail) ---\n{}", self.log_tail());
        }
    }
}

pub fn form(params: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// A plain HTTP/1.1 request; returns status and body text.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> (u16, String) {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder.body(Full::new(body)).expect("request");
    match client.request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
        Err(_) => (0, String::new()),
    }
}
