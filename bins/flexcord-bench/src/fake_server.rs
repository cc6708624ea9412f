//! Plumbing the two REST fakes share: serving an axum app on `127.0.0.1` until dropped, the
//! round trip they add to every answer, and the log of requests in arrival order that scenarios
//! read from a mark.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::handler::Handler;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Locks `m`, carrying on after a panic elsewhere: the fakes' state stays usable for the
/// measurements even if one handler panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The network round trip a fake plays: every answer leaves this long after its request
/// arrived (the request itself is timestamped on arrival, so a relay's latency never includes
/// the round trip of the request that carries it, only of the ones it waited for). Zero by
/// default; settable while the fake runs, so set-up can go at full speed before a measurement.
#[derive(Debug, Default)]
pub struct Rtt(AtomicU64);

impl Rtt {
    /// From now on, answers leave `rtt` after their request arrived.
    pub fn set(&self, rtt: Duration) {
        let micros = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX);
        self.0.store(micros, Ordering::Relaxed);
    }

    /// The round trip played now.
    #[must_use]
    pub fn get(&self) -> Duration {
        Duration::from_micros(self.0.load(Ordering::Relaxed))
    }

    /// Waits until an answer to a request that arrived at `arrived` may leave.
    pub(crate) async fn wait(&self, arrived: std::time::Instant) {
        let rtt = self.get();
        if !rtt.is_zero() {
            tokio::time::sleep_until((arrived + rtt).into()).await;
        }
    }
}

/// A fake served on `127.0.0.1:0`. Dropping it stops the server.
#[derive(Debug)]
pub(crate) struct Served {
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Served {
    /// Binds a free local port and answers every request there with `handler` (the fakes
    /// route by hand: a fixed, small amount of work per request).
    pub(crate) async fn start<H, T, S>(handler: H, state: S) -> std::io::Result<Self>
    where
        H: Handler<T, S>,
        T: 'static,
        S: Clone + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(handler).with_state(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, server })
    }

    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Every request a fake received, in arrival order. Scenarios take a [`RequestLog::mark`]
/// before a run and read what came after it with [`RequestLog::since`].
#[derive(Debug)]
pub struct RequestLog<R>(Mutex<Vec<R>>);

impl<R: Clone> RequestLog<R> {
    /// An empty log with room for `capacity` records, so growing it does not show in latencies.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(Mutex::new(Vec::with_capacity(capacity)))
    }

    pub(crate) fn push(&self, record: R) {
        lock(&self.0).push(record);
    }

    /// How many requests were recorded so far (a mark for [`RequestLog::since`]).
    #[must_use]
    pub fn mark(&self) -> usize {
        lock(&self.0).len()
    }

    /// The records from `mark` on.
    #[must_use]
    pub fn since(&self, mark: usize) -> Vec<R> {
        lock(&self.0)
            .get(mark..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }
}
