//! A [`Commit`] on SQLite as one script in one transaction (see `sqlite_script` for why).
//!
//! A script cannot branch, so each statement carries its own condition and the outcome is read
//! from what each one changed afterwards:
//!
//! 1. the session is written only if the event's dedupe key is not recorded yet (and, for an
//!    update, only at the version it was read at);
//! 2. the dedupe key is recorded only if the session statement wrote its row (`changes() = 1`:
//!    SQLite's count of rows the statement just before changed);
//! 3. each outbox entry is inserted only if the statement before it changed its one row — so
//!    when step 1 wrote nothing, nothing after it is written either;
//! 4. when step 1 wrote nothing, a query after the script tells a duplicate (the key is
//!    there) from a version conflict. It is not part of the script because it is rarely needed
//!    and every statement of a script costs a hand-off between threads (see `sqlite_script`).
//!
//! A commit without a session starts the chain at the dedupe key; one with neither, at the
//! first outbox entry. With direct delivery on (`direct`), an outbox entry that is the only
//! pending one of its ordering key is inserted already leased to the registered worker and
//! handed to it once the transaction has committed.

use flexcord_core::outbox::ClaimedEntry;
use flexcord_core::ports::{Commit, CommitOutcome, StoreError};
use flexcord_core::session::Session;
use sqlx::{Row as _, SqlitePool};

use crate::error::store_error;
use crate::sessions::{EncodedCommit, EncodedSession};
use crate::sqlite_script::{StatementResult, int, opt_int, opt_text, text};
use crate::store::Store;

/// Where each part of the commit sits in the script's results.
#[derive(Debug, Default)]
struct Layout {
    session: Option<usize>,
    dedupe: Option<usize>,
    outbox: Vec<usize>,
}

/// What a script did, read off its results.
#[derive(Debug)]
enum Decided {
    /// Everything was written: each outbox entry's id, and whether it was leased on insert.
    Written(Vec<(i64, bool)>),
    /// Nothing was written because the dedupe key is recorded.
    Duplicate,
    /// Nothing was written because the session statement matched no row: the key is recorded
    /// (a duplicate) or the stored version moved on (a conflict); the key tells.
    DuplicateOrConflict,
}

/// The lease an entry inserted at the head of its ordering key gets.
struct Lease<'a> {
    worker: &'a str,
    until: i64,
}

fn key_is_new(key: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM processed_events WHERE key = {})",
        text(key)
    )
}

/// Which columns of a session differ from the stored row; `None` = unknown, write them all.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Changed {
    user_name: bool,
    dm_channel: bool,
    state: bool,
    conversation: bool,
    interaction: bool,
    case_id: bool,
    agent_name: bool,
    transcript: bool,
    locale: bool,
    usage: bool,
}

impl Changed {
    /// Every column: what an update writes when it cannot tell.
    const ALL: Self = Self {
        user_name: true,
        dm_channel: true,
        state: true,
        conversation: true,
        interaction: true,
        case_id: true,
        agent_name: true,
        transcript: true,
        locale: true,
        usage: true,
    };

    /// What `new` changes compared with `stored`, the row as it is at `new.version`.
    pub(crate) fn between(stored: &Session, new: &Session) -> Option<Self> {
        (stored.version == new.version).then(|| Self {
            user_name: stored.user_name != new.user_name,
            dm_channel: stored.dm_channel != new.dm_channel,
            state: stored.state != new.state,
            conversation: stored.conversation != new.conversation,
            interaction: stored.interaction != new.interaction,
            case_id: stored.case_id != new.case_id,
            agent_name: stored.agent_name != new.agent_name,
            transcript: stored.transcript != new.transcript,
            locale: stored.locale != new.locale,
            usage: stored.usage != new.usage,
        })
    }
}

