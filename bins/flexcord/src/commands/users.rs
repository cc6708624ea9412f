//! `flexcord users block|unblock|list|show`: the blocklist and a user's use of the limits, for
//! operators. A block written here is read by every running instance at the user's next event
//! (a live chat is then ended, politely, and noted on its case).

#![expect(
    clippy::print_stdout,
    reason = "this module's job is printing for a person"
)]

use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use flexcord_core::config::RouterConfig;
use flexcord_core::ids::UserId;
use flexcord_core::limits::{Block, LimitKind, Usage};
use flexcord_core::ports::{Clock as _, SessionStore as _};
use flexcord_core::session::Session;

use crate::adapters;
use crate::app::SystemClock;
use crate::cli::UsersAction;
use crate::config::Settings;

/// A Discord user id, or a mention of one (`<@123>`, `<@!123>`).
///
/// # Errors
///
/// Anything else.
pub fn parse_user(text: &str) -> anyhow::Result<UserId> {
    let t = text.trim();
    let inner = t
        .strip_prefix("<@")
        .and_then(|rest| rest.strip_suffix('>'))
        .map_or(t, |id| id.trim_start_matches('!'));
    match inner.parse::<UserId>() {
        Ok(id) => Ok(id),
        Err(_) => bail!("not a Discord user id or mention: {t:?}"),
    }
}

/// Runs a `users` action.
///
/// # Errors
///
/// An unreachable database, or a user that is not an id or a mention.
pub async fn run(settings: &Settings, action: UsersAction) -> anyhow::Result<()> {
    // Reading never writes: `list` and `show` open the database read-only (nothing created or
    // migrated); only `block` and `unblock` may create it.
    let store = match action {
        UsersAction::Block { .. } | UsersAction::Unblock { .. } => {
            adapters::store(settings).await?
        }
        _ => adapters::store_read_only(settings).await?,
    };
    let now = SystemClock.now_ms();
    match action {
        UsersAction::Block { user, reason } => {
            let user = parse_user(&user)?;
            let block = Block {
                user,
                reason: reason.trim().chars().take(500).collect(),
                by: "cli".to_owned(),
                at_ms: now,
            };
            store.block(&block).await.context("cannot block")?;
            println!("{user} is blocked");
        }
        UsersAction::Unblock { user } => {
            let user = parse_user(&user)?;
            let was = store.unblock(user).await.context("cannot unblock")?;
            println!(
                "{user} {}",
                if was {
                    "is unblocked"
                } else {
                    "was not blocked"
                }
            );
        }
        UsersAction::List => {
            let blocks = store.blocked_users().await.context("cannot read blocks")?;
            print!("{}", render_blocks(&blocks, now));
        }
        UsersAction::Show { user } => {
            let user = parse_user(&user)?;
            let block = store.blocked(user).await.context("cannot read blocks")?;
            let session = store.session(user).await.context("cannot read sessions")?;
            print!(
                "{}",
                render_user(
                    user,
                    block.as_ref(),
                    session.as_ref(),
                    &settings.router,
                    now
                )
            );
        }
    }
    store.close().await;
    Ok(())
}

/// One line per block, newest first.
#[must_use]
pub fn render_blocks(blocks: &[Block], now_ms: u64) -> String {
    if blocks.is_empty() {
        return "nobody is blocked\n".to_owned();
    }
    let mut out = format!("{:<20} {:<28} {:<10} {}\n", "USER", "BY", "WHEN", "WHY");
    for b in blocks {
        let _ = writeln!(
            out,
            "{:<20} {:<28} {:<10} {}",
            b.user,
            b.by,
            ago(now_ms.saturating_sub(b.at_ms)),
            one_line(&b.reason)
        );
    }
    out
}

