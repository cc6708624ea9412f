//! Opening a database only to read it, for the commands that look and must not change anything
//! (`flexcord cases list`, `outbox dead`, `users list`, `check`), and asking a database what
//! state it is in without writing to it.
//!
//! **Why not [`Store::open`].** `open` creates a missing SQLite file, migrates the schema and
//! writes the `<database>-unrecorded` side file: right for `run`, wrong for a command that
//! only reads. A mistyped `sqlite://` path would answer "no cases" and leave an empty database
//! behind. [`Store::open_read_only`] refuses a missing database with
//! [`OpenError::Missing`], never migrates (a database without flexcord's schema is
//! [`OpenError::NotMigrated`]), opens SQLite files with `mode=ro` and PostgreSQL sessions with
//! `default_transaction_read_only`, and keeps the unrecorded-DM marks in memory.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection as _, PgPool, SqlitePool};

use crate::checkpoints::WriteCount;
use crate::config::{Backend, StoreConfig, is_in_memory, redact_url};
use crate::direct::DirectSlot;
use crate::error::OpenError;
use crate::health::Health;
use crate::migrate;
use crate::store::{Pool, Store, on_pool};
use crate::unrecorded::Unrecorded;
use crate::writer::Writer;

/// How far a database's schema is migrated, as [`Store::schema_status`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    /// The newest migration applied to the database (0: none).
    pub applied: i64,
    /// The newest migration this build knows.
    pub known: i64,
}

impl SchemaStatus {
    /// True when the database has every migration this build knows (or newer ones: additions
    /// are backwards compatible, so an older build runs beside a newer one).
    #[must_use]
    pub const fn is_current(&self) -> bool {
        self.applied >= self.known
    }
}

impl Store {
    /// Opens an existing, migrated database for reading only: nothing is created, migrated or
    /// written, not even the side file beside a SQLite database. Writes through the returned
    /// store fail as unavailable.
    ///
    /// # Errors
    ///
    /// [`OpenError::Missing`] for a SQLite file that does not exist (or an in-memory URL, which
    /// has nothing to read), [`OpenError::NotMigrated`] for a database without flexcord's
    /// schema, and as for [`Store::open`].
    pub async fn open_read_only(config: &StoreConfig) -> Result<Self, OpenError> {
        let pool = match config.backend()? {
            Backend::Sqlite => Pool::Sqlite(read_only_sqlite(config).await?),
            Backend::Postgres => Pool::Postgres(read_only_postgres(config).await?),
        };
        let applied = applied_version(&pool)
            .await
            .map_err(|e| OpenError::Connect(format!("{}: {e}", redact_url(&config.url))))?;
        if applied.is_none() {
            on_pool!(&pool, |p| p.close().await);
            return Err(OpenError::NotMigrated(redact_url(&config.url)));
        }
        // Databases from before the deployment table have no salt; nothing read here needs it.
        let salt: Option<i64> = on_pool!(&pool, |p| {
            sqlx::query_scalar("SELECT nonce_salt FROM deployment WHERE id = 1")
                .fetch_optional(p)
                .await
        })
        .ok()
        .flatten();
        let health = std::sync::Arc::new(Health::without_reconnects());
        Ok(Self {
            pool,
            write_lock: std::sync::Arc::new(tokio::sync::Mutex::new(Writer::new(
                std::sync::Arc::clone(&health),
            ))),
            direct: DirectSlot::default(),
            sessions: None,
            writes: WriteCount::default(),
            presence: std::sync::Arc::default(),
            health,
            unrecorded: std::sync::Arc::new(Unrecorded::in_memory()),
            nonce_salt: u64::from_ne_bytes(salt.unwrap_or(0).to_ne_bytes()),
            blocklist: std::sync::Arc::default(),
        })
    }

    /// The newest migration the database has, beside the newest this build knows.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`](flexcord_core::ports::StoreError::Unavailable) when the
    /// database cannot be read.
    pub async fn schema_status(&self) -> Result<SchemaStatus, flexcord_core::ports::StoreError> {
        let applied = applied_version(&self.pool)
            .await
            .map_err(crate::error::store_error)?;
        Ok(SchemaStatus {
            applied: applied.unwrap_or(0),
            known: migrate::latest(&self.pool),
        })
    }

    /// Whether this database accepts writes, found without changing it: on a connection of its
    /// own, a transaction that takes the write lock (SQLite) or updates no row of a flexcord
    /// table (PostgreSQL checks the privilege and that the server is not a read-only replica),
    /// then rolls back. A SQLite file that does not exist is not created.
    ///
    /// # Errors
    ///
    /// [`OpenError::Missing`], [`OpenError::Connect`] when it cannot be reached, and
    /// [`OpenError::ReadOnly`] with the database's reason when it refuses the write.
    pub async fn probe_writable(config: &StoreConfig) -> Result<(), OpenError> {
        let refused = |e: sqlx::Error| OpenError::ReadOnly(e.to_string());
        const PROBE: &str = "UPDATE flexcord_migrations SET version = version WHERE 1 = 0";
        match config.backend()? {
            Backend::Sqlite => {
                let options = sqlite_options(config)?.read_only(false);
                let mut conn = sqlx::SqliteConnection::connect_with(&options)
                    .await
                    .map_err(|e| OpenError::Connect(e.to_string()))?;
                let outcome = async {
                    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await?;
                    let update = sqlx::query(PROBE).execute(&mut conn).await;
                    sqlx::raw_sql("ROLLBACK").execute(&mut conn).await?;
                    update.map(drop)
                }
                .await;
                let _ = conn.close().await;
                outcome.map_err(refused)
            }
            Backend::Postgres => {
                let options = postgres_options(config)?;
                let mut conn = sqlx::PgConnection::connect_with(&options)
                    .await
                    .map_err(|e| OpenError::Connect(e.to_string()))?;
                let outcome = async {
                    let mut tx = conn.begin().await?;
                    sqlx::query(PROBE).execute(&mut *tx).await?;
                    tx.rollback().await
                }
                .await;
                let _ = conn.close().await;
                outcome.map_err(refused)
            }
        }
    }
}

