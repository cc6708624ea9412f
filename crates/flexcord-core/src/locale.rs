//! Languages: the template sets by locale tag, and which one a user reads.
//!
//! Discord tells us each user's language with every interaction (`locale`: `hi`, `pt-BR`,
//! `en-US`…). A user reads the set of their exact locale, else of its language (`pt-BR` → `pt`),
//! else the deployment's default locale. Tags are compared case-insensitively.

use std::collections::BTreeMap;

use crate::config::Templates;

/// Longest locale tag kept: Discord's are at most 6 characters (`es-419`); BCP-47 allows more,
/// but a longer value is not a language anyone reads.
const TAG_MAX: usize = 35;

/// The template sets by locale tag and the default tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locales {
    default: String,
    sets: BTreeMap<String, Templates>,
}

impl Locales {
    /// `sets` by tag (`en`, `hi`, `pt-BR`), read with `default` when a user's locale has none.
    #[must_use]
    pub fn new(default: &str, sets: BTreeMap<String, Templates>) -> Self {
        Self {
            default: default.to_owned(),
            sets,
        }
    }

    /// The default tag (`FLEXCORD_DEFAULT_LOCALE`).
    #[must_use]
    pub fn default_tag(&self) -> &str {
        &self.default
    }

    /// Every set, by tag.
    pub fn sets(&self) -> impl Iterator<Item = (&str, &Templates)> {
        self.sets.iter().map(|(tag, t)| (tag.as_str(), t))
    }

    /// The tag whose set a user with `locale` reads, if any: `locale`, its language, the
    /// default, the default's language.
    #[must_use]
    pub fn resolve(&self, locale: Option<&str>) -> Option<&str> {
        let wanted = locale
            .into_iter()
            .chain(std::iter::once(self.default.as_str()));
        for tag in wanted {
            let tag = tag.trim();
            if tag.is_empty() {
                continue;
            }
            if let Some(found) = self.tag(tag) {
                return Some(found);
            }
            if let Some((language, _)) = tag.split_once(['-', '_'])
                && let Some(found) = self.tag(language)
            {
                return Some(found);
            }
        }
        None
    }

    /// The set a user with `locale` reads, if any (see [`Locales::resolve`]).
    #[must_use]
    pub fn find(&self, locale: Option<&str>) -> Option<&Templates> {
        self.resolve(locale).and_then(|tag| self.sets.get(tag))
    }

    /// The set of `locale` itself or of its language, never the default's: for labelling
    /// something per Discord locale (command localizations), where "no set" means "leave it".
    #[must_use]
    pub fn find_own(&self, locale: &str) -> Option<&Templates> {
        self.tag(locale)
            .or_else(|| {
                locale
                    .split_once(['-', '_'])
                    .and_then(|(language, _)| self.tag(language))
            })
            .and_then(|tag| self.sets.get(tag))
    }

    fn tag(&self, wanted: &str) -> Option<&str> {
        self.sets
            .keys()
            .find(|tag| tag.eq_ignore_ascii_case(wanted))
            .map(String::as_str)
    }
}

/// A locale as Discord gives it, checked: letters, digits and `-` only, at most 35
/// characters. Anything else is not a locale (`None`), so a hostile value never reaches a
/// template lookup, the store or Twilio's attributes.
#[must_use]
pub fn checked_tag(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let ok = !raw.is_empty()
        && raw.len() <= TAG_MAX
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && raw.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    ok.then(|| raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(greeting: &str) -> Templates {
        Templates {
            greeting: greeting.to_owned(),
            ..Templates::default()
        }
    }

    fn locales(default: &str) -> Locales {
        Locales::new(
            default,
            [("en", "hello"), ("hi", "नमस्ते"), ("pt", "olá")]
                .into_iter()
                .map(|(tag, g)| (tag.to_owned(), set(g)))
                .collect(),
        )
    }

    fn greeting(l: &Locales, locale: Option<&str>) -> Option<String> {
        l.find(locale).map(|t| t.greeting.clone())
    }

    #[test]
    fn exact_then_language_then_default() {
        let l = locales("en");
        assert_eq!(greeting(&l, Some("hi")).as_deref(), Some("नमस्ते"));
        assert_eq!(greeting(&l, Some("pt-BR")).as_deref(), Some("olá"));
        assert_eq!(greeting(&l, Some("en-US")).as_deref(), Some("hello"));
        assert_eq!(greeting(&l, Some("HI")).as_deref(), Some("नमस्ते"));
        assert_eq!(greeting(&l, Some("xx")).as_deref(), Some("hello"));
        assert_eq!(greeting(&l, None).as_deref(), Some("hello"));
        let hindi_first = locales("hi");
        assert_eq!(
            greeting(&hindi_first, Some("sv-SE")).as_deref(),
            Some("नमस्ते")
        );
        assert_eq!(
            greeting(&hindi_first, Some("en-GB")).as_deref(),
            Some("hello")
        );
        assert_eq!(Locales::default().find(Some("hi")), None);
    }

    #[test]
    fn only_plain_tags_are_locales() {
        assert_eq!(checked_tag("pt-BR").as_deref(), Some("pt-BR"));
        assert_eq!(checked_tag(" hi ").as_deref(), Some("hi"));
        assert_eq!(checked_tag(""), None);
        assert_eq!(checked_tag("../etc"), None);
        assert_eq!(checked_tag("hi\n"), Some("hi".to_owned()));
        assert_eq!(checked_tag("h i"), None);
        assert_eq!(checked_tag(&"a".repeat(40)), None);
        assert_eq!(checked_tag("-x"), None);
    }
}
