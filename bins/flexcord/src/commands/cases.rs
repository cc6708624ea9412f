//! `flexcord cases list|show`: read cases from the configured case system.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::fmt::Write as _;

use anyhow::Context as _;
use flexcord_core::case::{Case, CaseFilter, CaseKind, CaseStatus};
use flexcord_core::ids::{CaseId, UserId};

use crate::adapters;
use crate::cli::CasesAction;
use crate::config::Settings;

/// Runs a `cases` action.
///
/// # Errors
///
/// Bad arguments, an unreachable case system, an unknown case.
pub async fn run(settings: &Settings, action: CasesAction) -> anyhow::Result<()> {
    let store = adapters::store(settings).await?;
    let cases = adapters::cases(settings, &store)?;
    match action {
        CasesAction::List {
            status,
            kind,
            reporter,
            limit,
        } => {
            let filter = CaseFilter {
                reporter: reporter.map(UserId),
                kind: kind.as_deref().map(parse_kind).transpose()?,
                status: status.as_deref().map(parse_status).transpose()?,
                limit,
            };
            let list = cases.list(&filter).await.context("cannot list cases")?;
            print!("{}", render_list(&list));
        }
        CasesAction::Show { id } => {
            let id: CaseId = id
                .parse()
                .with_context(|| format!("{id:?} is not a case number"))?;
            let case = cases
                .get(id)
                .await
                .with_context(|| format!("cannot show case {id}"))?;
            print!("{}", render_case(&case));
        }
    }
    store.close().await;
    Ok(())
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

/// One line per case.
#[must_use]
pub fn render_list(cases: &[Case]) -> String {
    if cases.is_empty() {
        return "no cases\n".to_owned();
    }
    let mut out = format!(
        "{:<8} {:<8} {:<12} {:<6} {:<20} {}\n",
        "CASE", "KIND", "STATUS", "RATING", "REPORTER", "TITLE"
    );
    for c in cases {
        let rating = c
            .rating
            .map_or_else(|| "-".to_owned(), |r| format!("{}/5", r.get()));
        let _ = writeln!(
            out,
            "{:<8} {:<8} {:<12} {:<6} {:<20} {}",
            c.id.to_string(),
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
            let _ = writeln!(out, "--- {:?} by {}", note.kind, note.author);
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
