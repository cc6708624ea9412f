//! Who holds the Discord gateway, and the gateway session a new holder resumes.
//!
//! Discord sends every event to every session of a bot, so with several instances on one
//! PostgreSQL exactly one of them must hold the gateway: the others would each parse every DM
//! and interaction, race to acknowledge it, and spend the identify budget.
//!
//! - **PostgreSQL is the coordinator.** The holder owns a session-level advisory lock
//!   (`pg_try_advisory_lock(GATEWAY_NAMESPACE, <schema key>)`) on a connection of its own, the
//!   [`GatewayLease`]. PostgreSQL drops the lock the moment that connection ends — a clean
//!   stop, an exit or a `kill -9` (the kernel closes the socket) — so a standby's next attempt
//!   takes it, with no expiry to wait out and no clock to trust. The key is per schema, so
//!   deployments in different schemas of one database do not contend.
//! - **Fencing.** The session is written on the lease's own connection: a holder that lost that
//!   connection (and with it the lock) cannot overwrite what its successor records.
//! - **SQLite** serves one instance per file, so the lease is always granted.
//!
//! The `gateway` row (migration 0006) names the holder (for `/readyz`, `/metrics` and
//! `flexcord check`, through [`Store::gateway_owner`]) and keeps the last recorded session
//! ([`Store::gateway_session`]): session id, sequence and resume URL.

use sqlx::postgres::PgConnection;
use sqlx::{Connection as _, PgPool};

use flexcord_core::ports::StoreError;

use crate::codec::{ms_from_sql, now_ms};
use crate::error::store_error;
use crate::store::{Pool, Store, on_pool};

/// The advisory lock namespace of the gateway lease (`key1`): "flxg".
const GATEWAY_NAMESPACE: i32 = 0x666c_7867;
/// `key2`: the current schema's hash, kept positive so it reads back unchanged from
/// `pg_locks.objid` (an unsigned oid).
const SCHEMA_KEY: &str = "(hashtext(current_schema()) & 2147483647)";

/// A gateway session as recorded by its holder: what a new holder needs to RESUME it.
#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySession {
    /// Discord's session id (from READY).
    pub session_id: String,
    /// The sequence number of the last dispatch received.
    pub sequence: u64,
    /// READY's `resume_gateway_url`, where a resume must connect.
    pub resume_url: Option<String>,
}

impl std::fmt::Debug for GatewaySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session id lets whoever holds the bot token resume the session: never logged.
        f.debug_struct("GatewaySession")
            .field("session_id", &"***")
            .field("sequence", &self.sequence)
            .field("resume_url", &self.resume_url)
            .finish()
    }
}

/// Who holds the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayOwner {
    /// The holder's instance id (as it logged it at start).
    pub instance: String,
    /// Since when, milliseconds since the Unix epoch.
    pub since_ms: u64,
}

/// This instance's hold on the gateway; dropping it without [`GatewayLease::release`] still ends
/// it once the connection closes.
#[derive(Debug)]
pub struct GatewayLease {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    /// SQLite: the store itself (one instance per file).
    Sqlite(Store),
    /// PostgreSQL: the connection holding the lock; `None` once it was lost.
    Postgres(Option<PgConnection>),
}

impl Store {
    /// Takes the gateway for `instance` if nobody holds it; `None` when another instance does.
    /// On SQLite it is always granted. The holder is recorded in the `gateway` row.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the database cannot be reached.
    pub async fn try_take_gateway(
        &self,
        instance: &str,
    ) -> Result<Option<GatewayLease>, StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let _writer = self.write_guard().await;
                let named =
                    sqlx::query("UPDATE gateway SET owner = $1, owner_since = $2 WHERE id = 1")
                        .bind(instance)
                        .bind(now_ms())
                        .execute(pool)
                        .await;
                if let Err(error) = named {
                    // The row only names the holder; the one instance holds the gateway even
                    // while the file refuses writes (disk full), as it always did.
                    tracing::warn!(%error, "cannot record this instance as the gateway holder");
                }
                Ok(Some(GatewayLease {
                    inner: Inner::Sqlite(self.clone()),
                }))
            }
            Pool::Postgres(pool) => try_lock(pool, instance).await,
        }
    }

    /// Who holds the gateway now. PostgreSQL: the instance named in the `gateway` row while
    /// the lease's lock is held, `None` when nobody holds it. SQLite: the instance that last
    /// took it and has not released it (after a crash, the crashed one).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn gateway_owner(&self) -> Result<Option<GatewayOwner>, StoreError> {
        let sql = match &self.pool {
            Pool::Sqlite(_) => "SELECT owner, owner_since FROM gateway WHERE id = 1".to_owned(),
            Pool::Postgres(_) => format!(
                "SELECT owner, owner_since FROM gateway WHERE id = 1 AND EXISTS (\
                     SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' \
                     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                     AND l.classid::bigint = {GATEWAY_NAMESPACE} \
                     AND l.objid::bigint = {SCHEMA_KEY} AND l.objsubid = 2 AND l.granted)"
            ),
        };
        let row: Option<(Option<String>, Option<i64>)> = on_pool!(&self.pool, |p| {
            sqlx::query_as(&sql).fetch_optional(p).await
        })
        .map_err(store_error)?;
        Ok(match row {
            Some((Some(instance), since)) => Some(GatewayOwner {
                instance,
                since_ms: since.map_or(0, ms_from_sql),
            }),
            _ => None,
        })
    }

    /// The last gateway session a holder recorded, if any (cleared when a holder learns it
    /// cannot be resumed).
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn gateway_session(&self) -> Result<Option<GatewaySession>, StoreError> {
        let row: Option<(Option<String>, Option<i64>, Option<String>)> =
            on_pool!(&self.pool, |p| {
                sqlx::query_as("SELECT session_id, sequence, resume_url FROM gateway WHERE id = 1")
                    .fetch_optional(p)
                    .await
            })
            .map_err(store_error)?;
        Ok(match row {
            Some((Some(session_id), Some(sequence), resume_url)) => Some(GatewaySession {
                session_id,
                sequence: ms_from_sql(sequence),
                resume_url,
            }),
            _ => None,
        })
    }
}

