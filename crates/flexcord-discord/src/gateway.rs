//! The gateway runner: one twilight shard, a thin loop that keeps the guild cache fresh, carries
//! out what [`crate::translate`] decides (acknowledge within 3 s, then emit), and hands core events
//! to the binary over an mpsc channel. Reconnects and resumes are twilight's; the loop only has to
//! keep going through them, which it does for every error that is not fatal.

use std::future::Future;
use std::time::Duration;

use flexcord_core::event::DiscordEvent;
use flexcord_core::ids::UserId;
use flexcord_core::log_safe::{escape_for_log, escape_truncated};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use twilight_gateway::error::{ReceiveMessageError, ReceiveMessageErrorType};
use twilight_gateway::{CloseFrame, Event, EventTypeFlags, Shard, StreamExt as _};
use twilight_model::application::interaction::Interaction;
use twilight_model::gateway::payload::incoming::GuildCreate;

use crate::catch_up::{self, CatchUp, Held, Seen, Since};
use crate::chat::DiscordChat;
use crate::client::build_shard_resuming;
use crate::config::DiscordConfig;
use crate::error::DiscordError;
use crate::guild::fetch_roles;
use crate::session::ResumeSession;
use crate::translate::{Ack, Context, Inbound, translate_interaction, translate_message};

/// How long shutdown waits for the gateway's close handshake, then for in-flight work.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a `/case` may wait for the guild's roles before deciding without them.
const ROLE_FETCH_BUDGET: Duration = Duration::from_millis(1500);

/// Whether the shard is connected (READY or RESUMED seen, no close since). For `/readyz`.
#[derive(Debug, Clone)]
pub struct ConnectionState(watch::Receiver<bool>);

impl ConnectionState {
    /// True while the gateway session is up.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until connected; false if the runner is gone first.
    pub async fn wait_connected(&mut self) -> bool {
        self.0.wait_for(|c| *c).await.is_ok()
    }

    /// A raw receiver, to watch changes.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.0.clone()
    }
}

/// Runs the shard and turns gateway events into core events.
#[derive(Debug)]
pub struct Gateway {
    shard: Shard,
    chat: DiscordChat,
    staff_role: Option<String>,
    bot_user: Option<UserId>,
    connected: watch::Sender<bool>,
    /// The DM channels to catch up on at the first READY (taken then).
    catch_up: Vec<CatchUp>,
    /// Whether a READY was seen: later ones (new sessions) catch up on `seen`.
    was_ready: bool,
    /// The DM channels active since the start, for a later READY.
    seen: Seen,
    /// Live DMs held back while their channel's history is read.
    held: Held,
    /// The session as it stands (id, sequence, resume URL), for whoever records it.
    session: watch::Sender<Option<ResumeSession>>,
}

impl Gateway {
    /// A runner with a shard built from `config` (see [`crate::build_shard`]); `chat` is used to
    /// acknowledge interactions and shares its guild cache with the runner. Must run inside a
    /// tokio runtime.
    #[must_use]
    pub fn new(config: &DiscordConfig, chat: DiscordChat) -> Self {
        Self::resuming(config, chat, None)
    }

    /// A runner whose shard first RESUMEs `session` (see [`crate::build_shard_resuming`]):
    /// Discord replays what was dispatched after its sequence. If Discord refuses (op 9, not
    /// resumable) the shard identifies anew and the first READY catches up on DMs as usual.
    #[must_use]
    pub fn resuming(
        config: &DiscordConfig,
        chat: DiscordChat,
        session: Option<ResumeSession>,
    ) -> Self {
        let shard = build_shard_resuming(config, session.as_ref());
        let runner = Self::with_shard(shard, config, chat);
        runner.session.send_replace(session);
        runner
    }

