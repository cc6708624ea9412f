//! The fake gateway: a tokio-tungstenite server on `127.0.0.1:0` that speaks enough of Discord's
//! gateway protocol for a twilight shard to identify, receive scripted dispatches, heartbeat, and
//! resume after an op 7 Reconnect.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

use crate::fixtures;

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct GatewayOptions {
    /// Sent in Hello. Small (250 ms) to exercise heartbeats, large (the default, 45 s) otherwise.
    pub heartbeat_interval_ms: u64,
    /// The bot user id put into READY.
    pub bot_user_id: u64,
    /// The application id put into READY.
    pub application_id: u64,
}

impl Default for GatewayOptions {
    fn default() -> Self {
        Self {
            heartbeat_interval_ms: 45_000,
            bot_user_id: fixtures::BOT_USER_ID,
            application_id: fixtures::APPLICATION_ID,
        }
    }
}

/// Everything the bot did to the fake, in order.
#[derive(Debug, Clone, Default)]
pub struct GatewayLog {
    /// The request URI of every WebSocket handshake (e.g. `/?v=10&encoding=json`).
    pub connect_uris: Vec<String>,
    /// Every op 2 Identify payload (the whole frame).
    pub identifies: Vec<Value>,
    /// Every op 6 Resume payload (the whole frame).
    pub resumes: Vec<Value>,
    /// How many op 1 heartbeats were received (each was ACKed).
    pub heartbeats: u64,
    /// Close codes of close frames the bot sent (`None` for a close frame without a code).
    pub close_codes: Vec<Option<u16>>,
    /// Every text frame received, parsed.
    pub received: Vec<Value>,
}

/// One frame queued for the live connection.
#[derive(Debug)]
enum Outgoing {
    Frame(Value),
}

