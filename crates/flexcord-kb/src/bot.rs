//! [`FaqBot`]: the embedded virtual agent, and its [`VirtualAgent`] implementation.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::ports::{
    Answer, AnswerItem, Article, Question, VirtualAgent, VirtualAgentError,
};
use sqlx::sqlite::SqlitePool;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::config::KbConfig;
use crate::error::KbError;
use crate::handoff::HandoffPhrases;
use crate::report::IndexReport;
use crate::small_talk;
use crate::{excerpt, query, relevance, scan, store};

/// An answer must come well inside the few seconds the router waits.
const ANSWER_DEADLINE: Duration = Duration::from_secs(3);

/// The FAQ bot: a knowledge-base folder indexed into SQLite FTS5. Cheap to clone (all clones
/// share one index).
///
/// ```no_run
/// # async fn demo() -> Result<(), flexcord_kb::KbError> {
/// use flexcord_kb::{FaqBot, KbConfig};
/// let bot = FaqBot::open(KbConfig { dir: "./kb".into(), ..KbConfig::default() }).await?;
/// let report = bot.index_dir().await?; // at start, and from `flexcord kb index`
/// println!("knowledge base: {report}");
/// let answer = bot.ask("I forgot my password").await?;
/// # let _ = answer; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FaqBot {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: KbConfig,
    pool: SqlitePool,
    handoff: HandoffPhrases,
    /// One index run at a time (start-up, the CLI, the watcher), so two runs never race to
    /// insert the same new file.
    indexing: Mutex<()>,
}

