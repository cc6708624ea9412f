//! Starting and stopping the process under test (the real `flexcord` or the model of the
//! original design) with its environment pointed at the fakes, and reading its memory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use tokio::process::{Child, Command};

/// The Twilio auth token every process under test is given (and webhooks are signed with).
pub const AUTH_TOKEN: &str = "bench-auth-token-0123456789abcdef";

/// Where the fakes listen, and where the process under test should.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `ws://127.0.0.1:P`.
    pub gateway_url: String,
    /// `127.0.0.1:P`.
    pub discord_proxy: String,
    /// `http://127.0.0.1:P`.
    pub twilio_base: String,
    /// `127.0.0.1:P` for the process's HTTP server.
    pub listen: String,
}

impl Endpoints {
    /// `http://<listen>`: the public URL (webhook signatures are computed over it).
    #[must_use]
    pub fn public_url(&self) -> String {
        format!("http://{}", self.listen)
    }
}

/// A running process under test.
#[derive(Debug)]
pub struct UnderTest {
    child: Child,
    pid: u32,
    /// Kept so its files live as long as the process.
    _dir: tempfile::TempDir,
}

/// A free local port (bound, then released; the process binds it a moment later).
///
/// # Errors
///
/// When nothing can be bound.
pub fn free_listen_addr() -> anyhow::Result<String> {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(socket.local_addr().context("no local address")?.to_string())
}

impl UnderTest {
    /// Starts `program` (with `args`) with the flexcord environment for `endpoints`; its output
    /// goes to `log`.
    ///
    /// # Errors
    ///
    /// When the temporary directory, the log file or the process cannot be created.
    pub fn start(
        program: &Path,
        args: &[&str],
        endpoints: &Endpoints,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
        let kb = dir.path().join("kb");
        std::fs::create_dir_all(&kb).context("cannot create the kb folder")?;
        std::fs::write(
            kb.join("welcome.md"),
            "# Welcome\n\nAsk for an agent at any time.\n",
        )
        .context("cannot write the kb article")?;
        let db = dir.path().join("flexcord.db");
        let out = std::fs::File::create(log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone().context("cannot share the log file")?;
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .env_remove("FLEXCORD_CONFIG")
            .env("DISCORD_TOKEN", "bench-discord-token")
            .env(
                "DISCORD_APPLICATION_ID",
                discord_fake::fixtures::APPLICATION_ID.to_string(),
            )
            .env(
                "DISCORD_GUILD_ID",
                discord_fake::fixtures::GUILD_ID.to_string(),
            )
            .env("DISCORD_GATEWAY_URL", &endpoints.gateway_url)
            .env("DISCORD_API_PROXY", &endpoints.discord_proxy)
            .env("TWILIO_ACCOUNT_SID", format!("AC{}", "0".repeat(32)))
            .env("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
            .env("TWILIO_API_BASE_URL", &endpoints.twilio_base)
            .env("TWILIO_CHAT_SERVICE_SID", format!("IS{}", "1".repeat(32)))
            .env("TWILIO_WORKSPACE_SID", format!("WS{}", "2".repeat(32)))
            .env("TWILIO_WORKFLOW_SID", format!("WW{}", "3".repeat(32)))
            .env("FLEXCORD_PUBLIC_URL", endpoints.public_url())
            .env("FLEXCORD_LISTEN", &endpoints.listen)
            .env(
                "FLEXCORD_DATABASE_URL",
                format!("sqlite://{}", db.display()),
            )
            .env("FLEXCORD_KB_DIR", &kb)
            // A load test is one user writing far faster than any person: per-user limits,
            // where the build has them, would refuse most of it.
            .env("FLEXCORD_LIMITS", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        if let Ok(level) = std::env::var("FLEXCORD_BENCH_RUST_LOG") {
            command.env("RUST_LOG", level);
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", program.display()))?;
        let pid = child.id().context("the process exited at once")?;
        Ok(Self {
            child,
            pid,
            _dir: dir,
        })
    }

    /// The process id.
    #[must_use]
    pub const fn pid(&self) -> u32 {
        self.pid
    }

    /// Fails when the process has exited.
    ///
    /// # Errors
    ///
    /// When it exited, with its status.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait() {
            Ok(Some(status)) => anyhow::bail!("the process under test exited: {status}"),
            Ok(None) => Ok(()),
            Err(e) => Err(e).context("cannot check the process"),
        }
    }

    /// Resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or has no `VmRSS` line.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .context("cannot read /proc/<pid>/status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc/<pid>/status")
    }

    /// CPU time the process used so far (user + system, all threads), from `/proc/<pid>/stat`,
    /// in its 10 ms clock ticks.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or parsed.
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .context("cannot read /proc/<pid>/stat")?;
        // Fields after the command name (which may hold spaces) closed by its last ')';
        // utime and stime are fields 14 and 15 of the whole line.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> anyhow::Result<u64> {
            fields
                .get(i)
                .and_then(|v| v.parse().ok())
                .context("malformed /proc/<pid>/stat")
        };
        // USER_HZ is 100 on Linux for every architecture flexcord runs on.
        Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
    }

    /// SIGTERM, then up to 15 s for a clean exit, then SIGKILL.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// `$CARGO_TARGET_DIR/release/<name>`, else `target/release/<name>`, else next to this binary.
#[must_use]
pub fn default_binary(name: &str) -> PathBuf {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)));
    let candidates = [
        std::env::var_os("CARGO_TARGET_DIR").map(|d| PathBuf::from(d).join("release").join(name)),
        Some(PathBuf::from("target/release").join(name)),
        beside,
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}