    /// A runner over a shard built elsewhere.
    #[must_use]
    pub fn with_shard(shard: Shard, config: &DiscordConfig, chat: DiscordChat) -> Self {
        Self {
            shard,
            chat,
            staff_role: config.staff_role.clone().filter(|r| !r.trim().is_empty()),
            bot_user: (config.application_id != 0).then_some(UserId(config.application_id)),
            connected: watch::channel(false).0,
            catch_up: Vec::new(),
            was_ready: false,
            seen: Seen::default(),
            held: Held::default(),
            session: watch::channel(None).0,
        }
    }

    /// At the first READY, reads these DM channels' messages written since the given moments
    /// and emits the users' ones as if they had just arrived (see [`crate::catch_up`]): what
    /// was written while the bridge was down is answered, not lost.
    #[must_use]
    pub fn catch_up(mut self, channels: Vec<CatchUp>) -> Self {
        self.catch_up = channels;
        self
    }

    /// The gateway session as it stands, updated after every event: `None` once Discord
    /// invalidated it. Its last value stays readable after [`Gateway::run`] returns (the session
    /// is left resumable at shutdown), for the next holder of the gateway to resume.
    #[must_use]
    pub fn session(&self) -> watch::Receiver<Option<ResumeSession>> {
        self.session.subscribe()
    }

    /// A handle on the connection state, valid for as long as the runner lives.
    #[must_use]
    pub fn connection(&self) -> ConnectionState {
        ConnectionState(self.connected.subscribe())
    }

