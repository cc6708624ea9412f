//! The connection this process's hot SQLite writes run on, kept inside the write lock.
//!
//! Why: a connection borrowed from sqlx's pool is tested with a ping when it is given back —
//! one more round trip to the connection's thread, and one more wake-up of ours, after every
//! write. Writes already take turns on the write lock, so the lock can as well own the one
//! connection they use: borrowed from the pool once, detached, kept until it fails — or until
//! a storage fault made every connection of its age stale (see `health`).

use std::sync::Arc;
use std::time::Instant;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

use crate::health::Health;

/// What the write lock guards: the writers' connection, opened on first use.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    /// The connection and when it was taken from the pool (a pooled one is no older than
    /// that for staleness: the pool had just checked it).
    conn: Option<(SqliteConnection, Instant)>,
    health: Arc<Health>,
}

impl Writer {
    /// A writer that follows `health`'s stale marks.
    pub(crate) fn new(health: Arc<Health>) -> Self {
        Self { conn: None, health }
    }

    /// The writers' connection, taken from `pool` (and detached from it) on first use and
    /// again after a storage fault.
    pub(crate) async fn conn(
        &mut self,
        pool: &SqlitePool,
    ) -> Result<&mut SqliteConnection, sqlx::Error> {
        let (conn, since) = match self.conn.take() {
            Some((conn, since)) if !self.health.opened_stale(since) => (conn, since),
            stale => {
                if let Some((conn, _)) = stale {
                    let _ = sqlx::Connection::close(conn).await;
                }
                if self.health.is_failing() {
                    // An idle pooled connection may have been opened while the file could not
                    // be written, and be read-only for good: open a new one.
                    self.health.mark_connections_stale();
                }
                (pool.acquire().await?.detach(), Instant::now())
            }
        };
        Ok(&mut self.conn.insert((conn, since)).0)
    }

    /// Drops the connection (its state is unknown after a failed rollback); the next write
    /// opens another.
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }

    /// After a storage fault: drops this connection and marks every other one opened so far
    /// stale, so the next writes run on connections that see the file as it is now.
    pub(crate) fn reconnect_after_fault(&mut self) {
        self.discard();
        self.health.mark_connections_stale();
    }

    /// Closes the connection, if open.
    pub(crate) async fn close(&mut self) {
        if let Some((conn, _)) = self.conn.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}
