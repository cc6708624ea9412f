//! The database: reachable, migrated to this version, writable. Opened read-only (nothing is
//! created, not even beside a SQLite file); writability is tried in a transaction that changes
//! no row and is rolled back.

use flexcord_core::ports::SessionStore as _;
use flexcord_store::{OpenError, Store, StoreConfig, redact_url};

use super::{Context, Line, Lines};

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        if cx.reported("FLEXCORD_DATABASE_URL") {
            return Vec::new();
        }
        let url = &cx.settings.database_url.0;
        let shown = redact_url(url);
        let config = StoreConfig::new(url.clone());
        let store = match Store::open_read_only(&config).await {
            Ok(store) => store,
            Err(error) => return vec![open_failure(&shown, &error)],
        };
        let mut lines = Vec::new();
        match (store.ping().await, store.schema_status().await) {
            (Ok(()), Ok(status)) if status.is_current() => lines.push(Line::ok(
                "database",
                format!("{shown} answers, schema at version {}", status.applied),
            )),
            (Ok(()), Ok(status)) => lines.push(Line::warn(
                "database",
                format!(
                    "{shown} answers, schema at version {} of {}",
                    status.applied, status.known
                ),
                "`flexcord run` migrates it at start-up (take a backup first: migrations are forward-only)",
            )),
            (Err(error), _) | (_, Err(error)) => lines.push(Line::fail(
                "database",
                format!("{shown} does not answer: {error}"),
                "check FLEXCORD_DATABASE_URL and that the database server is running",
            )),
        }
        lines.push(gateway_holder(&store).await);
        store.close().await;
        lines.push(match Store::probe_writable(&config).await {
            Ok(()) => Line::ok(
                "database writes",
                format!("{shown} accepts writes (tried in a transaction, rolled back)"),
            ),
            Err(error) => Line::fail(
                "database writes",
                format!("{shown}: {error}"),
                "give flexcord's user write access to the database (for SQLite: the file and its folder)",
            ),
        });
        lines
    })
}

/// Which instance holds the Discord gateway, as the database says (on PostgreSQL only while its
/// lock is held; on SQLite the last one to take it). Informational: before the first `run`
/// nobody holds it, and that is fine.
async fn gateway_holder(store: &Store) -> Line {
    match store.gateway_owner().await {
        Ok(Some(owner)) => {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            Line::ok(
                "gateway holder",
                format!(
                    "instance {} holds the Discord gateway (for {} s)",
                    flexcord_core::log_safe::escape_for_log(&owner.instance),
                    now_ms.saturating_sub(owner.since_ms) / 1000
                ),
            )
        }
        Ok(None) => Line::ok(
            "gateway holder",
            "no instance holds the Discord gateway now (none running, or all with FLEXCORD_GATEWAY=off)",
        ),
        Err(error) => Line::warn(
            "gateway holder",
            format!("could not read who holds the gateway: {error}"),
            "run `flexcord run` once to migrate the database, then check again",
        ),
    }
}

fn open_failure(shown: &str, error: &OpenError) -> Line {
    let fix = match error {
        OpenError::Missing(_) | OpenError::NotMigrated(_) => {
            "check FLEXCORD_DATABASE_URL; `flexcord run` creates and migrates the database"
        }
        _ => {
            "check FLEXCORD_DATABASE_URL, the credentials in it, and that the database server is running"
        }
    };
    Line::fail("database", format!("{shown}: {error}"), fix)
}