    /// Runs until `shutdown` completes or the gateway closes the session for good. On shutdown it
    /// sends a close frame, handles what still arrives until the close handshake ends, and waits
    /// for in-flight acknowledgements and emits (each bounded by a few seconds).
    ///
    /// # Errors
    ///
    /// [`DiscordError::GatewayFatal`] when Discord ends the session for good (invalid token,
    /// disallowed intents): retrying with the same configuration cannot work.
    pub async fn run(
        mut self,
        events: mpsc::Sender<DiscordEvent>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), DiscordError> {
        let wanted = EventTypeFlags::READY
            | EventTypeFlags::RESUMED
            | EventTypeFlags::GUILD_CREATE
            | EventTypeFlags::ROLE_CREATE
            | EventTypeFlags::ROLE_UPDATE
            | EventTypeFlags::ROLE_DELETE
            | EventTypeFlags::CHANNEL_CREATE
            | EventTypeFlags::CHANNEL_UPDATE
            | EventTypeFlags::CHANNEL_DELETE
            | EventTypeFlags::MESSAGE_CREATE
            | EventTypeFlags::INTERACTION_CREATE
            | EventTypeFlags::GATEWAY_INVALIDATE_SESSION;
        let mut tasks = JoinSet::new();
        tokio::pin!(shutdown);
        let result = loop {
            tokio::select! {
                () = &mut shutdown => break Ok(()),
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    if let Err(e) = joined {
                        tracing::error!(error = %e, "gateway task failed");
                    }
                }
                item = self.shard.next_event(wanted) => match item {
                    Some(Ok(event)) => {
                        self.publish_session();
                        self.handle(event, &events, &mut tasks).await;
                    }
                    Some(Err(error)) => {
                        // Undecodable payloads, transient socket errors: twilight reconnects by itself.
                        log_receive_error(&error);
                    }
                    None => {
                        let state = format!("{:?}", self.shard.state());
                        break Err(DiscordError::GatewayFatal(state));
                    }
                },
            }
        };
        if result.is_ok() {
            self.close(wanted, &events, &mut tasks).await;
        }
        self.connected.send_replace(false);
        if tokio::time::timeout(SHUTDOWN_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            tracing::warn!(
                left = tasks.len(),
                "in-flight interaction or catch-up work abandoned at shutdown"
            );
        }
        result
    }

    /// Publishes the shard's session when it changed (a new sequence, a new session, or none).
    fn publish_session(&self) {
        let now = self.shard.session().map(|s| ResumeSession {
            session_id: s.id().to_owned(),
            sequence: s.sequence(),
            resume_url: self.shard.resume_url().map(str::to_owned),
        });
        self.session.send_if_modified(|current| {
            if *current == now {
                false
            } else {
                *current = now;
                true
            }
        });
    }

    /// Sends the close frame and keeps handling events until the close handshake completes.
    /// The close code is 4000, not 1000: Discord keeps the session, so whoever holds the
    /// gateway next (this process restarted, or a standby instance) resumes it and is sent what
    /// was dispatched in between.
    async fn close(
        &mut self,
        wanted: EventTypeFlags,
        events: &mpsc::Sender<DiscordEvent>,
        tasks: &mut JoinSet<()>,
    ) {
        self.shard.close(CloseFrame::RESUME);
        let drain = async {
            while let Some(item) = self.shard.next_event(wanted).await {
                self.publish_session();
                match item {
                    Ok(Event::GatewayClose(_)) => break,
                    Ok(event) => self.handle(event, events, tasks).await,
                    Err(error) => {
                        tracing::debug!(
                            error = %escape_for_log(&error.to_string()),
                            "receive error while closing"
                        );
                        break;
                    }
                }
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
            tracing::warn!("gateway did not finish the close handshake in time");
        }
        tracing::info!("gateway closed");
    }

    async fn handle(
        &mut self,
        event: Event,
        events: &mpsc::Sender<DiscordEvent>,
        tasks: &mut JoinSet<()>,
    ) {
        if let Event::InteractionCreate(created) = event {
            // Answering takes a REST round trip: do it beside the loop so the next event is not
            // delayed (and a slow answer never blocks DMs).
            let interaction = created.0;
            let chat = self.chat.clone();
            let events = events.clone();
            let staff_role = self.staff_role.clone();
            let bot_user = self.bot_user;
            tasks.spawn(async move {
                answer(
                    &chat,
                    &interaction,
                    staff_role.as_deref(),
                    bot_user,
                    &events,
                )
                .await;
            });
            return;
        }
        let cache = self.chat.guild_cache();
        let guild = self.chat.guild_id();
        match &event {
            Event::Ready(ready) => {
                self.bot_user = Some(UserId(ready.user.id.get()));
                self.connected.send_replace(true);
                tracing::info!(user = %escape_for_log(&ready.user.name), "gateway ready");
                // A new session: what was written since the last one (or since the process
                // before this one) was never sent to us.
                let channels: Vec<Since> = if std::mem::replace(&mut self.was_ready, true) {
                    self.seen.since()
                } else {
                    let first: Vec<Since> = std::mem::take(&mut self.catch_up)
                        .into_iter()
                        .map(Since::from)
                        .collect();
                    // Remembered from where they start, should their read fail.
                    self.seen.note_all(&first);
                    first
                };
                if !channels.is_empty() {
                    // From now on live DMs arrive; those of channels not read yet wait.
                    let (held, urgent) = Held::new(&channels);
                    self.held = held.clone();
                    tasks.spawn(catch_up::run(
                        std::sync::Arc::clone(self.chat.http()),
                        channels,
                        (held, urgent),
                        self.seen.clone(),
                        self.bot_user,
                        events.clone(),
                    ));
                }
            }
            Event::Resumed => {
                self.connected.send_replace(true);
                if !std::mem::replace(&mut self.was_ready, true) {
                    // The session of the previous holder, resumed: Discord replays what was
                    // missed, so nothing is read from history. Should this session be lost
                    // later, the next READY reads these channels too.
                    let first: Vec<Since> = std::mem::take(&mut self.catch_up)
                        .into_iter()
                        .map(Since::from)
                        .collect();
                    self.seen.note_all(&first);
                    tracing::info!("gateway session resumed: Discord replays what was missed");
                } else {
                    tracing::info!("gateway session resumed");
                }
            }
            Event::GatewayInvalidateSession(resumable) => {
                self.connected.send_replace(false);
                if *resumable {
                    tracing::info!("gateway session interrupted; resuming");
                } else {
                    tracing::warn!(
                        "Discord would not resume the gateway session; identifying anew \
                         (direct messages written meanwhile are read from history)"
                    );
                }
            }
            Event::GatewayClose(frame) => {
                self.connected.send_replace(false);
                tracing::info!(
                    code = frame.as_ref().map(|f| f.code),
                    "gateway connection closed; twilight reconnects"
                );
            }
            Event::GuildCreate(created) => {
                if let GuildCreate::Available(g) = &**created
                    && g.id == guild
                {
                    cache.set_channels(&g.channels);
                    cache.set_roles(&g.roles);
                }
            }
            Event::RoleCreate(e) if e.guild_id == guild => cache.upsert_role(&e.role),
            Event::RoleUpdate(e) if e.guild_id == guild => cache.upsert_role(&e.role),
            Event::RoleDelete(e) if e.guild_id == guild => cache.remove_role(e.role_id.get()),
            Event::ChannelCreate(c) if c.guild_id == Some(guild) => cache.upsert_channel(c),
            Event::ChannelUpdate(c) if c.guild_id == Some(guild) => cache.upsert_channel(c),
            Event::ChannelDelete(c) if c.guild_id == Some(guild) => {
                cache.remove_channel(c.id.get());
            }
            Event::MessageCreate(message) => {
                // DMs are emitted in the loop itself, so they reach the router in arrival order
                // (after the history of their channel, while that is being caught up on).
                if let Inbound::Emit(core) = translate_message(message, self.bot_user)
                    && let Some(core) = note_and_hold(&self.seen, &self.held, core).await
                    && events.send(core).await.is_err()
                {
                    tracing::warn!("event receiver dropped; direct message not delivered");
                }
            }
            _ => {}
        }
    }
}

