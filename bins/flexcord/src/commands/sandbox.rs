//! `flexcord sandbox`: the whole product on one machine with no accounts.
//!
//! It starts `flexcord-sandbox`'s emulators of Discord and Twilio Flex and its web page, then
//! runs the real bridge ([`crate::app::run_until`]) configured through the same variables a
//! production deployment uses (built into a map here, never written to the process
//! environment), with an embedded SQLite database in a temporary folder.

#![expect(
    clippy::print_stdout,
    reason = "printing the URL and the tour for a person is this command's job"
)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use flexcord_sandbox::{Bridge, BridgePlan, Sandbox, SandboxConfig};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::adapters;
use crate::config::{Env, FileConfig, Needs, Settings};

/// How long the bridge may take to connect to the emulated gateway.
const BRIDGE_START: Duration = Duration::from_secs(60);

/// Variables from a map: the sandbox's configuration for the bridge.
#[derive(Debug, Clone, Default)]
pub struct MapEnv(pub HashMap<String, String>);

impl Env for MapEnv {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.trim().is_empty()).cloned()
    }
}

/// A sandbox with its bridge running.
#[derive(Debug)]
pub struct RunningSandbox {
    sandbox: Sandbox,
    stop: oneshot::Sender<()>,
    bridge: JoinHandle<anyhow::Result<()>>,
    store: flexcord_store::Store,
}

impl RunningSandbox {
    /// The page's URL.
    #[must_use]
    pub fn url(&self) -> String {
        self.sandbox.url()
    }

    /// The emulators (for tests that look behind the page).
    #[must_use]
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// Stops the bridge (it drains in-flight work), then the emulators and the page.
    ///
    /// # Errors
    ///
    /// The bridge's own failure, if it stopped with one.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let result = match self.bridge.await {
            Ok(result) => result,
            Err(join) => Err(anyhow::anyhow!("the bridge task failed: {join}")),
        };
        self.store.close().await;
        self.sandbox.shutdown().await;
        result
    }
}

/// Starts the emulators, the page on `listen`, and the bridge; returns once the bridge is
/// connected.
///
/// `kb` is the knowledge-base folder; without one the sample articles built into the binary are
/// used. `file` (`--config`) is honoured for everything that is not a connection setting (router
/// keywords and templates, locales, limits): the sandbox's own variables override its
/// connection settings, and the process environment is not read at all.
///
/// # Errors
///
/// A knowledge-base folder that does not exist, an address in use, an invalid `file`, or a
/// bridge that fails to start.
pub async fn start(
    listen: SocketAddr,
    kb: Option<PathBuf>,
    file: FileConfig,
) -> anyhow::Result<RunningSandbox> {
    let kb_dir = match &kb {
        Some(kb) if !kb.is_dir() => {
            anyhow::bail!("knowledge-base folder {} not found", kb.display());
        }
        Some(kb) => Some(
            std::fs::canonicalize(kb)
                .with_context(|| format!("cannot resolve {}", kb.display()))?,
        ),
        None => None,
    };
    let sandbox = Sandbox::start(SandboxConfig { listen })
        .await
        .with_context(|| format!("cannot start the sandbox on {listen}"))?;
    let kb_dir = match kb_dir {
        Some(dir) => dir,
        None => sandbox
            .write_sample_kb()
            .context("cannot write the sample knowledge base")?,
    };
    let bridge_listen = flexcord_sandbox::free_loopback_addr().await?;
    let env = MapEnv(
        sandbox
            .bridge_env(&BridgePlan {
                listen: bridge_listen,
                kb_dir,
            })
            .into_iter()
            .collect(),
    );
    let settings = Settings::load(file, &env, Needs::Run)
        .context("the sandbox cannot run the bridge with this configuration")?;

    // Opened first so its migrations run before the bridge opens the same file.
    let store = adapters::store(&settings).await?;
    let cases = adapters::cases(&settings, &store)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let bridge = tokio::spawn(crate::app::run_until(settings, async {
        let _ = stopped.await;
    }));
    sandbox.connect_bridge(Bridge {
        url: format!("http://{bridge_listen}"),
        cases: Arc::clone(&cases),
    });
    if !sandbox.wait_for_bridge(BRIDGE_START).await {
        let _ = stop.send(());
        let outcome = bridge.await;
        anyhow::bail!("the bridge did not connect to the emulated Discord in time: {outcome:?}");
    }
    Ok(RunningSandbox {
        sandbox,
        stop,
        bridge,
        store,
    })
}

/// Runs the sandbox until Ctrl-C.
///
/// # Errors
///
/// As for [`start`], or the bridge failing while it runs.
pub async fn run(listen: SocketAddr, kb: Option<PathBuf>, file: FileConfig) -> anyhow::Result<()> {
    let ignored = production_variables(std::env::vars().map(|(name, _)| name));
    if !ignored.is_empty() {
        println!(
            "note: ignoring {} from the environment: the sandbox sets its own connection settings",
            ignored.join(", ")
        );
    }
    let running = start(listen, kb, file).await?;
    let database = running.sandbox().database_path();
    println!("flexcord sandbox is running: open {}", running.url());
    println!(
        "Its database (removed when the sandbox stops): {}\n  read its cases with: \
         FLEXCORD_DATABASE_URL='sqlite://{}' flexcord cases list",
        database.display(),
        database.display()
    );
    println!(
        "Tour: in #customer-service run /helpme, ask a question in the DM, press \"Talk to a live \
         agent\", accept the task as the Flex agent, chat both ways, close and rate, then see the \
         case; /bug files a report in #bug-report. Ctrl-C stops everything."
    );
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "cannot listen for Ctrl-C; stopping now");
    }
    println!("stopping…");
    running.stop().await
}

/// The names among `names` the sandbox replaces with its own (connections, credentials,
/// addresses, the database): set for production, they would be wrong here.
fn production_variables(names: impl Iterator<Item = String>) -> Vec<String> {
    const OWN: [&str; 5] = [
        "FLEXCORD_ROUTING",
        "FLEXCORD_PUBLIC_URL",
        "FLEXCORD_LISTEN",
        "FLEXCORD_DATABASE_URL",
        "FLEXCORD_ANNOUNCE_TOKEN",
    ];
    let mut found: Vec<String> = names
        .filter(|n| {
            n.starts_with("DISCORD_") || n.starts_with("TWILIO_") || OWN.contains(&n.as_str())
        })
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_variables_are_named_and_others_left_alone() {
        let names = [
            "PATH",
            "DISCORD_GUILD_ID",
            "FLEXCORD_KB_DIR",
            "TWILIO_AUTH_TOKEN",
            "FLEXCORD_LISTEN",
        ];
        assert_eq!(
            production_variables(names.iter().map(|n| (*n).to_owned())),
            ["DISCORD_GUILD_ID", "FLEXCORD_LISTEN", "TWILIO_AUTH_TOKEN"]
        );
    }
}
