//! Tidies FTS5's `snippet()` into a short one-line excerpt.

use crate::article::collapse_spaces;

/// Excerpts are cut to about this many characters.
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;

const ELLIPSIS: char = '…';

/// One line, at most [`MAX_EXCERPT_CHARS`] characters (plus an ellipsis), cut between words.
/// `snippet()` already starts and ends on whole words and marks cuts with `…`; this only joins
/// lines and shortens.
pub(crate) fn tidy(snippet: &str) -> String {
    let text = collapse_spaces(snippet);
    if text.chars().count() <= MAX_EXCERPT_CHARS {
        return text;
    }
    let cut = text.char_indices().nth(MAX_EXCERPT_CHARS).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    // Back up to the last space so no word is cut in half; one enormous "word" is cut anyway.
    let head = match head.rfind(' ') {
        Some(space) if space > 0 => &head[..space],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c.is_ascii_punctuation() || c == ELLIPSIS);
    format!("{head}{ELLIPSIS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_only_joined() {
        assert_eq!(tidy("…open  the\nStore, then…"), "…open the Store, then…");
        assert_eq!(tidy(""), "");
    }

    #[test]
    fn long_text_is_cut_between_words() {
        let text = "word ".repeat(100);
        let out = tidy(&text);
        assert!(out.ends_with("word…"), "{out}");
        assert!(out.chars().count() <= MAX_EXCERPT_CHARS + 1);
        let emoji = "🎮".repeat(500);
        let out = tidy(&emoji);
        assert_eq!(out.chars().count(), MAX_EXCERPT_CHARS + 1);
    }
}
