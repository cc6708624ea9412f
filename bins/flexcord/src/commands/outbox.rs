//! `flexcord outbox dead|retry`: what flexcord gave up delivering, and sending it again.

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::fmt::Write as _;

use anyhow::Context as _;
use flexcord_core::ports::Clock as _;
use flexcord_store::DeadLetter;

use crate::adapters;
use crate::app::SystemClock;
use crate::cli::OutboxAction;
use crate::config::Settings;

/// Runs an `outbox` action.
///
/// # Errors
///
/// An unreachable database; for `retry`, ids that are not dead letters (so a script sees that
/// not everything asked for was queued).
pub async fn run(settings: &Settings, action: OutboxAction) -> anyhow::Result<()> {
    // `dead` only reads: a mistyped database URL must fail, not leave an empty database behind.
    let store = match action {
        OutboxAction::Dead { .. } => adapters::store_read_only(settings).await?,
        OutboxAction::Retry { .. } => adapters::store(settings).await?,
    };
    let result = act(&store, action).await;
    store.close().await;
    result
}

async fn act(store: &flexcord_store::Store, action: OutboxAction) -> anyhow::Result<()> {
    match action {
        OutboxAction::Dead { limit } => {
            let dead = store
                .dead_letters(limit)
                .await
                .context("cannot read dead letters")?;
            print!("{}", render_dead(&dead, SystemClock.now_ms()));
        }
        OutboxAction::Retry { ids, all } => {
            let queued = if all {
                store.retry_all_dead().await
            } else {
                store.retry_dead(&ids).await
            }
            .context("cannot queue dead letters again")?;
            let skipped = if all {
                0
            } else {
                u64::try_from(ids.len())
                    .unwrap_or(u64::MAX)
                    .saturating_sub(queued)
            };
            if queued > 0 {
                println!("{queued} queued again; a running flexcord sends them within a second");
            } else if all {
                println!("no dead letters to queue");
            }
            if skipped > 0 {
                // Asked for by id and not done: the command failed, whatever else it queued.
                anyhow::bail!(
                    "{skipped} of the {} ids given {} not a dead letter (see `flexcord outbox dead`)",
                    ids.len(),
                    if skipped == 1 { "is" } else { "are" }
                );
            }
        }
    }
    Ok(())
}

/// One line per dead letter, newest first.
#[must_use]
pub fn render_dead(dead: &[DeadLetter], now_ms: u64) -> String {
    if dead.is_empty() {
        return "no dead letters\n".to_owned();
    }
    let mut out = format!(
        "{:<10} {:<40} {:<8} {:<10} {}\n",
        "ID", "TO", "TRIES", "GAVE UP", "WHY"
    );
    for d in dead {
        let _ = writeln!(
            out,
            "{:<10} {:<40} {:<8} {:<10} {}",
            d.id,
            d.ordering_key,
            d.attempts,
            ago(now_ms.saturating_sub(d.dead_at_ms)),
            d.reason.replace('\n', " ")
        );
    }
    out
}

/// "42 s ago", "5 min ago", "3 h ago", "2 d ago".
fn ago(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s} s ago"),
        60..3_600 => format!("{} min ago", s / 60),
        3_600..86_400 => format!("{} h ago", s / 3_600),
        _ => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letters_are_listed_one_per_line_with_their_age_and_reason() {
        let now = 1_800_000_000_000;
        let dead = [
            DeadLetter {
                id: 17,
                ordering_key: "dm:1000042".into(),
                reason: "Discord: Cannot send messages to this user\n(50007)".into(),
                attempts: 1,
                dead_at_ms: now - 90_000,
            },
            DeadLetter {
                id: 9,
                ordering_key: "conv:CH0123".into(),
                reason: "HTTP 401".into(),
                attempts: 10,
                dead_at_ms: now - 2 * 86_400_000,
            },
        ];
        let text = render_dead(&dead, now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("ID"));
        assert!(lines[1].starts_with("17 "), "{text}");
        assert!(lines[1].contains("dm:1000042"));
        assert!(lines[1].contains("1 min ago"));
        assert!(
            lines[1].ends_with("Cannot send messages to this user (50007)"),
            "one line per letter: {text}"
        );
        assert!(lines[2].contains("2 d ago") && lines[2].contains("HTTP 401"));
        assert_eq!(render_dead(&[], now), "no dead letters\n");
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(ago(59_999), "59 s ago");
        assert_eq!(ago(60_000), "1 min ago");
        assert_eq!(ago(7_200_000), "2 h ago");
        assert_eq!(ago(86_400_000), "1 d ago");
    }
}
