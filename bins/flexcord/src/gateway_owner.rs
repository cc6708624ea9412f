//! Holding the Discord gateway: one instance at a time, with the others standing by.
//!
//! Discord sends every event to every session of a bot. With several instances on one
//! PostgreSQL each would parse every DM and interaction, race to acknowledge it (the losers
//! log failed acknowledgements) and spend the identify budget. So exactly one instance holds
//! the gateway: the one holding the store's gateway lease (`flexcord_store::GatewayLease`, a
//! PostgreSQL advisory lock on a connection of its own, which dies with the process). The
//! others ask for it every [`POLL`]; a `kill -9`'d holder's lock is gone as soon as PostgreSQL
//! sees its connection close, and a holder stopping cleanly gives it up at once.
//!
//! The holder records its gateway session (id, sequence, resume URL) in the store at most
//! every [`SAVE_EVERY`] and when it stops. Whoever holds the gateway next — this process
//! restarted, or a standby taking over — RESUMEs that session first, so Discord replays what
//! was dispatched in between (DMs and interactions); only when Discord refuses does the shard
//! identify anew and the first READY catch up on DMs from history (`flexcord_discord::catch_up`).
//! A replayed event that was already handled is dropped by the store's dedupe.
//!
//! On SQLite (one instance) the lease is always granted: the instance holds the gateway, as
//! before. `FLEXCORD_GATEWAY=off` never connects.

use std::sync::Arc;
use std::time::Duration;

use flexcord_core::event::DiscordEvent;
use flexcord_core::log_safe::escape_for_log;
use flexcord_discord::{DiscordChat, DiscordConfig, Gateway, ResumeSession};
use flexcord_store::{GatewayLease, GatewaySession, Store};
use tokio::sync::{mpsc, watch};

use crate::config::GatewayMode;
use crate::metrics::Metrics;

/// How often a standby asks for the gateway (and looks up who holds it).
pub const POLL: Duration = Duration::from_secs(1);
/// The gateway session is written at most this often (and at shutdown).
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// This instance's part in holding the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Not decided yet (starting).
    Starting,
    /// This instance holds the gateway.
    Holder,
    /// Another instance holds it, or nobody does and this one will ask again.
    Standby,
    /// `FLEXCORD_GATEWAY=off`.
    Off,
}

/// What `/readyz` and `/metrics` say about the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayStatus {
    /// This instance's id (logged at start).
    pub instance: String,
    /// Its part.
    pub role: Role,
    /// The instance holding the gateway, as last seen (`None`: nobody, or not known).
    pub owner: Option<String>,
}

impl GatewayStatus {
    /// Before anything was decided.
    #[must_use]
    pub fn starting(instance: &str) -> Self {
        Self {
            instance: instance.to_owned(),
            role: Role::Starting,
            owner: None,
        }
    }
}

