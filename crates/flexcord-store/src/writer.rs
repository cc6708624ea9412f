//! The connection this process's hot SQLite writes run on, kept inside the write lock.
//!
//! Why: a connection borrowed from sqlx's pool is tested with a ping when it is given back —
//! one more round trip to the connection's thread, and one more wake-up of ours, after every
//! write. Writes already take turns on the write lock, so the lock can as well own the one
//! connection they use: borrowed from the pool once, detached, kept until it fails.

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;

/// What the write lock guards: the writers' connection, opened on first use.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    conn: Option<SqliteConnection>,
}

impl Writer {
    /// The writers' connection, taken from `pool` (and detached from it) on first use.
    pub(crate) async fn conn(
        &mut self,
        pool: &SqlitePool,
    ) -> Result<&mut SqliteConnection, sqlx::Error> {
        let conn = match self.conn.take() {
            Some(conn) => conn,
            None => pool.acquire().await?.detach(),
        };
        Ok(self.conn.insert(conn))
    }

    /// Drops the connection (its state is unknown after a failed rollback); the next write
    /// opens another.
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }

    /// Closes the connection, if open.
    pub(crate) async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = sqlx::Connection::close(conn).await;
        }
    }
}
