//! [`FakeContactCenter`]: a [`ContactCenter`] that records calls, hands out `CH`/`KD`/`UO` sids,
//! keeps conversations open or closed, and fails where told.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use flexcord_core::content::MessageContent;
use flexcord_core::event::UserProfile;
use flexcord_core::ids::{
    ChannelId, ConversationSid, Identity, InteractionChannelSid, InteractionSid, MediaSid,
    MessageId, UserId,
};
use flexcord_core::ports::{
    ContactCenter, ContactCenterError, FileRefusal, Posted, RefusedFile, TaskRequest,
};
use flexcord_core::session::{InteractionRef, TranscriptLine};

/// One recorded call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CcCall {
    /// `open_conversation`.
    OpenConversation {
        /// Who.
        user: UserProfile,
        /// Their DM.
        dm: ChannelId,
    },
    /// `post_user_message`.
    PostUserMessage {
        /// Where.
        conversation: ConversationSid,
        /// As whom.
        author: Identity,
        /// The Discord message.
        source: MessageId,
        /// What.
        content: MessageContent,
        /// The retry flag.
        maybe_sent: bool,
    },
    /// `post_transcript`.
    PostTranscript {
        /// Where.
        conversation: ConversationSid,
        /// The lines.
        lines: Vec<TranscriptLine>,
    },
    /// `post_notice`.
    PostNotice {
        /// Where.
        conversation: ConversationSid,
        /// What.
        text: String,
    },
    /// `create_task`.
    CreateTask {
        /// Which conversation.
        conversation: ConversationSid,
        /// The request.
        task: TaskRequest,
    },
    /// `close`.
    Close {
        /// Which.
        conversation: ConversationSid,
        /// With which interaction.
        interaction: Option<InteractionRef>,
    },
    /// `media_url`.
    MediaUrl(MediaSid),
    /// `detach_flow`.
    DetachFlow(ConversationSid),
}

/// Which call a scripted failure applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CcOp {
    /// `open_conversation`.
    OpenConversation,
    /// `post_user_message`.
    PostUserMessage,
    /// `post_transcript`.
    PostTranscript,
    /// `post_notice`.
    PostNotice,
    /// `create_task`.
    CreateTask,
    /// `close`.
    Close,
    /// `media_url`.
    MediaUrl,
    /// `detach_flow`.
    DetachFlow,
}

#[derive(Debug, Default)]
struct Inner {
    calls: Vec<CcCall>,
    open: HashMap<UserId, ConversationSid>,
    closed: HashSet<ConversationSid>,
    posted: HashSet<(ConversationSid, MessageId)>,
    next: u64,
    once: HashMap<CcOp, VecDeque<ContactCenterError>>,
    always: HashMap<CcOp, ContactCenterError>,
    /// Hand-off objects by key, as Twilio finds them again (unique name, attributes).
    handoff_conversations: HashMap<String, ConversationSid>,
    handoff_transcripts: HashSet<String>,
    handoff_tasks: HashMap<String, InteractionRef>,
    /// What was created (a call that found an earlier try's object creates nothing).
    created_transcripts: Vec<(ConversationSid, Vec<TranscriptLine>)>,
    created_tasks: Vec<(ConversationSid, TaskRequest)>,
}

/// A fake Flex. `open_conversation` is find-or-open per user; a conversation closed with
/// [`FakeContactCenter::close_conversation`] (or `close`) answers
/// [`ContactCenterError::ConversationGone`] afterwards. Posting a user message twice with the
/// same source is recorded once in [`FakeContactCenter::user_messages`] (Twilio-side dedupe).
/// Like Twilio's media upload, it refuses attachments of size 0: the text is recorded and the
/// file is reported in [`Posted::refused_files`] as [`FileRefusal::Empty`].
#[derive(Debug, Clone, Default)]
pub struct FakeContactCenter {
    inner: Arc<Mutex<Inner>>,
}

fn sid<T: TryFrom<String>>(prefix: &str, n: u64) -> Option<T> {
    T::try_from(format!("{prefix}{n:032x}")).ok()
}

impl FakeContactCenter {
    /// A fake with no conversations.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next call of `op` fails with `error` (queued).
    pub fn fail_once(&self, op: CcOp, error: ContactCenterError) {
        self.lock().once.entry(op).or_default().push_back(error);
    }

    /// Every call of `op` fails with `error` until [`FakeContactCenter::heal`].
    pub fn fail_always(&self, op: CcOp, error: ContactCenterError) {
        self.lock().always.insert(op, error);
    }

    /// Removes every scripted failure.
    pub fn heal(&self) {
        let mut inner = self.lock();
        inner.once.clear();
        inner.always.clear();
    }

