//! The embedded schema migrations and their runner.
//!
//! Hand-rolled rather than `sqlx::migrate!` so that concurrent openers are serialised on both
//! backends the same way: the whole run is one transaction holding a lock (PostgreSQL: a
//! transaction-scoped advisory lock; SQLite: `BEGIN IMMEDIATE`, the database write lock), and
//! applied versions are re-read under that lock.

use sqlx::Executor;

use crate::codec::now_ms;
use crate::dialect::Dialect;
use crate::error::OpenError;
use crate::store::{Pool, on_pool};

/// One schema step. Versions increase; a released migration is never edited.
#[derive(Debug)]
struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "outbox_pending_by_id",
        sql: include_str!("../migrations/sqlite/0002_outbox_pending_by_id.sql"),
    },
    Migration {
        version: 3,
        name: "processed_events_without_rowid",
        sql: include_str!("../migrations/sqlite/0003_processed_events_without_rowid.sql"),
    },
    Migration {
        version: 4,
        name: "deployment_nonce_salt",
        sql: include_str!("../migrations/sqlite/0004_deployment_nonce_salt.sql"),
    },
    Migration {
        version: 6,
        name: "gateway_session",
        sql: include_str!("../migrations/sqlite/0006_gateway_session.sql"),
    },
    Migration {
        version: 7,
        name: "limits_and_blocklist",
        sql: include_str!("../migrations/sqlite/0007_limits_and_blocklist.sql"),
    },
    Migration {
        version: 8,
        name: "session_locale",
        sql: include_str!("../migrations/sqlite/0008_session_locale.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "outbox_pending_by_id",
        sql: include_str!("../migrations/postgres/0002_outbox_pending_by_id.sql"),
    },
    Migration {
        version: 3,
        name: "processed_events_without_rowid",
        sql: include_str!("../migrations/postgres/0003_processed_events_without_rowid.sql"),
    },
    Migration {
        version: 4,
        name: "deployment_nonce_salt",
        sql: include_str!("../migrations/postgres/0004_deployment_nonce_salt.sql"),
    },
    Migration {
        version: 6,
        name: "gateway_session",
        sql: include_str!("../migrations/postgres/0006_gateway_session.sql"),
    },
    Migration {
        version: 7,
        name: "limits_and_blocklist",
        sql: include_str!("../migrations/postgres/0007_limits_and_blocklist.sql"),
    },
    Migration {
        version: 8,
        name: "session_locale",
        sql: include_str!("../migrations/postgres/0008_session_locale.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS flexcord_migrations (\
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

/// Schema names are spliced into SQL (identifiers cannot be bound), so only plain ones pass.
pub(crate) fn check_schema_name(schema: &str) -> Result<(), OpenError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(OpenError::InvalidConfig(format!(
            "schema name {schema:?} must be 1-63 of a-z, 0-9, _ and not start with a digit"
        )))
    }
}

#[expect(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
fn migrate_error(e: sqlx::Error) -> OpenError {
    OpenError::Migrate(e.to_string())
}

/// The newest migration this build has for the pool's backend.
pub(crate) fn latest(pool: &Pool) -> i64 {
    let migrations = match pool {
        Pool::Sqlite(_) => SQLITE,
        Pool::Postgres(_) => POSTGRES,
    };
    migrations.last().map_or(0, |m| m.version)
}

/// Applies every migration the database has not seen yet.
pub(crate) async fn run(pool: &Pool, schema: Option<&str>) -> Result<(), OpenError> {
    let migrations = match pool {
        Pool::Sqlite(_) => SQLITE,
        Pool::Postgres(_) => POSTGRES,
    };
    apply(pool, schema, migrations).await
}

/// Applies those of `migrations` the database has not seen yet.
async fn apply(
    pool: &Pool,
    schema: Option<&str>,
    migrations: &[Migration],
) -> Result<(), OpenError> {
    // PostgreSQL only (SQLite's lock is `BEGIN IMMEDIATE` itself). The key is per schema, so
    // flexcord instances in different schemas of one database do not wait on each other.
    let lock = matches!(pool, Pool::Postgres(_)).then(|| {
        (
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            format!("flexcord:migrate:{}", schema.unwrap_or("public")),
        )
    });
    let create_schema = match (pool, schema) {
        (Pool::Postgres(_), Some(schema)) => {
            check_schema_name(schema)?;
            Some(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        }
        _ => None,
    };
    on_pool!(pool, |p| {
        let mut tx = p.begin_write().await.map_err(migrate_error)?;
        if let Some((sql, key)) = &lock {
            sqlx::query(sql)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(migrate_error)?;
        }
        if let Some(sql) = &create_schema {
            (&mut *tx)
                .execute(sqlx::raw_sql(sql))
                .await
                .map_err(migrate_error)?;
        }
        (&mut *tx)
            .execute(sqlx::raw_sql(CREATE_TABLE))
            .await
            .map_err(migrate_error)?;
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM flexcord_migrations")
                .fetch_one(&mut *tx)
                .await
                .map_err(migrate_error)?;
        let applied = applied.unwrap_or(0);
        for migration in migrations.iter().filter(|m| m.version > applied) {
            (&mut *tx)
                .execute(sqlx::raw_sql(migration.sql))
                .await
                .map_err(|e| {
                    OpenError::Migrate(format!("{} ({}): {e}", migration.version, migration.name))
                })?;
            sqlx::query(
                "INSERT INTO flexcord_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(migration.version)
            .bind(migration.name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await
            .map_err(migrate_error)?;
        }
        // A database migrated by a newer release is left alone: its additions are backwards
        // compatible by rule, so rolling upgrades can run old and new side by side.
        tx.commit().await.map_err(migrate_error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_strictly_increase() {
        for list in [SQLITE, POSTGRES] {
            assert!(list.windows(2).all(|w| w[0].version < w[1].version));
            assert!(list.first().is_some_and(|m| m.version == 1));
        }
        assert_eq!(
            SQLITE.len(),
            POSTGRES.len(),
            "both backends have the same steps"
        );
    }

    /// The claim must walk only pending entries: a full scan grows with every finished row
    /// kept for retention, which made each claim slower the longer flexcord ran.
    #[tokio::test]
    async fn sqlite_claim_walks_pending_entries_only() {
        let store = crate::Store::connect("sqlite::memory:").await.unwrap();
        let Pool::Sqlite(pool) = &store.pool else {
            panic!("not SQLite")
        };
        // EXPLAIN QUERY PLAN rows are (id, parent, notused, detail).
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {}", pool.claim_sql()))
                .bind("w")
                .bind(1_i64)
                .bind(1_i64)
                .bind(64_i64)
                .fetch_all(pool)
                .await
                .unwrap();
        let plan: Vec<String> = rows.into_iter().map(|r| r.3).collect();
        assert!(
            plan.iter().any(|d| d.contains("outbox_pending_by_id")),
            "claim plan: {plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.trim() == "SCAN o"),
            "claim plan: {plan:?}"
        );
    }

    /// A database of an earlier release keeps its recorded events across the upgrade that
    /// makes `processed_events` a WITHOUT ROWID table.
    #[tokio::test]
    async fn sqlite_upgrade_keeps_recorded_events() {
        use flexcord_core::ports::{Commit, CommitOutcome, SessionStore as _};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let pool = Pool::Sqlite(
            sqlx::sqlite::SqlitePoolOptions::new()
                .connect_with(
                    url.parse::<sqlx::sqlite::SqliteConnectOptions>()
                        .unwrap()
                        .create_if_missing(true),
                )
                .await
                .unwrap(),
        );
        apply(&pool, None, &SQLITE[..2]).await.unwrap();
        let Pool::Sqlite(old) = &pool else {
            panic!("not SQLite")
        };
        sqlx::query("INSERT INTO processed_events (key, created_at) VALUES ('dc:msg:1', 5)")
            .execute(old)
            .await
            .unwrap();
        old.close().await;

        let store = crate::Store::connect(&url).await.unwrap();
        let again = Commit {
            dedupe_key: Some("dc:msg:1".into()),
            ..Commit::default()
        };
        assert_eq!(
            store.commit(&again).await.unwrap(),
            CommitOutcome::Duplicate
        );
        let Pool::Sqlite(p) = &store.pool else {
            panic!("not SQLite")
        };
        let sql: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'processed_events'",
        )
        .fetch_one(p)
        .await
        .unwrap();
        assert!(sql.contains("WITHOUT ROWID"), "{sql}");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(check_schema_name("flexcord").is_ok());
        assert!(check_schema_name("t_42").is_ok());
        assert!(check_schema_name("").is_err());
        assert!(check_schema_name("9lives").is_err());
        assert!(check_schema_name("x; DROP TABLE cases").is_err());
        assert!(check_schema_name("Upper").is_err());
    }
}
