//! The outbox: claiming deliverable entries under a lease, and settling them (delivered, retry
//! later, dead). Plus [`DeadLetter`]s for operators.
//!
//! `attempts` counts claims: a claim reports how many earlier claims there were, so an entry
//! whose worker crashed mid-delivery (its lease simply expires) comes back with `attempts > 0`
//! and the adapter checks before sending again.

use std::time::{Duration, Instant};

use flexcord_core::outbox::{ClaimedEntry, OutboxMessage, delivery_nonce};
use flexcord_core::ports::StoreError;
use sqlx::FromRow as _;

use crate::codec::{bounded_text, duration_ms, ms_from_sql, now_ms};
use crate::dialect::Dialect;
use crate::direct::DirectDelivery;
use crate::error::store_error;
use crate::sqlite_script;
use crate::store::{Pool, Store, on_pool};
use crate::writer::Writer;

/// An outbox entry that was given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The entry's id.
    pub id: i64,
    /// Its ordering key (`conv:CH…`, `dm:<channel>`, `announcements`).
    pub ordering_key: String,
    /// Why it was given up on.
    pub reason: String,
    /// How many times delivery was tried.
    pub attempts: u32,
    /// When it was given up on, in milliseconds since the Unix epoch.
    pub dead_at_ms: u64,
}

#[derive(Debug, sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    payload: String,
    attempts: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct DeadRow {
    id: i64,
    ordering_key: String,
    last_error: Option<String>,
    attempts: i64,
    finished_at: Option<i64>,
}

/// How a pending entry is settled.
#[derive(Debug)]
enum Settle {
    /// Delivered.
    Done,
    /// Failed for now; due again at `due_at`.
    Retry { error: String, due_at: i64 },
    /// Given up on.
    Dead { reason: String },
}

fn attempts_from_sql(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

/// Leases, to `direct`'s worker, the oldest pending entry of each ordering key the entries
/// `settled` belong to, where that entry is due and not leased to anyone; returns
/// `id, payload, attempts` (before this claim) like the claim.
fn successors_sql(direct: &DirectDelivery, settled: &[i64], now: i64) -> String {
    let ids = settled
        .iter()
        .map(|id| sqlite_script::int(*id))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "UPDATE outbox SET lease_owner = {}, lease_until = {}, attempts = attempts + 1 \
         WHERE id IN (SELECT MIN(o.id) FROM outbox o WHERE o.state = 'pending' \
         AND o.ordering_key IN (SELECT ordering_key FROM outbox WHERE id IN ({ids})) \
         GROUP BY o.ordering_key) \
         AND due_at <= {now} AND (lease_until IS NULL OR lease_until <= {now}) \
         RETURNING id, payload, attempts - 1 AS attempts",
        sqlite_script::text(&direct.worker),
        direct.lease_until(now),
    )
}

