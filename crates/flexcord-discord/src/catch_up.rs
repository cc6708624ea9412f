//! Catching up on DMs sent while the bridge was down.
//!
//! Discord does not replay gateway events to a new session: a DM sent while flexcord was
//! stopped — a deploy, a crash — would never be seen, and the player would wait for an answer
//! that never comes. So at the first READY the gateway runner reads the history of the DM
//! channels it was given ([`Gateway::catch_up`](crate::Gateway::catch_up): the binary names
//! those of recently active sessions) and emits the users' messages it finds, oldest first, as
//! if they had just arrived. Should a message handled before the stop come back (clocks differ
//! by a few milliseconds), the router's dedupe (a DM's id is its event id) drops it at commit.
//!
//! **Order.** A live DM in a channel whose history is still being read is held back and emitted
//! after that history, so each user's messages reach the router in the order they were written.
//!
//! **Later sessions.** twilight resumes a dropped session, and Discord then replays what was
//! missed. When it cannot (the session was invalidated, or the outage outlasted it), it starts
//! a new one, and that READY is caught up on too: the DM channels seen since the start (at most
//! [`REMEMBERED`]), each after the newest message read in it.
//!
//! **First-time users.** A bot cannot list its DM channels (Discord answers a bot's
//! `GET /users/@me/channels` with an empty list), so a channel the database has never recorded
//! is known only if someone wrote it down. The binary does, for DMs it holds while the store
//! cannot record them (flexcord-store's unrecorded-DM marks, kept beside the database so they
//! survive a full disk and a restart), and names those channels here too.
//!
//! **Not covered:** a first-time user's DM that this process never received (still in the
//! gateway's buffers when it died), and anything older than where the binary asks to start.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use flexcord_core::event::DiscordEvent;
use flexcord_core::ids::{ChannelId, UserId};
use flexcord_core::ports::ChatError;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use twilight_http::Client;
use twilight_model::channel::Message;
use twilight_model::id::Id;

use crate::send::send;
use crate::translate::{Inbound, translate_message};

/// Channels read at once. Discord's 50 requests/s paces them anyway; this keeps a slow answer
/// from holding up the rest.
const CONCURRENCY: usize = 8;
/// Messages asked for per request (Discord's maximum).
const PAGE: u16 = 100;
/// Pages read per channel at most: of a flood of more than 1,000 messages written while the
/// bridge was down (a script, a spammer), the first 1,000 are handled.
const MAX_PAGES: usize = 10;
/// DM channels remembered for a later READY: the most recently active ones.
pub const REMEMBERED: usize = 1_000;
/// Discord's epoch (2015-01-01T00:00:00Z) in milliseconds since the Unix epoch.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A DM channel to read, from a point in time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// The DM channel.
    pub channel: ChannelId,
    /// Messages written after this moment are read (milliseconds since the Unix epoch).
    pub after_ms: u64,
}

/// The smallest snowflake of a moment (millisecond): the id of a message written later is
/// greater, which is what Discord's `after` compares.
#[must_use]
pub const fn snowflake_at(ms: u64) -> u64 {
    ms.saturating_sub(DISCORD_EPOCH_MS) << 22
}

/// A channel to read, after a message id (or the snowflake of a moment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Since {
    channel: u64,
    after: u64,
}

impl From<CatchUp> for Since {
    fn from(c: CatchUp) -> Self {
        Self {
            channel: c.channel.get(),
            after: snowflake_at(c.after_ms),
        }
    }
}

/// The DM channels active since the start, each with the newest message id read in it: where a
/// later READY picks up. Shared by the gateway loop (live DMs) and the catch-up (history).
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen(Arc<std::sync::Mutex<HashMap<u64, u64>>>);

impl Seen {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, u64>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes that `message` was read in `channel`.
    pub(crate) fn note(&self, channel: u64, message: u64) {
        let mut seen = self.lock();
        let newest = seen.entry(channel).or_insert(message);
        *newest = (*newest).max(message);
        if seen.len() > 2 * REMEMBERED {
            // Forget the least recently active half (ids grow with time).
            let mut ids: Vec<u64> = seen.values().copied().collect();
            ids.sort_unstable_by(|a, b| b.cmp(a));
            let cutoff = ids.get(REMEMBERED).copied().unwrap_or(0);
            seen.retain(|_, id| *id > cutoff);
        }
    }

