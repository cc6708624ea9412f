//! The fake gateway: a tokio-tungstenite server on `127.0.0.1:0` that speaks enough of Discord's
//! gateway protocol for twilight shards to identify, receive scripted dispatches, heartbeat, and
//! resume (after an op 7 Reconnect, or in another process) with the missed dispatches replayed.
//! Several sessions may be open at once; each receives every dispatch, as on Discord.

use std::collections::BTreeMap;
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
    /// Every op 6 Resume payload (the whole frame), accepted or refused.
    pub resumes: Vec<Value>,
    /// Resumes refused with op 9 (unknown or invalidated session).
    pub refused_resumes: usize,
    /// How many op 1 heartbeats were received (each was ACKed).
    pub heartbeats: u64,
    /// Close codes of close frames the bot sent (`None` for a close frame without a code).
    pub close_codes: Vec<Option<u16>>,
    /// Every text frame received, parsed.
    pub received: Vec<Value>,
    /// Sessions with a live connection now (identified or resumed, not closed).
    pub open_sessions: usize,
    /// The most sessions that were ever live at the same time.
    pub most_open_sessions: usize,
}

/// One frame queued for a connection.
#[derive(Debug)]
enum Outgoing {
    Frame(Value),
}

/// A gateway session, as Discord keeps it: every dispatch is numbered and kept, so a resume
/// with the sequence the bot last saw can replay the rest.
#[derive(Debug)]
struct Session {
    /// The sequence number of the last dispatch of this session.
    seq: u64,
    /// Every dispatch of the session, with its sequence number (a test-sized buffer: never
    /// trimmed).
    buffer: Vec<(u64, Value)>,
    /// The connection that takes its dispatches, while one does.
    live: Option<mpsc::UnboundedSender<Outgoing>>,
}

impl Session {
    /// Numbers and keeps a dispatch, and sends it if a connection is live.
    fn push(&mut self, event: &str, data: Value) {
        self.seq += 1;
        let mut frame = json!({ "op": 0, "s": self.seq, "t": event });
        frame["d"] = data;
        self.buffer.push((self.seq, frame.clone()));
        if let Some(tx) = &self.live
            && tx.send(Outgoing::Frame(frame)).is_err()
        {
            // That connection is gone; the dispatch stays in the buffer for a resume.
            self.live = None;
        }
    }
}

#[derive(Debug, Default)]
struct State {
    log: GatewayLog,
    /// Sessions by id, until the bot closes one with 1000/1001 or a test forgets them.
    sessions: BTreeMap<String, Session>,
    /// Sessions ever created (names the next one).
    created: u64,
    /// Dispatches sent before any session existed: the first one gets them (so a test can
    /// dispatch before the bot connected).
    pending: Vec<(String, Value)>,
}

impl State {
    fn count_open(&mut self) {
        let open = self.sessions.values().filter(|s| s.live.is_some()).count();
        self.log.open_sessions = open;
        self.log.most_open_sessions = self.log.most_open_sessions.max(open);
    }

    /// Forgets which connection `tx` was: its session keeps its buffer, for a resume.
    fn connection_gone(&mut self, tx: &mpsc::UnboundedSender<Outgoing>) {
        for session in self.sessions.values_mut() {
            if session.live.as_ref().is_some_and(|l| l.same_channel(tx)) {
                session.live = None;
            }
        }
        self.count_open();
    }
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
}

