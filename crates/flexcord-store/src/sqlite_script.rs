//! SQLite scripts: several statements sent to the database in **one** round trip.
//!
//! Why: sqlx runs every SQLite connection on a thread of its own, and each statement is a round
//! trip to that thread — about 50 µs on a 2-core VM, far more than SQLite's own work. A relay's
//! commit was five of them (begin, dedupe key, session, outbox entry, commit). As one script it
//! is one.
//!
//! sqlx runs multi-statement strings only through [`sqlx::raw_sql`], which takes no bind
//! parameters (`sqlx::query` still binds across the statements of a `;`-separated string on
//! SQLite, but that is deprecated and going away: launchbadge/sqlx#3108), so values are written
//! into the text as literals made by the functions below:
//! integers in decimal, text as a hex blob cast to `TEXT`, `NULL`. None of them can change the
//! structure of the statement whatever the value holds (a hex literal is only `[0-9a-f]`), so
//! this is as injection-proof as binding. Never put a value into a script any other way.

use futures_util::TryStreamExt as _;
use futures_util::future::BoxFuture;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Either, SqlitePool};

use tokio::sync::Mutex;

use crate::writer::Writer;

/// An integer literal.
pub(crate) fn int(value: i64) -> String {
    value.to_string()
}

/// A nullable integer literal.
pub(crate) fn opt_int(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_owned(), int)
}

/// A text literal: the UTF-8 bytes as a hex blob, cast back to `TEXT` (byte for byte; a
/// string holding quotes, semicolons or NULs stays one value).
pub(crate) fn text(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(value.len() * 2 + 20);
    out.push_str("CAST(X'");
    for byte in value.bytes() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out.push_str("' AS TEXT)");
    out
}

/// A nullable text literal.
pub(crate) fn opt_text(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), text)
}

/// What one statement of a script did: rows changed (for `INSERT`/`UPDATE`/`DELETE`) and the
/// rows it returned (`SELECT`, `RETURNING`).
#[derive(Default)]
pub(crate) struct StatementResult {
    pub(crate) changes: u64,
    pub(crate) rows: Vec<SqliteRow>,
}

impl std::fmt::Debug for StatementResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementResult")
            .field("changes", &self.changes)
            .field("rows", &self.rows.len())
            .finish()
    }
}

/// Runs `sql` (statements separated by `;`) on `conn` and returns one result per statement, in
/// order. Stops at the first failing statement; the ones before it stay done, so a script that
/// must be all-or-nothing runs through [`transaction`].
///
/// Boxed, with its lifetimes spelled out: left to inference, the future of a stream over a
/// borrowed connection is not provably `Send` (the "`Executor` is not general enough" error).
pub(crate) fn run<'c>(
    conn: &'c mut SqliteConnection,
    sql: &'c str,
) -> BoxFuture<'c, Result<Vec<StatementResult>, sqlx::Error>> {
    Box::pin(run_inner(conn, sql))
}

async fn run_inner(
    conn: &mut SqliteConnection,
    sql: &str,
) -> Result<Vec<StatementResult>, sqlx::Error> {
    let mut results = Vec::new();
    let mut current = StatementResult::default();
    let mut steps = sqlx::raw_sql(sql).fetch_many(conn);
    while let Some(step) = steps.try_next().await? {
        match step {
            Either::Left(done) => {
                current.changes = done.rows_affected();
                results.push(std::mem::take(&mut current));
            }
            Either::Right(row) => current.rows.push(row),
        }
    }
    Ok(results)
}

/// Runs `body` inside `BEGIN IMMEDIATE … COMMIT` in one round trip, holding `lock` (this
/// process's write lock) and on its connection, and returns the body's statement results. On
/// any failure the transaction is rolled back and nothing of it is written.
///
/// Run it on a task of its own (`tokio::spawn`): a caller that gives up waiting half-way would
/// otherwise leave the connection inside an open transaction.
///
/// Boxed for the same reason as [`run`].
pub(crate) fn transaction<'a>(
    pool: &'a SqlitePool,
    lock: &'a Mutex<Writer>,
    body: &'a str,
) -> BoxFuture<'a, Result<Vec<StatementResult>, sqlx::Error>> {
    Box::pin(transaction_inner(pool, lock, body))
}

async fn transaction_inner(
    pool: &SqlitePool,
    lock: &Mutex<Writer>,
    body: &str,
) -> Result<Vec<StatementResult>, sqlx::Error> {
    let mut writer = lock.lock().await;
    let conn = writer.conn(pool).await?;
    let script = format!("BEGIN IMMEDIATE;\n{body};\nCOMMIT");
    match run(conn, &script).await {
        Ok(mut results) => {
            // Drop BEGIN's and COMMIT's own results: callers index the body's.
            results.pop();
            if !results.is_empty() {
                results.remove(0);
            }
            Ok(results)
        }
        Err(error) => {
            // The script stopped at the failing statement, inside the transaction. (If BEGIN
            // itself failed, ROLLBACK fails too: rare, harmless.)
            if crate::health::is_storage_fault(&error) {
                // A read-only or full database: this connection may stay unable to write
                // after the file is fine again (see `health`).
                let _ = run(conn, "ROLLBACK").await;
                writer.reconnect_after_fault();
            } else if run(conn, "ROLLBACK").await.is_err() {
                // Cannot tell what state it is in: never hand it to the next writer.
                writer.discard();
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_literals_are_hex_only() {
        assert_eq!(text(""), "CAST(X'' AS TEXT)");
        assert_eq!(text("a'; DROP"), "CAST(X'61273b2044524f50' AS TEXT)");
        let lit = text("é\0\"");
        let inner = lit
            .strip_prefix("CAST(X'")
            .and_then(|s| s.strip_suffix("' AS TEXT)"))
            .unwrap_or_default();
        assert!(inner.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(opt_text(None), "NULL");
        assert_eq!(opt_int(Some(-5)), "-5");
    }

    #[tokio::test]
    async fn literals_round_trip_any_text_and_scripts_report_each_statement() {
        use sqlx::Row as _;
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let nasty = "it's; \"quoted\" — é 😀 \0 end";
        let sql = format!(
            "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ({}), ({}); SELECT v FROM t ORDER BY rowid",
            text(nasty),
            opt_text(None)
        );
        let results = run(&mut conn, &sql).await.unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[1].changes, 2);
        let values: Vec<Option<String>> = results[2].rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(values, vec![Some(nasty.to_owned()), None]);
    }

    #[tokio::test]
    async fn a_failed_transaction_writes_nothing_and_the_writer_serves_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let pool = SqlitePool::connect(&url).await.unwrap();
        sqlx::query("CREATE TABLE t (v INTEGER NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let lock = Mutex::new(Writer::default());

        let failed = transaction(
            &pool,
            &lock,
            "INSERT INTO t VALUES (1); INSERT INTO t VALUES (NULL)",
        )
        .await;
        assert!(failed.is_err(), "NOT NULL must fail the script");
        // Same connection, back outside any transaction: the next script commits on its own.
        let results = transaction(&pool, &lock, "INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].changes, 1);
        let values: Vec<i64> = sqlx::query_scalar("SELECT v FROM t")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(values, vec![2]);
    }
}