fn session_statement(
    s: &EncodedSession,
    changed: Option<Changed>,
    key: Option<&str>,
    now: i64,
) -> String {
    let unseen = key.map_or_else(|| "1".to_owned(), key_is_new);
    if s.expected_version == 0 {
        return format!(
            "INSERT INTO sessions (user_id, user_name, dm_channel, state, conversation_sid, \
             interaction_sid, interaction_channel_sid, case_id, agent_name, transcript, version, \
             updated_at, locale, limit_usage) SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 1, {now}, {}, {} \
             WHERE {unseen} ON CONFLICT (user_id) DO NOTHING",
            int(s.user_id),
            text(&s.user_name),
            int(s.dm_channel),
            text(s.state),
            opt_text(s.conversation_sid.as_deref()),
            opt_text(s.interaction_sid.as_deref()),
            opt_text(s.interaction_channel_sid.as_deref()),
            opt_int(s.case_id),
            opt_text(s.agent_name.as_deref()),
            text(&s.transcript),
            opt_text(s.locale.as_deref()),
            text(&s.limit_usage),
        );
    }
    // Only what changed: an unchanged indexed column (DM channel, conversation) left out of the
    // SET list spares SQLite rewriting its index, and an unchanged transcript its pages. The
    // version check makes "unchanged" exact: the row is the one the comparison was made with.
    let c = changed.unwrap_or(Changed::ALL);
    let mut set = Vec::new();
    if c.user_name {
        set.push(format!("user_name = {}", text(&s.user_name)));
    }
    if c.dm_channel {
        set.push(format!("dm_channel = {}", int(s.dm_channel)));
    }
    if c.state {
        set.push(format!("state = {}", text(s.state)));
    }
    if c.conversation {
        let sid = opt_text(s.conversation_sid.as_deref());
        set.push(format!("conversation_sid = {sid}"));
    }
    if c.interaction {
        set.push(format!(
            "interaction_sid = {}, interaction_channel_sid = {}",
            opt_text(s.interaction_sid.as_deref()),
            opt_text(s.interaction_channel_sid.as_deref())
        ));
    }
    if c.case_id {
        set.push(format!("case_id = {}", opt_int(s.case_id)));
    }
    if c.agent_name {
        set.push(format!(
            "agent_name = {}",
            opt_text(s.agent_name.as_deref())
        ));
    }
    if c.transcript {
        set.push(format!("transcript = {}", text(&s.transcript)));
    }
    if c.locale {
        set.push(format!("locale = {}", opt_text(s.locale.as_deref())));
    }
    if c.usage {
        set.push(format!("limit_usage = {}", text(&s.limit_usage)));
    }
    set.push("version = version + 1".to_owned());
    set.push(format!("updated_at = {now}"));
    format!(
        "UPDATE sessions SET {} WHERE user_id = {} AND version = {} AND {unseen}",
        set.join(", "),
        int(s.user_id),
        int(s.expected_version),
    )
}

fn outbox_statement(
    ordering_key: &str,
    payload: &str,
    guard: &str,
    lease: Option<&Lease<'_>>,
    now: i64,
) -> String {
    let (key, payload) = (text(ordering_key), text(payload));
    match lease {
        // `attempts` is 1 exactly when the entry was leased (its first claim).
        Some(lease) => format!(
            "INSERT INTO outbox (ordering_key, payload, state, created_at, due_at, attempts, \
             lease_owner, lease_until) \
             SELECT {key}, {payload}, 'pending', {now}, {now}, head, \
             CASE WHEN head THEN {} END, CASE WHEN head THEN {} END \
             FROM (SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE ordering_key = {key} \
             AND state = 'pending') AS head) \
             WHERE {guard} RETURNING id, attempts",
            text(lease.worker),
            int(lease.until),
        ),
        None => format!(
            "INSERT INTO outbox (ordering_key, payload, state, created_at, due_at, attempts) \
             SELECT {key}, {payload}, 'pending', {now}, {now}, 0 \
             WHERE {guard} RETURNING id, attempts"
        ),
    }
}

/// The script's body and where each part's result lands.
fn script(
    key: Option<&str>,
    commit: &EncodedCommit,
    changed: Option<Changed>,
    lease: Option<&Lease<'_>>,
) -> (String, Layout) {
    let now = commit.now;
    let mut statements = Vec::new();
    let mut layout = Layout::default();
    if let Some(s) = &commit.session {
        layout.session = Some(statements.len());
        statements.push(session_statement(s, changed, key, now));
    }
    if let Some(key) = key {
        layout.dedupe = Some(statements.len());
        statements.push(if statements.is_empty() {
            format!(
                "INSERT INTO processed_events (key, created_at) VALUES ({}, {now}) \
                 ON CONFLICT (key) DO NOTHING",
                text(key)
            )
        } else {
            // `WHERE` is required before `ON CONFLICT` in an INSERT … SELECT.
            format!(
                "INSERT INTO processed_events (key, created_at) SELECT {}, {now} \
                 WHERE changes() = 1 ON CONFLICT (key) DO NOTHING",
                text(key)
            )
        });
    }
    for (ordering_key, payload) in &commit.outbox {
        // The first statement of a script must not look at `changes()`: it would read whatever
        // this connection ran last.
        let guard = if statements.is_empty() {
            "1"
        } else {
            "changes() = 1"
        };
        layout.outbox.push(statements.len());
        statements.push(outbox_statement(ordering_key, payload, guard, lease, now));
    }
    (statements.join(";\n"), layout)
}

