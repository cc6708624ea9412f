//! `flexcord check`: the preflight. It reads the configuration and asks every configured service
//! whether flexcord can work with it, without changing anything, and prints one line per check:
//! `ok`, `warn` or `FAIL`, what was tried (the host, the SID, the channel), what was found and,
//! for a problem, what to do. Exit status 1 when a check failed; `--json` for scripts.
//!
//! **Adding a check** is one row in [`CHECKS`]: a name and an async function from the
//! [`Context`] to its [`Line`]s (see `check/*.rs`). A check that has nothing to look at (SeaChat
//! when `SEACHAT_URL` is unset) returns no line; one that cannot run because of an earlier
//! problem (no Twilio client without credentials) says so as a failure of its own only when the
//! earlier problem was not already reported.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

mod config;
mod database;
mod discord;
mod http_probe;
mod kb;
mod public_url;
mod services;
mod twilio;

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::config::Settings;

/// How a check went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As it should be.
    Ok,
    /// Works, but not as intended; does not fail the preflight.
    Warn,
    /// flexcord will not work until this is fixed.
    Fail,
}

impl Status {
    /// The word at the start of the line.
    #[must_use]
    pub const fn word(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// What was checked (`database`, `twilio workspace`, …).
    pub name: String,
    /// How it went.
    pub status: Status,
    /// What was tried and found; for a problem, the cause.
    pub detail: String,
    /// What to do about a problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Line {
    /// A passed check.
    #[must_use]
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A warning with its fix.
    #[must_use]
    pub fn warn(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            status: Status::Warn,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// A failure with its fix.
    #[must_use]
    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// `FAIL  twilio workspace: … — fix: …`
    #[must_use]
    pub fn render(&self) -> String {
        let mut text = format!("{:<5} {}: {}", self.status.word(), self.name, self.detail);
        if let Some(fix) = &self.fix {
            text.push_str(" — fix: ");
            text.push_str(fix);
        }
        // One line per check, whatever a remote service put in its error text.
        text.replace(['\n', '\r'], " ")
    }
}

/// What every check may look at.
#[derive(Debug)]
pub struct Context<'a> {
    /// The settings as far as they could be read (a malformed or missing value is unset).
    pub settings: &'a Settings,
    /// Every configuration problem, already reported by the `configuration` check.
    pub problems: &'a [String],
}

impl Context<'_> {
    /// True when the configuration check already reported a problem with `variable`, so a
    /// later check need not report its absence again.
    #[must_use]
    pub fn reported(&self, variable: &str) -> bool {
        self.problems.iter().any(|p| p.starts_with(variable))
    }
}

/// A check's lines, produced asynchronously.
pub type Lines<'a> = Pin<Box<dyn Future<Output = Vec<Line>> + 'a>>;

/// One row of the preflight.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Its name in `--json` and in failure messages about the check itself.
    pub name: &'static str,
    /// Runs it.
    pub run: for<'a> fn(&'a Context<'a>) -> Lines<'a>,
}

/// Every check, in the order they run and print.
pub const CHECKS: &[Check] = &[
    Check {
        name: "configuration",
        run: config::run,
    },
    Check {
        name: "database",
        run: database::run,
    },
    Check {
        name: "knowledge base",
        run: kb::run,
    },
    Check {
        name: "discord",
        run: discord::run,
    },
    Check {
        name: "twilio",
        run: twilio::run,
    },
    Check {
        name: "seachat",
        run: services::seachat,
    },
    Check {
        name: "cases",
        run: services::cases,
    },
    Check {
        name: "public url",
        run: public_url::run,
    },
];

/// Runs `checks` and returns their lines in order.
pub async fn lines(context: &Context<'_>, checks: &[Check]) -> Vec<Line> {
    let mut all = Vec::new();
    for check in checks {
        all.extend((check.run)(context).await);
    }
    all
}

/// The `--json` report: `{"ok": …, "checks": [{name, status, detail, fix?}, …]}`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    ok: bool,
    checks: &'a [Line],
}

/// Runs every check and prints the report; returns whether none failed.
pub async fn run(settings: &Settings, problems: &[String], json: bool) -> bool {
    flexcord_discord::install_crypto_provider();
    let context = Context { settings, problems };
    let lines = lines(&context, CHECKS).await;
    let ok = lines.iter().all(|l| l.status != Status::Fail);
    if json {
        let report = Report { ok, checks: &lines };
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_owned())
        );
    } else {
        for line in &lines {
            println!("{}", line.render());
        }
        let failed = lines.iter().filter(|l| l.status == Status::Fail).count();
        if failed > 0 {
            println!(
                "{failed} check{} failed",
                if failed == 1 { "" } else { "s" }
            );
        }
    }
    ok
}
