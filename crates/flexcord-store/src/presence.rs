//! PostgreSQL: which instances are alive, so that a crashed instance's outbox leases are
//! released within seconds instead of when they run out.
//!
//! A lease is the only thing that stops an entry from being delivered twice, and it has to
//! outlast a slow delivery, so it is long (the binary uses 30 s). When its holder dies, the
//! entry — and everything queued behind it in the same conversation — would wait that long.
//! On SQLite that is solved at start-up (one instance per file: every lease found then is a
//! dead process's). With several instances sharing PostgreSQL, a lease's holder may well be
//! alive, so each instance shows that it is:
//!
//! - it holds a session-level advisory lock, `(NAMESPACE, key)`, on a connection of its own for
//!   as long as it runs, and its delivery worker claims as `flexcord-pg-<key>`;
//! - PostgreSQL drops a session's locks the moment its connection ends: the process exits or is
//!   killed (the kernel closes the socket). A host that vanishes leaves a half-open connection
//!   the server may keep for long; its leases then simply run out, as without this module;
//! - so a lease named `flexcord-pg-<key>` with no such lock held is a dead instance's, and
//!   [`Store::release_leases`] hands it back at once. Released entries keep their attempt count,
//!   so the adapters check for an earlier send before sending again.
//!
//! The key is the presence connection's backend pid when it is first opened: unique among live
//! sessions, so the lock is never contended. If that connection is lost while the process
//! lives (a database restart, say), the same key is locked again on a new connection. In the
//! gap other instances may release this one's leases; the worst outcome is the check-then-send
//! above, not a lost message.
//!
//! Leases named otherwise (another flexcord version during a rolling upgrade, tests) are left
//! to run out. A connection pooler in transaction mode would break session locks; flexcord
//! needs a direct or session-mode connection anyway (prepared statements).

use sqlx::postgres::PgConnection;
use sqlx::{Connection as _, PgPool};

use flexcord_core::ports::StoreError;

use crate::codec::now_ms;
use crate::error::store_error;

/// The advisory lock namespace (`key1` of `pg_advisory_lock(key1, key2)`): "flxd".
const NAMESPACE: i32 = 0x666c_7864;
/// How the lease owners of live-checked instances are named.
const OWNER_PREFIX: &str = "flexcord-pg-";

/// This instance's presence: its key, and the connection holding the lock.
#[derive(Debug)]
pub(crate) struct Presence {
    key: i32,
    /// `None` after the connection was lost and could not be reopened yet.
    conn: Option<PgConnection>,
}

impl Presence {
    /// Opens the presence connection and takes the lock.
    pub(crate) async fn open(pool: &PgPool) -> Result<Self, StoreError> {
        let mut conn = pool.acquire().await.map_err(store_error)?.detach();
        let key: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .map_err(store_error)?;
        lock(&mut conn, key).await?;
        Ok(Self {
            key,
            conn: Some(conn),
        })
    }

    /// The name this instance's worker claims under.
    pub(crate) fn owner(&self) -> String {
        format!("{OWNER_PREFIX}{}", self.key)
    }

    /// Releases the unexpired leases of instances that hold no presence lock; returns how many.
    /// Runs on the presence connection, so a success also shows this instance's own lock is
    /// held (its own leases are never mistaken for a dead one's). A lost connection is
    /// reopened, and the lock taken again, once per call.
    pub(crate) async fn release_dead(&mut self, pool: &PgPool) -> Result<u64, StoreError> {
        if let Some(conn) = self.conn.as_mut() {
            match release_dead_on(conn).await {
                Ok(released) => return Ok(released),
                Err(error) if conn.ping().await.is_ok() => return Err(store_error(error)),
                Err(_) => self.conn = None,
            }
        }
        let mut conn = pool.acquire().await.map_err(store_error)?.detach();
        lock(&mut conn, self.key).await?;
        tracing::warn!(
            owner = %self.owner(),
            "the database connection that shows this instance is alive was lost and is back; \
             other instances may have taken over deliveries it had in flight"
        );
        let released = release_dead_on(&mut conn).await.map_err(store_error)?;
        self.conn = Some(conn);
        Ok(released)
    }

    /// Ends the presence (other instances see this instance as gone from now on).
    pub(crate) async fn close(self) {
        if let Some(conn) = self.conn {
            let _ = conn.close().await;
        }
    }
}

/// Takes the presence lock for `key` on `conn`, without waiting.
async fn lock(conn: &mut PgConnection, key: i32) -> Result<(), StoreError> {
    let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(NAMESPACE)
        .bind(key)
        .fetch_one(conn)
        .await
        .map_err(store_error)?;
    if taken {
        Ok(())
    } else {
        Err(StoreError::Unavailable(format!(
            "another database session holds the presence lock of {OWNER_PREFIX}{key}"
        )))
    }
}

async fn release_dead_on(conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET lease_owner = NULL, lease_until = NULL \
         WHERE state = 'pending' AND lease_until > $1 AND lease_owner LIKE $2 \
         AND lease_owner NOT IN (\
             SELECT $3 || l.objid::text FROM pg_locks l \
             WHERE l.locktype = 'advisory' AND l.classid::bigint = $4 \
             AND l.objsubid = 2 AND l.granted)",
    )
    .bind(now_ms())
    .bind(format!("{OWNER_PREFIX}%"))
    .bind(OWNER_PREFIX)
    .bind(i64::from(NAMESPACE))
    .execute(conn)
    .await
    .map(|done| done.rows_affected())
}
