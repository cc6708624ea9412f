//! The blocklist: users staff or operators keep out of support, and when each was last told.
//!
//! Every Discord event asks whether its user is blocked, so the answer comes from a snapshot of
//! the whole (small) table, read again at most once per [`FRESH_FOR`]: the relay's hot path stays
//! free of reads. A block written through this store is seen at once; one written by another
//! process (`flexcord users block`, another instance) within [`FRESH_FOR`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use flexcord_core::ids::UserId;
use flexcord_core::limits::Block;
use flexcord_core::ports::StoreError;

use crate::codec::{snowflake_from_sql, snowflake_to_sql};
use crate::error::store_error;
use crate::store::{Store, on_pool};

/// A `blocked_users` row, before its values are checked.
#[derive(Debug, sqlx::FromRow)]
struct BlockRow {
    user_id: i64,
    reason: String,
    blocked_by: String,
    blocked_at: i64,
}

impl BlockRow {
    fn into_block(self) -> Result<Block, StoreError> {
        Ok(Block {
            user: UserId(snowflake_from_sql(self.user_id)),
            reason: self.reason,
            by: self.blocked_by,
            at_ms: u64::try_from(self.blocked_at)
                .map_err(|e| StoreError::Corrupt(format!("block time: {e}")))?,
        })
    }
}

/// How long a snapshot of the blocklist answers before it is read again.
pub(crate) const FRESH_FOR: Duration = Duration::from_secs(1);

/// Every block by user, as read at one moment.
type Blocks = std::sync::Arc<HashMap<UserId, Block>>;

/// The latest snapshot of the blocklist (when it was read, what it held), if any.
#[derive(Debug, Default)]
pub(crate) struct BlocklistCache {
    snapshot: Mutex<Option<(Instant, Blocks)>>,
}

impl BlocklistCache {
    fn fresh(&self) -> Option<Blocks> {
        let guard = self.snapshot.lock().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < FRESH_FOR)
            .map(|(_, blocks)| std::sync::Arc::clone(blocks))
    }

    fn put(&self, read_at: Instant, blocks: HashMap<UserId, Block>) {
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((read_at, std::sync::Arc::new(blocks)));
    }

    /// After a write through this store: the next question reads the table again.
    fn forget(&self) {
        *self.snapshot.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

const COLUMNS: &str = "user_id, reason, blocked_by, blocked_at";

fn ms_to_sql(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

impl Store {
    pub(crate) async fn blocked_user(&self, user: UserId) -> Result<Option<Block>, StoreError> {
        if let Some(blocks) = self.blocklist.fresh() {
            return Ok(blocks.get(&user).cloned());
        }
        let read_at = Instant::now();
        let all = self.all_blocks().await?;
        let found = all.iter().find(|b| b.user == user).cloned();
        self.blocklist
            .put(read_at, all.into_iter().map(|b| (b.user, b)).collect());
        Ok(found)
    }

    pub(crate) async fn add_block(&self, block: &Block) -> Result<(), StoreError> {
        let _writer = self.write_guard().await;
        // A new block of a blocked user updates why, who and when, and keeps when they were
        // last told (so re-blocking does not send a second notice the same day).
        on_pool!(&self.pool, |p| {
            sqlx::query(
                "INSERT INTO blocked_users (user_id, reason, blocked_by, blocked_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
                 reason = excluded.reason, blocked_by = excluded.blocked_by, \
                 blocked_at = excluded.blocked_at",
            )
            .bind(snowflake_to_sql(block.user.get()))
            .bind(&block.reason)
            .bind(&block.by)
            .bind(ms_to_sql(block.at_ms))
            .execute(p)
            .await
            .map(drop)
        })
        .map_err(store_error)?;
        self.blocklist.forget();
        Ok(())
    }

    pub(crate) async fn remove_block(&self, user: UserId) -> Result<bool, StoreError> {
        let _writer = self.write_guard().await;
        let removed = on_pool!(&self.pool, |p| {
            sqlx::query("DELETE FROM blocked_users WHERE user_id = $1")
                .bind(snowflake_to_sql(user.get()))
                .execute(p)
                .await
                .map(|done| done.rows_affected())
        })
        .map_err(store_error)?;
        self.blocklist.forget();
        Ok(removed > 0)
    }

    pub(crate) async fn all_blocks(&self) -> Result<Vec<Block>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM blocked_users ORDER BY blocked_at DESC, user_id");
        let rows: Vec<BlockRow> =
            on_pool!(&self.pool, |p| { sqlx::query_as(&sql).fetch_all(p).await })
                .map_err(store_error)?;
        rows.into_iter().map(BlockRow::into_block).collect()
    }

    /// One conditional update, so only one instance (or task) claims a notice.
    pub(crate) async fn claim_notice(
        &self,
        user: UserId,
        now_ms: u64,
        every_ms: u64,
    ) -> Result<bool, StoreError> {
        let _writer = self.write_guard().await;
        let now = ms_to_sql(now_ms);
        let due_before = ms_to_sql(now_ms.saturating_sub(every_ms));
        let claimed = on_pool!(&self.pool, |p| {
            sqlx::query(
                "UPDATE blocked_users SET noticed_at = $2 \
                 WHERE user_id = $1 AND (noticed_at = 0 OR noticed_at <= $3)",
            )
            .bind(snowflake_to_sql(user.get()))
            .bind(now)
            .bind(due_before)
            .execute(p)
            .await
            .map(|done| done.rows_affected())
        })
        .map_err(store_error)?;
        Ok(claimed > 0)
    }
}