/// `MAX(version)` of the migrations table; `None` when the table does not exist.
async fn applied_version(pool: &Pool) -> Result<Option<i64>, sqlx::Error> {
    let result: Result<Option<i64>, sqlx::Error> = on_pool!(pool, |p| {
        sqlx::query_scalar("SELECT MAX(version) FROM flexcord_migrations")
            .fetch_one(p)
            .await
    });
    match result {
        Ok(version) => Ok(Some(version.unwrap_or(0))),
        // "no such table" (SQLite), undefined_table 42P01 (PostgreSQL).
        Err(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("42P01") || db.message().contains("no such table") =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The SQLite file's options, refusing a file that does not exist (never created here).
fn sqlite_options(config: &StoreConfig) -> Result<SqliteConnectOptions, OpenError> {
    if is_in_memory(&config.url) {
        return Err(OpenError::Missing(redact_url(&config.url)));
    }
    let options = SqliteConnectOptions::from_str(&config.url)
        .map_err(|e| OpenError::InvalidConfig(format!("{}: {e}", redact_url(&config.url))))?
        .create_if_missing(false)
        .busy_timeout(config.busy_timeout);
    let path = options.get_filename();
    if !path.is_file() {
        return Err(OpenError::Missing(path.display().to_string()));
    }
    Ok(options)
}

async fn read_only_sqlite(config: &StoreConfig) -> Result<SqlitePool, OpenError> {
    // No journal mode is set: the file keeps the one `run` gave it (WAL), and asking for one
    // would be a write.
    let options = sqlite_options(config)?.read_only(true);
    sqlx::pool::PoolOptions::new()
        .max_connections(config.max_connections.clamp(1, 2))
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))
}

fn postgres_options(config: &StoreConfig) -> Result<PgConnectOptions, OpenError> {
    let mut options = PgConnectOptions::from_str(&config.url)
        .map_err(|e| OpenError::InvalidConfig(format!("{}: {e}", redact_url(&config.url))))?
        .application_name("flexcord");
    if let Some(schema) = &config.schema {
        migrate::check_schema_name(schema)?;
        options = options.options([("search_path", schema.as_str())]);
    }
    Ok(options)
}

async fn read_only_postgres(config: &StoreConfig) -> Result<PgPool, OpenError> {
    let options = postgres_options(config)?.options([("default_transaction_read_only", "on")]);
    sqlx::pool::PoolOptions::new()
        .max_connections(config.max_connections.clamp(1, 2))
        .acquire_timeout(config.acquire_timeout)
        .connect_with(options)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_is_refused_and_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("typo.db").display());
        let error = Store::open_read_only(&StoreConfig::new(&url))
            .await
            .unwrap_err();
        assert!(matches!(error, OpenError::Missing(_)), "{error}");
        assert!(error.to_string().contains("typo.db"), "{error}");
        assert!(
            Store::probe_writable(&StoreConfig::new(&url))
                .await
                .is_err(),
            "the probe does not create it either"
        );
        assert_eq!(files_in(dir.path()), Vec::<String>::new());
    }

    #[tokio::test]
    async fn reading_leaves_no_file_behind_and_writes_are_refused() {
        use flexcord_core::ports::SessionStore as _;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("f.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.close().await;
        drop(store);
        let before = files_in(dir.path());

        let store = Store::open_read_only(&StoreConfig::new(&url))
            .await
            .unwrap();
        store.ping().await.unwrap();
        assert!(store.dead_letters(10).await.unwrap().is_empty());
        let status = store.schema_status().await.unwrap();
        assert!(status.is_current(), "{status:?}");
        assert!(store.retry_all_dead().await.is_err(), "read-only");
        Store::probe_writable(&StoreConfig::new(&url))
            .await
            .unwrap();
        store.close().await;
        // SQLite's `-wal`/`-shm` companions of the existing database may outlive the
        // connections (they close on sqlx's worker threads; only the last close removes them)
        // and hold no data. Anything else would be a write.
        let companions = |names: Vec<String>| -> Vec<String> {
            names
                .into_iter()
                .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
                .collect()
        };
        assert_eq!(companions(files_in(dir.path())), companions(before));
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_flexcord_database_is_not_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        std::fs::write(&path, b"").unwrap();
        let url = format!("sqlite://{}", path.display());
        let error = Store::open_read_only(&StoreConfig::new(&url))
            .await
            .unwrap_err();
        assert!(matches!(error, OpenError::NotMigrated(_)), "{error}");
    }
}