/// A fake Discord gateway. Dropping it stops the server.
///
/// Like Discord, it keeps every session it created: each receives every dispatch (a bot with
/// several sessions gets each event several times), numbered per session and kept, so a
/// RESUME with the last sequence the bot saw replays the rest, then says RESUMED. A RESUME of
/// an unknown session — never created, closed with 1000/1001, or forgotten by
/// [`FakeGateway::forget_sessions`] — is refused with op 9 (not resumable).
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
                // Events are small frames sent one by one: with Nagle's algorithm on, a frame
                // behind an unacknowledged one waits for the client's delayed ACK (40 ms on
                // Linux), which a latency benchmark would count against the bridge.
                let _ = stream.set_nodelay(true);
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

    /// Sends a dispatch (`op 0`) to every session, each with its next sequence number. A
    /// session with no live connection (between a disconnect and its resume) keeps it for the
    /// resume. Before any session existed, the dispatch waits for the first one.
    pub fn dispatch(&self, event: &str, data: Value) {
        let mut state = self.shared.lock();
        if state.sessions.is_empty() {
            state.pending.push((event.to_owned(), data));
            return;
        }
        for session in state.sessions.values_mut() {
            session.push(event, data.clone());
        }
        state.count_open();
        drop(state);
        self.shared.touch();
    }

    /// Sends op 7 Reconnect on every live connection. Later dispatches are kept for the bot's
    /// resume (at READY's `resume_gateway_url`, i.e. this fake).
    pub fn reconnect(&self) {
        let mut state = self.shared.lock();
        for session in state.sessions.values_mut() {
            if let Some(tx) = session.live.take() {
                // The dying socket gets nothing after op 7: dispatches queued behind it would
                // be lost.
                let _ = tx.send(Outgoing::Frame(
                    json!({ "op": 7, "s": null, "t": null, "d": null }),
                ));
            }
        }
        state.count_open();
    }

    /// Sends any raw frame on every live connection (for odd cases such as op 9 or op 1).
    pub fn send_raw(&self, frame: Value) {
        let state = self.shared.lock();
        let live: Vec<_> = state
            .sessions
            .values()
            .filter_map(|s| s.live.as_ref())
            .collect();
        if let Some((last, others)) = live.split_last() {
            for tx in others {
                let _ = tx.send(Outgoing::Frame(frame.clone()));
            }
            let _ = last.send(Outgoing::Frame(frame));
        }
    }

    /// Forgets every session, as Discord does once a session expired: a later RESUME of any
    /// of them is refused with op 9 (not resumable). Live connections are not touched.
    pub fn forget_sessions(&self) {
        let mut state = self.shared.lock();
        state.sessions.retain(|_, s| s.live.is_some());
        state.count_open();
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
    // The session this connection identified or resumed.
    let mut session: Option<String> = None;
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
                        handle_frame(&shared, &tx, &mut session, frame);
                    }
                    Message::Close(close) => {
                        let code = close.map(|c| u16::from(c.code));
                        {
                            let mut state = shared.lock();
                            state.log.close_codes.push(code);
                            state.connection_gone(&tx);
                            // Closing with 1000 or 1001 ends the session for good (Discord's
                            // rule); any other code keeps it resumable.
                            if matches!(code, Some(1000 | 1001))
                                && let Some(id) = &session
                            {
                                state.sessions.remove(id);
                            }
                        }
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
    // A killed bot's socket just ends: its session stays, for a resume.
    shared.lock().connection_gone(&tx);
    shared.touch();
}

/// Records and answers one frame from the bot.
fn handle_frame(
    shared: &Shared,
    tx: &mpsc::UnboundedSender<Outgoing>,
    session: &mut Option<String>,
    frame: Value,
) {
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
                state.created += 1;
                let id = format!("fake-session-{}", state.created);
                let mut ready = fixtures::ready(
                    &shared.url,
                    shared.options.bot_user_id,
                    shared.options.application_id,
                );
                ready["session_id"] = json!(id);
                // A new session: READY is sequence 1, then whatever waited for a first session.
                let mut new = Session {
                    seq: 0,
                    buffer: Vec::new(),
                    live: Some(tx.clone()),
                };
                new.push("READY", ready);
                if state.sessions.is_empty() {
                    for (event, data) in std::mem::take(&mut state.pending) {
                        new.push(&event, data);
                    }
                }
                state.sessions.insert(id.clone(), new);
                *session = Some(id);
                state.count_open();
            }
            Some(6) => {
                let id = frame["d"]["session_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let after = frame["d"]["seq"].as_u64().unwrap_or(0);
                state.log.resumes.push(frame);
                if let Some(resumed) = state.sessions.get_mut(&id) {
                    // Discord replays what the session missed, in order, then says RESUMED.
                    for (_, missed) in resumed.buffer.iter().filter(|(seq, _)| *seq > after) {
                        let _ = tx.send(Outgoing::Frame(missed.clone()));
                    }
                    // A connection still live on it is replaced, as Discord does.
                    resumed.live = Some(tx.clone());
                    resumed.push("RESUMED", json!({}));
                    *session = Some(id);
                } else {
                    state.log.refused_resumes += 1;
                    let _ = tx.send(Outgoing::Frame(
                        json!({ "op": 9, "s": null, "t": null, "d": false }),
                    ));
                }
                state.count_open();
            }
            _ => {}
        }
    }
    shared.touch();
}
