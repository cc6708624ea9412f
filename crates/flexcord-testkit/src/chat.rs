//! [`FakeChat`]: a [`ChatSurface`] that records every call in order and fails where told.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use flexcord_core::content::{Announcement, GuildChannel, OutgoingMessage, ReportCard};
use flexcord_core::event::InteractionHandle;
use flexcord_core::ids::{ChannelId, MessageId, UserId};
use flexcord_core::ports::{ChatError, ChatSurface, Reply};

/// First DM channel id handed out; users get consecutive ids in order of first contact.
pub const FIRST_DM_CHANNEL: u64 = 900_000;

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatCall {
    /// `open_dm`.
    OpenDm(UserId),
    /// `send` (recorded also when it failed).
    Send {
        /// Target.
        channel: ChannelId,
        /// What.
        message: OutgoingMessage,
        /// Nonce given.
        nonce: Option<u64>,
    },
    /// `reply`.
    Reply {
        /// The interaction id.
        interaction: u64,
        /// What.
        reply: Reply,
    },
    /// `post_report`.
    PostReport(GuildChannel, ReportCard),
    /// `announce`.
    Announce(Announcement),
    /// `typing`.
    Typing(ChannelId),
}

/// Which call a scripted failure applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatOp {
    /// `open_dm`.
    OpenDm,
    /// `send`.
    Send,
    /// `reply`.
    Reply,
    /// `post_report`.
    PostReport,
    /// `announce`.
    Announce,
}

#[derive(Debug, Default)]
struct Inner {
    calls: Vec<ChatCall>,
    dms: HashMap<UserId, ChannelId>,
    closed_users: HashSet<UserId>,
    next_message: u64,
    once: HashMap<ChatOp, VecDeque<ChatError>>,
    always: HashMap<ChatOp, ChatError>,
    /// What Discord would show: successful sends and cards, a repeated nonce dropped.
    shown: Vec<Shown>,
    nonces: HashSet<u64>,
}

/// A message that made it, as a reader of the channel sees it.
#[derive(Debug, Clone)]
enum Shown {
    Message(ChannelId, OutgoingMessage),
    Report(GuildChannel, ReportCard),
}

/// A fake Discord. DM channels are assigned per user from [`FIRST_DM_CHANNEL`] on; a user whose
/// DMs are closed ([`FakeChat::close_dms`]) gets [`ChatError::DmClosed`] from `open_dm` and from
/// every `send` to their DM channel. Like Discord with `enforce_nonce`, a send or card with a
/// nonce seen before succeeds without showing anything new ([`FakeChat::shown_texts`]).
#[derive(Debug, Clone, Default)]
pub struct FakeChat {
    inner: Arc<Mutex<Inner>>,
}

impl FakeChat {
    /// A fake with nothing recorded.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The user's DM channel (assigned on first use, stable afterwards).
    #[must_use]
    pub fn dm_channel(&self, user: UserId) -> ChannelId {
        let mut inner = self.lock();
        let next = ChannelId(FIRST_DM_CHANNEL + inner.dms.len() as u64);
        *inner.dms.entry(user).or_insert(next)
    }

    /// The user closes their DMs (Discord error 50007 from now on).
    pub fn close_dms(&self, user: UserId) {
        self.lock().closed_users.insert(user);
    }

    /// The next call of `op` fails with `error` (queued: several calls queue several failures).
    pub fn fail_once(&self, op: ChatOp, error: ChatError) {
        self.lock().once.entry(op).or_default().push_back(error);
    }

    /// Every call of `op` fails with `error` until [`FakeChat::heal`].
    pub fn fail_always(&self, op: ChatOp, error: ChatError) {
        self.lock().always.insert(op, error);
    }

    /// Removes every scripted failure (closed DMs stay closed).
    pub fn heal(&self) {
        let mut inner = self.lock();
        inner.once.clear();
        inner.always.clear();
    }

    /// Every call so far, in order.
    #[must_use]
    pub fn calls(&self) -> Vec<ChatCall> {
        self.lock().calls.clone()
    }

