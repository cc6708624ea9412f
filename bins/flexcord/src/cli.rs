//! The command line. A fixed contract: deployments, scripts and the sandbox call these
//! subcommands and flags, so renaming one breaks them (`docs/configuration.md` lists what each
//! command needs).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Discord ⇄ Twilio Flex customer-service bridge.
#[derive(Debug, Parser)]
#[command(name = "flexcord", version, about, long_about = None)]
pub struct Cli {
    /// TOML configuration file; environment variables override it.
    #[arg(long, global = true, env = "FLEXCORD_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bridge (the default).
    Run,
    /// One-time set-up of Discord or Twilio resources.
    Setup {
        /// Which side.
        #[command(subcommand)]
        target: SetupTarget,
    },
    /// Preflight: validate the configuration and reach every configured service without
    /// changing anything; one line per check, exit status 1 when one failed.
    Check {
        /// One JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Look cases up.
    Cases {
        /// What to do.
        #[command(subcommand)]
        action: CasesAction,
    },
    /// What flexcord gave up delivering (dead letters), and sending it again.
    Outbox {
        /// What to do.
        #[command(subcommand)]
        action: OutboxAction,
    },
    /// Everything on this machine, no accounts: the real bridge against built-in emulators of
    /// Discord and Twilio Flex, with a web page to play the user and the agent.
    Sandbox {
        /// Where the web page (and the emulators) listen.
        #[arg(long, default_value = "127.0.0.1:8088")]
        listen: std::net::SocketAddr,
        /// Knowledge-base folder (default: the sample articles built into flexcord).
        #[arg(long, env = "FLEXCORD_KB_DIR", value_name = "DIR")]
        kb: Option<std::path::PathBuf>,
    },
    /// Per-user limits and the blocklist: block, unblock, list, show.
    Users {
        /// What to do.
        #[command(subcommand)]
        action: UsersAction,
    },
    /// Knowledge-base maintenance.
    Kb {
        /// What to do.
        #[command(subcommand)]
        action: KbAction,
    },
}

/// `setup` targets.
#[derive(Debug, Subcommand)]
pub enum SetupTarget {
    /// Register slash commands and create the four channels.
    Discord,
    /// Install the Studio flow (studio mode) and check the configured SIDs.
    Twilio,
}

/// `cases` actions.
#[derive(Debug, Subcommand)]
pub enum CasesAction {
    /// List cases, newest first.
    List {
        /// Only this status (open, in_progress, resolved, closed).
        #[arg(long)]
        status: Option<String>,
        /// Only this kind (bug, feature, support).
        #[arg(long)]
        kind: Option<String>,
        /// Only this Discord user's.
        #[arg(long)]
        reporter: Option<u64>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON array, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show one case with its notes.
    Show {
        /// Case number (`1042` or `#1042`).
        id: String,
        /// One JSON object, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Close a case (done with, no further action).
    Close {
        /// Case number (`1042` or `#1042`).
        id: String,
    },
    /// Open a closed or resolved case again.
    Reopen {
        /// Case number (`1042` or `#1042`).
        id: String,
    },
}

/// `outbox` actions.
#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// List the most recent dead letters: where each was going, how often it was tried, why it
    /// failed.
    Dead {
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Queue dead letters for delivery again, once what made them fail is fixed; a running
    /// flexcord sends them within a second.
    Retry {
        /// The entries' ids (from `outbox dead`).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<i64>,
        /// Every dead letter still kept (7 days).
        #[arg(long)]
        all: bool,
    },
}

/// `users` actions. Users are Discord user ids or mentions (`<@123…>`).
#[derive(Debug, Subcommand)]
pub enum UsersAction {
    /// Keep a user out of support: their DMs, commands, buttons and forms do nothing (a
    /// running flexcord ends their live chat at their next message).
    Block {
        /// The user (id or mention).
        user: String,
        /// Why (shown to staff and operators, never to the user).
        #[arg(long)]
        reason: String,
    },
    /// Let a blocked user use support again.
    Unblock {
        /// The user (id or mention).
        user: String,
    },
    /// Every blocked user: who, why, by whom and when.
    List,
    /// One user: block state, open chat and case, and their use of every limit.
    Show {
        /// The user (id or mention).
        user: String,
    },
}

/// `kb` actions.
#[derive(Debug, Subcommand)]
pub enum KbAction {
    /// (Re-)index the knowledge-base folder now.
    Index,
}
