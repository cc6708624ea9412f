//! Whether the store's writes are failing, and getting fresh connections after a storage fault.
//!
//! **Why a write flag.** A ping (`SELECT 1`) reads: with the disk full, or the file read-only,
//! it keeps answering while every commit fails, so a readiness check built on it says "ok"
//! while input is being refused. The outcome of the commits themselves is the truth: the flag
//! is set by a commit that fails because the database is unavailable and cleared by the next
//! one that succeeds ([`Store::writes_failing`], [`Store::watch_writes`]).
//!
//! **Why reconnect.** A SQLite connection opened while its file could not be written (a
//! read-only remount, a permission change, a moment of disk trouble) stays read-only for its
//! whole life: SQLite falls back to opening the file read-only and never tries again. So a
//! write that fails with a storage fault (`SQLITE_READONLY`, `SQLITE_IOERR`, `SQLITE_FULL`,
//! `SQLITE_CANTOPEN`) drops the writers' connection and marks every connection opened before it
//! stale: the pool closes those instead of handing them out (`before_acquire`), and new ones
//! are opened, which see the file as it is now. While writes are failing, the writers'
//! connection is always a new one (reads go on during an episode and open connections that
//! may be read-only), and when the episode ends every connection opened during it is stale too. PostgreSQL needs none of this: sqlx tests a
//! pooled connection before handing it out and replaces broken ones.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use flexcord_core::ports::{CommitOutcome, StoreError};
use tokio::sync::watch;

use crate::store::Store;

/// The write health of one [`Store`] (shared by its clones).
#[derive(Debug)]
pub(crate) struct Health {
    /// True while writes fail.
    failing: watch::Sender<bool>,
    /// When this tracker was made: the origin of `stale_before`.
    base: Instant,
    /// Connections opened before this many microseconds after `base` are not used again
    /// (0: none is stale).
    stale_before: AtomicU64,
    /// Tests only: make new connections read-only, as if the file could not be written when
    /// they were opened.
    #[cfg(test)]
    pub(crate) read_only: std::sync::atomic::AtomicBool,
    /// Serialises flag changes with the reads that decide them.
    changes: Mutex<()>,
    /// False for an in-memory database, which lives only as long as its connections: never
    /// closed to reconnect.
    reconnects: bool,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            failing: watch::Sender::new(false),
            base: Instant::now(),
            stale_before: AtomicU64::new(0),
            #[cfg(test)]
            read_only: std::sync::atomic::AtomicBool::new(false),
            changes: Mutex::new(()),
            reconnects: true,
        }
    }
}

impl Health {
    /// A tracker that never marks connections stale (in-memory SQLite).
    pub(crate) fn without_reconnects() -> Self {
        Self {
            reconnects: false,
            ..Self::default()
        }
    }

    fn micros_since_base(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_micros()).unwrap_or(u64::MAX)
    }

    /// Marks every connection opened until now stale.
    pub(crate) fn mark_connections_stale(&self) {
        if !self.reconnects {
            return;
        }
        // +1: a connection opened in this very microsecond is stale too.
        let now = self.micros_since_base(Instant::now()).saturating_add(1);
        self.stale_before.fetch_max(now, Ordering::Relaxed);
    }

    /// Whether a connection opened `age` ago must not be used again.
    pub(crate) fn is_stale(&self, age: Duration) -> bool {
        self.opened_stale(Instant::now().checked_sub(age).unwrap_or(self.base))
    }

    /// Whether a connection opened at `opened` must not be used again.
    pub(crate) fn opened_stale(&self, opened: Instant) -> bool {
        let stale_before = self.stale_before.load(Ordering::Relaxed);
        stale_before != 0 && self.micros_since_base(opened) < stale_before
    }

    /// Whether the last commit failed with the database unavailable.
    pub(crate) fn is_failing(&self) -> bool {
        *self.failing.borrow()
    }

    fn set_failing(&self, failing: bool) {
        let _serial = self
            .changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let recovered = self.failing.send_if_modified(|now| {
            let changed = *now != failing;
            *now = failing;
            changed
        }) && !failing;
        if recovered {
            // Connections opened during the episode (reads go on) may be read-only for good:
            // the writes that run on pooled connections must not meet them.
            self.mark_connections_stale();
        }
    }

    /// Records what a write came to: a database failure sets the flag, a success clears it;
    /// a conflict or undecodable data says nothing about the database's health.
    pub(crate) fn note<T>(&self, result: &Result<T, StoreError>) {
        match result {
            Ok(_) => self.set_failing(false),
            Err(StoreError::Unavailable(_)) => self.set_failing(true),
            Err(_) => {}
        }
    }
}

