//! The small front-matter subset articles may start with: a `---` block of `key: value` lines.
//!
//! Only `title`, `url` and `tags` mean anything; other keys are ignored. Hand-parsed rather than
//! a YAML dependency because that is all we read, and a hand-written parser cannot be made to
//! allocate without bound or recurse by a hostile file.

/// What the front matter said, plus the Markdown after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FrontMatter {
    /// `title:` — overrides the first heading.
    pub(crate) title: Option<String>,
    /// `url:` — only `http://` or `https://` links are kept.
    pub(crate) url: Option<String>,
    /// `tags:` — an inline list `[a, b]`, a comma-separated string, or a `- item` block list.
    pub(crate) tags: Vec<String>,
    /// `lang:` — the article's language (`hi`, `pt-BR`), lower-cased; `None`: for every
    /// language. A value that is not a plain tag is ignored.
    pub(crate) lang: Option<String>,
}

/// Splits `text` into its front matter and the Markdown body. A file that does not start with a
/// `---` line, or whose block is never closed, has no front matter: all of it is Markdown.
pub(crate) fn split(text: &str) -> (FrontMatter, &str) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return (FrontMatter::default(), text);
    };
    if first.trim_end() != "---" {
        return (FrontMatter::default(), text);
    }
    let mut consumed = first.len();
    let mut block = Vec::new();
    for line in lines {
        consumed += line.len();
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return (parse_block(&block), &text[consumed..]);
        }
        block.push(trimmed);
    }
    (FrontMatter::default(), text)
}

fn parse_block(lines: &[&str]) -> FrontMatter {
    let mut fm = FrontMatter::default();
    // The key whose value continues on following `- item` lines (YAML block list).
    let mut open_list: Option<String> = None;
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix('-').filter(|r| r.is_empty()))
        {
            if open_list.as_deref() == Some("tags") {
                push_tag(&mut fm.tags, item);
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            open_list = None;
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        open_list = value.is_empty().then(|| key.clone());
        match key.as_str() {
            "title" => fm.title = non_empty(unquote(value)),
            "url" => {
                let url = unquote(value);
                fm.url = (url.starts_with("https://") || url.starts_with("http://"))
                    .then(|| url.to_owned());
            }
            "lang" => {
                fm.lang = flexcord_core::locale::checked_tag(unquote(value))
                    .map(|tag| tag.to_ascii_lowercase());
            }
            "tags" => {
                let list = value
                    .strip_prefix('[')
                    .map_or(value, |v| v.strip_suffix(']').unwrap_or(v));
                for tag in list.split(',') {
                    push_tag(&mut fm.tags, tag);
                }
            }
            _ => {}
        }
    }
    fm
}

fn push_tag(tags: &mut Vec<String>, raw: &str) {
    // Bounded so a hostile file cannot make the tags column the whole index.
    const MAX_TAGS: usize = 64;
    if let Some(tag) = non_empty(unquote(raw))
        && tags.len() < MAX_TAGS
        && !tags.contains(&tag)
    {
        tags.push(tag);
    }
}

fn unquote(value: &str) -> &str {
    let value = value.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner.trim();
        }
    }
    value
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_url_and_inline_tags() {
        let (fm, rest) = split(
            "---\ntitle: \"Reset your password\"\nurl: https://help.example/a/1\ntags: [login, 'password']\nauthor: x\n---\n# Body\n",
        );
        assert_eq!(fm.title.as_deref(), Some("Reset your password"));
        assert_eq!(fm.url.as_deref(), Some("https://help.example/a/1"));
        assert_eq!(fm.tags, ["login", "password"]);
        assert_eq!(rest, "# Body\n");
    }

    #[test]
    fn reads_the_language() {
        let (fm, _) = split("---\nlang: pt-BR\n---\n# Senha\n");
        assert_eq!(fm.lang.as_deref(), Some("pt-br"));
        let (fm, _) = split("---\nlang: \"hi\"\n---\n");
        assert_eq!(fm.lang.as_deref(), Some("hi"));
        let (fm, _) = split("---\nlang: ../../x\n---\n");
        assert_eq!(fm.lang, None);
        assert_eq!(split("# none\n").0.lang, None);
    }

    #[test]
    fn reads_comma_separated_and_block_list_tags() {
        let (fm, _) = split("---\ntags: a, b ,c\n---\n");
        assert_eq!(fm.tags, ["a", "b", "c"]);
        let (fm, _) = split(
            "---\r\ntags:\r\n  - one\r\n  - \"two\"\r\nurl: https://x.example\r\n---\r\ntext",
        );
        assert_eq!(fm.tags, ["one", "two"]);
        assert_eq!(fm.url.as_deref(), Some("https://x.example"));
    }

    #[test]
    fn unterminated_or_absent_front_matter_leaves_text_alone() {
        let text = "---\ntitle: never closed\n# Heading\n";
        let (fm, rest) = split(text);
        assert_eq!(fm, FrontMatter::default());
        assert_eq!(rest, text);
        let (fm, rest) = split("# Just markdown\n---\n");
        assert_eq!(fm, FrontMatter::default());
        assert_eq!(rest, "# Just markdown\n---\n");
        assert_eq!(split("").1, "");
    }

    #[test]
    fn ignores_non_http_urls_and_empty_values() {
        let (fm, rest) = split("\u{feff}---\nurl: javascript:alert(1)\ntitle: ''\n---");
        assert_eq!(fm.url, None);
        assert_eq!(fm.title, None);
        assert_eq!(rest, "");
    }
}
