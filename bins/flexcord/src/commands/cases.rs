//! `flexcord cases list|show|close|reopen`: the configured case system from the command line.
//! `list` and `show` only read (the embedded case system's database is opened read-only);
//! `close` and `reopen` change one case's status.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::Context as _;
use flexcord_core::case::{Case, CaseFilter, CaseKind, CaseStatus};
use flexcord_core::ids::{CaseId, UserId};
use flexcord_core::ports::CaseManagement;
use flexcord_store::Store;

use crate::adapters;
use crate::cli::CasesAction;
use crate::config::Settings;
use flexcord_core::utc::minute as utc_minute;

/// Runs a `cases` action.
///
/// # Errors
///
/// Bad arguments, an unreachable case system or database, an unknown case.
pub async fn run(settings: &Settings, action: CasesAction) -> anyhow::Result<()> {
    let writes = matches!(
        action,
        CasesAction::Close { .. } | CasesAction::Reopen { .. }
    );
    let (cases, store) = open(settings, writes).await?;
    let result = act(cases.as_ref(), action).await;
    if let Some(store) = store {
        store.close().await;
    }
    result
}

/// The case system, and the store behind it when it is the embedded one (none for `CASES_URL`).
async fn open(
    settings: &Settings,
    writes: bool,
) -> anyhow::Result<(Arc<dyn CaseManagement>, Option<Store>)> {
    if settings.cases.is_some() {
        // A remote case system needs no local database: open none, create none.
        return Ok((remote(settings)?, None));
    }
    let store = if writes {
        adapters::store(settings).await?
    } else {
        adapters::store_read_only(settings).await?
    };
    Ok((Arc::new(store.cases()), Some(store)))
}

fn remote(settings: &Settings) -> anyhow::Result<Arc<dyn CaseManagement>> {
    let remote = settings.cases.as_ref().context("CASES_URL is not set")?;
    let config = cases::Config::new(
        &remote.url,
        secrecy::SecretString::from(
            remote
                .api_key
                .as_ref()
                .map(|k| k.expose().to_owned())
                .unwrap_or_default(),
        ),
    )
    .context("CASES_URL is not a usable URL")?;
    Ok(Arc::new(
        cases::Client::new(&config).context("cannot build the case-system client")?,
    ))
}

async fn act(cases: &dyn CaseManagement, action: CasesAction) -> anyhow::Result<()> {
    match action {
        CasesAction::List {
            status,
            kind,
            reporter,
            limit,
            json,
        } => {
            let filter = CaseFilter {
                reporter: reporter.map(UserId),
                kind: kind.as_deref().map(parse_kind).transpose()?,
                status: status.as_deref().map(parse_status).transpose()?,
                limit,
            };
            let list = cases.list(&filter).await.context("cannot list cases")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print!("{}", render_list(&list));
            }
        }
        CasesAction::Show { id, json } => {
            let id = parse_id(&id)?;
            let case = cases
                .get(id)
                .await
                .with_context(|| format!("cannot show case {id}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&case)?);
            } else {
                print!("{}", render_case(&case));
            }
        }
        CasesAction::Close { id } => {
            set_status(cases, &id, CaseStatus::Closed, ("close", "closed")).await?;
        }
        CasesAction::Reopen { id } => {
            set_status(cases, &id, CaseStatus::Open, ("reopen", "reopened")).await?;
        }
    }
    Ok(())
}

/// Reads the case first, so an unknown number fails (exit 1) and the message says what changed.
async fn set_status(
    cases: &dyn CaseManagement,
    id: &str,
    status: CaseStatus,
    (verb, done): (&str, &str),
) -> anyhow::Result<()> {
    let id = parse_id(id)?;
    let before = cases
        .get(id)
        .await
        .with_context(|| format!("cannot {verb} case {id}"))?;
    if before.status == status {
        println!("case {id} is already {}", status.as_str());
        return Ok(());
    }
    cases
        .set_status(id, status)
        .await
        .with_context(|| format!("cannot set case {id} to {}", status.as_str()))?;
    println!("case {id} {done} (was {})", before.status.as_str());
    Ok(())
}

fn parse_id(id: &str) -> anyhow::Result<CaseId> {
    id.parse()
        .ok()
        .with_context(|| format!("{id:?} is not a case number (like 1042 or #1042)"))
}

fn parse_kind(text: &str) -> anyhow::Result<CaseKind> {
    Ok(match text {
        "bug" => CaseKind::Bug,
        "feature" => CaseKind::Feature,
        "support" => CaseKind::Support,
        other => anyhow::bail!("unknown kind {other:?} (bug, feature, support)"),
    })
}

fn parse_status(text: &str) -> anyhow::Result<CaseStatus> {
    Ok(match text {
        "open" => CaseStatus::Open,
        "in_progress" => CaseStatus::InProgress,
        "resolved" => CaseStatus::Resolved,
        "closed" => CaseStatus::Closed,
        other => anyhow::bail!("unknown status {other:?} (open, in_progress, resolved, closed)"),
    })
}

/// One line per case: number, when it was opened, kind, status, rating, whose it is, title.
#[must_use]
pub fn render_list(cases: &[Case]) -> String {
    if cases.is_empty() {
        return "no cases\n".to_owned();
    }
    let mut out = format!(
        "{:<8} {:<20} {:<8} {:<12} {:<6} {:<20} {}\n",
        "CASE", "OPENED", "KIND", "STATUS", "RATING", "REPORTER", "TITLE"
    );
    for c in cases {
        let rating = c
            .rating
            .map_or_else(|| "-".to_owned(), |r| format!("{}/5", r.get()));
        let _ = writeln!(
            out,
            "{:<8} {:<20} {:<8} {:<12} {:<6} {:<20} {}",
            c.id.to_string(),
            utc_minute(c.created_at_ms),
            c.kind.as_str(),
            c.status.as_str(),
            rating,
            clip(&c.reporter.name, 20),
            clip(&c.title, 60)
        );
    }
    out
}

/// A case with its fields and notes.
#[must_use]
pub fn render_case(c: &Case) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Case {} — {} ({})", c.id, c.title, c.kind);
    let _ = writeln!(out, "Status:   {}", c.status);
    let _ = writeln!(out, "Opened:   {}", utc_minute(c.created_at_ms));
    let _ = writeln!(
        out,
        "Rating:   {}",
        c.rating
            .map_or_else(|| "not rated".to_owned(), |r| format!("{}/5", r.get()))
    );
    let _ = writeln!(
        out,
        "Reporter: {} (Discord {})",
        c.reporter.name, c.reporter.user_id
    );
    let _ = writeln!(out, "\n{}", c.description);
    for (name, value) in &c.fields {
        let _ = writeln!(out, "\n{name}:\n{value}");
    }
    if !c.notes.is_empty() {
        let _ = writeln!(out, "\nNotes:");
        for note in &c.notes {
            let kind = match note.kind {
                flexcord_core::case::NoteKind::Transcript => "transcript",
                flexcord_core::case::NoteKind::Rating => "rating",
                flexcord_core::case::NoteKind::Comment => "comment",
            };
            let _ = writeln!(
                out,
                "--- {kind} by {}, {}",
                note.author,
                utc_minute(note.at_ms)
            );
            let _ = writeln!(out, "{}", note.body);
        }
    }
    out
}

fn clip(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        let mut s: String = line.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}
