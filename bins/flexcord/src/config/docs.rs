//! The configuration documents rendered from the setting rows: the tables of
//! `docs/configuration.md` and the whole of `docs/flexcord.example.toml`. A test compares them
//! with the committed files; `FLEXCORD_BLESS=1 cargo test -p flexcord config::docs` rewrites them.

use std::fmt::Write as _;

use flexcord_core::config::RouterConfig;

use super::Needs;
use super::components::COMPONENTS;
use super::file::ROUTER_SECTION;
use super::merge::mode_name;
use super::table::{Component, Kind, Sample, Setting, Unset};

/// Opens a generated table in `docs/configuration.md`: `<!-- BEGIN generated: NAME -->`.
const BEGIN: &str = "<!-- BEGIN generated: ";
/// Closes it.
const END: &str = "<!-- END generated -->";

/// The command that regenerates both documents, for messages.
pub const BLESS: &str = "FLEXCORD_BLESS=1 cargo test -p flexcord config::docs";

/// The example file's sections in order, each with the comment above it. A section with rows
/// but not listed here comes last, without a comment.
const SECTIONS: &[(&str, &str)] = &[
    ("discord", ""),
    (
        "twilio",
        "`flexcord setup twilio` reads TWILIO_TASK_CHANNEL_SID from the environment only.",
    ),
    ("server", ""),
    ("database", ""),
    ("kb", ""),
    ("announcements", ""),
    (
        "seachat",
        "An external virtual agent; without a url the embedded FAQ bot answers.",
    ),
    (
        "cases",
        "An external case system; without a url cases live in flexcord's database.",
    ),
    (ROUTER_SECTION, ""),
];

const EXAMPLE_HEADER: &str = "\
# flexcord configuration file: every key, with its environment variable and default.
# Generated from bins/flexcord/src/config/components/ (see docs/configuration.md).
#
# Use it with `flexcord --config flexcord.toml run` (or FLEXCORD_CONFIG=flexcord.toml).
# Every key is optional, and an environment variable that is set (and not empty) always wins
# over the file. Unknown keys and sections are errors, so a typo is reported instead of ignored.
# Secrets (tokens, API keys, database passwords) are better kept in the environment.
# See docs/configuration.md for what each setting does.
";

/// The column where the example file's end-of-line comments start.
const COMMENT_COLUMN: usize = 47;

/// `docs/configuration.md` with every generated table replaced by the one the rows give.
///
/// # Errors
///
/// A block names no component, is not closed, or a component has no block.
pub fn configuration_md(current: &str) -> Result<String, String> {
    let mut out = String::with_capacity(current.len());
    let mut rest = current;
    let mut seen = Vec::new();
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let name_end = after
            .find(" -->")
            .ok_or("a BEGIN generated marker is not closed with ` -->`")?;
        let name = &after[..name_end];
        let component = COMPONENTS
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| format!("no component named {name:?} for a generated table"))?;
        let body = &after[name_end + " -->".len()..];
        let end = body
            .find(END)
            .ok_or_else(|| format!("the generated table {name:?} has no `{END}`"))?;
        out.push_str(&rest[..start + BEGIN.len() + name_end + " -->".len()]);
        out.push('\n');
        out.push_str(&markdown_table(component));
        out.push_str(END);
        rest = &body[end + END.len()..];
        seen.push(name);
    }
    out.push_str(rest);
    match COMPONENTS.iter().find(|c| !seen.contains(&c.name)) {
        Some(missing) => Err(format!(
            "docs/configuration.md has no `{BEGIN}{} -->` … `{END}` block",
            missing.name
        )),
        None => Ok(out),
    }
}

/// One component's Markdown table.
fn markdown_table(component: &Component) -> String {
    let mut out = String::from("| variable | file key | meaning | default |\n|---|---|---|---|\n");
    for setting in component.settings {
        let variable = setting
            .env
            .map_or_else(|| "— (file only)".to_owned(), |env| format!("`{env}`"));
        let file_key = match (&setting.file, setting.kind) {
            (Some(key), Kind::List) => format!("`{key}` (a list)"),
            (Some(key), _) => format!("`{key}`"),
            (None, _) => "— (environment only)".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {variable} | {file_key} | {} | {} |",
            setting.doc,
            unset_doc(setting.unset)
        );
    }
    out
}

fn unset_doc(unset: Unset) -> String {
    match unset {
        Unset::Default(text) => format!("`{text}`"),
        Unset::Required(needs, _) => format!(
            "required for {}",
            needs
                .iter()
                .map(|n| commands(*n))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Unset::RequiredIn(mode) => format!("required in {} mode", mode_name(mode)),
        Unset::Means(text) => text.to_owned(),
    }
}

/// The commands that validate for `needs`, as the documentation names them.
fn commands(needs: Needs) -> &'static str {
    match needs {
        Needs::Run => "`run`, `check`",
        Needs::Discord => "`setup discord`",
        Needs::Twilio => "`setup twilio`",
        Needs::Local => "every command",
    }
}

/// `docs/flexcord.example.toml`: every file key with its variable, and the router's defaults.
#[must_use]
pub fn example_toml() -> String {
    let rows: Vec<&Setting> = COMPONENTS.iter().flat_map(|c| c.settings).collect();
    let mut sections: Vec<(&str, &str)> = SECTIONS.to_vec();
    for row in &rows {
        if let Some(key) = row.file
            && !sections.iter().any(|(name, _)| *name == key.section)
        {
            sections.push((key.section, ""));
        }
    }
    let mut out = String::from(EXAMPLE_HEADER);
    for (section, intro) in sections {
        out.push('\n');
        if !intro.is_empty() {
            let _ = writeln!(out, "# {intro}");
        }
        let _ = writeln!(out, "[{section}]");
        for row in rows
            .iter()
            .filter(|row| row.file.is_some_and(|k| k.section == section))
        {
            if let Some(line) = example_line(row) {
                out.push_str(&line);
            }
        }
        if section == ROUTER_SECTION {
            out.push_str(&router_example());
        }
    }
    out
}

