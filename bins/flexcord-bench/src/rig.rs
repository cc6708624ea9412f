//! The test rig: the three fakes, the process under test and the helpers every scenario uses
//! (send a DM, open a live-agent conversation, wait for arrivals).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use discord_fake::FakeGateway;
use discord_fake::fixtures::{self, FixtureUser, InteractionFixture};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::child::{AUTH_TOKEN, Endpoints, UnderTest, free_listen_addr};
use crate::discord_rest::DiscordRest;
use crate::ids;
use crate::twilio_rest::TwilioRest;
use crate::webhooks::Webhooks;

/// How long any single wait may take before the run is declared broken.
pub const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Which program is under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The real flexcord binary.
    Flexcord,
    /// The model of the original design, blocking: one Twilio request in flight for the
    /// process, as the original's synchronous SDK calls inside async handlers allowed.
    Original,
    /// The same model without the blocking (`original-model --non-blocking`): an upper bound
    /// the original never reached.
    OriginalNonBlocking,
}

impl Kind {
    /// Whether this is a model of the original design (either mode).
    #[must_use]
    pub const fn is_model(self) -> bool {
        matches!(self, Self::Original | Self::OriginalNonBlocking)
    }
}

/// Fakes plus the process under test.
#[derive(Debug)]
pub struct Rig {
    /// The fake gateway (DMs and interactions enter here).
    pub gateway: FakeGateway,
    /// The Discord REST fake.
    pub discord: DiscordRest,
    /// The Twilio fake.
    pub twilio: TwilioRest,
    /// Plays Twilio's webhooks.
    pub webhooks: Webhooks,
    /// Where everything listens.
    pub endpoints: Endpoints,
    /// The process under test.
    pub process: Option<UnderTest>,
    /// What it is.
    pub kind: Kind,
    /// Conversation SID of each user set up so far (index = user index).
    pub conversations: Vec<String>,
    next_message: AtomicU64,
}

impl Rig {
    /// Starts the fakes and `program`, and waits until it is ready.
    ///
    /// # Errors
    ///
    /// When a fake cannot start, the program cannot start, or it is not ready within a minute.
    pub async fn start(kind: Kind, program: &Path, log: &Path) -> anyhow::Result<Self> {
        let gateway = FakeGateway::start().await.context("fake gateway")?;
        let discord = DiscordRest::start().await.context("Discord REST fake")?;
        let twilio = TwilioRest::start().await.context("Twilio fake")?;
        let endpoints = Endpoints {
            gateway_url: gateway.url().to_owned(),
            discord_proxy: discord.proxy(),
            twilio_base: twilio.base_url(),
            listen: free_listen_addr()?,
        };
        let args: &[&str] = match kind {
            Kind::Flexcord => &["run"],
            Kind::Original => &[],
            Kind::OriginalNonBlocking => &["--non-blocking"],
        };
        let process = UnderTest::start(program, args, &endpoints, log)?;
        let webhooks = Webhooks::new(&endpoints.public_url(), AUTH_TOKEN);
        let mut rig = Self {
            gateway,
            discord,
            twilio,
            webhooks,
            endpoints,
            process: Some(process),
            kind,
            conversations: Vec::new(),
            next_message: AtomicU64::new(10_000_000_000),
        };
        rig.wait_ready(log).await?;
        Ok(rig)
    }

    async fn wait_ready(&mut self, log: &Path) -> anyhow::Result<()> {
        let path = match self.kind {
            Kind::Flexcord => "/readyz",
            Kind::Original | Kind::OriginalNonBlocking => "/healthz",
        };
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            if let Some(p) = self.process.as_mut() {
                p.check_alive()
                    .with_context(|| format!("see {}", log.display()))?;
            }
            if self.gateway.log().identifies.len() == 1
                && http_status(&self.endpoints.listen, path).await == Some(200)
            {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "not ready within {WAIT_LIMIT:?}; see {}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resident memory of the process under test, KiB.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        self.process.as_ref().context("no process")?.rss_kib()
    }

    /// CPU time the process under test has used so far.
    ///
    /// # Errors
    ///
    /// When it cannot be read.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        self.process.as_ref().context("no process")?.cpu_time()
    }