/// An id for this process, unique among running instances and readable in logs: the host's
/// name and the process id.
#[must_use]
pub fn instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.len() <= 64)
        .and_then(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                .then_some(h)
        })
        .unwrap_or_else(|| "host".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Everything the gateway needs, whoever holds it.
#[derive(Debug)]
pub struct Ownership {
    /// This instance's id.
    pub instance: String,
    /// `FLEXCORD_GATEWAY`.
    pub mode: GatewayMode,
    /// The store holding the lease and the session.
    pub store: Store,
    /// How to reach Discord.
    pub config: DiscordConfig,
    /// Acknowledges interactions.
    pub chat: DiscordChat,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Published for `/readyz` and `/metrics`.
    pub status: watch::Sender<GatewayStatus>,
    /// Whether this instance's gateway is connected now, for `/readyz`.
    pub connected: watch::Sender<bool>,
}

/// What a holder hands over when it stops: the lease, and the session to record. Finished
/// ([`Handover::finish`]) only once the events the gateway received were recorded, so that a
/// successor resuming right away never handles a user's newer event before this process
/// recorded their older one.
#[derive(Debug)]
pub struct Handover {
    lease: GatewayLease,
    session: Option<GatewaySession>,
    instance: String,
    store: Store,
}

impl Handover {
    /// Records the session the successor resumes and gives the gateway up.
    pub async fn finish(mut self) {
        if self.store.writes_failing() {
            // Some events may not be recorded: the successor resumes from the sequence
            // recorded before, and is sent them again.
            tracing::warn!("database writes failing: the gateway session recorded earlier is kept");
        } else if let Err(error) = self.lease.save_session(self.session.as_ref()).await {
            tracing::warn!(%error, "could not record the gateway session at shutdown");
        }
        self.lease.release().await;
        tracing::info!(
            instance = %escape_for_log(&self.instance),
            "gave the Discord gateway up"
        );
    }
}

impl Ownership {
    /// Holds the gateway when it can, stands by otherwise, until `stop` turns true. A holder
    /// then closes the session resumably and returns the [`Handover`] to finish once its
    /// events are recorded.
    pub async fn run(
        self,
        events: mpsc::Sender<DiscordEvent>,
        mut stop: watch::Receiver<bool>,
    ) -> Option<Handover> {
        tracing::info!(
            instance = %escape_for_log(&self.instance),
            gateway = ?self.mode,
            "this instance's id, as /readyz, /metrics and `flexcord check` show it"
        );
        if self.mode == GatewayMode::Off {
            self.publish(Role::Off, None);
            tracing::info!(
                "FLEXCORD_GATEWAY=off: this instance never connects to the Discord gateway"
            );
            self.watch_owner(&mut stop).await;
            return None;
        }
        let mut last_seen_owner: Option<Option<String>> = None;
        let mut failing = false;
        loop {
            if *stop.borrow() {
                return None;
            }
            match self.store.try_take_gateway(&self.instance).await {
                Ok(Some(lease)) => {
                    failing = false;
                    last_seen_owner = None;
                    if let Some(handover) = self.hold(lease, &events, &mut stop).await {
                        return Some(handover);
                    }
                    continue;
                }
                Ok(None) => {
                    failing = false;
                    let owner = self.current_owner().await;
                    if last_seen_owner.as_ref() != Some(&owner) {
                        tracing::info!(
                            owner = %escape_for_log(owner.as_deref().unwrap_or("-")),
                            "standing by: another instance holds the Discord gateway"
                        );
                        last_seen_owner = Some(owner.clone());
                    }
                    self.publish(Role::Standby, owner);
                }
                Err(error) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "cannot ask the database for the Discord gateway");
                    self.publish(Role::Standby, None);
                }
                Err(error) => tracing::debug!(%error, "cannot ask for the Discord gateway"),
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => return None,
            }
        }
    }

    /// Holds the gateway until `stop` (the hand-over is returned) or the lease is lost (`None`).
    async fn hold(
        &self,
        mut lease: GatewayLease,
        events: &mpsc::Sender<DiscordEvent>,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Handover> {
        self.publish(Role::Holder, Some(self.instance.clone()));
        let recorded = match self.store.gateway_session().await {
            Ok(session) => session,
            Err(error) => {
                tracing::warn!(%error, "cannot read the recorded gateway session; identifying anew");
                None
            }
        };
        match &recorded {
            Some(session) => tracing::info!(
                instance = %escape_for_log(&self.instance),
                sequence = session.sequence,
                "holding the Discord gateway: resuming the recorded session"
            ),
            None => tracing::info!(
                instance = %escape_for_log(&self.instance),
                "holding the Discord gateway: no session to resume, identifying"
            ),
        }
        // Read now, not at start-up: a standby takes over long after it started. Used only if
        // the resume is refused (or there was none).
        let catch_up = crate::app::missed_dms(&self.store).await;
        let gateway = Gateway::resuming(
            &self.config,
            self.chat.clone(),
            recorded.map(resume_session),
        )
        .catch_up(catch_up);
        let mut connected = gateway.connection().subscribe();
        let session = gateway.session();
        let (lost_tx, mut lost_rx) = watch::channel(false);
        let shutdown = {
            let mut stop = stop.clone();
            async move {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => {}
                    _ = lost_rx.wait_for(|l| *l) => {}
                }
            }
        };
        let mut run = tokio::spawn(gateway.run(events.clone(), shutdown));
        let mut watching = true;
        let mut saved: Option<GatewaySession> = None;
        // What the session was at the previous tick: that is what gets recorded (see `keep`).
        let mut seen: Option<GatewaySession> = None;
        let mut ticks = tokio::time::interval(SAVE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                changed = connected.changed(), if watching => {
                    if changed.is_ok() {
                        self.connected.send_replace(*connected.borrow());
                    } else {
                        // The runner is ending: its task completes next.
                        watching = false;
                    }
                }
                _ = ticks.tick(), if !*lost_tx.borrow() => {
                    if let Err(error) = self.keep(&mut lease, &session, &mut seen, &mut saved).await {
                        tracing::error!(
                            %error,
                            "lost the Discord gateway lease (database connection); \
                             closing the gateway so that another instance can take it"
                        );
                        lost_tx.send_replace(true);
                    }
                }
            }
        };
        self.connected.send_replace(false);
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                // Retrying with the same token cannot work; keep the lease so that no other
                // instance burns identifies on it, and stay unready.
                tracing::error!(%error, "Discord gateway stopped for good");
                let _ = stop.wait_for(|s| *s).await;
            }
            Err(error) => tracing::error!(%error, "the gateway task failed"),
        }
        if *lost_tx.borrow() {
            lease.release().await;
            self.publish(Role::Standby, None);
            return None;
        }
        // The session was closed resumably, after every event it delivered: whoever holds the
        // gateway next resumes it exactly there.
        let last = session.borrow().clone().map(gateway_session);
        Some(Handover {
            lease,
            session: last,
            instance: self.instance.clone(),
            store: self.store.clone(),
        })
    }

    /// Checks the lease and records the session as it was one tick ago, if that changed
    /// since `saved`. One tick behind on purpose: an event received just now may not be
    /// recorded yet, and if this process dies before it is, a successor resuming from the
    /// recorded sequence is sent it again. Events this process did record are replayed too,
    /// and dropped by the store's dedupe.
    async fn keep(
        &self,
        lease: &mut GatewayLease,
        session: &watch::Receiver<Option<ResumeSession>>,
        seen: &mut Option<GatewaySession>,
        saved: &mut Option<GatewaySession>,
    ) -> Result<(), flexcord_core::ports::StoreError> {
        if self.store.writes_failing() {
            // Events received now may be held unrecorded: the sequence must not move past
            // them, so that a successor (or a restart) is sent them again.
            *seen = None;
            return lease.check().await;
        }
        let now = session.borrow().clone().map(gateway_session);
        let Some(record) = std::mem::replace(seen, now) else {
            return lease.check().await;
        };
        if Some(&record) == saved.as_ref() {
            return lease.check().await;
        }
        if let Err(error) = lease.save_session(Some(&record)).await {
            // Lost (PostgreSQL: the lock's connection failed) or just this write (SQLite):
            // only the first gives the gateway up; the second is tried again next tick.
            lease.check().await?;
            tracing::warn!(%error, "could not record the gateway session; trying again");
            return Ok(());
        }
        *saved = Some(record);
        Ok(())
    }

    /// `FLEXCORD_GATEWAY=off`: keeps `/readyz` and `/metrics` told who holds the gateway.
    async fn watch_owner(&self, stop: &mut watch::Receiver<bool>) {
        loop {
            let owner = self.current_owner().await;
            self.publish(Role::Off, owner);
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }

    async fn current_owner(&self) -> Option<String> {
        self.store
            .gateway_owner()
            .await
            .ok()
            .flatten()
            .map(|o| o.instance)
    }

    fn publish(&self, role: Role, owner: Option<String>) {
        let held = i64::from(role == Role::Holder);
        self.metrics.gateway_held.set(held);
        self.metrics
            .set_gateway_owner(&self.instance, owner.as_deref().unwrap_or(""));
        self.status.send_if_modified(move |status| {
            let changed = status.role != role || status.owner != owner;
            status.role = role;
            status.owner = owner;
            changed
        });
    }
}

fn resume_session(session: GatewaySession) -> ResumeSession {
    ResumeSession {
        session_id: session.session_id,
        sequence: session.sequence,
        resume_url: session.resume_url,
    }
}

fn gateway_session(session: ResumeSession) -> GatewaySession {
    GatewaySession {
        session_id: session.session_id,
        sequence: session.sequence,
        resume_url: session.resume_url,
    }
}
