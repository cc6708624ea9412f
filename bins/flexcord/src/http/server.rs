//! The HTTP server's connection handling: our own accept loop over hyper's HTTP/1 connection
//! builder (axum's `serve` has no knobs for any of this), with
//!
//! - a **header read timeout** ([`HEADER_READ_TIMEOUT`]): hyper closes a connection whose
//!   request head has not fully arrived in time. hyper starts that timer whenever the
//!   connection waits for a request head — right after accepting, and again after each
//!   response on a kept-alive connection — so it is also the **idle keep-alive timeout**;
//! - a **body read deadline** (in [`super::routes`]: 408 when the whole body is not there in
//!   time);
//! - a **cap on open connections** ([`Limits::max_connections`], derived from the open-file
//!   limit). At the cap a new connection makes room by closing the oldest *idle* one (no
//!   request in progress: a client holding a socket open without sending anything, or a
//!   kept-alive connection between requests); only when every connection is busy is the new
//!   one closed at once. So idle sockets cannot lock Twilio and health checks out, and a
//!   request in progress is never cut. Reaching the cap is logged once per episode and
//!   counted (`flexcord_http_connections_shed_total`);
//! - the process's **open-file soft limit raised** to its hard limit at start-up
//!   ([`raise_descriptor_limit`]), so the cap, not the kernel, is what bounds connections.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router as HttpRouter;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::metrics::Metrics;

/// Longest a client may take to send a request head, and longest a kept-alive connection may
/// sit idle between requests. Twilio sends a webhook's head at once.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once, when the open-file limit allows it.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// File descriptors kept for everything else: the database, Discord, Twilio, files.
const DESCRIPTOR_RESERVE: u64 = 128;
/// The fewest connections the cap allows, however low the open-file limit.
const MIN_CONNECTIONS: usize = 16;
/// How long shutdown lets an open connection finish its request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long accepting pauses after an accept error (out of descriptors, …) before retrying.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// Connections open at once (see the module docs for what happens at the cap).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl Limits {
    /// The admin listener's: a scraper and an operator, not the public.
    #[must_use]
    pub fn admin() -> Self {
        Self {
            max_connections: MIN_CONNECTIONS,
            ..Self::default()
        }
    }

    /// The limits for a process that may open `open_files` descriptors (`None`: unknown):
    /// [`DEFAULT_MAX_CONNECTIONS`], or fewer so that a reserve is left for everything else.
    #[must_use]
    pub fn for_open_files(open_files: Option<u64>) -> Self {
        let max_connections = open_files.map_or(DEFAULT_MAX_CONNECTIONS, |n| {
            usize::try_from(n.saturating_sub(DESCRIPTOR_RESERVE))
                .unwrap_or(usize::MAX)
                .clamp(MIN_CONNECTIONS, DEFAULT_MAX_CONNECTIONS)
        });
        Self {
            max_connections,
            ..Self::default()
        }
    }
}

/// Raises the open-file soft limit to the hard limit where the OS allows it, and returns the
/// limit now in force (`None` when it cannot be read). Services often start with a soft limit
/// of 1,024 while the hard limit is far higher.
pub fn raise_descriptor_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => {
            tracing::info!(open_files = limit, "open-file limit");
            Some(limit)
        }
        Err(error) => {
            let current = rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft);
            tracing::warn!(%error, open_files = current, "could not raise the open-file limit");
            current
        }
    }
}