/// A SQLite error that says the database file cannot be written through this connection right
/// now (primary result codes `READONLY`, `IOERR`, `FULL`, `CANTOPEN`, of any extended code).
pub(crate) fn is_storage_fault(error: &sqlx::Error) -> bool {
    let code = match error {
        sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()),
        _ => None,
    };
    code.is_some_and(|c| matches!(c & 0xff, 8 | 10 | 13 | 14))
}

impl Store {
    /// Whether the store's writes are failing: the last commit failed because the database was
    /// unavailable (disk full, read-only, unreachable). Cleared by the next commit that succeeds.
    #[must_use]
    pub fn writes_failing(&self) -> bool {
        *self.health.failing.borrow()
    }

    /// Follows [`Store::writes_failing`]: the receiver sees each change (true when writes start
    /// failing, false when one succeeds again).
    #[must_use]
    pub fn watch_writes(&self) -> watch::Receiver<bool> {
        self.health.failing.subscribe()
    }

    /// Notes a commit's result in the write health.
    pub(crate) fn note_write(&self, result: &Result<CommitOutcome, StoreError>) {
        self.health.note(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_opened_before_a_fault_are_stale_and_later_ones_are_not() {
        let health = Health::default();
        let before = Instant::now();
        assert!(!health.opened_stale(before), "nothing is stale at first");
        assert!(!health.is_stale(Duration::from_secs(3600)));
        health.mark_connections_stale();
        assert!(health.opened_stale(before));
        assert!(health.is_stale(Duration::from_secs(3600)));
        assert!(!health.opened_stale(Instant::now() + Duration::from_millis(5)));
    }

    fn dedupe_only(key: &str) -> flexcord_core::ports::Commit {
        flexcord_core::ports::Commit {
            dedupe_key: Some(key.to_owned()),
            ..flexcord_core::ports::Commit::default()
        }
    }

    #[tokio::test]
    async fn after_a_read_only_episode_writes_recover_without_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
        let store = Store::open(&crate::StoreConfig::new(url)).await.unwrap();
        let mut watch = store.watch_writes();
        store.write_commit(&dedupe_only("before")).await.unwrap();
        assert!(!store.writes_failing());

        // The file turns read-only: connections opened from now on can only read, for good,
        // and the ones already open fail (a remount) — here, are replaced.
        store.health.read_only.store(true, Ordering::Relaxed);
        store.health.mark_connections_stale();
        let error = store
            .write_commit(&dedupe_only("during"))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("readonly"),
            "the real SQLite error: {error}"
        );
        assert!(store.writes_failing(), "what /readyz reports meanwhile");
        assert!(*watch.borrow_and_update());
        // Reads go on meanwhile (the router reads sessions): a connection opened for them now
        // is read-only for good and waits in the pool.
        store.recent_dm_channels(0, 10).await.unwrap();

        // Writable again: the same store records without being reopened.
        store.health.read_only.store(false, Ordering::Relaxed);
        let outcome = store.write_commit(&dedupe_only("during")).await;
        assert!(
            matches!(outcome, Ok(CommitOutcome::Committed { .. })),
            "{outcome:?}"
        );
        assert!(!store.writes_failing());
        assert!(!*watch.borrow_and_update());
        store.write_commit(&dedupe_only("after")).await.unwrap();
    }

    #[test]
    fn the_flag_follows_unavailability_only() {
        let health = Health::default();
        let mut watch = health.failing.subscribe();
        health.note::<()>(&Err(StoreError::Conflict));
        assert!(!*watch.borrow_and_update());
        health.note::<()>(&Err(StoreError::Unavailable("disk full".into())));
        assert!(watch.has_changed().unwrap_or(false));
        assert!(*watch.borrow_and_update());
        health.note::<()>(&Err(StoreError::Unavailable("still full".into())));
        assert!(
            !watch.has_changed().unwrap_or(true),
            "one change per episode"
        );
        health.note(&Ok(()));
        assert!(!*watch.borrow_and_update());
    }
}
