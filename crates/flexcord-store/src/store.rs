//! The [`Store`]: a connection pool to SQLite or PostgreSQL, opened and migrated from a URL.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::cases::LocalCases;
use crate::checkpoints::WriteCount;
use crate::config::{Backend, StoreConfig, is_in_memory, redact_url};
use crate::direct::DirectSlot;
use crate::error::OpenError;
use crate::health::Health;
use crate::migrate;
use crate::presence::Presence;
use crate::session_cache::{self, SessionCache};
use crate::unrecorded::{self, Unrecorded};
use crate::writer::Writer;

/// Runs `$body` with `$p` bound to the concrete pool, whichever backend it is. The body is
/// compiled once per backend, so the same SQL text and row types serve both.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A value that can be bound as a parameter on either backend, so one generic helper can pass
/// it into an [`on_pool!`] body (cloned, as the body is compiled once per backend).
pub(crate) trait SqlParam:
    for<'q> sqlx::Encode<'q, sqlx::Sqlite>
    + sqlx::Type<sqlx::Sqlite>
    + for<'q> sqlx::Encode<'q, sqlx::Postgres>
    + sqlx::Type<sqlx::Postgres>
    + Send
    + Clone
{
}

impl<T> SqlParam for T where
    T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
        + sqlx::Type<sqlx::Sqlite>
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + sqlx::Type<sqlx::Postgres>
        + Send
        + Clone
{
}

/// The pool of whichever backend the URL named.
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// flexcord's database: implements [`SessionStore`](flexcord_core::ports::SessionStore), and
/// hands out the embedded case system with [`Store::cases`]. Cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// SQLite allows one writer at a time. Writers of this process queue here instead of
    /// colliding on the database lock, where SQLite's busy handler would sleep in 1–10 ms steps
    /// (and a deferred transaction that has to upgrade can fail outright). Other processes on
    /// the same file still meet the busy timeout. Unused for PostgreSQL, which has row locks.
    /// The lock also holds the connection the hot writes run on (see `writer`).
    pub(crate) write_lock: std::sync::Arc<tokio::sync::Mutex<Writer>>,
    /// The worker new outbox entries are leased to, if one registered
    /// ([`Store::lease_new_entries`]).
    pub(crate) direct: DirectSlot,
    /// Recently used sessions (SQLite only; see `session_cache`).
    pub(crate) sessions: Option<std::sync::Arc<SessionCache>>,
    /// Write transactions since the last background checkpoint (see `checkpoints`).
    pub(crate) writes: WriteCount,
    /// This instance's presence lock (PostgreSQL, once registered; see `presence`).
    pub(crate) presence: std::sync::Arc<tokio::sync::Mutex<Option<Presence>>>,
    /// Whether writes are failing, and which connections a storage fault made stale (see
    /// `health`).
    pub(crate) health: std::sync::Arc<Health>,
    /// DM channels with messages held but not recorded (see `unrecorded`).
    pub(crate) unrecorded: std::sync::Arc<Unrecorded>,
    /// This database's random salt for outbox entries' Discord nonces, drawn once by a
    /// migration (see [`flexcord_core::outbox::delivery_nonce`]).
    pub(crate) nonce_salt: u64,
    /// A recent snapshot of the blocklist (see `blocklist`).
    pub(crate) blocklist: std::sync::Arc<crate::blocklist::BlocklistCache>,
}

