//! Per-user serialisation: a keyed async mutex map whose entries vanish when nobody holds or
//! waits for them, so it never grows beyond the number of users active right now.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::ids::UserId;

type Slot = Arc<AsyncMutex<()>>;

/// One async mutex per user, created on demand and removed by the last guard.
#[derive(Debug, Default)]
pub(crate) struct UserLocks {
    // A std mutex is enough: it is only held for map lookups, never across an await.
    slots: Arc<Mutex<HashMap<UserId, Slot>>>,
}

impl UserLocks {
    /// Waits until no other event of `user` is being handled, then holds the user until the
    /// returned guard is dropped. Waiters are served first come, first served (tokio's mutex is
    /// fair), which is what keeps one user's events in arrival order.
    pub(crate) async fn lock(&self, user: UserId) -> UserGuard {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(user).or_default())
        };
        // If this future is dropped while waiting, `slot` is dropped too; the entry may then
        // linger until the next guard of this user drops, which removes it.
        let guard = Arc::clone(&slot).lock_owned().await;
        UserGuard {
            user,
            slot: Some(slot),
            guard: Some(guard),
            slots: Arc::clone(&self.slots),
        }
    }

    /// How many users currently have an entry (held or waited for).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Holds one user's lock; removes the user's entry on drop when nobody else wants it.
#[derive(Debug)]
pub(crate) struct UserGuard {
    user: UserId,
    slot: Option<Slot>,
    guard: Option<OwnedMutexGuard<()>>,
    slots: Arc<Mutex<HashMap<UserId, Slot>>>,
}

impl Drop for UserGuard {
    fn drop(&mut self) {
        // Under the map lock, so no new waiter can clone the slot between the check and the
        // removal: waiters clone it while holding the same lock.
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        drop(self.guard.take());
        if let Some(slot) = self.slot.take() {
            // Left: the map's reference and ours. Anything more is a waiter.
            if Arc::strong_count(&slot) <= 2 {
                slots.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_are_removed_when_unused() {
        let locks = UserLocks::default();
        {
            let _a = locks.lock(UserId(1)).await;
            let _b = locks.lock(UserId(2)).await;
            assert_eq!(locks.len(), 2);
        }
        assert_eq!(locks.len(), 0);
    }

    #[tokio::test]
    async fn a_waiter_keeps_the_entry_alive_and_gets_the_lock() {
        let locks = Arc::new(UserLocks::default());
        let first = locks.lock(UserId(7)).await;
        let l2 = Arc::clone(&locks);
        let waiter = tokio::spawn(async move {
            let _g = l2.lock(UserId(7)).await;
        });
        // Let the waiter enqueue itself.
        tokio::task::yield_now().await;
        drop(first);
        assert!(waiter.await.is_ok());
        assert_eq!(locks.len(), 0);
    }
}
