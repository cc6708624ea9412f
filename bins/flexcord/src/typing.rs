//! "typing…" in the DM while the virtual agent takes its time.
//!
//! [`ShowsTyping`] wraps the virtual agent. A quick answer (the embedded FAQ bot answers in
//! milliseconds) shows nothing: a typing call per DM would double the bridge's Discord requests
//! and flicker. An answer that takes longer than [`TYPING_AFTER`] (a remote SeaChat bot
//! thinking) shows "flexcord is typing…" in the DM, renewed while it lasts, so the player
//! knows the question arrived. Typing is best effort: it is not owed to anyone, so it goes
//! straight to Discord, never through the outbox, and a failure is only logged.
//!
//! It lives in the binary because it composes two ports with a timer; the router (core) stays
//! free of time and I/O and only says where the answer will go ([`Question::reply_in`]).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::ids::ChannelId;
use flexcord_core::ports::{Answer, ChatSurface, Question, VirtualAgent, VirtualAgentError};

/// An answer slower than this shows "typing…". Long enough that the FAQ bot never triggers
/// it, short enough that a player waiting on a remote bot sees it before wondering.
pub const TYPING_AFTER: Duration = Duration::from_millis(800);

/// Discord shows typing for about 10 s (or until the bot's next message); renewed before that.
const TYPING_RENEW: Duration = Duration::from_secs(8);

/// A [`VirtualAgent`] that shows "typing…" in the asker's DM while the inner one is slow.
#[derive(Debug)]
pub struct ShowsTyping {
    inner: Arc<dyn VirtualAgent>,
    chat: Arc<dyn ChatSurface>,
    after: Duration,
}

impl ShowsTyping {
    /// Wraps `inner`; typing goes to `chat` after [`TYPING_AFTER`].
    #[must_use]
    pub fn new(inner: Arc<dyn VirtualAgent>, chat: Arc<dyn ChatSurface>) -> Self {
        Self {
            inner,
            chat,
            after: TYPING_AFTER,
        }
    }

    fn show_typing(&self, channel: ChannelId) {
        let chat = Arc::clone(&self.chat);
        // Spawned: a slow Discord must never delay the answer itself.
        tokio::spawn(async move {
            if let Err(error) = chat.typing(channel).await {
                tracing::debug!(%error, "could not show typing in the DM");
            }
        });
    }
}

#[async_trait]
impl VirtualAgent for ShowsTyping {
    async fn answer(&self, question: &Question) -> Result<Answer, VirtualAgentError> {
        let answer = self.inner.answer(question);
        let Some(channel) = question.reply_in else {
            return answer.await;
        };
        tokio::pin!(answer);
        let mut wait = self.after;
        loop {
            tokio::select! {
                biased;
                result = &mut answer => return result,
                () = tokio::time::sleep(wait) => {
                    self.show_typing(channel);
                    wait = TYPING_RENEW;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexcord_core::event::UserProfile;
    use flexcord_core::ids::UserId;
    use flexcord_testkit::{ChatCall, FakeChat};

    /// Answers after `delay` (tokio's paused clock: no real waiting).
    #[derive(Debug)]
    struct Slow(Duration);

    #[async_trait]
    impl VirtualAgent for Slow {
        async fn answer(&self, _: &Question) -> Result<Answer, VirtualAgentError> {
            tokio::time::sleep(self.0).await;
            Ok(Answer::default())
        }
    }

    fn question(reply_in: Option<ChannelId>) -> Question {
        Question {
            session_id: "discord:7".into(),
            user: UserProfile {
                id: UserId(7),
                name: "Mira".into(),
                locale: None,
            },
            text: "why is the sky blue".into(),
            reply_in,
            locale: None,
        }
    }

    async fn typing_calls(answer_takes: Duration, reply_in: Option<ChannelId>) -> Vec<ChatCall> {
        let chat = Arc::new(FakeChat::new());
        let agent = ShowsTyping::new(Arc::new(Slow(answer_takes)), chat.clone());
        agent.answer(&question(reply_in)).await.unwrap();
        // Let the spawned typing calls run.
        tokio::task::yield_now().await;
        chat.calls()
            .into_iter()
            .filter(|c| matches!(c, ChatCall::Typing(_)))
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_quick_answer_shows_no_typing() {
        let dm = ChannelId(900_000);
        assert!(
            typing_calls(Duration::from_millis(20), Some(dm))
                .await
                .is_empty()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_answer_shows_typing_in_the_dm_and_renews_it() {
        let dm = ChannelId(900_000);
        let calls = typing_calls(Duration::from_secs(2), Some(dm)).await;
        assert_eq!(calls, [ChatCall::Typing(dm)]);
        let calls = typing_calls(Duration::from_secs(12), Some(dm)).await;
        assert_eq!(calls, [ChatCall::Typing(dm), ChatCall::Typing(dm)]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_question_with_nowhere_to_type_shows_nothing() {
        assert!(typing_calls(Duration::from_secs(2), None).await.is_empty());
    }
}
