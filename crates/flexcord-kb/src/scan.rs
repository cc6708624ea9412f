//! Reads the knowledge-base folder: finds `.md` files, hashes them, parses the changed ones.
//! Blocking file I/O; the bot runs it on tokio's blocking pool.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::article::{self, ParsedArticle};
use crate::error::KbError;
use crate::report::{SkipReason, Skipped};

/// Sub-folders deeper than this are not visited: a guard against absurd trees.
const MAX_DEPTH: usize = 8;

/// A file whose content differs from what is indexed (or that is new).
#[derive(Debug)]
pub(crate) struct Changed {
    pub(crate) path: String,
    pub(crate) hash: String,
    pub(crate) article: ParsedArticle,
}

/// What the folder holds compared with the index.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// New or modified articles, parsed.
    pub(crate) changed: Vec<Changed>,
    /// Paths whose hash equals the indexed one.
    pub(crate) unchanged: Vec<String>,
    /// Files that cannot be indexed.
    pub(crate) skipped: Vec<Skipped>,
}

/// Scans `dir`. `known` maps each indexed path to its content hash; only files whose hash
/// differs are read into articles.
///
/// # Errors
///
/// [`KbError::MissingDir`], [`KbError::Empty`] when no `.md` file exists at all, and
/// [`KbError::ReadDir`] when the folder itself cannot be listed.
pub(crate) fn scan(
    dir: &Path,
    known: &HashMap<String, String>,
    max_bytes: u64,
) -> Result<Scan, KbError> {
    if !dir.is_dir() {
        return Err(KbError::MissingDir(dir.to_path_buf()));
    }
    let mut files = Vec::new();
    let mut scan = Scan::default();
    walk(dir, dir, 0, &mut files, &mut scan.skipped).map_err(|source| KbError::ReadDir {
        path: dir.to_path_buf(),
        source,
    })?;
    if files.is_empty() && scan.skipped.is_empty() {
        return Err(KbError::Empty(dir.to_path_buf()));
    }
    files.sort();
    for (rel, path) in files {
        match read_article_text(&path, max_bytes) {
            Err(reason) => scan.skipped.push(Skipped { path: rel, reason }),
            Ok(text) => {
                let hash = hex_sha256(text.as_bytes());
                if known.get(&rel) == Some(&hash) {
                    scan.unchanged.push(rel);
                    continue;
                }
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy())
                    .unwrap_or_default();
                let article = article::parse(&stem, &text);
                if article.has_content {
                    scan.changed.push(Changed {
                        path: rel,
                        hash,
                        article,
                    });
                } else {
                    scan.skipped.push(Skipped {
                        path: rel,
                        reason: SkipReason::NoContent,
                    });
                }
            }
        }
    }
    scan.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan)
}

/// Collects `(relative path, full path)` of every `.md` file under `dir`. Hidden entries are
/// ignored; symlinks to files are followed, symlinks to folders are not (no loops). A
/// sub-folder that cannot be listed is reported as skipped; only the root failing is an error.
fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    files: &mut Vec<(String, PathBuf)>,
    skipped: &mut Vec<Skipped>,
) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel = relative(root, &path);
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if depth < MAX_DEPTH
                && let Err(e) = walk(root, &path, depth + 1, files, skipped)
            {
                skipped.push(Skipped {
                    path: rel,
                    reason: SkipReason::Unreadable(e.to_string()),
                });
            }
            continue;
        }
        if !is_markdown(&path) {
            continue;
        }
        let is_file = if file_type.is_symlink() {
            fs::metadata(&path).map(|m| m.is_file()).unwrap_or(false)
        } else {
            file_type.is_file()
        };
        if is_file {
            files.push((rel, path));
        }
    }
    Ok(())
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads a file as text, never more than `max_bytes` (+1 to notice growth since `stat`).
fn read_article_text(path: &Path, max_bytes: u64) -> Result<String, SkipReason> {
    let unreadable = |e: std::io::Error| SkipReason::Unreadable(e.to_string());
    let file = fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > max_bytes {
        return Err(SkipReason::TooLarge {
            bytes: size,
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::new();
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > max_bytes {
        return Err(SkipReason::TooLarge {
            bytes: read,
            limit: max_bytes,
        });
    }
    if bytes.contains(&0) {
        return Err(SkipReason::Binary);
    }
    String::from_utf8(bytes).map_err(|_| SkipReason::NotUtf8)
}

fn hex_sha256(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}
