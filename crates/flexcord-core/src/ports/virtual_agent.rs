//! The virtual agent: a knowledge-base bot that answers first.

use async_trait::async_trait;
use thiserror::Error;

use crate::event::UserProfile;
use crate::ids::ChannelId;

/// A user's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable per user and chat, so a stateful bot can keep context.
    pub session_id: String,
    /// Who asks.
    pub user: UserProfile,
    /// What they asked.
    pub text: String,
    /// Where the answer will be shown (the user's DM), so a slow agent can show "typing…"
    /// there. `None` when the asker has no channel (a test, a script).
    pub reply_in: Option<ChannelId>,
    /// The language to answer in (`hi`, `pt-BR`), when known: a bot with articles in it answers
    /// in it.
    pub locale: Option<String>,
}

/// A knowledge-base article suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Title.
    pub title: String,
    /// Link, when the article has one.
    pub url: Option<String>,
    /// A short excerpt around the match.
    pub excerpt: String,
}

/// One item of an answer, shown in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerItem {
    /// Plain text.
    Text(String),
    /// An article suggestion.
    Article(Article),
}

/// The virtual agent's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// What to show, in order. Empty means "nothing found".
    pub items: Vec<AnswerItem>,
    /// The bot thinks a human should take over (the user asked for one, or it is out of its depth).
    pub hand_off: bool,
    /// The message was not a question but a greeting or thanks: the router answers in kind, in
    /// the user's language, rather than with "nothing found".
    pub small_talk: Option<SmallTalk>,
}

/// A message that is not a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "hi", "hello there", "good morning", "नमस्ते".
    Greeting,
    /// "thanks", "thank you so much", "धन्यवाद".
    Thanks,
}

/// Why the virtual agent did not answer.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VirtualAgentError {
    /// It took longer than the user should wait.
    #[error("the virtual agent timed out")]
    Timeout,
    /// It is down or unreachable.
    #[error("the virtual agent is unavailable: {0}")]
    Unavailable(String),
    /// It answered with something we could not understand, or refused the request.
    #[error("the virtual agent failed: {0}")]
    Failed(String),
}

/// The virtual agent as the router needs it.
#[async_trait]
pub trait VirtualAgent: Send + Sync + std::fmt::Debug {
    /// Answers a question. Must return within a few seconds.
    ///
    /// # Errors
    ///
    /// [`VirtualAgentError::Timeout`] when slower than its deadline;
    /// [`VirtualAgentError::Unavailable`] when unreachable; [`VirtualAgentError::Failed`] for
    /// anything else. The router then offers a live agent.
    async fn answer(&self, question: &Question) -> Result<Answer, VirtualAgentError>;
}
