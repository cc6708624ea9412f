//! How the FAQ bot is set up: where the articles are, where the index lives, what it says.

use std::path::PathBuf;

/// Where the FTS5 index lives. The index is derived data: it can always be rebuilt from the
/// folder, so in-memory is a fine default for a single instance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KbDb {
    /// A private in-memory database, gone when the [`FaqBot`](crate::FaqBot) (all its clones)
    /// is dropped. Indexing the sample knowledge base takes milliseconds.
    #[default]
    Memory,
    /// A SQLite file (created when missing), so a restart only re-reads changed articles.
    File(PathBuf),
}

/// Everything [`FaqBot::open`](crate::FaqBot::open) needs. Start from
/// [`KbConfig::default`] and override fields:
///
/// ```
/// use flexcord_kb::{KbConfig, KbDb};
/// let config = KbConfig { dir: "./kb".into(), db: KbDb::Memory, max_results: 3, ..KbConfig::default() };
/// # let _ = config;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbConfig {
    /// Folder of Markdown articles (`FLEXCORD_KB_DIR`), read recursively.
    pub dir: PathBuf,
    /// Where the index lives.
    pub db: KbDb,
    /// At most this many articles per answer.
    pub max_results: usize,
    /// Files larger than this are skipped (reported, not indexed).
    pub max_file_bytes: u64,
    /// Phrases that mean "let me talk to a person". A question asks for a hand-off when it is
    /// one, or a short request built around one, case-insensitively ("live agent" matches "Live
    /// agent please!", not "agentive", not "what does a live agent do?").
    pub handoff_phrases: Vec<String>,
}

/// The default live-agent phrases.
pub const DEFAULT_HANDOFF_PHRASES: &[&str] = &[
    "agent",
    "human",
    "human please",
    "live agent",
    "real person",
    "talk to someone",
    "talk to a person",
    "speak to someone",
    "speak to a person",
    "customer service representative",
    "representative",
];

impl Default for KbConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("./kb"),
            db: KbDb::Memory,
            max_results: 3,
            max_file_bytes: 1024 * 1024,
            handoff_phrases: DEFAULT_HANDOFF_PHRASES
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }
    }
}
