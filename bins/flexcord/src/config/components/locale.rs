//! `[locale]`: which language users read when Discord does not say (or flexcord has no texts
//! in theirs), and a folder of a deployment's own locale files.

use crate::config::parse;
use crate::config::table::{Component, FileKey, Problems, Sample, Setting, Unset, apply};

const SECTION: &str = "locale";

pub(super) const COMPONENT: Component = Component {
    name: "locale",
    settings: &[
        Setting {
            env: Some("FLEXCORD_DEFAULT_LOCALE"),
            file: Some(FileKey::new(SECTION, "default")),
            unset: Unset::Default("en"),
            doc: "the language of users whose Discord locale has no texts (`en`, `hi`, or a \
                  locale of `FLEXCORD_LOCALES_DIR`), and of what staff and agents read",
            sample: Sample::Default,
            apply: apply!(parse::text, plain_tag => |s, v| s.locale.default = v),
            ..Setting::BASE
        },
        Setting {
            env: Some("FLEXCORD_LOCALES_DIR"),
            file: Some(FileKey::new(SECTION, "dir")),
            unset: Unset::Means("unset: the shipped English and Hindi texts"),
            doc: "a folder of locale files (`<locale>.toml`, like the shipped `locales/hi.toml`) \
                  that add languages or change texts of shipped ones",
            sample: Sample::Commented("\"/etc/flexcord/locales\""),
            apply: apply!(parse::path => |s, v| s.locale.dir = Some(v)),
            ..Setting::BASE
        },
    ],
};

fn plain_tag(tag: &str) -> Result<(), Problems> {
    match flexcord_core::locale::checked_tag(tag) {
        Some(_) => Ok(()),
        None => Err("must be a locale like `en`, `hi` or `pt-BR`".into()),
    }
}
