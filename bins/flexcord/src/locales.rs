//! The texts in every language flexcord speaks: the shipped locale files (`locales/*.toml`,
//! compiled in), a deployment's own folder of them (`FLEXCORD_LOCALES_DIR`) and the default
//! locale (`FLEXCORD_DEFAULT_LOCALE`), built into the router's [`Locales`].
//!
//! A locale file is a flat TOML table of template keys (`greeting = "…"`), named after the
//! Discord locale it serves (`hi.toml`, `pt-BR.toml`; `pt.toml` serves every `pt-*`). Each set
//! is built key by key: English (the built-in texts with `[router.templates]`), then the shipped
//! file of that locale, then the folder's; so a folder file may change one key of a shipped
//! language, or add a language of its own and fall back to English for what it leaves out.

use std::collections::BTreeMap;
use std::path::Path;

use flexcord_core::config::Templates;
use flexcord_core::locale::{Locales, checked_tag};

/// The locale files shipped with flexcord: English (generated from the built-in texts; the
/// `config::docs` test keeps it in step) and Hindi.
pub const SHIPPED: &[(&str, &str)] = &[
    ("en", include_str!("../../../locales/en.toml")),
    ("hi", include_str!("../../../locales/hi.toml")),
];

/// The English locale file as the built-in texts make it.
#[must_use]
pub fn english_file() -> String {
    let keys = toml::to_string(&Templates::default())
        .unwrap_or_else(|error| format!("# the default texts could not be shown: {error}\n"));
    format!(
        "# flexcord's texts in English, the built-in defaults. Generated from the code: regenerate\n\
         # with `FLEXCORD_BLESS=1 cargo test -p flexcord config::docs`, never edit by hand.\n\
         # To change an English text, set it in `[router.templates]` or in an `en.toml` of\n\
         # FLEXCORD_LOCALES_DIR. {{placeholders}} are filled in by flexcord.\n\
         {keys}"
    )
}