    /// Messages sent to `channel` (including failed attempts), in order.
    #[must_use]
    pub fn sent_to(&self, channel: ChannelId) -> Vec<OutgoingMessage> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| match c {
                ChatCall::Send {
                    channel: ch,
                    message,
                    ..
                } if *ch == channel => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// The texts sent to `channel`, in order.
    #[must_use]
    pub fn texts_to(&self, channel: ChannelId) -> Vec<String> {
        self.sent_to(channel).into_iter().map(|m| m.text).collect()
    }

    /// The texts a reader of `channel` sees: successful sends only, a repeated nonce once.
    #[must_use]
    pub fn shown_texts(&self, channel: ChannelId) -> Vec<String> {
        self.lock()
            .shown
            .iter()
            .filter_map(|s| match s {
                Shown::Message(ch, message) if *ch == channel => Some(message.text.clone()),
                _ => None,
            })
            .collect()
    }

    /// The report cards a reader of the guild sees: successful posts only, a repeated nonce
    /// once.
    #[must_use]
    pub fn shown_reports(&self) -> Vec<(GuildChannel, ReportCard)> {
        self.lock()
            .shown
            .iter()
            .filter_map(|s| match s {
                Shown::Report(ch, card) => Some((*ch, card.clone())),
                Shown::Message(..) => None,
            })
            .collect()
    }

    /// Interaction replies as `(interaction id, reply)`, in order.
    #[must_use]
    pub fn replies(&self) -> Vec<(u64, Reply)> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| match c {
                ChatCall::Reply { interaction, reply } => Some((*interaction, reply.clone())),
                _ => None,
            })
            .collect()
    }

    /// Texts of the replies to interaction `id`.
    #[must_use]
    pub fn reply_texts(&self, id: u64) -> Vec<String> {
        self.replies()
            .into_iter()
            .filter(|(i, _)| *i == id)
            .filter_map(|(_, r)| match r {
                Reply::Text(t) => Some(t),
                Reply::Case(_) => None,
            })
            .collect()
    }

    /// Report cards posted, in order.
    #[must_use]
    pub fn reports(&self) -> Vec<(GuildChannel, ReportCard)> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| match c {
                ChatCall::PostReport(ch, card) => Some((*ch, card.clone())),
                _ => None,
            })
            .collect()
    }

    /// Announcements posted, in order.
    #[must_use]
    pub fn announcements(&self) -> Vec<Announcement> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| match c {
                ChatCall::Announce(a) => Some(a.clone()),
                _ => None,
            })
            .collect()
    }

    fn scripted(inner: &mut Inner, op: ChatOp) -> Result<(), ChatError> {
        if let Some(e) = inner.once.get_mut(&op).and_then(VecDeque::pop_front) {
            return Err(e);
        }
        inner.always.get(&op).map_or(Ok(()), |e| Err(e.clone()))
    }

    fn message_id(inner: &mut Inner) -> MessageId {
        inner.next_message += 1;
        MessageId(1_000_000 + inner.next_message)
    }
}

#[async_trait]
impl ChatSurface for FakeChat {
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError> {
        let dm = self.dm_channel(user);
        let mut inner = self.lock();
        inner.calls.push(ChatCall::OpenDm(user));
        Self::scripted(&mut inner, ChatOp::OpenDm)?;
        if inner.closed_users.contains(&user) {
            return Err(ChatError::DmClosed);
        }
        Ok(dm)
    }

    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError> {
        let mut inner = self.lock();
        inner.calls.push(ChatCall::Send {
            channel,
            message: message.clone(),
            nonce,
        });
        Self::scripted(&mut inner, ChatOp::Send)?;
        let closed = inner
            .dms
            .iter()
            .any(|(u, c)| *c == channel && inner.closed_users.contains(u));
        if closed {
            return Err(ChatError::DmClosed);
        }
        if nonce.is_none_or(|n| inner.nonces.insert(n)) {
            inner.shown.push(Shown::Message(channel, message.clone()));
        }
        Ok(vec![Self::message_id(&mut inner)])
    }

    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError> {
        let mut inner = self.lock();
        inner.calls.push(ChatCall::Reply {
            interaction: interaction.id,
            reply: reply.clone(),
        });
        Self::scripted(&mut inner, ChatOp::Reply)
    }

    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        let mut inner = self.lock();
        inner
            .calls
            .push(ChatCall::PostReport(channel, card.clone()));
        Self::scripted(&mut inner, ChatOp::PostReport)?;
        if nonce.is_none_or(|n| inner.nonces.insert(n)) {
            inner.shown.push(Shown::Report(channel, card.clone()));
        }
        Ok(Self::message_id(&mut inner))
    }

    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError> {
        let mut inner = self.lock();
        inner.calls.push(ChatCall::Announce(announcement.clone()));
        Self::scripted(&mut inner, ChatOp::Announce)?;
        Ok(Self::message_id(&mut inner))
    }

    async fn typing(&self, channel: ChannelId) -> Result<(), ChatError> {
        self.lock().calls.push(ChatCall::Typing(channel));
        Ok(())
    }
}