    /// Fails when the process under test died.
    ///
    /// # Errors
    ///
    /// When it exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        self.process.as_mut().context("no process")?.check_alive()
    }

    /// From now on both REST fakes answer every request `rtt` after it arrived.
    pub fn set_rtt(&self, rtt: Duration) {
        self.discord.rtt().set(rtt);
        self.twilio.rtt().set(rtt);
    }

    /// The round trip the fakes play now.
    #[must_use]
    pub fn rtt(&self) -> Duration {
        self.twilio.rtt().get()
    }

    /// `GET <path>` on the process under test's HTTP server: the body of a 200, else `None`.
    pub async fn get_text(&self, path: &str) -> Option<String> {
        http_get(&self.endpoints.listen, path).await
    }

    /// Stops the process under test.
    pub async fn stop(&mut self) {
        if let Some(p) = self.process.take() {
            p.stop().await;
        }
    }

    /// User `i` sends `text` in their DM; returns the moment the event entered the gateway.
    pub fn dm(&self, i: usize, text: &str) -> Instant {
        let id = self.next_message.fetch_add(1, Ordering::Relaxed);
        let user = FixtureUser::human(ids::user(i), &format!("user{i}"));
        let event = fixtures::dm_message(id, ids::dm(i), &user, text, &[]);
        let at = Instant::now();
        self.gateway.dispatch("MESSAGE_CREATE", event);
        at
    }

    /// User `i` runs `/helpme` in their DM; returns the interaction id and when it entered the
    /// gateway.
    pub fn helpme(&self, i: usize) -> (u64, Instant) {
        let id = self.next_message.fetch_add(1, Ordering::Relaxed);
        let user = FixtureUser::human(ids::user(i), &format!("user{i}"));
        let event = InteractionFixture::in_dm(id, user, ids::dm(i)).slash_command("helpme", &[]);
        let at = Instant::now();
        self.gateway.dispatch("INTERACTION_CREATE", event);
        (id, at)
    }

    /// Brings users `from..to` to a live agent through the real flow (flexcord: "agent" DM →
    /// case + conversation + Interaction → agent joins; the model: a first DM opens its
    /// channel), `parallel` users at a time. Their conversations land in
    /// [`Rig::conversations`].
    ///
    /// # Errors
    ///
    /// When a user does not get there within [`WAIT_LIMIT`].
    pub async fn open_conversations(
        &mut self,
        from: usize,
        to: usize,
        parallel: usize,
    ) -> anyhow::Result<()> {
        let mut found = vec![String::new(); to.saturating_sub(from)];
        let mut next = from;
        let mut running = futures_util::stream::FuturesUnordered::new();
        let this = &*self;
        loop {
            while running.len() < parallel.max(1) && next < to {
                let i = next;
                next += 1;
                running.push(async move { (i, this.open_one(i).await) });
            }
            let Some((i, result)) = futures_util::StreamExt::next(&mut running).await else {
                break;
            };
            let conv = result.with_context(|| format!("opening a conversation for user {i}"))?;
            if let Some(slot) = found.get_mut(i - from) {
                *slot = conv;
            }
        }
        drop(running);
        if self.conversations.len() < to {
            self.conversations.resize(to, String::new());
        }
        for (k, conv) in found.into_iter().enumerate() {
            if let Some(slot) = self.conversations.get_mut(from + k) {
                *slot = conv;
            }
        }
        Ok(())
    }

    async fn open_one(&self, i: usize) -> anyhow::Result<String> {
        let identity = ids::identity(ids::user(i));
        let dm = ids::dm(i);
        let before = self.discord.accepted_on(dm);
        match self.kind {
            Kind::Flexcord => {
                self.dm(i, "agent");
                // The "case created, transferring you" notice is sent after the hand-off is
                // committed: from then on the conversation is known to the bridge.
                let conv = wait_for(|| {
                    (self.discord.accepted_on(dm) > before)
                        .then(|| self.twilio.conversation_of(&identity))
                        .flatten()
                })
                .await
                .context("no hand-off")?;
                self.webhooks.agent_joined(&conv).await?;
                wait_for(|| (self.discord.accepted_on(dm) > before + 1).then_some(()))
                    .await
                    .context("no 'agent joined' notice")?;
                Ok(conv)
            }
            Kind::Original | Kind::OriginalNonBlocking => {
                self.dm(i, "hello");
                wait_for(|| {
                    let conv = self.twilio.conversation_of(&identity)?;
                    (self.twilio.messages_in(&conv) > 0).then_some(conv)
                })
                .await
                .context("no first message")
            }
        }
    }
}

/// Polls `check` every millisecond until it gives a value, for at most [`WAIT_LIMIT`].
///
/// # Errors
///
/// When it never does.
pub async fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> anyhow::Result<T> {
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        anyhow::ensure!(Instant::now() < deadline, "gave up after {WAIT_LIMIT:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The body of `GET http://<addr><path>` when it answers 200.
async fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    let answer = String::from_utf8(answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_owned())
}

/// The status code of `GET http://<addr><path>`, or `None` when nothing answers.
async fn http_status(addr: &str, path: &str) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).await.ok()?;
    std::str::from_utf8(head.get(9..12)?).ok()?.parse().ok()
}