fn changed(results: &[StatementResult], at: usize) -> bool {
    results.get(at).is_some_and(|r| r.changes == 1)
}

/// Reads the outcome off the script's results.
fn outcome(layout: &Layout, results: &[StatementResult]) -> Result<Decided, StoreError> {
    let written = match (layout.session, layout.dedupe) {
        (Some(at), _) | (None, Some(at)) => changed(results, at),
        (None, None) => true,
    };
    if !written {
        // The transaction committed nothing: the chain stopped at its first statement.
        return match (layout.session, layout.dedupe) {
            (Some(_), Some(_)) => Ok(Decided::DuplicateOrConflict),
            (Some(_), None) => Err(StoreError::Conflict),
            // No session: the dedupe key was the first statement.
            (None, _) => Ok(Decided::Duplicate),
        };
    }
    // Each entry's id, and whether it was leased on insert.
    layout
        .outbox
        .iter()
        .enumerate()
        .map(|(n, &at)| {
            let row = results
                .get(at)
                .and_then(|r| r.rows.first())
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("outbox entry {n} of a commit was not inserted"))
                })?;
            let id: i64 = row.try_get(0).map_err(store_error)?;
            let attempts: i64 = row.try_get(1).map_err(store_error)?;
            Ok((id, attempts == 1))
        })
        .collect::<Result<_, _>>()
        .map(Decided::Written)
}

/// Whether `key` is recorded as processed.
async fn key_recorded(pool: &SqlitePool, key: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM processed_events WHERE key = ?)")
        .bind(key)
        .fetch_one(pool)
        .await
        .map_err(store_error)
}

impl Store {
    pub(crate) async fn commit_sqlite(
        &self,
        pool: &SqlitePool,
        commit: &Commit,
        encoded: EncodedCommit,
    ) -> Result<CommitOutcome, StoreError> {
        let (pool, store) = (pool.clone(), self.clone());
        let key = commit.dedupe_key.clone();
        let messages = if self.direct().is_some() {
            commit.outbox.clone()
        } else {
            Vec::new()
        };
        let changed = match (&self.sessions, &commit.session) {
            (Some(cache), Some(new)) => cache
                .peek(new.user, |stored| Changed::between(stored, new))
                .flatten(),
            _ => None,
        };
        // What the cache will hold once this is committed (the stored version moves on by one).
        let cached = commit
            .session
            .as_ref()
            .filter(|_| self.sessions.is_some())
            .map(|s| Session {
                version: s.version.saturating_add(1),
                ..s.clone()
            });
        // On a task of its own from here on: a caller that stops waiting (an HTTP client that
        // hung up) can neither leave the transaction open nor lose the hand-over.
        let task = tokio::spawn(async move {
            let direct = store.direct();
            let leased_at = std::time::Instant::now();
            let lease = direct.map(|d| Lease {
                worker: &d.worker,
                until: d.lease_until(encoded.now),
            });
            let (body, layout) = script(key.as_deref(), &encoded, changed, lease.as_ref());
            store.count_write();
            let results = crate::sqlite_script::transaction(&pool, &store.write_lock(), &body)
                .await
                .map_err(store_error)?;
            let decided = outcome(&layout, &results);
            if let (Some(cache), Some(session)) = (&store.sessions, cached) {
                match &decided {
                    Ok(Decided::Written(_)) => cache.put(session),
                    // Another writer moved the session on: the row is the truth now.
                    _ => cache.forget(session.user),
                }
            }
            let entries = match decided? {
                Decided::Written(entries) => entries,
                Decided::Duplicate => return Ok(CommitOutcome::Duplicate),
                Decided::DuplicateOrConflict => {
                    // A key, once recorded, stays (until pruned, long after any redelivery), so
                    // reading it after the transaction tells the same as reading it inside.
                    let key = key.as_deref().unwrap_or_default();
                    return if key_recorded(&pool, key).await? {
                        Ok(CommitOutcome::Duplicate)
                    } else {
                        Err(StoreError::Conflict)
                    };
                }
            };
            if let Some(direct) = direct {
                for (&(id, leased), message) in entries.iter().zip(messages) {
                    if leased {
                        direct.hand_over(
                            ClaimedEntry {
                                id,
                                message,
                                attempts: 0,
                                nonce: flexcord_core::outbox::delivery_nonce(store.nonce_salt, id),
                            },
                            leased_at,
                        );
                    }
                }
            }
            Ok(CommitOutcome::Committed {
                session_version: encoded.session.as_ref().map(|s| s.new_version),
                outbox_ids: entries.into_iter().map(|(id, _)| id).collect(),
            })
        });
        task.await
            .map_err(|e| StoreError::Unavailable(format!("write task failed: {e}")))?
    }
}
