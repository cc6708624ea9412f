//! The sessions of recently active users, kept in memory (SQLite only), so a relay reads no row.
//!
//! Why: on SQLite every read is a round trip to the connection's thread (see `sqlite_script`),
//! and an agent's message reads its session twice (by conversation, then again under the
//! user's lock). A SQLite database serves one running instance, and every session write of
//! that instance goes through [`Store::commit`](crate::Store), which updates this cache once
//! the transaction has committed — so a cached session is the stored one.
//!
//! Should a second process write the same file anyway, a stale entry cannot do harm that the
//! store would not catch: a decision made on it fails the version check with
//! `StoreError::Conflict`, which evicts the entry, and the router decides again from the row.
//!
//! PostgreSQL (several instances writing) has no cache.
//!
//! Bounded by an estimate of the bytes held (transcripts dominate); when over it, the least
//! recently used quarter is dropped.

use std::collections::HashMap;
use std::sync::Mutex;

use flexcord_core::ids::{ChannelId, UserId};
use flexcord_core::session::Session;

/// Default budget: a few thousand typical sessions.
pub(crate) const DEFAULT_BUDGET_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug)]
struct Entry {
    session: Session,
    bytes: usize,
    used: u64,
}

#[derive(Debug, Default)]
struct Inner {
    by_user: HashMap<UserId, Entry>,
    by_conversation: HashMap<String, UserId>,
    by_channel: HashMap<ChannelId, UserId>,
    bytes: usize,
    clock: u64,
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct SessionCache {
    inner: Mutex<Inner>,
    budget: usize,
}

/// Roughly what a session occupies in memory.
fn size_of(s: &Session) -> usize {
    const FIXED: usize = 256;
    const PER_LINE: usize = 64;
    FIXED
        + s.user_name.len()
        + s.agent_name.as_ref().map_or(0, String::len)
        + s.transcript
            .iter()
            .map(|l| PER_LINE + l.name.len() + l.text.len())
            .sum::<usize>()
}

impl Inner {
    fn touch(&mut self, user: UserId) -> Option<Session> {
        self.clock += 1;
        let now = self.clock;
        self.by_user.get_mut(&user).map(|e| {
            e.used = now;
            e.session.clone()
        })
    }

    fn remove(&mut self, user: UserId) {
        if let Some(old) = self.by_user.remove(&user) {
            self.bytes = self.bytes.saturating_sub(old.bytes);
            if let Some(conversation) = &old.session.conversation
                && self.by_conversation.get(conversation.as_str()) == Some(&user)
            {
                self.by_conversation.remove(conversation.as_str());
            }
            if self.by_channel.get(&old.session.dm_channel) == Some(&user) {
                self.by_channel.remove(&old.session.dm_channel);
            }
        }
    }

    fn evict_oldest_quarter(&mut self) {
        let mut ages: Vec<(u64, UserId)> = self
            .by_user
            .iter()
            .map(|(user, e)| (e.used, *user))
            .collect();
        ages.sort_unstable();
        let drop = ages.len().div_ceil(4);
        for (_, user) in ages.into_iter().take(drop) {
            self.remove(user);
        }
    }
}

impl SessionCache {
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here can leave the maps half-updated on a panic; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn by_user(&self, user: UserId) -> Option<Session> {
        self.lock().touch(user)
    }

    /// Looks at the cached session of `user` without copying it.
    pub(crate) fn peek<R>(&self, user: UserId, f: impl FnOnce(&Session) -> R) -> Option<R> {
        self.lock().by_user.get(&user).map(|e| f(&e.session))
    }

    pub(crate) fn by_channel(&self, channel: ChannelId) -> Option<Session> {
        let mut inner = self.lock();
        let user = *inner.by_channel.get(&channel)?;
        inner.touch(user)
    }

    pub(crate) fn by_conversation(&self, conversation: &str) -> Option<Session> {
        let mut inner = self.lock();
        let user = *inner.by_conversation.get(conversation)?;
        inner.touch(user)
    }

