//! [`FakeVirtualAgent`]: scripted answers per question, or failures.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use flexcord_core::ports::{
    Answer, AnswerItem, Article, Question, VirtualAgent, VirtualAgentError,
};

#[derive(Debug, Default)]
struct Inner {
    scripted: HashMap<String, Answer>,
    fallback: Answer,
    once: VecDeque<VirtualAgentError>,
    always: Option<VirtualAgentError>,
    questions: Vec<Question>,
}

/// A fake knowledge-base bot. Answers are looked up by the exact question text; anything else
/// gets the fallback (empty by default: "nothing found").
#[derive(Debug, Clone, Default)]
pub struct FakeVirtualAgent {
    inner: Arc<Mutex<Inner>>,
}

impl FakeVirtualAgent {
    /// A bot that knows nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answers `question` with `answer`.
    pub fn on(&self, question: &str, answer: Answer) {
        self.lock().scripted.insert(question.to_owned(), answer);
    }

    /// Answers `question` with one text item.
    pub fn on_text(&self, question: &str, text: &str) {
        self.on(
            question,
            Answer {
                items: vec![AnswerItem::Text(text.to_owned())],
                hand_off: false,
                small_talk: None,
            },
        );
    }

    /// Answers `question` with one article.
    pub fn on_article(&self, question: &str, title: &str, url: &str, excerpt: &str) {
        let article = Article {
            title: title.into(),
            url: Some(url.into()),
            excerpt: excerpt.into(),
        };
        self.on(
            question,
            Answer {
                items: vec![AnswerItem::Article(article)],
                hand_off: false,
                small_talk: None,
            },
        );
    }

    /// The answer for questions without a script.
    pub fn fallback(&self, answer: Answer) {
        self.lock().fallback = answer;
    }

    /// The next question fails with `error` (queued).
    pub fn fail_once(&self, error: VirtualAgentError) {
        self.lock().once.push_back(error);
    }

    /// Every question fails with `error` (`None` heals).
    pub fn fail_always(&self, error: Option<VirtualAgentError>) {
        self.lock().always = error;
    }

    /// Every question asked, in order.
    #[must_use]
    pub fn questions(&self) -> Vec<Question> {
        self.lock().questions.clone()
    }
}

#[async_trait]
impl VirtualAgent for FakeVirtualAgent {
    async fn answer(&self, question: &Question) -> Result<Answer, VirtualAgentError> {
        let mut inner = self.lock();
        inner.questions.push(question.clone());
        if let Some(e) = inner.once.pop_front() {
            return Err(e);
        }
        if let Some(e) = &inner.always {
            return Err(e.clone());
        }
        Ok(inner
            .scripted
            .get(&question.text)
            .unwrap_or(&inner.fallback)
            .clone())
    }
}
