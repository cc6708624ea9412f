//! Getting a dead process's outbox leases back: who the delivery worker claims as, and
//! releasing the leases whose holder is gone.
//!
//! - **SQLite** serves one running instance per file, so at start-up every lease found is a
//!   previous process's: [`Store::release_leases`] releases them all.
//! - **PostgreSQL** is shared by live instances, so only the leases of instances that hold no
//!   presence lock are released (see `presence`), at start-up and then every
//!   [`RECOVER_EVERY`] by [`Store::spawn_lease_recovery`].

use std::time::Duration;

use flexcord_core::ports::StoreError;
use tokio::task::JoinHandle;

use crate::codec::now_ms;
use crate::error::store_error;
use crate::presence::Presence;
use crate::store::{Pool, Store};

/// How often a PostgreSQL instance looks for a dead instance's leases. Also keeps the
/// presence connection in use, so an idle-session timeout never ends it.
pub const RECOVER_EVERY: Duration = Duration::from_secs(5);

impl Store {
    /// Registers this process as an outbox worker and returns the name it must claim under
    /// (`claim(worker, …)`, [`Store::lease_new_entries`]). Call it once, at start-up, before
    /// [`Store::release_leases`]; later calls return the same name.
    ///
    /// On PostgreSQL this opens a connection of its own holding this instance's presence lock
    /// until [`Store::close`] (or the process's end): while it is held, other instances leave
    /// this one's leases alone.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the presence connection cannot be opened.
    pub async fn register_instance(&self) -> Result<String, StoreError> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(format!(
                "flexcord-{}-{}",
                std::process::id(),
                now_ms().unsigned_abs()
            ));
        };
        let mut slot = self.presence.lock().await;
        if let Some(presence) = slot.as_ref() {
            return Ok(presence.owner());
        }
        let presence = Presence::open(pool).await?;
        let owner = presence.owner();
        *slot = Some(presence);
        Ok(owner)
    }

    /// Releases the outbox leases of processes that are gone and returns how many there were.
    /// Their entries — and everything queued behind them in the same conversation — would
    /// otherwise wait for the lease to run out. The released entries keep their attempt count,
    /// so the adapters check for an earlier send before sending again.
    ///
    /// - SQLite: every lease. Call it once at start-up, before the delivery worker runs: the
    ///   database serves one running instance, so a lease found then is a dead process's.
    /// - PostgreSQL: the leases of instances that no longer hold their presence lock; nothing
    ///   before [`Store::register_instance`] (an instance not itself visibly alive must not
    ///   judge its own leases). Call it at start-up, then let
    ///   [`Store::spawn_lease_recovery`] repeat it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`].
    pub async fn release_leases(&self) -> Result<u64, StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let _writer = self.write_guard().await;
                sqlx::query(
                    "UPDATE outbox SET lease_owner = NULL, lease_until = NULL \
                     WHERE state = 'pending' AND lease_owner IS NOT NULL",
                )
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
                .map_err(store_error)
            }
            Pool::Postgres(pool) => match self.presence.lock().await.as_mut() {
                Some(presence) => presence.release_dead(pool).await,
                None => Ok(0),
            },
        }
    }

    /// On PostgreSQL, releases dead instances' leases every [`RECOVER_EVERY`], so a crashed
    /// instance's conversations move on within seconds, wherever their messages are now
    /// delivered from; `None` on SQLite (its one start-up release is enough). Abort the handle
    /// on shutdown.
    ///
    /// Must be called from within a tokio runtime.
    #[must_use = "abort the handle on shutdown"]
    pub fn spawn_lease_recovery(&self) -> Option<JoinHandle<()>> {
        if !matches!(self.pool, Pool::Postgres(_)) {
            return None;
        }
        let store = self.clone();
        Some(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(RECOVER_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                ticks.tick().await;
                match store.release_leases().await {
                    Ok(released) => {
                        if std::mem::take(&mut failing) {
                            tracing::info!("outbox lease recovery works again");
                        }
                        if released > 0 {
                            tracing::info!(
                                released,
                                "released the outbox leases of an instance that is gone"
                            );
                        }
                    }
                    // Logged when an outage starts, not every few seconds while it lasts.
                    Err(error) if !failing => {
                        failing = true;
                        tracing::warn!(%error, "outbox lease recovery failed");
                    }
                    Err(error) => tracing::debug!(%error, "outbox lease recovery failed"),
                }
            }
        }))
    }
}
