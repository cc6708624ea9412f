//! [`InMemoryStore`]: the full [`SessionStore`] and [`OutboxStore`] contracts in memory — atomic commits, optimistic
//! versions, dedupe, and an outbox with leases, one-in-flight-per-ordering-key, retries and dead
//! letters — plus switches to inject conflicts and outages.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::ids::{ChannelId, ConversationSid, UserId};
use flexcord_core::limits::Block;
use flexcord_core::outbox::{ClaimedEntry, OutboxMessage};
use flexcord_core::ports::{Clock, Commit, CommitOutcome, OutboxStore, SessionStore, StoreError};
use flexcord_core::session::Session;

use crate::clock::ManualClock;

/// Where an outbox entry stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStatus {
    /// Waiting (maybe until a retry delay passes, maybe leased to a worker).
    Pending,
    /// Delivered.
    Delivered,
    /// Given up on, with the reason.
    Dead(String),
}

/// An outbox entry as the store keeps it (for assertions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Id, increasing in enqueue order.
    pub id: i64,
    /// What to send.
    pub message: OutboxMessage,
    /// Its ordering key.
    pub ordering_key: String,
    /// Where it stands.
    pub status: EntryStatus,
    /// How many times it was claimed.
    pub claims: u32,
    /// The last error given to `retry_later`.
    pub last_error: Option<String>,
    /// Not claimable before this time (ms).
    pub due_ms: u64,
    /// The worker holding it and until when.
    pub lease: Option<(String, u64)>,
    /// When it was delivered or dead-lettered (ms).
    pub finished_ms: Option<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<UserId, Session>,
    seen: HashMap<String, u64>,
    outbox: BTreeMap<i64, StoredEntry>,
    next_id: i64,
    /// Random per store, like a database's (see [`flexcord_core::outbox::delivery_nonce`]).
    nonce_salt: u64,
    conflicts_to_inject: usize,
    conflicts_seen: usize,
    commits: usize,
    unavailable: bool,
    /// Blocked users, and when each was last told so (0 = never).
    blocks: HashMap<UserId, (Block, u64)>,
}

/// An in-memory [`SessionStore`] and [`OutboxStore`]. Cheap to clone handles share one store.
///
/// Every call yields to the runtime once, so concurrent callers interleave the way they would
/// with a real database.
#[derive(Debug, Clone)]
pub struct InMemoryStore {
    inner: Arc<Mutex<Inner>>,
    clock: Arc<dyn Clock>,
}

impl Default for InMemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryStore {
    /// A store on its own [`ManualClock`] (time stands still unless told).
    #[must_use]
    pub fn new() -> Self {
        Self::with_clock(Arc::new(ManualClock::default()))
    }

