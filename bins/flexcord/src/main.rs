//! `flexcord`: Discord ⇄ Twilio Flex customer-service bridge. See `flexcord --help`.

use std::process::ExitCode;

use clap::Parser as _;
use flexcord::cli::{Cli, Command, KbAction, LogFormat, SetupTarget};
use flexcord::config::{FileConfig, Needs, ProcessEnv, Settings};
use flexcord::{app, cli_error, commands, telemetry};

/// One event-loop thread. The bridge's own work per relay is small (parse, decide, sign); what
/// costs is handing work between threads, and SQLite already runs on threads of its own (one per
/// connection). With a second event-loop thread, tasks woke each other across cores: measured
/// with the benchmark on 2 cores, one thread cut context switches per relay by 40% and CPU per
/// relay by a quarter, at the same latency.
#[tokio::main(flavor = "current_thread")]
#[expect(
    clippy::print_stderr,
    reason = "a failed command's one error message is for the person who ran it"
)]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let service = matches!(
        cli.command,
        None | Some(Command::Run | Command::Sandbox { .. })
    );
    let log_format = cli.log_format;
    telemetry::init_with(
        log_format,
        if service {
            telemetry::SERVICE_FILTER
        } else {
            telemetry::COMMAND_FILTER
        },
    );
    // Boxed: the command's future holds the whole configuration (templates of every locale
    // included), more than is worth keeping on the stack.
    match Box::pin(run(cli)).await {
        Ok(code) => code,
        Err(error) => {
            // Once, for the person or script that ran the command: no timestamp, no level.
            // With JSON logs a service's collector reads only log lines, so it gets one too.
            if service && log_format == LogFormat::Json {
                tracing::error!("{error:#}");
            }
            eprintln!("{}", cli_error::render(&error));
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
        Command::Run => Needs::Run,
        Command::Check { json } => {
            // The preflight reports each configuration problem as a failed check and goes on
            // checking what it can, instead of stopping at the list.
            let (settings, problems) = Settings::load_lenient(file, &ProcessEnv, Needs::Run);
            let passed = commands::check::run(&settings, &problems, *json).await;
            return Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
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
        // Ran above: the sandbox without the process environment, check with the problems the
        // configuration has.
        Command::Sandbox { .. } | Command::Check { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