    /// Closes a conversation on the Flex side (an agent or a timer did it).
    pub fn close_conversation(&self, conversation: &ConversationSid) {
        let mut inner = self.lock();
        inner.closed.insert(conversation.clone());
        inner.open.retain(|_, c| c != conversation);
    }

    /// The user's open conversation, if any.
    #[must_use]
    pub fn conversation_of(&self, user: UserId) -> Option<ConversationSid> {
        self.lock().open.get(&user).cloned()
    }

    /// Every call so far, in order.
    #[must_use]
    pub fn calls(&self) -> Vec<CcCall> {
        self.lock().calls.clone()
    }

    /// How many calls of `op` were made (failed ones included).
    #[must_use]
    pub fn count(&self, op: CcOp) -> usize {
        self.lock().calls.iter().filter(|c| op_of(c) == op).count()
    }

    /// User messages that reached a conversation, as `(conversation, text)`, in order and once
    /// each (a `maybe_sent` repeat of a delivered source is not counted twice).
    #[must_use]
    pub fn user_messages(&self) -> Vec<(ConversationSid, String)> {
        let inner = self.lock();
        let mut seen = HashSet::new();
        inner
            .calls
            .iter()
            .filter_map(|c| match c {
                CcCall::PostUserMessage {
                    conversation,
                    source,
                    content,
                    ..
                } if inner.posted.contains(&(conversation.clone(), *source))
                    && seen.insert((conversation.clone(), *source)) =>
                {
                    Some((conversation.clone(), content.text.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Notices posted for agents, in order.
    #[must_use]
    pub fn notices(&self) -> Vec<(ConversationSid, String)> {
        self.lock()
            .calls
            .iter()
            .filter_map(|c| match c {
                CcCall::PostNotice { conversation, text } => {
                    Some((conversation.clone(), text.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Tasks created, in order (a hand-off retry that found its task creates none).
    #[must_use]
    pub fn tasks(&self) -> Vec<(ConversationSid, TaskRequest)> {
        self.lock().created_tasks.clone()
    }

    /// Transcripts posted, in order (a hand-off retry that found its transcript posts none).
    #[must_use]
    pub fn transcripts(&self) -> Vec<(ConversationSid, Vec<TranscriptLine>)> {
        self.lock().created_transcripts.clone()
    }

    /// Conversations opened for hand-offs (one per key however often asked).
    #[must_use]
    pub fn handoff_conversations(&self) -> usize {
        self.lock().handoff_conversations.len()
    }

    fn begin(&self, call: CcCall) -> Result<MutexGuard<'_, Inner>, ContactCenterError> {
        let op = op_of(&call);
        let mut inner = self.lock();
        inner.calls.push(call);
        if let Some(e) = inner.once.get_mut(&op).and_then(VecDeque::pop_front) {
            return Err(e);
        }
        if let Some(e) = inner.always.get(&op) {
            return Err(e.clone());
        }
        Ok(inner)
    }

    fn new_task(
        inner: &mut Inner,
        conversation: &ConversationSid,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        let interaction: InteractionSid = Self::next_sid(inner, "KD")?;
        let channel: InteractionChannelSid = Self::next_sid(inner, "UO")?;
        inner
            .created_tasks
            .push((conversation.clone(), task.clone()));
        Ok(InteractionRef {
            interaction,
            channel,
        })
    }

    fn next_sid<T: TryFrom<String>>(
        inner: &mut Inner,
        prefix: &str,
    ) -> Result<T, ContactCenterError> {
        inner.next += 1;
        sid(prefix, inner.next).ok_or_else(|| ContactCenterError::Rejected("bad fake sid".into()))
    }
}

fn op_of(call: &CcCall) -> CcOp {
    match call {
        CcCall::OpenConversation { .. } => CcOp::OpenConversation,
        CcCall::PostUserMessage { .. } => CcOp::PostUserMessage,
        CcCall::PostTranscript { .. } => CcOp::PostTranscript,
        CcCall::PostNotice { .. } => CcOp::PostNotice,
        CcCall::CreateTask { .. } => CcOp::CreateTask,
        CcCall::Close { .. } => CcOp::Close,
        CcCall::MediaUrl(_) => CcOp::MediaUrl,
        CcCall::DetachFlow(_) => CcOp::DetachFlow,
    }
}

fn gone(inner: &Inner, conversation: &ConversationSid) -> Result<(), ContactCenterError> {
    if inner.closed.contains(conversation) {
        Err(ContactCenterError::ConversationGone(
            conversation.to_string(),
        ))
    } else {
        Ok(())
    }
}

#[async_trait]
impl ContactCenter for FakeContactCenter {
    async fn open_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
    ) -> Result<ConversationSid, ContactCenterError> {
        let mut inner = self.begin(CcCall::OpenConversation {
            user: user.clone(),
            dm,
        })?;
        if let Some(c) = inner.open.get(&user.id) {
            return Ok(c.clone());
        }
        let c: ConversationSid = Self::next_sid(&mut inner, "CH")?;
        inner.open.insert(user.id, c.clone());
        Ok(c)
    }

    async fn post_user_message(
        &self,
        conversation: &ConversationSid,
        author: &Identity,
        source: MessageId,
        content: &MessageContent,
        maybe_sent: bool,
    ) -> Result<Posted, ContactCenterError> {
        let mut inner = self.begin(CcCall::PostUserMessage {
            conversation: conversation.clone(),
            author: author.clone(),
            source,
            content: content.clone(),
            maybe_sent,
        })?;
        gone(&inner, conversation)?;
        inner.posted.insert((conversation.clone(), source));
        let refused_files = content
            .attachments
            .iter()
            .filter(|a| a.size == Some(0))
            .map(|a| RefusedFile {
                filename: a.filename.clone(),
                reason: FileRefusal::Empty,
            })
            .collect();
        Ok(Posted { refused_files })
    }

    async fn post_transcript(
        &self,
        conversation: &ConversationSid,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError> {
        let mut inner = self.begin(CcCall::PostTranscript {
            conversation: conversation.clone(),
            lines: lines.to_vec(),
        })?;
        gone(&inner, conversation)?;
        inner
            .created_transcripts
            .push((conversation.clone(), lines.to_vec()));
        Ok(())
    }

    async fn post_notice(
        &self,
        conversation: &ConversationSid,
        text: &str,
    ) -> Result<(), ContactCenterError> {
        let inner = self.begin(CcCall::PostNotice {
            conversation: conversation.clone(),
            text: text.to_owned(),
        })?;
        gone(&inner, conversation)
    }

    async fn create_task(
        &self,
        conversation: &ConversationSid,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        let mut inner = self.begin(CcCall::CreateTask {
            conversation: conversation.clone(),
            task: task.clone(),
        })?;
        gone(&inner, conversation)?;
        Self::new_task(&mut inner, conversation, task)
    }

    async fn open_handoff_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        key: &str,
    ) -> Result<ConversationSid, ContactCenterError> {
        let mut inner = self.begin(CcCall::OpenConversation {
            user: user.clone(),
            dm,
        })?;
        if let Some(c) = inner.handoff_conversations.get(key) {
            return Ok(c.clone());
        }
        let c: ConversationSid = Self::next_sid(&mut inner, "CH")?;
        inner
            .handoff_conversations
            .insert(key.to_owned(), c.clone());
        inner.open.insert(user.id, c.clone());
        Ok(c)
    }

    async fn post_handoff_transcript(
        &self,
        conversation: &ConversationSid,
        key: &str,
        lines: &[TranscriptLine],
    ) -> Result<(), ContactCenterError> {
        let mut inner = self.begin(CcCall::PostTranscript {
            conversation: conversation.clone(),
            lines: lines.to_vec(),
        })?;
        gone(&inner, conversation)?;
        if inner.handoff_transcripts.insert(key.to_owned()) {
            inner
                .created_transcripts
                .push((conversation.clone(), lines.to_vec()));
        }
        Ok(())
    }

    async fn create_handoff_task(
        &self,
        conversation: &ConversationSid,
        key: &str,
        task: &TaskRequest,
    ) -> Result<InteractionRef, ContactCenterError> {
        let mut inner = self.begin(CcCall::CreateTask {
            conversation: conversation.clone(),
            task: task.clone(),
        })?;
        gone(&inner, conversation)?;
        if let Some(found) = inner.handoff_tasks.get(key) {
            return Ok(found.clone());
        }
        let created = Self::new_task(&mut inner, conversation, task)?;
        inner.handoff_tasks.insert(key.to_owned(), created.clone());
        Ok(created)
    }

    async fn close(
        &self,
        conversation: &ConversationSid,
        interaction: Option<&InteractionRef>,
    ) -> Result<(), ContactCenterError> {
        let mut inner = self.begin(CcCall::Close {
            conversation: conversation.clone(),
            interaction: interaction.cloned(),
        })?;
        gone(&inner, conversation)?;
        inner.closed.insert(conversation.clone());
        inner.open.retain(|_, c| c != conversation);
        Ok(())
    }

    async fn detach_flow(&self, conversation: &ConversationSid) -> Result<(), ContactCenterError> {
        let inner = self.begin(CcCall::DetachFlow(conversation.clone()))?;
        gone(&inner, conversation)
    }

    async fn media_url(&self, media: &MediaSid) -> Result<String, ContactCenterError> {
        let _inner = self.begin(CcCall::MediaUrl(media.clone()))?;
        Ok(format!("https://media.example.test/{media}"))
    }
}
