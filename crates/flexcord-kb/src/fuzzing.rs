//! The KB's parsers of outside text, reachable for the fuzz targets in the repository's `fuzz/`
//! folder. Hidden from the docs and not part of the API: the bot itself uses the private modules.

/// What [`parse_article`] makes of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Front-matter `title`, else the first `#` heading, else the file name.
    pub title: String,
    /// Front-matter `url` (http or https only).
    pub url: Option<String>,
    /// Tags, space-separated.
    pub tags: String,
    /// Plain text.
    pub body: String,
    /// Whether there is anything worth indexing.
    pub has_content: bool,
}

/// Excerpts are at most this many characters, plus the ellipses.
pub const MAX_EXCERPT_CHARS: usize = crate::excerpt::MAX_EXCERPT_CHARS;

/// Parses an article's front matter and Markdown as indexing does.
#[must_use]
pub fn parse_article(file_stem: &str, text: &str) -> Article {
    let parsed = crate::article::parse(file_stem, text);
    Article {
        title: parsed.title,
        url: parsed.url,
        tags: parsed.tags,
        body: parsed.body,
        has_content: parsed.has_content,
    }
}

/// The FTS5 `MATCH` expression built from a user's question.
#[must_use]
pub fn fts_query(question: &str) -> Option<String> {
    crate::query::fts_query(question)
}

/// The search terms of a user's question.
#[must_use]
pub fn terms(question: &str) -> Vec<String> {
    crate::query::terms(question)
}

/// The excerpt of `body` shown for `question`.
#[must_use]
pub fn excerpt(body: &str, question: &str) -> String {
    crate::excerpt::excerpt(body, &crate::query::terms(question))
}