/// Builds the sets: English from `english` (the built-in texts with `[router.templates]`),
/// the shipped files, the files of `dir`, and checks that `default` has texts.
///
/// # Errors
///
/// Every problem, one line each: an unreadable folder or file, a file that is not TOML, an
/// unknown key (a typo would otherwise be silently English), a file name that is not a locale,
/// a default locale without texts.
pub fn build(
    english: &Templates,
    default: &str,
    dir: Option<&Path>,
) -> Result<Locales, Vec<String>> {
    let mut problems = Vec::new();
    let mut tables: BTreeMap<String, toml::Table> = BTreeMap::new();
    for (tag, text) in SHIPPED {
        // English's shipped file is the built-in texts themselves: `[router.templates]`
        // (already in `english`) wins over it.
        if *tag == "en" {
            tables.insert((*tag).to_owned(), toml::Table::new());
            continue;
        }
        match toml::from_str::<toml::Table>(text) {
            Ok(table) => {
                tables.insert((*tag).to_owned(), table);
            }
            Err(error) => problems.push(format!("shipped locale {tag}: {error}")),
        }
    }
    if let Some(dir) = dir {
        read_dir(dir, &mut tables, &mut problems);
    }
    let base = match toml::Table::try_from(english) {
        Ok(table) => table,
        Err(error) => {
            problems.push(format!(
                "the English texts cannot be written as TOML: {error}"
            ));
            toml::Table::new()
        }
    };
    let mut sets = BTreeMap::new();
    for (tag, table) in tables {
        let mut merged = base.clone();
        merged.extend(table);
        match merged.try_into::<Templates>() {
            Ok(templates) => {
                sets.insert(tag, templates);
            }
            Err(error) => problems.push(format!("locale {tag}: {error}")),
        }
    }
    let locales = Locales::new(default, sets);
    if locales.find_own(default).is_none() {
        let known: Vec<&str> = locales.sets().map(|(tag, _)| tag).collect();
        problems.push(format!(
            "FLEXCORD_DEFAULT_LOCALE `{default}` has no texts (locales: {})",
            known.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(locales)
    } else {
        Err(problems)
    }
}

/// Reads every `<locale>.toml` of `dir` over the shipped table of the same locale.
fn read_dir(dir: &Path, tables: &mut BTreeMap<String, toml::Table>, problems: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(format!(
                "FLEXCORD_LOCALES_DIR {} cannot be read: {error}",
                dir.display()
            ));
            return;
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let Some(tag) = checked_tag(stem) else {
            problems.push(format!(
                "{}: the file name is not a locale (like `hi.toml` or `pt-BR.toml`)",
                path.display()
            ));
            continue;
        };
        let table = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| toml::from_str::<toml::Table>(&text).map_err(|e| e.to_string()));
        match table {
            Ok(table) => {
                // The shipped file of the same locale, whatever case the name is written in.
                let key = tables
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case(&tag))
                    .cloned()
                    .unwrap_or(tag);
                tables.entry(key).or_default().extend(table);
            }
            Err(error) => problems.push(format!("{}: {error}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `{placeholders}` of a template.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut found: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Every key flexcord has is in every shipped locale, so no user reads a language mixed
    /// with English. A key added later must be added to `locales/hi.toml` (and any other
    /// shipped file) too.
    #[test]
    fn every_template_key_exists_in_every_shipped_locale() {
        let english = toml::Table::try_from(Templates::default()).expect("a table");
        let mut missing = Vec::new();
        for (tag, text) in SHIPPED {
            let table: toml::Table = toml::from_str(text)
                .unwrap_or_else(|e| panic!("locales/{tag}.toml is not valid TOML: {e}"));
            for (key, value) in &english {
                match table.get(key).and_then(toml::Value::as_str) {
                    None => missing.push(format!("`{key}` is missing from locales/{tag}.toml")),
                    Some(translated) => {
                        let wanted = placeholders(value.as_str().unwrap_or_default());
                        let got = placeholders(translated);
                        if got.iter().any(|p| !wanted.contains(p)) {
                            missing.push(format!(
                                "`{key}` in locales/{tag}.toml uses placeholders {got:?}; \
                                 the English text has only {wanted:?}"
                            ));
                        }
                    }
                }
            }
            for key in table.keys() {
                if !english.contains_key(key) {
                    missing.push(format!("locales/{tag}.toml has an unknown key `{key}`"));
                }
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn shipped_sets_build_with_english_by_default() {
        let locales = build(&Templates::default(), "en", None).expect("builds");
        let tags: Vec<&str> = locales.sets().map(|(tag, _)| tag).collect();
        assert_eq!(tags, ["en", "hi"]);
        let hindi = locales.find(Some("hi")).expect("hindi");
        assert_eq!(hindi.button_talk_to_agent, "लाइव एजेंट से बात करें");
        assert_eq!(locales.find(Some("xx")), Some(&Templates::default()));
        assert_eq!(locales.find(Some("en-GB")), Some(&Templates::default()));
    }

    #[test]
    fn router_templates_set_english_and_hindi_stays_hindi() {
        let english = Templates {
            greeting: "Ahoy {user}".into(),
            ..Templates::default()
        };
        let locales = build(&english, "en", None).expect("builds");
        assert_eq!(
            locales.find(Some("en-US")).map(|t| t.greeting.as_str()),
            Some("Ahoy {user}")
        );
        assert!(
            locales
                .find(Some("hi"))
                .is_some_and(|t| t.greeting.starts_with("नमस्ते"))
        );
    }

    #[test]
    fn a_folder_adds_a_language_and_changes_a_key_of_a_shipped_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("pt.toml"), "greeting = \"Olá {user}!\"\n").expect("write");
        std::fs::write(dir.path().join("hi.toml"), "answer_intro = \"यह देखें:\"\n").expect("write");
        let locales = build(&Templates::default(), "pt", Some(dir.path())).expect("builds");
        let pt = locales.find(Some("pt-BR")).expect("pt");
        assert_eq!(pt.greeting, "Olá {user}!");
        // What the file leaves out reads English.
        assert_eq!(pt.chat_ended, Templates::default().chat_ended);
        let hi = locales.find(Some("hi")).expect("hi");
        assert_eq!(hi.answer_intro, "यह देखें:");
        assert_eq!(hi.button_end_chat, "चैट समाप्त करें");
        // The default locale is what an unknown language reads.
        assert_eq!(
            locales.find(Some("sv-SE")).map(|t| t.greeting.as_str()),
            Some("Olá {user}!")
        );
    }

    #[test]
    fn typos_bad_names_and_a_default_without_texts_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("es.toml"), "greting = \"Hola\"\n").expect("write");
        std::fs::write(dir.path().join("not a locale.toml"), "").expect("write");
        let problems = build(&Templates::default(), "fr", Some(dir.path())).expect_err("refused");
        let all = problems.join("\n");
        assert!(
            all.contains("locale es") && all.contains("greting"),
            "{all}"
        );
        assert!(all.contains("not a locale"), "{all}");
        assert!(all.contains("FLEXCORD_DEFAULT_LOCALE `fr`"), "{all}");
    }
}
