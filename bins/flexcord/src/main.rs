//! `flexcord`: Discord ⇄ Twilio Flex customer-service bridge. See `flexcord --help`.

use std::process::ExitCode;

use clap::Parser as _;
use flexcord::cli::{Cli, Command, KbAction, SetupTarget};
use flexcord::config::{FileConfig, Needs, ProcessEnv, Settings};
use flexcord::{app, commands, telemetry};

/// One event-loop thread. The bridge's own work per relay is small (parse, decide, sign); what
/// costs is handing work between threads, and SQLite already runs on threads of its own (one per
/// connection). With a second event-loop thread, tasks woke each other across cores: measured
/// with the benchmark on 2 cores, one thread cut context switches per relay by 40% and CPU per
/// relay by a quarter, at the same latency.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Run);
    let file = match &cli.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    // The sandbox sets its own connection settings: the process environment (possibly a
    // production one) must neither stop it nor leak into it.
    if let Command::Sandbox { listen, kb } = command {
        commands::sandbox::run(listen, kb, file).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let needs = match &command {
        Command::Run | Command::Check => Needs::Run,
        Command::Setup {
            target: SetupTarget::Discord,
        } => Needs::Discord,
        Command::Setup {
            target: SetupTarget::Twilio,
        } => Needs::Twilio,
        Command::Cases { .. }
        | Command::Outbox { .. }
        | Command::Users { .. }
        | Command::Kb { .. }
        | Command::Sandbox { .. } => Needs::Local,
    };
    let settings = Settings::load(file, &ProcessEnv, needs)?;
    match command {
        Command::Run => app::run(settings).await?,
        Command::Check => {
            if !commands::check::run(&settings).await {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Setup {
            target: SetupTarget::Discord,
        } => commands::setup::discord(&settings).await?,
        Command::Setup {
            target: SetupTarget::Twilio,
        } => {
            commands::setup::twilio(&settings, &ProcessEnv).await?;
        }
        Command::Cases { action } => commands::cases::run(&settings, action).await?,
        Command::Outbox { action } => commands::outbox::run(&settings, action).await?,
        Command::Users { action } => commands::users::run(&settings, action).await?,
        Command::Kb {
            action: KbAction::Index,
        } => commands::kb::index(&settings).await?,
        // Ran above, without the process environment.
        Command::Sandbox { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