impl FaqBot {
    /// Opens (or creates) the index. Does not read the folder: call [`FaqBot::index_dir`].
    ///
    /// # Errors
    ///
    /// [`KbError::Db`] when the database cannot be opened; [`KbError::Fts5Unavailable`] when
    /// the linked SQLite lacks FTS5.
    pub async fn open(config: KbConfig) -> Result<Self, KbError> {
        let pool = store::open(&config.db).await?;
        let handoff = HandoffPhrases::new(&config.handoff_phrases);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                pool,
                handoff,
                indexing: Mutex::new(()),
            }),
        })
    }

    /// The configuration it was opened with.
    #[must_use]
    pub fn config(&self) -> &KbConfig {
        &self.inner.config
    }

    /// Brings the index in line with the folder: new and changed files (by content hash) are
    /// (re-)indexed, removed ones deleted, unchanged ones left alone. Files that cannot be
    /// indexed are listed in [`IndexReport::skipped`]; the rest of the folder still is.
    ///
    /// # Errors
    ///
    /// [`KbError::MissingDir`] / [`KbError::Empty`] (the index is then left as it was);
    /// [`KbError::ReadDir`]; [`KbError::Db`].
    pub async fn index_dir(&self) -> Result<IndexReport, KbError> {
        let _one_at_a_time = self.inner.indexing.lock().await;
        let pool = &self.inner.pool;
        let known = store::known_hashes(pool).await?;
        let dir = self.inner.config.dir.clone();
        let max_bytes = self.inner.config.max_file_bytes;
        let (known, scan) = tokio::task::spawn_blocking(move || {
            let scan = scan::scan(&dir, &known, max_bytes);
            (known, scan)
        })
        .await
        .map_err(|e| KbError::Task(e.to_string()))?;
        let report = store::apply(pool, &known, scan?).await?;
        tracing::debug!(dir = %self.dir().display(), %report, "knowledge base indexed");
        Ok(report)
    }

    /// Re-runs [`FaqBot::index_dir`] every `every` (first run after one period: call it once
    /// yourself at start so errors surface). Changes and failures are logged; the task runs until
    /// aborted through the returned handle.
    #[must_use = "the watcher runs until its handle is aborted"]
    pub fn watch(&self, every: Duration) -> JoinHandle<()> {
        let bot = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every.max(Duration::from_millis(10)));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await; // the first tick is immediate
            loop {
                ticks.tick().await;
                match bot.index_dir().await {
                    Ok(report) if report.changed() => {
                        tracing::info!(%report, "knowledge base re-indexed");
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "knowledge base re-index failed"),
                }
            }
        })
    }

    /// The articles that answer `text`, best first, at most [`KbConfig::max_results`]: only
    /// those scoring close to the best match, so a clear question gets one article, not three.
    /// Empty when the text has no usable words or nothing matches. Hostile text is safe: it
    /// never reaches FTS5's query syntax.
    ///
    /// # Errors
    ///
    /// [`KbError::Db`] when the index cannot be read.
    pub async fn search(&self, text: &str) -> Result<Vec<Article>, KbError> {
        self.search_in(text, None).await
    }

    /// Like [`FaqBot::search`] for a reader whose language is `locale` (`hi`, `pt-BR`):
    /// articles in it (`lang: hi`, or `lang: pt` for `pt-BR`) and articles for every language
    /// (no `lang`); when none of those match, any article that does, rather than nothing.
    ///
    /// # Errors
    ///
    /// As for [`FaqBot::search`].
    pub async fn search_in(
        &self,
        text: &str,
        locale: Option<&str>,
    ) -> Result<Vec<Article>, KbError> {
        let Some(fts_query) = query::fts_query(text) else {
            return Ok(Vec::new());
        };
        let pool = &self.inner.pool;
        let max = self.inner.config.max_results;
        let languages = locale.map(languages_of);
        let mut hits = store::search(pool, &fts_query, max, languages.as_deref()).await?;
        if hits.is_empty() && languages.is_some() {
            hits = store::search(pool, &fts_query, max, None).await?;
        }
        let terms = query::terms(text);
        Ok(relevance::keep_relevant(hits)
            .into_iter()
            .map(|hit| Article {
                excerpt: excerpt::excerpt(&hit.body, &terms),
                title: hit.title,
                url: hit.url,
            })
            .collect())
    }

    /// The full answer to `text`: a hand-off when a live-agent phrase is present; a greeting or
    /// thanks marked as such ([`Answer::small_talk`]) for the router to answer in kind; otherwise
    /// the matching articles, no items when nothing matches. What the user reads around them
    /// (the intro above articles, the "nothing found" text, the reply to small talk) is the
    /// router's, in their language.
    ///
    /// # Errors
    ///
    /// As for [`FaqBot::search`].
    pub async fn ask(&self, text: &str) -> Result<Answer, KbError> {
        self.ask_in(text, None).await
    }

    /// [`FaqBot::ask`] for a reader whose language is `locale` ([`FaqBot::search_in`]).
    ///
    /// # Errors
    ///
    /// As for [`FaqBot::search`].
    pub async fn ask_in(&self, text: &str, locale: Option<&str>) -> Result<Answer, KbError> {
        if self.inner.handoff.matches(text) {
            return Ok(Answer {
                hand_off: true,
                ..Answer::default()
            });
        }
        if let Some(kind) = small_talk::classify(text) {
            return Ok(Answer {
                small_talk: Some(kind),
                ..Answer::default()
            });
        }
        let articles = self.search_in(text, locale).await?;
        Ok(Answer {
            items: articles.into_iter().map(AnswerItem::Article).collect(),
            ..Answer::default()
        })
    }

    /// How many articles are searchable.
    ///
    /// # Errors
    ///
    /// [`KbError::Db`].
    pub async fn article_count(&self) -> Result<u64, KbError> {
        store::count(&self.inner.pool).await
    }

    fn dir(&self) -> &Path {
        &self.inner.config.dir
    }
}

/// The `lang` values an article for `locale` may carry: the locale itself and its language
/// (`pt-BR` → `pt-br`, `pt`), lower-cased as the index stores them.
fn languages_of(locale: &str) -> Vec<String> {
    let locale = locale.trim().to_ascii_lowercase();
    let language = locale
        .split_once(['-', '_'])
        .map_or_else(|| locale.clone(), |(language, _)| language.to_owned());
    vec![locale, language]
}

#[async_trait]
impl VirtualAgent for FaqBot {
    async fn answer(&self, question: &Question) -> Result<Answer, VirtualAgentError> {
        let asked = self.ask_in(&question.text, question.locale.as_deref());
        match tokio::time::timeout(ANSWER_DEADLINE, asked).await {
            Err(_elapsed) => Err(VirtualAgentError::Timeout),
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(error)) => {
                tracing::warn!(%error, "FAQ bot failed to answer");
                Err(VirtualAgentError::Unavailable(error.to_string()))
            }
        }
    }
}