/// Block state, chat state, open case and each limit's use.
#[must_use]
pub fn render_user(
    user: UserId,
    block: Option<&Block>,
    session: Option<&Session>,
    router: &RouterConfig,
    now_ms: u64,
) -> String {
    let mut out = format!("user     {user}\n");
    match block {
        Some(b) => {
            let _ = writeln!(
                out,
                "blocked  yes, by {} {} ago: {}",
                b.by,
                ago(now_ms.saturating_sub(b.at_ms)),
                one_line(&b.reason)
            );
        }
        None => out.push_str("blocked  no\n"),
    }
    let Some(s) = session else {
        out.push_str("session  none (never wrote to the bot)\n");
        return out;
    };
    let _ = writeln!(out, "name     {}", one_line(&s.user_name));
    let _ = writeln!(out, "state    {}", s.state.as_str());
    let case = s.case_id.map_or_else(|| "—".to_owned(), |c| c.to_string());
    let open = if s.state.is_live() { " (open)" } else { "" };
    let _ = writeln!(out, "case     {case}{open}");
    let limits = &router.limits;
    let _ = writeln!(
        out,
        "limits   {}",
        if limits.enabled {
            "on"
        } else {
            "off (FLEXCORD_LIMITS)"
        }
    );
    for kind in LimitKind::ALL {
        out.push_str(&limit_line(&s.usage, kind, router, now_ms));
    }
    out
}

fn limit_line(usage: &Usage, kind: LimitKind, router: &RouterConfig, now_ms: u64) -> String {
    let rate = router.limits.rate(kind);
    let used = usage.count(kind, &router.limits, now_ms);
    let max = if rate.max == 0 {
        "no limit".to_owned()
    } else {
        rate.max.to_string()
    };
    format!(
        "  {:<9} {used}/{max} in the last {}\n",
        kind.as_str(),
        span(rate.window_secs)
    )
}

fn span(secs: u64) -> String {
    match secs {
        s if s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        s if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        s if s.is_multiple_of(60) => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// "3m", "2h", "5d": how long ago, coarsely.
fn ago(ms: u64) -> String {
    let secs = ms / 1000;
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Outside text on one line, without control characters (a reason could hold any).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexcord_core::ids::ChannelId;
    use flexcord_core::session::SessionState;

    #[test]
    fn users_are_ids_or_mentions() {
        assert_eq!(parse_user("123").unwrap(), UserId(123));
        assert_eq!(parse_user(" <@123> ").unwrap(), UserId(123));
        assert_eq!(parse_user("<@!123>").unwrap(), UserId(123));
        assert!(parse_user("bob").is_err());
        assert!(parse_user("<@>").is_err());
        assert!(parse_user("0").is_err());
    }

    #[test]
    fn show_tells_block_case_and_counters() {
        let router = RouterConfig::default();
        let mut s = Session::new(UserId(7), "Ann", ChannelId(9));
        s.state = SessionState::WithAgent;
        s.case_id = Some(flexcord_core::ids::CaseId(1042));
        let now = 10_000_000;
        s.usage.check(LimitKind::Handoff, &router.limits, now);
        s.usage.check(LimitKind::AgentDm, &router.limits, now);
        s.usage.check(LimitKind::AgentDm, &router.limits, now);
        let block = Block {
            user: UserId(7),
            reason: "spam\nraid".to_owned(),
            by: "discord:5".to_owned(),
            at_ms: now - 180_000,
        };
        let out = render_user(UserId(7), Some(&block), Some(&s), &router, now);
        assert!(
            out.contains("blocked  yes, by discord:5 3m ago: spam raid"),
            "{out}"
        );
        assert!(out.contains("case     #1042 (open)"), "{out}");
        assert!(out.contains("handoff   1/3 in the last 1d"), "{out}");
        assert!(out.contains("agent_dm  2/30 in the last 1m"), "{out}");
        assert!(out.contains("report    0/5 in the last 1h"), "{out}");
    }

    #[test]
    fn list_shows_who_why_and_when() {
        assert_eq!(render_blocks(&[], 0), "nobody is blocked\n");
        let out = render_blocks(
            &[Block {
                user: UserId(7),
                reason: "raid".to_owned(),
                by: "cli".to_owned(),
                at_ms: 0,
            }],
            7_200_000,
        );
        assert!(out.contains("7 "), "{out}");
        assert!(out.contains("cli"), "{out}");
        assert!(out.contains("2h"), "{out}");
        assert!(out.contains("raid"), "{out}");
    }
}