/// Tries the advisory lock on a connection of its own; records the holder when taken.
async fn try_lock(pool: &PgPool, instance: &str) -> Result<Option<GatewayLease>, StoreError> {
    let mut pooled = pool.acquire().await.map_err(store_error)?;
    let taken: bool = sqlx::query_scalar(&format!(
        "SELECT pg_try_advisory_lock({GATEWAY_NAMESPACE}, {SCHEMA_KEY})"
    ))
    .fetch_one(&mut *pooled)
    .await
    .map_err(store_error)?;
    if !taken {
        // Back to the pool: it holds no lock. Standbys ask every second, on pooled connections.
        return Ok(None);
    }
    // Taken: this connection now holds the lock, so it leaves the pool for good.
    let mut conn = pooled.detach();
    let recorded = sqlx::query("UPDATE gateway SET owner = $1, owner_since = $2 WHERE id = 1")
        .bind(instance)
        .bind(now_ms())
        .execute(&mut conn)
        .await;
    if let Err(error) = recorded {
        // Closing the connection frees the lock again.
        let _ = conn.close().await;
        return Err(store_error(error));
    }
    Ok(Some(GatewayLease {
        inner: Inner::Postgres(Some(conn)),
    }))
}

impl GatewayLease {
    /// Records the session a successor should resume (`None`: nothing to resume). On
    /// PostgreSQL it is written on the lease's connection, so it fails once the lease is lost.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`]: the write failed (on PostgreSQL: the lease may be lost;
    /// see [`GatewayLease::check`]).
    pub async fn save_session(
        &mut self,
        session: Option<&GatewaySession>,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE gateway SET session_id = $1, sequence = $2, resume_url = $3, \
                           saved_at = $4 WHERE id = 1";
        let id = session.map(|s| s.session_id.clone());
        let sequence = session.map(|s| i64::try_from(s.sequence).unwrap_or(i64::MAX));
        let url = session.and_then(|s| s.resume_url.clone());
        match &mut self.inner {
            Inner::Sqlite(store) => {
                let Pool::Sqlite(pool) = &store.pool else {
                    return Err(StoreError::Unavailable("not SQLite".to_owned()));
                };
                let _writer = store.write_guard().await;
                sqlx::query(SQL)
                    .bind(id)
                    .bind(sequence)
                    .bind(url)
                    .bind(now_ms())
                    .execute(pool)
                    .await
                    .map(drop)
                    .map_err(store_error)
            }
            Inner::Postgres(conn) => {
                let Some(c) = conn.as_mut() else {
                    return Err(lost());
                };
                let done = sqlx::query(SQL)
                    .bind(id)
                    .bind(sequence)
                    .bind(url)
                    .bind(now_ms())
                    .execute(&mut *c)
                    .await;
                done.map(drop).map_err(|error| {
                    // Whatever failed, the lock can no longer be trusted to be ours.
                    *conn = None;
                    store_error(error)
                })
            }
        }
    }

    /// Whether the lease is still held: on PostgreSQL, whether its connection still answers
    /// (the lock lives exactly as long as it). Once it failed the lease stays lost.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the lease is lost.
    pub async fn check(&mut self) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Sqlite(_) => Ok(()),
            Inner::Postgres(conn) => {
                let Some(c) = conn.as_mut() else {
                    return Err(lost());
                };
                if let Err(error) = c.ping().await {
                    *conn = None;
                    return Err(store_error(error));
                }
                Ok(())
            }
        }
    }

    /// Gives the gateway up at once (a clean stop): the row no longer names this instance and
    /// a standby's next attempt takes it.
    pub async fn release(self) {
        const SQL: &str = "UPDATE gateway SET owner = NULL, owner_since = NULL WHERE id = 1";
        match self.inner {
            Inner::Sqlite(store) => {
                if let Pool::Sqlite(pool) = &store.pool {
                    let _writer = store.write_guard().await;
                    let _ = sqlx::query(SQL).execute(pool).await;
                }
            }
            Inner::Postgres(Some(mut conn)) => {
                // The successor overwrites the row anyway; this only keeps `check` honest in
                // between. Closing the connection is what frees the lock.
                let _ = sqlx::query(SQL).execute(&mut conn).await;
                let _ = conn.close().await;
            }
            Inner::Postgres(None) => {}
        }
    }
}

fn lost() -> StoreError {
    StoreError::Unavailable("the gateway lease's database connection was lost".to_owned())
}
