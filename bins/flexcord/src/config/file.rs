//! The optional TOML file (`--config`, `FLEXCORD_CONFIG`). Every key is optional; the
//! environment overrides it. The keys and their types are the setting rows' (`components/`), plus
//! `[router]`'s keywords and templates; unknown keys are errors, so a typo does not silently do
//! nothing.

use std::collections::HashMap;
use std::path::Path;

use flexcord_core::config::RouterConfig;

use super::components::COMPONENTS;
use super::table::{FileKey, Kind, Raw, Setting};

/// The section whose keys without a row are the router's own (`handoff_keywords`,
/// `transcript_limit`, `[router.templates]`), read as [`RouterConfig`].
pub(super) const ROUTER_SECTION: &str = "router";

/// A parsed file: the values of the setting rows, and `[router]`.
#[derive(Default)]
pub struct FileConfig {
    /// By `[section] key`; raw until the merge parses them with the environment's values.
    values: HashMap<FileKey, Raw>,
    /// `[router]` without the keys that have rows (`routing`).
    pub(super) router: Option<RouterConfig>,
}

impl std::fmt::Debug for FileConfig {
    /// Keys only: the file may hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut keys: Vec<String> = self.values.keys().map(ToString::to_string).collect();
        keys.sort();
        f.debug_struct("FileConfig")
            .field("keys", &keys)
            .field("router", &self.router.is_some())
            .finish()
    }
}

/// Why the file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Could not read it.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML for flexcord.
    #[error("config file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong: the parser's message with the line, or every wrong key.
        message: String,
    },
}

impl FileConfig {
    /// Reads and parses a file.
    ///
    /// # Errors
    ///
    /// [`FileError`] when it cannot be read or parsed.
    pub fn read(path: &Path) -> Result<Self, FileError> {
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|message| FileError::Parse {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses TOML text.
    ///
    /// # Errors
    ///
    /// The parser's message, or every unknown key and wrongly typed value (`; `-separated).
    pub fn parse(text: &str) -> Result<Self, String> {
        let document: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut file = Self::default();
        let mut problems = Vec::new();
        for (section, value) in document {
            let toml::Value::Table(table) = value else {
                problems.push(unknown_section_message(
                    &section,
                    "a key outside any section",
                ));
                continue;
            };
            let rows: Vec<&Setting> = rows_in(&section).collect();
            if rows.is_empty() && section != ROUTER_SECTION {
                problems.push(unknown_section_message(&section, "an unknown section"));
                continue;
            }
            let mut rest = toml::Table::new();
            for (key, value) in table {
                let row = rows
                    .iter()
                    .find_map(|row| row.file.filter(|k| k.key == key).map(|k| (k, row.kind)));
                match row {
                    Some((file_key, kind)) => match raw(kind, value) {
                        Ok(raw) => {
                            file.values.insert(file_key, raw);
                        }
                        Err(expected) => problems.push(format!("{file_key} must be {expected}")),
                    },
                    None if section == ROUTER_SECTION => {
                        rest.insert(key, value);
                    }
                    None => problems.push(format!(
                        "unknown key `{key}` in [{section}] (known: {})",
                        rows.iter()
                            .filter_map(|row| row.file.map(|k| k.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            if section == ROUTER_SECTION {
                match toml::Value::Table(rest).try_into::<RouterConfig>() {
                    Ok(router) => file.router = Some(router),
                    Err(error) => problems.push(format!("[{ROUTER_SECTION}]: {error}")),
                }
            }
        }
        if problems.is_empty() {
            Ok(file)
        } else {
            Err(problems.join("; "))
        }
    }

    /// The value of a key, taken out (each is merged once).
    pub(super) fn take(&mut self, key: FileKey) -> Option<Raw> {
        self.values.remove(&key)
    }
}

/// The rows with a key in `section`.
fn rows_in(section: &str) -> impl Iterator<Item = &'static Setting> + '_ {
    COMPONENTS
        .iter()
        .flat_map(|c| c.settings)
        .filter(move |row| row.file.is_some_and(|k| k.section == section))
}

fn unknown_section_message(section: &str, what: &str) -> String {
    let mut known: Vec<&str> = COMPONENTS
        .iter()
        .flat_map(|c| c.settings)
        .filter_map(|row| row.file.map(|k| k.section))
        .collect();
    known.sort_unstable();
    known.dedup();
    format!(
        "`{section}` is {what} (sections: {})",
        known
            .iter()
            .map(|s| format!("[{s}]"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A file value of `kind`, or what it should have been.
fn raw(kind: Kind, value: toml::Value) -> Result<Raw, &'static str> {
    match (kind, value) {
        (Kind::Text, toml::Value::String(text)) => Ok(Raw::Text(text)),
        (Kind::Number, toml::Value::Integer(n)) if n >= 0 => Ok(Raw::Text(n.to_string())),
        (Kind::Number, _) => Err("a whole number of 0 or more (not a string)"),
        (Kind::List, toml::Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                toml::Value::String(text) => Ok(text),
                _ => Err("a list of strings"),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Raw::List),
        (Kind::List, _) => Err("a list of strings"),
        (Kind::Text, _) => Err("a string"),
    }
}
