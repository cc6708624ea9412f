//! What differs between the SQLite and PostgreSQL pools: how a write transaction starts and the
//! outbox claim statement. Everything else is the same SQL text (both accept `$n` parameters).

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Per-backend behaviour of a pool.
pub(crate) trait Dialect {
    /// The driver.
    type Db: sqlx::Database;

    /// Starts a transaction that will write.
    async fn begin_write(&self) -> Result<Transaction<'static, Self::Db>, sqlx::Error>;

    /// The outbox claim: `$1` worker, `$2` lease end, `$3` now, `$4` limit. Returns
    /// `id, payload, attempts` (attempts before this claim).
    fn claim_sql(&self) -> &'static str;
}

/// The claimable entries: pending, due, unleased (or lease expired), and the oldest pending
/// entry of their ordering key. `{lock}` is where PostgreSQL adds its row locking.
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 ",
            "WHERE id IN (",
            "SELECT o.id FROM outbox o ",
            "WHERE o.state = 'pending' AND o.due_at <= $3 ",
            "AND (o.lease_until IS NULL OR o.lease_until <= $3) ",
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key ",
            "AND p.state = 'pending' AND p.id < o.id) ",
            "ORDER BY o.id LIMIT $4",
            $lock,
            ") RETURNING id, payload, attempts - 1 AS attempts"
        )
    };
}

impl Dialect for SqlitePool {
    type Db = Sqlite;

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        // IMMEDIATE takes the write lock up front (waiting up to the busy timeout); a deferred
        // transaction that reads first can fail with SQLITE_BUSY when it later upgrades.
        self.begin_with("BEGIN IMMEDIATE").await
    }

    fn claim_sql(&self) -> &'static str {
        // A single statement: SQLite runs one writer at a time, so the select and the update
        // cannot interleave with another claimer.
        claim_sql!("")
    }
}

impl Dialect for PgPool {
    type Db = Postgres;

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.begin().await
    }

    fn claim_sql(&self) -> &'static str {
        // SKIP LOCKED: a row another claimer is taking right now is skipped, not waited for;
        // a row it already took is re-checked against the lease condition and excluded.
        claim_sql!(" FOR UPDATE OF o SKIP LOCKED")
    }
}
