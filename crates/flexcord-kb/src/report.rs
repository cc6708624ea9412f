//! What an indexing run did, file by file.

use std::fmt;

/// Why a file was not indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Larger than [`KbConfig::max_file_bytes`](crate::KbConfig::max_file_bytes).
    TooLarge {
        /// The file's size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// Not valid UTF-8 text.
    NotUtf8,
    /// Contains NUL bytes: a binary file with a `.md` name.
    Binary,
    /// Nothing but whitespace (and maybe empty front matter): no title, no text.
    NoContent,
    /// The OS refused to read it (permissions, vanished mid-scan…).
    Unreadable(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { bytes, limit } => {
                write!(f, "too large ({bytes} bytes, limit {limit})")
            }
            Self::NotUtf8 => f.write_str("not UTF-8 text"),
            Self::Binary => f.write_str("binary content (NUL bytes)"),
            Self::NoContent => f.write_str("no content"),
            Self::Unreadable(why) => write!(f, "unreadable: {why}"),
        }
    }
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Path relative to the knowledge-base folder, with `/` separators.
    pub path: String,
    /// Why.
    pub reason: SkipReason,
}

/// The outcome of [`FaqBot::index_dir`](crate::FaqBot::index_dir). Paths are relative to the
/// knowledge-base folder, with `/` separators, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// New files, now indexed.
    pub added: Vec<String>,
    /// Files whose content changed, re-indexed.
    pub updated: Vec<String>,
    /// Files no longer indexed: deleted from the folder, or now skipped (see `skipped`).
    pub removed: Vec<String>,
    /// Files whose content is what was indexed already; not touched.
    pub unchanged: Vec<String>,
    /// `.md` files that could not be indexed.
    pub skipped: Vec<Skipped>,
}

impl IndexReport {
    /// True when the run changed the index.
    #[must_use]
    pub fn changed(&self) -> bool {
        !(self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty())
    }

    /// How many articles are searchable after the run.
    #[must_use]
    pub fn indexed(&self) -> usize {
        self.added.len() + self.updated.len() + self.unchanged.len()
    }
}

impl fmt::Display for IndexReport {
    /// One line, for logs and `flexcord kb index`: counts, then each skipped file and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} added, {} updated, {} removed, {} unchanged, {} skipped",
            self.added.len(),
            self.updated.len(),
            self.removed.len(),
            self.unchanged.len(),
            self.skipped.len()
        )?;
        for skipped in &self.skipped {
            write!(f, "; skipped {}: {}", skipped.path, skipped.reason)?;
        }
        Ok(())
    }
}