    /// A store whose leases, retry delays and prune ages follow `clock`.
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                next_id: 1,
                nonce_salt: random_salt(),
                ..Inner::default()
            })),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `n` commits that carry a session fail with [`StoreError::Conflict`] (as if
    /// another instance had just written it) and write nothing.
    pub fn inject_conflicts(&self, n: usize) {
        self.lock().conflicts_to_inject = n;
    }

    /// How many commits ended in [`StoreError::Conflict`] (injected or real).
    #[must_use]
    pub fn conflicts(&self) -> usize {
        self.lock().conflicts_seen
    }

    /// How many commits were written (not duplicates, not failed).
    #[must_use]
    pub fn commits(&self) -> usize {
        self.lock().commits
    }

    /// While true, every call fails with [`StoreError::Unavailable`].
    pub fn set_unavailable(&self, unavailable: bool) {
        self.lock().unavailable = unavailable;
    }

    /// Stores a session as is, bypassing version checks (test setup).
    pub fn put_session(&self, session: Session) {
        self.lock().sessions.insert(session.user, session);
    }

    /// The user's session right now.
    #[must_use]
    pub fn session_now(&self, user: UserId) -> Option<Session> {
        self.lock().sessions.get(&user).cloned()
    }

    /// True when `key` was recorded.
    #[must_use]
    pub fn seen(&self, key: &str) -> bool {
        self.lock().seen.contains_key(key)
    }

    /// Every outbox entry, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<StoredEntry> {
        self.lock().outbox.values().cloned().collect()
    }

    /// Messages of entries still pending, oldest first.
    #[must_use]
    pub fn pending(&self) -> Vec<OutboxMessage> {
        self.entries_with(|s| *s == EntryStatus::Pending)
    }

    /// Messages of delivered entries, oldest first.
    #[must_use]
    pub fn delivered(&self) -> Vec<OutboxMessage> {
        self.entries_with(|s| *s == EntryStatus::Delivered)
    }

    /// Messages of dead entries, with the reason, oldest first.
    #[must_use]
    pub fn dead(&self) -> Vec<(OutboxMessage, String)> {
        self.lock()
            .outbox
            .values()
            .filter_map(|e| match &e.status {
                EntryStatus::Dead(r) => Some((e.message.clone(), r.clone())),
                _ => None,
            })
            .collect()
    }

    fn entries_with(&self, f: impl Fn(&EntryStatus) -> bool) -> Vec<OutboxMessage> {
        self.lock()
            .outbox
            .values()
            .filter(|e| f(&e.status))
            .map(|e| e.message.clone())
            .collect()
    }

    fn check(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        let inner = self.lock();
        if inner.unavailable {
            return Err(StoreError::Unavailable(
                "in-memory store switched off".into(),
            ));
        }
        Ok(inner)
    }

    fn finish(&self, id: i64, status: EntryStatus) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let mut inner = self.check()?;
        let e = inner
            .outbox
            .get_mut(&id)
            .ok_or_else(|| StoreError::NotFound(format!("outbox {id}")))?;
        e.status = status;
        e.lease = None;
        e.finished_ms = Some(now);
        Ok(())
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[async_trait]
impl SessionStore for InMemoryStore {
    async fn session(&self, user: UserId) -> Result<Option<Session>, StoreError> {
        tokio::task::yield_now().await;
        Ok(self.check()?.sessions.get(&user).cloned())
    }

    async fn session_by_channel(&self, channel: ChannelId) -> Result<Option<Session>, StoreError> {
        tokio::task::yield_now().await;
        Ok(self
            .check()?
            .sessions
            .values()
            .find(|s| s.dm_channel == channel)
            .cloned())
    }

    async fn session_by_conversation(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Option<Session>, StoreError> {
        tokio::task::yield_now().await;
        let inner = self.check()?;
        Ok(inner
            .sessions
            .values()
            .find(|s| s.conversation.as_ref() == Some(conversation))
            .cloned())
    }

    async fn commit(&self, commit: &Commit) -> Result<CommitOutcome, StoreError> {
        tokio::task::yield_now().await;
        let now = self.clock.now_ms();
        // One lock for the whole commit: all of it is written, or none of it.
        let mut inner = self.check()?;
        if commit
            .dedupe_key
            .as_ref()
            .is_some_and(|k| inner.seen.contains_key(k))
        {
            return Ok(CommitOutcome::Duplicate);
        }
        let mut session_version = None;
        if let Some(session) = &commit.session {
            let stored = inner.sessions.get(&session.user).map_or(0, |s| s.version);
            if inner.conflicts_to_inject > 0 || stored != session.version {
                inner.conflicts_to_inject = inner.conflicts_to_inject.saturating_sub(1);
                inner.conflicts_seen += 1;
                return Err(StoreError::Conflict);
            }
            let mut saved = session.clone();
            saved.version = stored + 1;
            session_version = Some(saved.version);
            inner.sessions.insert(saved.user, saved);
        }
        if let Some(key) = &commit.dedupe_key {
            inner.seen.insert(key.clone(), now);
        }
        let mut outbox_ids = Vec::with_capacity(commit.outbox.len());
        for message in &commit.outbox {
            let id = inner.next_id;
            inner.next_id += 1;
            inner.outbox.insert(
                id,
                StoredEntry {
                    id,
                    ordering_key: message.ordering_key(),
                    message: message.clone(),
                    status: EntryStatus::Pending,
                    claims: 0,
                    last_error: None,
                    due_ms: now,
                    lease: None,
                    finished_ms: None,
                },
            );
            outbox_ids.push(id);
        }
        inner.commits += 1;
        Ok(CommitOutcome::Committed {
            session_version,
            outbox_ids,
        })
    }

    async fn prune(&self, age: Duration) -> Result<u64, StoreError> {
        let cutoff = self.clock.now_ms().saturating_sub(ms(age));
        let mut inner = self.check()?;
        let before = inner.seen.len() + inner.outbox.len();
        inner.seen.retain(|_, at| *at >= cutoff);
        inner
            .outbox
            .retain(|_, e| e.finished_ms.is_none_or(|f| f >= cutoff));
        let after = inner.seen.len() + inner.outbox.len();
        Ok(u64::try_from(before - after).unwrap_or(u64::MAX))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.check().map(drop)
    }

    async fn blocked(&self, user: UserId) -> Result<Option<Block>, StoreError> {
        tokio::task::yield_now().await;
        Ok(self.check()?.blocks.get(&user).map(|(b, _)| b.clone()))
    }

    async fn block(&self, block: &Block) -> Result<(), StoreError> {
        let mut inner = self.check()?;
        let told = inner.blocks.get(&block.user).map_or(0, |(_, told)| *told);
        inner.blocks.insert(block.user, (block.clone(), told));
        Ok(())
    }

    async fn unblock(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(self.check()?.blocks.remove(&user).is_some())
    }

    async fn blocked_users(&self) -> Result<Vec<Block>, StoreError> {
        let inner = self.check()?;
        let mut all: Vec<Block> = inner.blocks.values().map(|(b, _)| b.clone()).collect();
        all.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(a.user.0.cmp(&b.user.0)));
        Ok(all)
    }

