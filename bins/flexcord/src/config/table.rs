//! What a setting is, as data: one [`Setting`] row says where the value comes from (environment
//! variable, file key), how it is parsed and checked, what happens when it is unset, where it
//! lands in [`Settings`] and how it is documented. The merge (`merge.rs`), the file reader
//! (`file.rs`) and the generated documentation (`docs.rs`) all read the same rows, so adding a
//! setting is one row in `components/` plus the field it fills.

use flexcord_core::config::RoutingMode;

use super::{Needs, Settings};

/// One component's settings, documented as one table in `docs/configuration.md`.
#[derive(Debug)]
pub(crate) struct Component {
    /// The name of the generated block in `docs/configuration.md` (`<!-- BEGIN generated: … -->`).
    pub(crate) name: &'static str,
    /// The rows, in the order they are merged and documented.
    pub(crate) settings: &'static [Setting],
}

/// One setting.
#[derive(Debug)]
pub(crate) struct Setting {
    /// The environment variable (`None`: file only).
    pub(crate) env: Option<&'static str>,
    /// `[section] key` in the TOML file (`None`: environment only).
    pub(crate) file: Option<FileKey>,
    /// The TOML type in the file, and how the environment's text is split.
    pub(crate) kind: Kind,
    /// What happens when neither the environment nor the file sets it.
    pub(crate) unset: Unset,
    /// The "meaning" column of the documentation (Markdown).
    pub(crate) doc: &'static str,
    /// The line of `docs/flexcord.example.toml`.
    pub(crate) sample: Sample,
    /// A short note after the variable in the example file's comment (`""`: none).
    pub(crate) note: &'static str,
    /// Parses, checks and stores the value. `None`: documented here, read by the one command that
    /// needs it (`TWILIO_TASK_CHANNEL_SID`, `FLEXCORD_CONFIG`, `RUST_LOG`), never merged.
    pub(crate) apply: Option<Apply>,
}

/// Parses, checks and stores a raw value; the problems are message tails ("must be a number, got
/// \"x\"") that the merge prefixes with the setting's name.
pub(crate) type Apply = fn(&mut Settings, Raw) -> Result<(), Problems>;

impl Setting {
    /// Every field at its "nothing" value, for `..Setting::BASE` in the tables.
    pub(crate) const BASE: Self = Self {
        env: None,
        file: None,
        kind: Kind::Text,
        unset: Unset::Means("none"),
        doc: "",
        sample: Sample::None,
        note: "",
        apply: None,
    };

    /// The name problems are reported under: the variable, or `[section] key` for file-only rows.
    pub(crate) fn name(&self) -> String {
        match (self.env, &self.file) {
            (Some(env), _) => env.to_owned(),
            (None, Some(key)) => key.to_string(),
            (None, None) => "(unnamed setting)".to_owned(),
        }
    }
}

/// `[section] key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    /// The TOML table.
    pub(crate) section: &'static str,
    /// The key inside it.
    pub(crate) key: &'static str,
}

impl FileKey {
    /// `[section] key`.
    pub(crate) const fn new(section: &'static str, key: &'static str) -> Self {
        Self { section, key }
    }
}

impl std::fmt::Display for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.section, self.key)
    }
}

/// The value's type in the file, and how the environment's text becomes a [`Raw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A TOML string; the variable's text as is.
    Text,
    /// A non-negative TOML integer; the variable's text, parsed by the row.
    Number,
    /// A TOML array of strings; the variable is comma-separated and replaces the file's list.
    List,
}

/// When neither the environment nor the file sets a value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Unset {
    /// This text is parsed as if it had been given (documented as the default).
    Default(&'static str),
    /// Required by these commands; the text, when not empty, explains why in the message.
    Required(&'static [Needs], &'static str),
    /// Required by `run` in this routing mode.
    RequiredIn(RoutingMode),
    /// Stays unset; the documentation says what that means.
    Means(&'static str),
}

/// How a row appears in `docs/flexcord.example.toml`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sample {
    /// Not in the file (environment-only rows).
    None,
    /// `key = <the default>`.
    Default,
    /// `key = <this TOML value>`.
    Active(&'static str),
    /// `# key = <this TOML value>`: shown, but left to the reader (secrets, optional overrides).
    Commented(&'static str),
}

/// A value as given, before its row parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raw {
    /// One value (a number from the file arrives as its decimal text).
    Text(String),
    /// A list (a TOML array, or a comma-separated variable).
    List(Vec<String>),
}

impl Raw {
    /// The value as one text (a list is joined with commas, as the variable would be written).
    pub(crate) fn into_text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::List(items) => items.join(","),
        }
    }

    /// The value as a list (one text is split on commas, blanks dropped).
    pub(crate) fn into_list(self) -> Vec<String> {
        match self {
            Self::Text(text) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Self::List(items) => items,
        }
    }
}

/// Message tails for one setting: one per problem.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Problems(pub(crate) Vec<String>);

impl From<String> for Problems {
    fn from(problem: String) -> Self {
        Self(vec![problem])
    }
}

impl From<&str> for Problems {
    fn from(problem: &str) -> Self {
        Self(vec![problem.to_owned()])
    }
}

/// Builds a row's [`Apply`] from a parser (`Raw -> Result<T, Problems>`), optional checks
/// (`&T -> Result<(), Problems>`) and where the value goes:
/// `apply!(parse::number => |s, v| s.discord.guild_id = Some(v))`.
macro_rules! apply {
    ($parse:expr $(, $check:expr)* => |$s:ident, $v:ident| $store:expr) => {
        Some(
            (|$s: &mut $crate::config::Settings,
              raw: $crate::config::table::Raw|
             -> Result<(), $crate::config::table::Problems> {
                let $v = ($parse)(raw)?;
                $(($check)(&$v)?;)*
                $store;
                Ok(())
            }) as $crate::config::table::Apply,
        )
    };
}
pub(crate) use apply;