/// `[#] key = value   # VARIABLE: note`.
fn example_line(row: &Setting) -> Option<String> {
    let key = row.file?;
    let (commented, value) = match row.sample {
        Sample::None => return None,
        Sample::Default => match row.unset {
            Unset::Default(text) => (false, toml_value(row.kind, text)),
            _ => return None,
        },
        Sample::Active(value) => (false, value.to_owned()),
        Sample::Commented(value) => (true, value.to_owned()),
    };
    let assignment = format!("{}{} = {value}", if commented { "# " } else { "" }, key.key);
    let comment = match (row.env, row.note) {
        (Some(env), "") => env.to_owned(),
        (Some(env), note) => format!("{env}: {note}"),
        (None, note) => note.to_owned(),
    };
    Some(if comment.is_empty() {
        format!("{assignment}\n")
    } else {
        format!(
            "{assignment:<width$} # {comment}\n",
            width = COMMENT_COLUMN - 1
        )
    })
}

/// A default (as the variable would be written) as a TOML value of its kind.
fn toml_value(kind: Kind, text: &str) -> String {
    match kind {
        Kind::Number => text.to_owned(),
        Kind::Text => toml::Value::String(text.to_owned()).to_string(),
        Kind::List => toml::Value::Array(
            super::table::Raw::Text(text.to_owned())
                .into_list()
                .into_iter()
                .map(toml::Value::String)
                .collect(),
        )
        .to_string(),
    }
}

/// `[router]`'s own keys and `[router.templates]`, at their defaults.
fn router_example() -> String {
    let defaults = RouterConfig::default();
    let keywords = toml::Value::Array(
        defaults
            .handoff_keywords
            .iter()
            .cloned()
            .map(toml::Value::String)
            .collect(),
    );
    let templates = toml::to_string(&defaults.templates)
        .unwrap_or_else(|error| format!("# the default templates could not be shown: {error}\n"));
    format!(
        "# A DM that is one of these, or a short request built around one, asks for a live agent\n\
         # (case-insensitive; not inside a longer sentence). In studio mode `flexcord setup twilio` also writes them into the flow.\n\
         handoff_keywords = {keywords}\n\
         {:<width$} # transcript lines kept per chat, oldest dropped\n\
         \n\
         # What users read. Keys you leave out keep their defaults (shown here). {{placeholders}} are\n\
         # filled in by the router; an unknown one is left as written.\n\
         [{ROUTER_SECTION}.templates]\n\
         {templates}",
        format!("transcript_limit = {}", defaults.transcript_limit),
        width = COMMENT_COLUMN - 1,
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::{FileConfig, Settings};

    fn docs_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
    }

    /// `FLEXCORD_BLESS=1`: rewrite the documents instead of comparing.
    fn bless() -> bool {
        std::env::var("FLEXCORD_BLESS").is_ok_and(|v| v == "1")
    }

    /// Compares `wanted` with the committed file, or writes it when blessing.
    fn check_or_bless(name: &str, wanted: &str) {
        let path = docs_dir().join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == wanted {
            return;
        }
        if bless() {
            // Replaced in one step: another test may be reading the file meanwhile.
            let fresh = path.with_extension("blessed");
            std::fs::write(&fresh, wanted).expect("write the document");
            std::fs::rename(&fresh, &path).expect("replace the document");
            return;
        }
        let line = committed
            .lines()
            .zip(wanted.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(wanted.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/{name} differs from the setting tables (first at line {line}).\n\
             Regenerate it with `{BLESS}` and commit the result."
        );
    }

    #[test]
    fn configuration_md_tables_match_the_rows() {
        let committed =
            std::fs::read_to_string(docs_dir().join("configuration.md")).unwrap_or_default();
        let wanted = configuration_md(&committed).unwrap_or_else(|e| panic!("{e}"));
        check_or_bless("configuration.md", &wanted);
    }

    /// `locales/en.toml` is the built-in English texts, for deployments to read and copy.
    #[test]
    fn shipped_english_locale_matches_the_built_in_texts() {
        check_or_bless("../locales/en.toml", &crate::locales::english_file());
    }

    #[test]
    fn example_toml_matches_the_rows() {
        check_or_bless("flexcord.example.toml", &example_toml());
    }

    #[test]
    fn every_template_is_documented() {
        let committed =
            std::fs::read_to_string(docs_dir().join("configuration.md")).unwrap_or_default();
        let templates = toml::Table::try_from(RouterConfig::default().templates).expect("a table");
        for key in templates.keys() {
            assert!(
                committed.contains(&format!("| `{key}` |")),
                "docs/configuration.md's [router.templates] table has no row for `{key}`"
            );
        }
    }

    #[test]
    fn the_example_file_is_valid_for_run() {
        let file = FileConfig::parse(&example_toml()).expect("the example parses");
        let env = [("DISCORD_TOKEN", "t"), ("TWILIO_AUTH_TOKEN", "x")];
        let settings = Settings::load(file, &env, Needs::Run).expect("the example is valid");
        let defaults = RouterConfig::default();
        assert_eq!(settings.router.templates, defaults.templates);
        assert_eq!(settings.router.handoff_keywords, defaults.handoff_keywords);
        assert_eq!(settings.router.locales.default_tag(), "en");
    }
}