    async fn claim_block_notice(
        &self,
        user: UserId,
        now_ms: u64,
        every_ms: u64,
    ) -> Result<bool, StoreError> {
        let mut inner = self.check()?;
        Ok(match inner.blocks.get_mut(&user) {
            Some((_, told)) if *told == 0 || now_ms >= told.saturating_add(every_ms) => {
                *told = now_ms;
                true
            }
            _ => false,
        })
    }
}

#[async_trait]
impl OutboxStore for InMemoryStore {
    async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<ClaimedEntry>, StoreError> {
        tokio::task::yield_now().await;
        let now = self.clock.now_ms();
        let mut inner = self.check()?;
        // The head (oldest pending entry) of every ordering key; later ones wait behind it,
        // even while it waits for a retry delay, so order holds.
        let mut heads: BTreeMap<i64, ()> = BTreeMap::new();
        let mut keys_seen = std::collections::HashSet::new();
        for e in inner.outbox.values() {
            if e.status == EntryStatus::Pending && keys_seen.insert(e.ordering_key.clone()) {
                heads.insert(e.id, ());
            }
        }
        let mut claimed = Vec::new();
        let salt = inner.nonce_salt;
        for id in heads.into_keys() {
            if claimed.len() >= max {
                break;
            }
            let Some(e) = inner.outbox.get_mut(&id) else {
                continue;
            };
            let leased = e.lease.as_ref().is_some_and(|(_, until)| *until > now);
            if leased || e.due_ms > now {
                continue;
            }
            claimed.push(ClaimedEntry {
                id,
                message: e.message.clone(),
                attempts: e.claims,
                nonce: flexcord_core::outbox::delivery_nonce(salt, id),
            });
            e.claims += 1;
            e.lease = Some((worker.to_owned(), now.saturating_add(ms(lease))));
        }
        Ok(claimed)
    }

    async fn complete(&self, id: i64) -> Result<(), StoreError> {
        tokio::task::yield_now().await;
        self.finish(id, EntryStatus::Delivered)
    }

    async fn retry_later(&self, id: i64, error: &str, delay: Duration) -> Result<(), StoreError> {
        tokio::task::yield_now().await;
        let now = self.clock.now_ms();
        let mut inner = self.check()?;
        let e = inner
            .outbox
            .get_mut(&id)
            .ok_or_else(|| StoreError::NotFound(format!("outbox {id}")))?;
        e.lease = None;
        e.last_error = Some(error.to_owned());
        e.due_ms = now.saturating_add(ms(delay));
        Ok(())
    }

    async fn dead_letter(&self, id: i64, reason: &str) -> Result<(), StoreError> {
        tokio::task::yield_now().await;
        self.finish(id, EntryStatus::Dead(reason.to_owned()))
    }

    async fn outbox_depth(&self) -> Result<u64, StoreError> {
        let inner = self.check()?;
        let n = inner
            .outbox
            .values()
            .filter(|e| e.status == EntryStatus::Pending)
            .count();
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }
}

/// A random salt without a dependency: std's hasher keys are seeded from the OS.
fn random_salt() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}