impl Store {
    /// Opens (creating a missing SQLite file) and migrates the database `config.url` names.
    ///
    /// SQLite connections use WAL, `synchronous=NORMAL`, foreign keys and the configured busy
    /// timeout. Several processes may open the same database at once: migration is serialised
    /// (PostgreSQL advisory lock, SQLite write lock).
    ///
    /// # Errors
    ///
    /// [`OpenError::UnsupportedUrl`], [`OpenError::InvalidConfig`], [`OpenError::Connect`],
    /// [`OpenError::Migrate`].
    pub async fn open(config: &StoreConfig) -> Result<Self, OpenError> {
        let health = std::sync::Arc::new(if is_in_memory(&config.url) {
            Health::without_reconnects()
        } else {
            Health::default()
        });
        let pool = match config.backend()? {
            Backend::Sqlite => Pool::Sqlite(open_sqlite(config, &health).await?),
            Backend::Postgres => Pool::Postgres(open_postgres(config).await?),
        };
        let sessions = matches!(pool, Pool::Sqlite(_))
            .then(|| std::sync::Arc::new(SessionCache::new(session_cache::DEFAULT_BUDGET_BYTES)));
        let unrecorded = match unrecorded_file(config)? {
            Some(path) => Unrecorded::open(&path).unwrap_or_else(|error| {
                // Not fatal (a read-only directory for a one-shot command): the marks are then
                // kept in memory, and a restart during a storage fault cannot use them.
                tracing::warn!(%error, path = %path.display(), "cannot open the unrecorded-DM file");
                Unrecorded::in_memory()
            }),
            None => Unrecorded::in_memory(),
        };
        let store = Self {
            pool,
            write_lock: std::sync::Arc::new(tokio::sync::Mutex::new(Writer::new(
                std::sync::Arc::clone(&health),
            ))),
            direct: DirectSlot::default(),
            sessions,
            writes: WriteCount::default(),
            presence: std::sync::Arc::default(),
            health,
            unrecorded: std::sync::Arc::new(unrecorded),
            nonce_salt: 0,
            blocklist: std::sync::Arc::default(),
        };
        migrate::run(&store.pool, config.schema.as_deref()).await?;
        let salt: i64 = on_pool!(&store.pool, |p| {
            sqlx::query_scalar("SELECT nonce_salt FROM deployment WHERE id = 1")
                .fetch_one(p)
                .await
        })
        .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(Self {
            nonce_salt: u64::from_ne_bytes(salt.to_ne_bytes()),
            ..store
        })
    }

    /// Opens `url` with the default pool settings ([`StoreConfig::new`]).
    ///
    /// # Errors
    ///
    /// As for [`Store::open`].
    pub async fn connect(url: &str) -> Result<Self, OpenError> {
        Self::open(&StoreConfig::new(url)).await
    }

    /// Which database this is.
    #[must_use]
    pub const fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Held for the length of a write transaction on SQLite (see `write_lock`); `None` on
    /// PostgreSQL.
    pub(crate) async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, Writer>> {
        match self.pool {
            Pool::Sqlite(_) => {
                self.count_write();
                Some(self.write_lock.lock().await)
            }
            Pool::Postgres(_) => None,
        }
    }

    /// The write lock itself, for writes that run on a task of their own.
    pub(crate) fn write_lock(&self) -> std::sync::Arc<tokio::sync::Mutex<Writer>> {
        std::sync::Arc::clone(&self.write_lock)
    }

    /// The embedded case system, in this same database.
    #[must_use]
    pub fn cases(&self) -> LocalCases {
        LocalCases::new(self.clone())
    }

    /// Copies what the SQLite write-ahead log holds into the database file (a passive checkpoint:
    /// it never waits for, nor blocks, this process's writers). [`Store::spawn_checkpoints`] calls
    /// it as write traffic requires. A no-op on PostgreSQL.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the database fails.
    pub async fn checkpoint(&self) -> Result<(), flexcord_core::ports::StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(p)
                .await
                .map(drop)
                .map_err(crate::error::store_error),
            Pool::Postgres(_) => Ok(()),
        }
    }

    /// Closes every connection and waits for them to finish; later calls fail as unavailable.
    /// Call on shutdown so SQLite checkpoints its WAL (and, on PostgreSQL, other instances see
    /// this one gone).
    pub async fn close(&self) {
        self.write_lock.lock().await.close().await;
        if let Some(presence) = self.presence.lock().await.take() {
            presence.close().await;
        }
        on_pool!(&self.pool, |p| p.close().await);
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deliberately not the pool's own Debug: connect options include the password.
        let (size, idle) = on_pool!(&self.pool, |p| (p.size(), p.num_idle()));
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .field("connections", &size)
            .field("idle", &idle)
            .finish()
    }
}