    /// Keeps `session` as the stored state of its user (just read, or just committed), unless
    /// a newer version is already here: a read that raced with a commit must not put the
    /// older state back.
    pub(crate) fn put(&self, session: Session) {
        let bytes = size_of(&session);
        if bytes > self.budget {
            self.forget(session.user);
            return;
        }
        let mut inner = self.lock();
        if inner
            .by_user
            .get(&session.user)
            .is_some_and(|e| e.session.version > session.version)
        {
            return;
        }
        inner.remove(session.user);
        if inner.bytes + bytes > self.budget {
            inner.evict_oldest_quarter();
        }
        inner.clock += 1;
        let user = session.user;
        if let Some(conversation) = &session.conversation {
            inner
                .by_conversation
                .insert(conversation.as_str().to_owned(), user);
        }
        inner.by_channel.insert(session.dm_channel, user);
        inner.bytes += bytes;
        let used = inner.clock;
        inner.by_user.insert(
            user,
            Entry {
                session,
                bytes,
                used,
            },
        );
    }

    /// Drops what is known about `user` (after a conflict: the row is the truth).
    pub(crate) fn forget(&self, user: UserId) {
        self.lock().remove(user);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().by_user.len()
    }
}

#[cfg(test)]
mod tests {
    use flexcord_core::ids::ConversationSid;
    use flexcord_core::session::{Speaker, TranscriptLine};

    use super::*;

    fn session(user: u64, conversation: Option<u32>) -> Session {
        let mut s = Session::new(UserId(user), "Ada", ChannelId(user + 1_000));
        s.conversation =
            conversation.map(|n| ConversationSid::parse(&format!("CH{n:032x}")).unwrap());
        s
    }

    #[test]
    fn finds_a_session_by_user_channel_and_conversation() {
        let cache = SessionCache::new(DEFAULT_BUDGET_BYTES);
        cache.put(session(1, Some(7)));
        assert_eq!(cache.by_user(UserId(1)).map(|s| s.user), Some(UserId(1)));
        assert_eq!(
            cache.by_channel(ChannelId(1_001)).map(|s| s.user),
            Some(UserId(1))
        );
        let conv = format!("CH{:032x}", 7);
        assert_eq!(
            cache.by_conversation(&conv).map(|s| s.user),
            Some(UserId(1))
        );
        assert!(cache.by_user(UserId(2)).is_none());
    }

    #[test]
    fn a_new_state_replaces_the_old_mappings() {
        let cache = SessionCache::new(DEFAULT_BUDGET_BYTES);
        cache.put(session(1, Some(7)));
        cache.put(session(1, None));
        assert!(cache.by_conversation(&format!("CH{:032x}", 7)).is_none());
        assert_eq!(cache.by_user(UserId(1)).and_then(|s| s.conversation), None);
        cache.forget(UserId(1));
        assert!(cache.by_user(UserId(1)).is_none());
        assert!(cache.by_channel(ChannelId(1_001)).is_none());
    }

    #[test]
    fn stays_within_its_budget_dropping_the_least_recently_used() {
        let one = size_of(&session(0, None));
        let cache = SessionCache::new(one * 8);
        for user in 0..8 {
            cache.put(session(user, None));
        }
        // User 0 is used again, so the quarter dropped next is 1 and 2.
        assert!(cache.by_user(UserId(0)).is_some());
        cache.put(session(100, None));
        assert!(cache.len() <= 8);
        assert!(cache.by_user(UserId(0)).is_some());
        assert!(cache.by_user(UserId(1)).is_none());
        assert!(cache.by_user(UserId(100)).is_some());
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let cache = SessionCache::new(DEFAULT_BUDGET_BYTES);
        let mut newer = session(1, Some(7));
        newer.version = 6;
        cache.put(newer);
        let mut older = session(1, None);
        older.version = 5;
        cache.put(older);
        let kept = cache.by_user(UserId(1)).unwrap();
        assert_eq!((kept.version, kept.conversation.is_some()), (6, true));
    }

    #[test]
    fn a_session_larger_than_the_budget_is_not_kept() {
        let cache = SessionCache::new(1_000);
        let mut big = session(1, None);
        big.transcript = vec![
            TranscriptLine {
                speaker: Speaker::User,
                name: "Ada".into(),
                text: "x".repeat(2_000),
                at_ms: 0,
            };
            1
        ];
        cache.put(big);
        assert!(cache.by_user(UserId(1)).is_none());
    }
}