/// Serves `app` on `listener` until `stop` turns true, then lets open requests finish (for at
/// most a few seconds).
pub async fn serve(
    listener: TcpListener,
    app: HttpRouter,
    limits: Limits,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Slots::new(limits.max_connections, Arc::clone(&metrics)));
    let mut connections = JoinSet::new();
    let for_connections = stop.clone();
    let stopping = stopped(stop);
    tokio::pin!(stopping);
    loop {
        tokio::select! {
            () = &mut stopping => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let Some(slot) = slots.admit() else {
                        // Every connection is busy with a request: no room, close this one.
                        drop(stream);
                        continue;
                    };
                    connections.spawn(serve_connection(
                        stream,
                        app.clone(),
                        limits,
                        slot,
                        Arc::clone(&slots),
                        for_connections.clone(),
                    ));
                }
                Err(error) => {
                    // Out of descriptors or a connection reset before accept: the listener
                    // itself is fine; pause so a persistent error does not spin.
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                }
            }
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: TcpStream,
    app: HttpRouter,
    limits: Limits,
    slot: Arc<Slot>,
    slots: Arc<Slots>,
    stop: watch::Receiver<bool>,
) {
    let service = {
        let slot = Arc::clone(&slot);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let busy = Busy::start(&slot);
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(busy);
                response
            }
        })
    };
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let shed = slot.shed.notified();
    tokio::pin!(shed);
    let closing = tokio::select! {
        _ = connection.as_mut() => false,
        () = &mut shed => slot.busy.load(Ordering::Acquire) > 0,
        () = stopped(stop) => true,
    };
    if closing {
        // A request is in progress: answer it, then close.
        connection.as_mut().graceful_shutdown();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
    }
    slots.release(&slot);
}

/// Completes once `stop` turns true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// One open connection.
#[derive(Debug)]
struct Slot {
    id: u64,
    /// Requests in progress on it.
    busy: AtomicUsize,
    /// Chosen to make room: close when idle.
    shedding: AtomicBool,
    shed: Notify,
}

/// Marks a connection busy while a request is handled.
struct Busy(Arc<Slot>);

impl Busy {
    fn start(slot: &Arc<Slot>) -> Self {
        slot.busy.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(slot))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The open connections, oldest first, and the cap.
#[derive(Debug)]
struct Slots {
    max: usize,
    metrics: Arc<Metrics>,
    state: Mutex<SlotsState>,
}

#[derive(Debug, Default)]
struct SlotsState {
    next_id: u64,
    open: BTreeMap<u64, Arc<Slot>>,
    /// Open and not being closed to make room.
    live: usize,
    /// Whether the cap was reached and the count has not fallen well below it since.
    at_cap: bool,
    /// Connections closed or refused during this episode.
    shed_in_episode: u64,
}

impl Slots {
    fn new(max: usize, metrics: Arc<Metrics>) -> Self {
        Self {
            max,
            metrics,
            state: Mutex::new(SlotsState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotsState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for a new connection, closing the oldest idle one if at the cap; `None` when
    /// every connection is busy.
    fn admit(&self) -> Option<Arc<Slot>> {
        let mut s = self.lock();
        if s.live >= self.max {
            if !s.at_cap {
                s.at_cap = true;
                tracing::warn!(
                    max_connections = self.max,
                    "HTTP connection limit reached: closing idle connections to make room \
                     (logged once until the count falls back)"
                );
            }
            s.shed_in_episode += 1;
            let idle = s.open.values().find(|slot| {
                !slot.shedding.load(Ordering::Acquire) && slot.busy.load(Ordering::Acquire) == 0
            });
            let Some(idle) = idle.cloned() else {
                self.metrics.shed("refused_busy");
                return None;
            };
            idle.shedding.store(true, Ordering::Release);
            idle.shed.notify_one();
            s.live -= 1;
            self.metrics.shed("closed_idle");
        }
        s.next_id += 1;
        let slot = Arc::new(Slot {
            id: s.next_id,
            busy: AtomicUsize::new(0),
            shedding: AtomicBool::new(false),
            shed: Notify::new(),
        });
        s.open.insert(slot.id, Arc::clone(&slot));
        s.live += 1;
        self.metrics.http_connections.set(gauge(s.open.len()));
        Some(slot)
    }

    fn release(&self, slot: &Slot) {
        let mut s = self.lock();
        if s.open.remove(&slot.id).is_some() && !slot.shedding.load(Ordering::Acquire) {
            s.live -= 1;
        }
        self.metrics.http_connections.set(gauge(s.open.len()));
        // The episode ends once well under the cap, so a count hovering at it logs once.
        if s.at_cap && s.live < self.max - self.max / 10 {
            s.at_cap = false;
            let shed = std::mem::take(&mut s.shed_in_episode);
            tracing::info!(shed, "HTTP connections back under the limit");
        }
    }
}

fn gauge(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