fn pool_options<DB: sqlx::Database>(config: &StoreConfig) -> PoolOptions<DB> {
    let options = PoolOptions::<DB>::new()
        .max_connections(config.max_connections.max(1))
        .min_connections(config.min_connections.min(config.max_connections.max(1)))
        .acquire_timeout(config.acquire_timeout);
    if is_in_memory(&config.url) {
        // The database lives only as long as some connection to it: never let the pool close
        // the last one.
        options.idle_timeout(None).max_lifetime(None)
    } else {
        options
    }
}

/// Where a SQLite file's unrecorded-DM marks live; `None` for PostgreSQL and in-memory SQLite.
fn unrecorded_file(config: &StoreConfig) -> Result<Option<std::path::PathBuf>, OpenError> {
    if config.backend()? != Backend::Sqlite || is_in_memory(&config.url) {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(&config.url)
        .map_err(|e| OpenError::InvalidConfig(format!("{}: {e}", redact_url(&config.url))))?;
    Ok(Some(unrecorded::path_beside(options.get_filename())))
}

async fn open_sqlite(
    config: &StoreConfig,
    health: &std::sync::Arc<Health>,
) -> Result<SqlitePool, OpenError> {
    let options = SqliteConnectOptions::from_str(&config.url)
        .map_err(|e| OpenError::InvalidConfig(format!("{}: {e}", redact_url(&config.url))))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        // Checkpoints copy the WAL into the database and fsync it: milliseconds. Done by the
        // automatic checkpoint, they land on whichever write crosses the threshold, inside a
        // relay's latency. A long-running process calls `Store::checkpoint` in the background
        // instead; this high threshold is only the safety net for processes that do not.
        .pragma("wal_autocheckpoint", "20000")
        .foreign_keys(true)
        .busy_timeout(config.busy_timeout);
    // Switching a new database file to WAL takes an exclusive lock without going through the
    // busy handler, so processes creating the same file at once can see "database is locked"
    // on their first connection. Once the file is in WAL (a persistent setting) that cannot
    // happen again; until then, retry within the busy timeout.
    let deadline = tokio::time::Instant::now() + config.busy_timeout;
    loop {
        let stale = std::sync::Arc::clone(health);
        let pool = pool_options(config)
            // A SQLite file connection cannot go stale the way a network one can, and testing it
            // is one more round trip to its thread on every acquire.
            .test_before_acquire(false)
            // But one opened before a storage fault may be unable to write for good (see
            // `health`): closed instead of handed out. No round trip: a clock comparison.
            .before_acquire(move |_conn, meta| {
                let fresh = !stale.is_stale(meta.age);
                Box::pin(async move { Ok(fresh) })
            });
        #[cfg(test)]
        let pool = {
            let faults = std::sync::Arc::clone(health);
            pool.after_connect(move |conn, _meta| {
                let read_only = faults.read_only.load(std::sync::atomic::Ordering::Relaxed);
                Box::pin(async move {
                    if read_only {
                        // What SQLite does when it cannot open the file for writing: the
                        // connection can only read, for good.
                        sqlx::query("PRAGMA query_only = ON").execute(conn).await?;
                    }
                    Ok(())
                })
            })
        };
        match pool.connect_with(options.clone()).await {
            Ok(pool) => return Ok(pool),
            Err(e) if is_sqlite_busy(&e) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => return Err(OpenError::Connect(e.to_string())),
        }
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED, including their extended codes.
fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    let code = match e {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()),
        _ => None,
    };
    code.is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

async fn open_postgres(config: &StoreConfig) -> Result<PgPool, OpenError> {
    let mut options = PgConnectOptions::from_str(&config.url)
        .map_err(|e| OpenError::InvalidConfig(format!("{}: {e}", redact_url(&config.url))))?
        .application_name("flexcord");
    if let Some(schema) = &config.schema {
        migrate::check_schema_name(schema)?;
        options = options.options([("search_path", schema.as_str())]);
    }
    pool_options(config)
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))
}
