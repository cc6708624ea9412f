//! flexcord's sandbox: the whole product on one machine with no accounts.
//!
//! [`Sandbox::start`] runs built-in emulators of Discord (a gateway from `discord-fake` and a
//! stateful REST API) and of Twilio Flex (`twilio-fake`: Conversations, Interactions, media,
//! signed webhooks), and serves a web page on one address to play both sides: the Discord user
//! (guild channels, slash commands and their forms, the DM with buttons, files and ratings) and
//! the Flex agent (incoming tasks, accept, reply, send a file, close), plus a cases view. The page
//! is live through server-sent events.
//!
//! It is **not** the bridge and has no special path into it: the caller (`flexcord sandbox`) runs
//! the real bridge with the variables from [`Sandbox::bridge_env`] — the same ones a production
//! deployment sets — then hands the sandbox its URL and case system with
//! [`Sandbox::connect_bridge`]. Nor is it a Discord or Twilio simulator: it knows the calls
//! flexcord makes, one guild and one player, and answers anything else with a logged 404.
//! Everything binds to loopback only.
//!
//! # Layout
//! - [`world`]: the emulated Discord's state (channels, messages, interactions, modal, files).
//! - `discord_rest`: the REST routes twilight calls.
//! - `actions`: page actions → gateway dispatches and Twilio agent calls.
//! - `ui`: the page, its state JSON, its event stream.

#![warn(missing_docs)]

mod actions;
mod discord_rest;
mod error;
mod sample_kb;
mod shared;
mod ui;
pub mod world;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use discord_fake::FakeGateway;
use discord_fake::fixtures::{self, GuildFixture};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use twilio_fake::{TwilioFake, TwilioFakeConfig};

pub use actions::{AGENT_IDENTITY, AGENT_NAME};
pub use error::{ActionError, SandboxError};
pub use sample_kb::SAMPLE_KB;
pub use shared::Bridge;

use crate::shared::Shared;
use crate::world::World;

/// How the sandbox starts.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the page and the emulated Discord REST API listen (`127.0.0.1:8088`; port 0 picks one).
    pub listen: SocketAddr,
}

/// Where the bridge will run, to fill its variables.
#[derive(Debug, Clone)]
pub struct BridgePlan {
    /// `FLEXCORD_LISTEN` (and the public URL's port).
    pub listen: SocketAddr,
    /// `FLEXCORD_KB_DIR`.
    pub kb_dir: PathBuf,
}

/// A running sandbox. Dropping it stops the page and the emulators.
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    data_dir: tempfile::TempDir,
    account_sid: String,
    auth_token: String,
    chat_service_sid: String,
    server: Option<JoinHandle<()>>,
    stop: Option<oneshot::Sender<()>>,
    forwarder: JoinHandle<()>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.forwarder.abort();
    }
}

impl Sandbox {
    /// Starts the emulators and the page.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when an address cannot be bound or a temporary folder made.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let data_dir = tempfile::Builder::new()
            .prefix("flexcord-sandbox-")
            .tempdir()?;

        let twilio_config = TwilioFakeConfig {
            auth_token: random_hex(),
            ..TwilioFakeConfig::default()
        };
        let account_sid = twilio_config.account_sid.clone();
        let auth_token = twilio_config.auth_token.clone();
        let chat_service_sid = twilio_config.chat_service_sid.clone();
        let twilio = TwilioFake::start(twilio_config).await?;
        let gateway = FakeGateway::start().await?;

        let world = World::new(&format!("http://{addr}"));
        // Queued until the bridge identifies: its guild cache learns the channels from it.
        gateway.dispatch(
            "GUILD_CREATE",
            fixtures::guild_create(&GuildFixture {
                id: world::GUILD_ID,
                channels: world
                    .guild_channels()
                    .map(|c| (c.id, c.name.clone()))
                    .collect(),
                roles: Vec::new(),
            }),
        );
        let http = flexcord_http::HttpClient::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let shared = Arc::new(Shared::new(world, gateway, twilio, random_hex(), http));

        // Every Twilio change also refreshes the page.
        let mut twilio_events = shared.twilio.subscribe();
        let forward_to = Arc::clone(&shared);
        let forwarder = tokio::spawn(async move {
            // Lagging only means several changes: one touch covers them all.
            while !matches!(
                twilio_events.recv().await,
                Err(tokio::sync::broadcast::error::RecvError::Closed)
            ) {
                forward_to.touch();
            }
        });