#[derive(Debug, Default)]
struct State {
    log: GatewayLog,
    /// The sequence number of the last dispatch sent in this session.
    seq: u64,
    /// The connection that takes dispatches: set once it identified or resumed.
    live: Option<mpsc::UnboundedSender<Outgoing>>,
    /// Dispatches waiting for a live connection (before identify, or during a reconnect).
    pending: Vec<(String, Value)>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Bumped on every change of the log, so waiters wake up.
    changed: watch::Sender<u64>,
    options: GatewayOptions,
    url: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the log from the others.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn touch(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    /// Sends a dispatch on the live connection, or keeps it until there is one.
    fn dispatch_locked(state: &mut State, event: &str, data: Value) {
        match &state.live {
            Some(tx) => {
                state.seq += 1;
                let frame = json!({ "op": 0, "s": state.seq, "t": event, "d": data });
                if let Err(mpsc::error::SendError(Outgoing::Frame(mut frame))) =
                    tx.send(Outgoing::Frame(frame))
                {
                    // That connection is gone: keep the dispatch for the next one.
                    state.seq -= 1;
                    state.live = None;
                    state.pending.push((event.to_owned(), frame["d"].take()));
                }
            }
            None => state.pending.push((event.to_owned(), data)),
        }
    }

    /// Makes `tx` the live connection and flushes what waited for one.
    fn go_live(&self, tx: mpsc::UnboundedSender<Outgoing>) {
        let mut state = self.lock();
        state.live = Some(tx);
        let pending = std::mem::take(&mut state.pending);
        for (event, data) in pending {
            Self::dispatch_locked(&mut state, &event, data);
        }
    }
}

/// A fake Discord gateway. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeGateway {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeGateway {
    /// Starts a fake with default options (45 s heartbeat interval).
    ///
    /// # Errors
    ///
    /// When `127.0.0.1:0` cannot be bound.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(GatewayOptions::default()).await
    }

    /// Starts a fake with the given options.
    ///
    /// # Errors
    ///
    /// When `127.0.0.1:0` cannot be bound.
    pub async fn start_with(options: GatewayOptions) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("ws://{}", listener.local_addr()?);
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed,
            options,
            url,
        });
        let accept_shared = Arc::clone(&shared);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(Arc::clone(&accept_shared), stream));
            }
        });
        Ok(Self { shared, server })
    }

    /// The base URL for `ConfigBuilder::proxy_url`: `ws://127.0.0.1:PORT`, no trailing slash.
    /// READY carries the same URL as `resume_gateway_url`, so resumes come back here.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// Sends a dispatch (`op 0`) with the next sequence number. Before the bot identified, or
    /// while it reconnects after [`FakeGateway::reconnect`], the dispatch waits and is delivered
    /// once a connection is live again, in order.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut state = self.shared.lock();
        Shared::dispatch_locked(&mut state, event, data);
    }

    /// Sends op 7 Reconnect on the live connection. Later dispatches wait for the bot to come back
    /// (it resumes at READY's `resume_gateway_url`, i.e. this fake).
    pub fn reconnect(&self) {
        let mut state = self.shared.lock();
        if let Some(tx) = state.live.take() {
            // The dying socket gets nothing after op 7: dispatches queued behind it would be lost.
            let _ = tx.send(Outgoing::Frame(
                json!({ "op": 7, "s": null, "t": null, "d": null }),
            ));
        }
    }

    /// Sends any raw frame on the live connection (for odd cases such as op 9 or op 1).
    pub fn send_raw(&self, frame: Value) {
        let state = self.shared.lock();
        if let Some(tx) = &state.live {
            let _ = tx.send(Outgoing::Frame(frame));
        }
    }

    /// A copy of everything recorded so far.
    #[must_use]
    pub fn log(&self) -> GatewayLog {
        self.shared.lock().log.clone()
    }

    /// Waits until `done(log)` holds; returns the log then, or `None` after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&GatewayLog) -> bool,
    ) -> Option<GatewayLog> {
        let mut rx = self.shared.changed.subscribe();
        let wait = async {
            loop {
                {
                    let state = self.shared.lock();
                    if done(&state.log) {
                        return state.log.clone();
                    }
                }
                if rx.changed().await.is_err() {
                    // The sender lives in `self.shared`, so this cannot happen while we hold it.
                    return self.log();
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.ok()
    }

    /// Waits for the first Identify; true when it came within `timeout`.
    pub async fn wait_identified(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |log| !log.identifies.is_empty())
            .await
            .is_some()
    }

    /// Waits until at least `count` Resumes were received; true when they came within `timeout`.
    pub async fn wait_resumed(&self, count: usize, timeout: Duration) -> bool {
        self.wait_until(timeout, |log| log.resumes.len() >= count)
            .await
            .is_some()
    }
}

/// Serves one WebSocket connection until either side closes it.
async fn serve(shared: Arc<Shared>, stream: TcpStream) {
    let uri = Arc::new(Mutex::new(String::new()));
    let uri_slot = Arc::clone(&uri);
    #[expect(
        clippy::result_large_err,
        reason = "the callback's signature (and its large error type) is tungstenite's, not ours"
    )]
    let callback = move |req: &Request, resp: Response| {
        *uri_slot.lock().unwrap_or_else(PoisonError::into_inner) = req.uri().to_string();
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let uri = uri.lock().unwrap_or_else(PoisonError::into_inner).clone();
    shared.lock().log.connect_uris.push(uri);
    shared.touch();

    let hello = json!({ "op": 10, "s": null, "t": null,
        "d": { "heartbeat_interval": shared.options.heartbeat_interval_ms } });
    if ws.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }

    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    loop {
        tokio::select! {
            out = rx.recv() => {
                let Some(Outgoing::Frame(frame)) = out else { break };
                let is_reconnect = frame.get("op").and_then(Value::as_u64) == Some(7);
                if ws.send(Message::text(frame.to_string())).await.is_err() {
                    break;
                }
                if is_reconnect {
                    // Keep reading: twilight answers op 7 with a close frame, which we record.
                    continue;
                }
            }
            incoming = ws.next() => {
                let Some(Ok(message)) = incoming else { break };
                match message {
                    Message::Text(text) => {
                        let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                        handle_frame(&shared, &tx, frame);
                    }
                    Message::Close(close) => {
                        shared.lock().log.close_codes.push(close.map(|c| u16::from(c.code)));
                        shared.touch();
                        // tungstenite queued the echo of the close frame; flushing sends it, and
                        // the next read ends the loop once the bot drops the socket.
                        if ws.flush().await.is_err() {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Records and answers one frame from the bot.
fn handle_frame(shared: &Shared, tx: &mpsc::UnboundedSender<Outgoing>, frame: Value) {
    let op = frame.get("op").and_then(Value::as_u64);
    {
        let mut state = shared.lock();
        state.log.received.push(frame.clone());
        match op {
            Some(1) => {
                state.log.heartbeats += 1;
                let _ = tx.send(Outgoing::Frame(
                    json!({ "op": 11, "s": null, "t": null, "d": null }),
                ));
            }
            Some(2) => {
                state.log.identifies.push(frame);
                // A new session: READY is sequence 1.
                state.seq = 1;
                let ready = fixtures::ready(
                    &shared.url,
                    shared.options.bot_user_id,
                    shared.options.application_id,
                );
                let _ = tx.send(Outgoing::Frame(
                    json!({ "op": 0, "s": 1, "t": "READY", "d": ready }),
                ));
            }
            Some(6) => {
                state.log.resumes.push(frame);
                state.seq += 1;
                let seq = state.seq;
                let _ = tx.send(Outgoing::Frame(
                    json!({ "op": 0, "s": seq, "t": "RESUMED", "d": {} }),
                ));
            }
            _ => {}
        }
    }
    if matches!(op, Some(2 | 6)) {
        shared.go_live(tx.clone());
    }
    shared.touch();
}