    /// Notes where each channel is about to be read from.
    pub(crate) fn note_all(&self, channels: &[Since]) {
        for c in channels {
            self.note(c.channel, c.after);
        }
    }

    /// Every remembered channel, after the newest message read in it; the most recently active
    /// first (they are read in this order).
    pub(crate) fn since(&self) -> Vec<Since> {
        let mut all: Vec<Since> = self
            .lock()
            .iter()
            .map(|(&channel, &after)| Since { channel, after })
            .collect();
        all.sort_unstable_by_key(|s| std::cmp::Reverse(s.after));
        all
    }
}

/// Live DMs held back per channel while its history is read; a channel is a key from the
/// first READY until its history is out. The first DM held for a channel asks for that channel
/// to be read next, so a player who writes right after a start waits for one request, not for
/// everyone else's.
#[derive(Debug, Clone, Default)]
pub(crate) struct Held {
    kept: Arc<Mutex<HashMap<u64, Vec<DiscordEvent>>>>,
    urgent: Option<mpsc::UnboundedSender<u64>>,
}

impl Held {
    /// Holds the live DMs of `channels` from now on; returns the holder and the channels
    /// asked to be read next.
    pub(crate) fn new(channels: &[Since]) -> (Self, mpsc::UnboundedReceiver<u64>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let kept = channels.iter().map(|c| (c.channel, Vec::new())).collect();
        let held = Self {
            kept: Arc::new(Mutex::new(kept)),
            urgent: Some(tx),
        };
        (held, rx)
    }

    /// Keeps `event` for later when its channel is being read; gives it back otherwise.
    pub(crate) async fn keep_if_held(&self, event: DiscordEvent) -> Option<DiscordEvent> {
        if self.urgent.is_none() {
            // Never caught up on anything (no READY with channels to read): no lock per DM.
            return Some(event);
        }
        let channel = match &event {
            DiscordEvent::DirectMessage { channel, .. } => channel.get(),
            _ => return Some(event),
        };
        let mut kept = self.kept.lock().await;
        let Some(waiting) = kept.get_mut(&channel) else {
            return Some(event);
        };
        if waiting.is_empty()
            && let Some(urgent) = &self.urgent
        {
            let _ = urgent.send(channel);
        }
        waiting.push(event);
        None
    }
}

/// What reading one channel came to.
struct Read {
    ok: bool,
    found: usize,
    /// The event receiver is gone: stop.
    closed: bool,
}

/// Reads the channels' histories, [`CONCURRENCY`] at a time, in the order given except that a
/// channel with a live DM waiting is read next; emits each channel's users' messages, then
/// what was held back for it. The REST calls go through the same rate limiter as deliveries,
/// so this is paced by Discord's limits.
pub(crate) async fn run(
    http: Arc<Client>,
    channels: Vec<Since>,
    (held, mut urgent): (Held, mpsc::UnboundedReceiver<u64>),
    seen: Seen,
    bot_user: Option<UserId>,
    events: mpsc::Sender<DiscordEvent>,
) {
    let mut waiting: VecDeque<Since> = channels.into();
    let mut reads = JoinSet::new();
    let start = |reads: &mut JoinSet<Read>, item: Since| {
        reads.spawn(read_and_emit(
            Arc::clone(&http),
            item,
            held.clone(),
            seen.clone(),
            bot_user,
            events.clone(),
        ));
    };
    let (mut read, mut found) = (0_usize, 0_usize);
    loop {
        while reads.len() < CONCURRENCY
            && let Some(item) = waiting.pop_front()
        {
            start(&mut reads, item);
        }
        if reads.is_empty() {
            break;
        }
        tokio::select! {
            Some(done) = reads.join_next() => match done {
                Ok(done) if done.closed => return,
                Ok(done) => {
                    read += usize::from(done.ok);
                    found += done.found;
                }
                Err(error) => tracing::error!(
                    error = %flexcord_core::log_safe::escape_for_log(&error.to_string()),
                    "reading a DM channel's history failed"
                ),
            },
            Some(channel) = urgent.recv() => {
                if let Some(at) = waiting.iter().position(|c| c.channel == channel)
                    && let Some(item) = waiting.remove(at)
                {
                    start(&mut reads, item);
                }
            }
        }
    }
    tracing::info!(
        channels = read,
        messages = found,
        "read the DMs written while flexcord was not connected"
    );
}