        let app = ui::routes()
            .merge(discord_rest::routes())
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(%error, "sandbox server stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            data_dir,
            account_sid,
            auth_token,
            chat_service_sid,
            server: Some(server),
            stop: Some(stop),
            forwarder,
        })
    }

    /// The page's URL, `http://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The page's (and the Discord REST emulator's) address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A temporary folder for the bridge's database, removed when the sandbox is dropped.
    #[must_use]
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The bridge's embedded SQLite database (inside [`Sandbox::data_dir`]), for
    /// `FLEXCORD_DATABASE_URL=sqlite://… flexcord cases list`.
    #[must_use]
    pub fn database_path(&self) -> PathBuf {
        self.data_dir().join("sandbox.db")
    }

    /// Writes the compiled-in sample knowledge base ([`SAMPLE_KB`]) into [`Sandbox::data_dir`]
    /// and returns its folder, for a [`BridgePlan`] when the user gave none.
    ///
    /// # Errors
    ///
    /// [`SandboxError`] when the files cannot be written.
    pub fn write_sample_kb(&self) -> Result<PathBuf, SandboxError> {
        Ok(sample_kb::write_into(self.data_dir())?)
    }

    /// The environment variables that point a bridge at the emulators — exactly the production
    /// names `docs/configuration.md` lists — with an embedded SQLite database in [`Sandbox::data_dir`].
    #[must_use]
    pub fn bridge_env(&self, plan: &BridgePlan) -> Vec<(String, String)> {
        let public_url = format!("http://{}", plan.listen);
        let database = self.database_path();
        [
            ("DISCORD_TOKEN", "sandbox-bot-token".to_owned()),
            ("DISCORD_APPLICATION_ID", world::APPLICATION_ID.to_string()),
            ("DISCORD_GUILD_ID", world::GUILD_ID.to_string()),
            (
                "DISCORD_GATEWAY_URL",
                self.shared.gateway.url().trim_end_matches('/').to_owned(),
            ),
            ("DISCORD_API_PROXY", self.addr.to_string()),
            ("TWILIO_ACCOUNT_SID", self.account_sid.clone()),
            ("TWILIO_AUTH_TOKEN", self.auth_token.clone()),
            (
                "TWILIO_API_BASE_URL",
                self.shared.twilio.base_url().to_owned(),
            ),
            ("TWILIO_CHAT_SERVICE_SID", self.chat_service_sid.clone()),
            ("TWILIO_WORKSPACE_SID", format!("WS{}", "0".repeat(32))),
            ("TWILIO_WORKFLOW_SID", format!("WW{}", "0".repeat(32))),
            ("FLEXCORD_ROUTING", "bridge".to_owned()),
            ("FLEXCORD_PUBLIC_URL", public_url),
            ("FLEXCORD_LISTEN", plan.listen.to_string()),
            (
                "FLEXCORD_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            ),
            ("FLEXCORD_KB_DIR", plan.kb_dir.display().to_string()),
            (
                "FLEXCORD_ANNOUNCE_TOKEN",
                self.shared.announce_token.clone(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Tells the sandbox where the bridge runs and how to read its cases. Later calls are ignored.
    pub fn connect_bridge(&self, bridge: Bridge) {
        if self.shared.bridge.set(bridge).is_err() {
            tracing::warn!("the sandbox is already connected to a bridge");
        }
        self.shared.touch();
    }

    /// Waits until the bridge's gateway session is up (it identified with the emulated gateway
    /// and answers `/readyz`); false after `timeout`.
    pub async fn wait_for_bridge(&self, timeout: Duration) -> bool {
        let wait = async {
            if !self.shared.gateway.wait_identified(timeout).await {
                return false;
            }
            let Some(bridge) = self.shared.bridge.get() else {
                return true;
            };
            let Ok(url) = flexcord_http::url::Url::parse(&format!(
                "{}/readyz",
                bridge.url.trim_end_matches('/')
            )) else {
                return false;
            };
            loop {
                if self
                    .shared
                    .http
                    .send(flexcord_http::Request::get(url.clone()))
                    .await
                    .is_ok()
                {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// The Twilio emulator (for tests that look behind the page).
    #[must_use]
    pub fn twilio(&self) -> &TwilioFake {
        &self.shared.twilio
    }

    /// Stops the page and waits (at most 5 s) for requests in flight; open event streams end at
    /// once, so an open page does not hold the shutdown up.
    pub async fn shutdown(mut self) {
        self.shared.close_streams();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(5), server)
                .await
                .is_err()
        {
            tracing::warn!("sandbox page server did not stop in time");
        }
    }
}

/// 32 random hex digits: the Twilio auth token and the announce token (fresh per run, so a
/// sandbox never shares secrets with anything else).
fn random_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A free loopback port for the bridge (bound, read, released).
///
/// # Errors
///
/// When no port can be bound.
pub async fn free_loopback_addr() -> Result<SocketAddr, SandboxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?)
}
