//! One Markdown file turned into what the index stores: title, link, tags and plain text.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::front_matter;

/// An article ready to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedArticle {
    /// Front-matter `title`, else the first `#` heading, else the file name made readable.
    pub(crate) title: String,
    /// Front-matter `url`.
    pub(crate) url: Option<String>,
    /// Front-matter tags, space-separated for the FTS `tags` column.
    pub(crate) tags: String,
    /// Front-matter `lang`, lower-cased; `None` = for every language.
    pub(crate) lang: Option<String>,
    /// The Markdown as plain text, one block per line, without the title heading and without
    /// raw HTML (markup is not what users search for).
    pub(crate) body: String,
    /// False when the file had no title of its own (front matter or heading), no tags and no
    /// text: there is nothing worth indexing.
    pub(crate) has_content: bool,
}

/// Parses a file's text. `file_stem` is the file name without `.md`, the title of last resort.
/// Never fails: odd Markdown still gives some title and (maybe empty) body.
pub(crate) fn parse(file_stem: &str, text: &str) -> ParsedArticle {
    let (fm, markdown) = front_matter::split(text);
    let (heading, body) = plain_text(markdown);
    let has_content =
        fm.title.is_some() || heading.is_some() || !fm.tags.is_empty() || !body.is_empty();
    let title = fm
        .title
        .or(heading)
        .unwrap_or_else(|| title_from_file_name(file_stem));
    ParsedArticle {
        title,
        url: fm.url,
        tags: fm.tags.join(" "),
        lang: fm.lang,
        body,
        has_content,
    }
}

/// Walks the Markdown events, keeping text. Returns the first H1's text and the rest.
fn plain_text(markdown: &str) -> (Option<String>, String) {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut title: Option<String> = None;
    let mut in_title = false;
    let mut title_text = String::new();
    let mut body = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options) {
        let out = if in_title { &mut title_text } else { &mut body };
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) if title.is_none() => {
                in_title = true;
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) if in_title => {
                in_title = false;
                let text = collapse_spaces(&title_text);
                // An empty `#` does not count as a title; a later heading still may.
                if !text.is_empty() {
                    title = Some(text);
                }
                title_text.clear();
            }
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => {
                out.push_str(&text);
            }
            Event::SoftBreak | Event::End(TagEnd::TableCell) => out.push(' '),
            Event::HardBreak
            | Event::Rule
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) => out.push('\n'),
            // Raw HTML, footnote markers, task-list boxes: not words a user would search for.
            _ => {}
        }
    }
    let body = body
        .lines()
        .map(collapse_spaces)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>();
    (title, body.join("\n"))
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `crash-on_startup` → `Crash on startup`.
fn title_from_file_name(stem: &str) -> String {
    let words = collapse_spaces(&stem.replace(['-', '_'], " "));
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Untitled".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_comes_from_front_matter_then_heading_then_file_name() {
        let a = parse("f", "---\ntitle: Override\n---\n# Heading\ntext");
        assert_eq!(a.title, "Override");
        let a = parse(
            "f",
            "Intro line\n\n# The *real* title\n\nBody **bold** `code`.\n",
        );
        assert_eq!(a.title, "The real title");
        assert_eq!(a.body, "Intro line\nBody bold code.");
        let a = parse("crash-on_startup", "no heading here");
        assert_eq!(a.title, "Crash on startup");
        assert_eq!(parse("", "").title, "Untitled");
    }

    #[test]
    fn body_is_plain_text_without_html() {
        let a = parse(
            "x",
            "# T\n\n<div class=\"x\">hidden markup</div>\n\n1. First <b>step</b>\n2. Second\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode block\n```\n",
        );
        assert!(!a.body.contains('<'), "{}", a.body);
        assert!(a.body.contains("First step"), "{}", a.body);
        assert!(a.body.contains("Second"));
        assert!(a.body.contains("code block"));
        assert!(a.body.contains("1 2"), "{}", a.body);
    }

    #[test]
    fn empty_h1_does_not_become_the_title() {
        let a = parse("file", "#\n\n# Second\n");
        assert_eq!(a.title, "Second");
    }

    #[test]
    fn tags_and_url_pass_through() {
        let a = parse("f", "---\nurl: https://h.example/a\ntags: [x, y]\n---\n");
        assert_eq!(a.url.as_deref(), Some("https://h.example/a"));
        assert_eq!(a.tags, "x y");
        assert_eq!(a.body, "");
        assert!(a.has_content);
        assert!(!parse("f", "---\nauthor: x\n---\n\n  \n").has_content);
        assert!(!parse("f", "<!-- only a comment -->").has_content);
    }
}