/// Reads one channel's history and emits it, then the live DMs held for the channel.
async fn read_and_emit(
    http: Arc<Client>,
    item: Since,
    held: Held,
    seen: Seen,
    bot_user: Option<UserId>,
    events: mpsc::Sender<DiscordEvent>,
) -> Read {
    let history = history(&http, item).await;
    match &history {
        Ok(history) => {
            if let Some(newest) = history.iter().map(|m| m.id.get()).max() {
                seen.note(item.channel, newest);
            }
        }
        Err(error) => {
            tracing::warn!(
                channel = item.channel,
                error = %flexcord_core::log_safe::escape_for_log(&error.to_string()),
                "could not read a DM channel's recent history"
            );
        }
    }
    let mut done = Read {
        ok: history.is_ok(),
        found: 0,
        closed: false,
    };
    // Emitted under the lock, so that no live DM of this channel can overtake its history.
    let mut kept = held.kept.lock().await;
    let mut out: Vec<DiscordEvent> = history
        .unwrap_or_default()
        .iter()
        .filter_map(|message| match translate_message(message, bot_user) {
            Inbound::Emit(event) => Some(event),
            _ => None,
        })
        .collect();
    done.found = out.len();
    out.extend(kept.remove(&item.channel).unwrap_or_default());
    for event in out {
        if events.send(event).await.is_err() {
            done.closed = true;
            break;
        }
    }
    done
}

/// The channel's messages after `item.after`, oldest first.
async fn history(http: &Client, item: Since) -> Result<Vec<Message>, ChatError> {
    let channel =
        Id::new_checked(item.channel).ok_or_else(|| ChatError::Rejected("channel id 0".into()))?;
    let mut after = item.after.max(1);
    let mut messages: Vec<Message> = Vec::new();
    for _ in 0..MAX_PAGES {
        let Some(after_id) = Id::new_checked(after) else {
            break;
        };
        let page: Vec<Message> = send(http.channel_messages(channel).after(after_id).limit(PAGE))
            .await?
            .models()
            .await
            .map_err(|e| ChatError::Transient(e.to_string()))?;
        let full = page.len() >= usize::from(PAGE);
        let newest = page.iter().map(|m| m.id.get()).max();
        messages.extend(page);
        match newest {
            Some(newest) if full => after = newest,
            _ => break,
        }
    }
    messages.sort_by_key(|m| m.id);
    messages.dedup_by_key(|m| m.id);
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_channels_keep_their_newest_message_and_only_the_most_recently_active_are_kept() {
        let seen = Seen::default();
        seen.note(7, 50);
        seen.note(7, 40);
        assert_eq!(
            seen.since(),
            vec![Since {
                channel: 7,
                after: 50
            }],
            "the newest read"
        );
        let total = u64::try_from(2 * REMEMBERED).unwrap_or(u64::MAX);
        for channel in 100..100 + total {
            seen.note(channel, 1_000 + channel);
        }
        let kept = seen.since();
        assert!(kept.len() <= REMEMBERED + 1, "bounded: {}", kept.len());
        assert!(
            kept.iter().any(|c| c.channel == 100 + total - 1),
            "the latest stays"
        );
        assert!(
            !kept.iter().any(|c| c.channel == 7),
            "the least recent goes"
        );
    }

    #[test]
    fn a_moments_snowflake_orders_messages_around_it() {
        // Discord's documented example: 175928847299117063 was made at 1462015105796 ms.
        let made_at = 1_462_015_105_796;
        let id = 175_928_847_299_117_063;
        assert!(snowflake_at(made_at) <= id);
        assert!(snowflake_at(made_at + 1) > id);
        assert_eq!(snowflake_at(0), 0, "before Discord's epoch");
    }
}
