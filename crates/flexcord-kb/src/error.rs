//! The knowledge base's error type.

use std::path::PathBuf;

use thiserror::Error;

/// Why indexing or searching the knowledge base failed.
///
/// Problems with single files are not errors: they are reported in
/// [`IndexReport::skipped`](crate::IndexReport::skipped) and the rest of the folder is indexed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KbError {
    /// The knowledge-base folder does not exist or is not a folder.
    #[error("knowledge-base folder {} does not exist or is not a folder", .0.display())]
    MissingDir(PathBuf),
    /// The folder holds no `.md` file at all. The index is left as it was, so a mistyped
    /// `FLEXCORD_KB_DIR` does not wipe a working knowledge base.
    #[error("knowledge-base folder {} contains no .md files", .0.display())]
    Empty(PathBuf),
    /// The folder could not be listed.
    #[error("cannot read knowledge-base folder {}: {source}", path.display())]
    ReadDir {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The linked SQLite was built without FTS5 (the bundled one always has it).
    #[error("this SQLite build has no FTS5 full-text search: {0}")]
    Fts5Unavailable(String),
    /// The index database failed.
    #[error("knowledge-base index database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A background task (the folder scan) died.
    #[error("knowledge-base background task failed: {0}")]
    Task(String),
}