/// Remembers a live DM's channel for a later READY, and holds the DM back while that channel's
/// history is being caught up on; `None` when held. (Fields, not `&Gateway`: the shard is not
/// `Sync`, and a `&Gateway` held across an await would make the runner's future not `Send`.)
async fn note_and_hold(seen: &Seen, held: &Held, event: DiscordEvent) -> Option<DiscordEvent> {
    if let DiscordEvent::DirectMessage {
        channel, message, ..
    } = &event
    {
        seen.note(channel.get(), message.get());
    }
    held.keep_if_held(event).await
}

/// Translates and answers one interaction, then emits its core event.
async fn answer(
    chat: &DiscordChat,
    interaction: &Interaction,
    staff_role: Option<&str>,
    bot_user: Option<UserId>,
    events: &mpsc::Sender<DiscordEvent>,
) {
    let cache = chat.guild_cache();
    if staff_role.is_some() && !cache.has_roles() && is_case_command(interaction) {
        match tokio::time::timeout(ROLE_FETCH_BUDGET, fetch_roles(chat.http(), chat.guild_id()))
            .await
        {
            Ok(Ok(roles)) => cache.set_roles(&roles),
            Ok(Err(error)) => {
                tracing::warn!(
                    error = %escape_for_log(&error.to_string()),
                    "could not load guild roles for the staff check"
                );
            }
            Err(_) => tracing::warn!(
                "loading guild roles took too long; staff check uses permissions only"
            ),
        }
    }
    let roles = cache.role_names();
    let ctx = Context {
        bot_user,
        role_names: &roles,
    };
    let outcome = match translate_interaction(interaction, &ctx) {
        Inbound::Ignore => Ok(()),
        Inbound::Emit(core) => {
            emit(events, core).await;
            Ok(())
        }
        Inbound::AckThenEmit(ack, core) => {
            let handle = match &core {
                DiscordEvent::Command { interaction, .. }
                | DiscordEvent::ReportSubmitted { interaction, .. }
                | DiscordEvent::Button { interaction, .. }
                | DiscordEvent::Malformed { interaction, .. } => Some(interaction.clone()),
                DiscordEvent::DirectMessage { .. } => None,
            };
            let acked = match &handle {
                Some(h) => chat.acknowledge(h, ack).await,
                None => Ok(()),
            };
            if let Err(error) = &acked {
                // Still emit: the user did act, and the router's reply reports its own failure.
                tracing::warn!(
                    error = %escape_for_log(&error.to_string()),
                    ?ack,
                    "could not acknowledge interaction"
                );
            }
            emit(events, core).await;
            Ok(())
        }
        Inbound::OpenForm(handle, kind, locale) => {
            chat.open_form(&handle, kind, locale.as_deref()).await
        }
        Inbound::AckOnly(handle) => chat.acknowledge(&handle, Ack::DeferUpdate).await,
    };
    if let Err(error) = outcome {
        // Discord's error may quote the body it answered with: escaped and cut.
        tracing::warn!(error = %escape_for_log(&error.to_string()), "could not answer interaction");
    }
}