impl Store {
    pub(crate) async fn outbox_claim(
        &self,
        worker: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<ClaimedEntry>, StoreError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let lease_until = now.saturating_add(duration_ms(lease));
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        let mut rows: Vec<ClaimRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(p.claim_sql())
                .bind(worker)
                .bind(lease_until)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await
        })
        .map_err(store_error)?;
        rows.sort_by_key(|r| r.id);
        self.decode_claimed(rows).await
    }

    /// Claimed rows as entries. A payload this version cannot read would otherwise block its
    /// ordering key forever: it is set aside where operators can see it.
    async fn decode_claimed(&self, rows: Vec<ClaimRow>) -> Result<Vec<ClaimedEntry>, StoreError> {
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_str::<OutboxMessage>(&row.payload) {
                Ok(message) => claimed.push(ClaimedEntry {
                    id: row.id,
                    message,
                    attempts: attempts_from_sql(row.attempts),
                    nonce: delivery_nonce(self.nonce_salt, row.id),
                }),
                Err(e) => {
                    tracing::warn!(id = row.id, error = %e, "dead-lettering undecodable outbox entry");
                    let reason = bounded_text(&format!("undecodable payload: {e}"));
                    self.settle(row.id, Settle::Dead { reason }).await?;
                }
            }
        }
        Ok(claimed)
    }

    /// The caller holds the write lock.
    ///
    /// With direct delivery on (SQLite), leases the next pending entry of the ordering keys of
    /// `settled` to the registered worker, where it is due and unleased, and hands it over:
    /// the settled entries were their keys' heads, so their successors are deliverable now.
    async fn lease_successors(&self, settled: &[i64]) -> Result<(), StoreError> {
        let (Pool::Sqlite(p), Some(direct)) = (&self.pool, self.direct()) else {
            return Ok(());
        };
        let leased_at = Instant::now();
        let sql = successors_sql(direct, settled, now_ms());
        let mut conn = p.acquire().await.map_err(store_error)?;
        let results = sqlite_script::run(&mut conn, &sql)
            .await
            .map_err(store_error)?;
        drop(conn);
        self.hand_over_successors(results, leased_at).await
    }

    async fn hand_over_successors(
        &self,
        results: Vec<sqlite_script::StatementResult>,
        leased_at: Instant,
    ) -> Result<(), StoreError> {
        let Some(direct) = self.direct() else {
            return Ok(());
        };
        let rows = results
            .into_iter()
            .last()
            .map(|r| r.rows)
            .unwrap_or_default()
            .iter()
            .map(ClaimRow::from_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        let mut rows = rows;
        rows.sort_by_key(|r| r.id);
        for entry in self.decode_claimed(rows).await? {
            direct.hand_over(entry, leased_at);
        }
        Ok(())
    }

    /// Settles one pending entry; when that matched nothing, tells "already settled" (fine:
    /// settling is idempotent, a worker may retry it) from "no such entry".
    async fn settle(&self, id: i64, how: Settle) -> Result<(), StoreError> {
        let now = now_ms();
        let (updated, exists) = on_pool!(&self.pool, |p| async {
            let query = match &how {
                Settle::Done => sqlx::query(
                    "UPDATE outbox SET state = 'done', finished_at = $2, lease_owner = NULL, \
                     lease_until = NULL WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(now),
                Settle::Retry { error, due_at } => sqlx::query(
                    "UPDATE outbox SET due_at = $2, last_error = $3, lease_owner = NULL, \
                     lease_until = NULL WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(*due_at)
                .bind(error.as_str()),
                Settle::Dead { reason } => sqlx::query(
                    "UPDATE outbox SET state = 'dead', finished_at = $2, last_error = $3, \
                     lease_owner = NULL, lease_until = NULL WHERE id = $1 AND state = 'pending'",
                )
                .bind(id)
                .bind(now)
                .bind(reason.as_str()),
            };
            let updated = query.execute(p).await?.rows_affected();
            let exists = updated > 0
                || sqlx::query_scalar::<_, i64>("SELECT id FROM outbox WHERE id = $1")
                    .bind(id)
                    .fetch_optional(p)
                    .await?
                    .is_some();
            Ok::<_, sqlx::Error>((updated, exists))
        }
        .await)
        .map_err(store_error)?;
        if updated == 0 && !exists {
            return Err(StoreError::NotFound(format!("outbox entry {id}")));
        }
        Ok(())
    }

    pub(crate) async fn outbox_complete(&self, id: i64) -> Result<(), StoreError> {
        self.settle(id, Settle::Done).await?;
        self.lease_successors(&[id]).await
    }

    /// Marks pending entries done in one statement per chunk; unknown or settled ids are skipped.
    /// On SQLite it runs on the writers' connection, `writer`, whose lock the caller holds.
    pub(crate) async fn outbox_complete_many(
        &self,
        ids: &[i64],
        writer: Option<&mut Writer>,
    ) -> Result<(), StoreError> {
        let (now, leased_at) = (now_ms(), Instant::now());
        if let (Pool::Sqlite(p), Some(direct), Some(writer)) = (&self.pool, self.direct(), writer) {
            // One round trip per chunk: settle, then lease what that made deliverable. Two
            // statements, each its own transaction: if the second fails, the worker's poll
            // claims the successors instead.
            for chunk in ids.chunks(500) {
                let list = chunk
                    .iter()
                    .map(|id| sqlite_script::int(*id))
                    .collect::<Vec<_>>();
                let sql = format!(
                    "UPDATE outbox SET state = 'done', finished_at = {now}, lease_owner = NULL, \
                     lease_until = NULL WHERE state = 'pending' AND id IN ({});\n{}",
                    list.join(", "),
                    successors_sql(direct, chunk, now)
                );
                let conn = writer.conn(p).await.map_err(store_error)?;
                let results = sqlite_script::run(conn, &sql).await.map_err(store_error)?;
                self.hand_over_successors(results, leased_at).await?;
            }
            return Ok(());
        }
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "UPDATE outbox SET state = 'done', finished_at = $1, lease_owner = NULL, \
                 lease_until = NULL WHERE state = 'pending' AND id IN ({})",
                placeholders.join(", ")
            );
            on_pool!(&self.pool, |p| {
                let mut query = sqlx::query(&sql).bind(now);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(p).await.map(drop)
            })
            .map_err(store_error)?;
        }
        Ok(())
    }

    pub(crate) async fn outbox_retry_later(
        &self,
        id: i64,
        error: &str,
        delay: Duration,
    ) -> Result<(), StoreError> {
        let due_at = now_ms().saturating_add(duration_ms(delay));
        self.settle(
            id,
            Settle::Retry {
                error: bounded_text(error),
                due_at,
            },
        )
        .await
    }

    pub(crate) async fn outbox_dead_letter(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        self.settle(
            id,
            Settle::Dead {
                reason: bounded_text(reason),
            },
        )
        .await?;
        self.lease_successors(&[id]).await
    }

    pub(crate) async fn outbox_pending(&self) -> Result<u64, StoreError> {
        let count: i64 = on_pool!(&self.pool, |p| {
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
                .fetch_one(p)
                .await
        })
        .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(crate) async fn prune_older_than(&self, age: Duration) -> Result<u64, StoreError> {
        let cutoff = now_ms().saturating_sub(duration_ms(age));
        on_pool!(&self.pool, |p| async {
            let events = sqlx::query("DELETE FROM processed_events WHERE created_at <= $1")
                .bind(cutoff)
                .execute(p)
                .await?
                .rows_affected();
            let finished = sqlx::query(
                "DELETE FROM outbox WHERE state IN ('done', 'dead') AND finished_at <= $1",
            )
            .bind(cutoff)
            .execute(p)
            .await?
            .rows_affected();
            Ok::<_, sqlx::Error>(events + finished)
        }
        .await)
        .map_err(store_error)
    }

    /// The most recent dead-lettered outbox entries, newest first: what flexcord gave up
    /// delivering, and why.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn dead_letters(&self, limit: u32) -> Result<Vec<DeadLetter>, StoreError> {
        let rows: Vec<DeadRow> = on_pool!(&self.pool, |p| {
            sqlx::query_as(
                "SELECT id, ordering_key, last_error, attempts, finished_at FROM outbox \
                 WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(p)
            .await
        })
        .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|r| DeadLetter {
                id: r.id,
                ordering_key: r.ordering_key,
                reason: r.last_error.unwrap_or_default(),
                attempts: attempts_from_sql(r.attempts),
                dead_at_ms: r.finished_at.map_or(0, ms_from_sql),
            })
            .collect())
    }
}