async fn emit(events: &mpsc::Sender<DiscordEvent>, event: DiscordEvent) {
    if events.send(event).await.is_err() {
        tracing::warn!("event receiver dropped; interaction event not delivered");
    }
}

/// Logs a receive error. An event twilight could not parse is logged by its type and size only:
/// its payload is a user's message or an interaction, with its content and answer token.
fn log_receive_error(error: &ReceiveMessageError) {
    if let ReceiveMessageErrorType::Deserializing { event } = error.kind() {
        let unparsed = UnparsedEvent::of(event);
        tracing::warn!(
            event_type = %unparsed.event_type,
            op = unparsed.op,
            bytes = unparsed.bytes,
            "gateway event could not be parsed; skipped"
        );
    } else {
        tracing::warn!(error = %escape_for_log(&error.to_string()), "gateway receive error");
    }
}

/// What may be logged about an event that could not be parsed.
#[derive(Debug, PartialEq, Eq)]
struct UnparsedEvent {
    /// The dispatch type (`t`), escaped and cut short; `-` when absent.
    event_type: String,
    /// The opcode, when readable.
    op: Option<u64>,
    /// The payload's size.
    bytes: usize,
}

impl UnparsedEvent {
    fn of(payload: &str) -> Self {
        #[derive(serde::Deserialize)]
        struct Head {
            t: Option<String>,
            op: Option<u64>,
        }
        // Only the two envelope fields are kept; the rest of the payload is skipped unread.
        let head = serde_json::from_str::<Head>(payload).ok();
        Self {
            event_type: head
                .as_ref()
                .and_then(|h| h.t.as_deref())
                .map_or_else(|| "-".to_owned(), |t| escape_truncated(t, 40)),
            op: head.and_then(|h| h.op),
            bytes: payload.len(),
        }
    }
}

fn is_case_command(interaction: &Interaction) -> bool {
    matches!(
        &interaction.data,
        Some(twilight_model::application::interaction::InteractionData::ApplicationCommand(c))
            if c.name == crate::commands::CASE
    )
}

#[cfg(test)]
mod tests {
    use super::UnparsedEvent;

    #[test]
    fn an_unparsed_event_is_described_by_type_and_size_only() {
        let payload = r#"{"op":0,"s":9,"t":"INTERACTION_CREATE","d":{"token":"aW50ZXJhY3Rpb24","data":{"content":"my password is hunter2"},"type":99}}"#;
        let got = UnparsedEvent::of(payload);
        assert_eq!(
            got,
            UnparsedEvent {
                event_type: "INTERACTION_CREATE".to_owned(),
                op: Some(0),
                bytes: payload.len(),
            }
        );
        let shown = format!("{got:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("aW50ZXJhY3Rpb24"));
        assert_eq!(UnparsedEvent::of("not json").event_type, "-");
        assert_eq!(
            UnparsedEvent::of(r#"{"t":"A\nB","op":0}"#).event_type,
            "A\\nB"
        );
    }
}
