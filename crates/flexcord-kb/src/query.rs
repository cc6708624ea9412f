//! Turns hostile user text into a safe FTS5 `MATCH` expression.
//!
//! User text never reaches FTS5's query language: it is cut into runs of letters and digits
//! (everything else — quotes, `*`, `^`, `-`, `:`, parentheses — is a separator), stop words are
//! dropped, and each remaining word becomes a double-quoted string, so `NEAR`, `OR` or `AND` are
//! just words. Terms are OR-ed so a question matches articles sharing any word, and bm25 ranks
//! those sharing more (and rarer) words first.

/// At most this many distinct terms are used: a 10 KB paste must not become a 2,000-term query.
const MAX_TERMS: usize = 24;
/// Longer words are clipped: no English word needs more, and FTS5 tokens stay reasonable.
const MAX_TERM_CHARS: usize = 40;
/// Words this long or longer also match as prefixes (`refund` finds `refunds`, `refunded`).
const PREFIX_MIN_CHARS: usize = 4;

/// The `MATCH` expression for `text`, or `None` when no usable word is left.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms = terms(text);
    if terms.is_empty() {
        return None;
    }
    let parts: Vec<String> = terms
        .iter()
        .map(|term| {
            if term.chars().count() >= PREFIX_MIN_CHARS {
                format!("\"{term}\"*")
            } else {
                format!("\"{term}\"")
            }
        })
        .collect();
    Some(parts.join(" OR "))
}

/// The distinct, lower-cased, non-stop-word words of `text`, in order of first appearance.
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words(text) {
        if out.len() >= MAX_TERMS {
            break;
        }
        let word: String = word.chars().take(MAX_TERM_CHARS).collect();
        let is_number = word.chars().all(|c| c.is_ascii_digit());
        // Single letters carry no meaning; short numbers ("2", "10") rarely help either, but
        // error codes ("1004") do.
        if word.chars().count() < 2 || (is_number && word.len() < 3) || is_stop_word(&word) {
            continue;
        }
        if !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

/// A letter or sign of an Indic script (Devanagari to Sinhala) but the dandas: the vowel signs
/// and viramas inside a Hindi word are marks, not letters, and must not split it (FTS5's
/// tokenizer keeps them in the word too).
fn indic(c: char) -> bool {
    ('\u{0900}'..='\u{0DFF}').contains(&c) && !matches!(c, '\u{0964}' | '\u{0965}')
}

/// Lower-cased runs of letters and digits. The apostrophe inside a word ("don't", "can’t")
/// joins, so contractions can be recognised as stop words rather than leaving "t" behind.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{2019}' || indic(c)))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '\u{2019}'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('\u{2019}', "'").to_lowercase())
        .map(|w| {
            // A contraction that is not a stop word ("player's") keeps its stem only; the quote
            // character itself must never reach the query.
            match w.split_once('\'') {
                Some((stem, rest)) if !is_stop_word(&w) && !rest.is_empty() => stem.to_owned(),
                _ => w,
            }
        })
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Common English words that say nothing about the topic, sorted for binary search.
/// Question words ("how", "why") are here too: every question has them.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "are",
    "aren't",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "could",
    "couldn't",
    "did",
    "didn't",
    "do",
    "does",
    "doesn't",
    "doing",
    "don't",
    "for",
    "from",
    "get",
    "gets",
    "getting",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "help",
    "her",
    "here",
    "hey",
    "hi",
    "him",
    "his",
    "how",
    "i",
    "i'd",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "isn't",
    "it",
    "it's",
    "its",
    "just",
    "keep",
    "keeps",
    "know",
    "like",
    "me",
    "mine",
    "my",
    "myself",
    "need",
    "no",
    "not",
    "now",
    "of",
    "on",
    "only",
    "or",
    "our",
    "please",
    "pls",
    "plz",
    "really",
    "she",
    "should",
    "so",
    "some",
    "someone",
    "something",
    "still",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "trying",
    "up",
    "us",
    "very",
    "want",
    "was",
    "wasn't",
    "way",
    "we",
    "were",
    "what",
    "what's",
    "when",
    "where",
    "which",
    "while",
    "who",
    "why",
    "will",
    "with",
    "won't",
    "would",
    "you",
    "your",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hindi_words_keep_their_vowel_signs_and_dandas_separate() {
        let got: Vec<String> = words("मेरा पासवर्ड भूल गया। नमस्ते").collect();
        assert_eq!(got, ["मेरा", "पासवर्ड", "भूल", "गया", "नमस्ते"]);
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn builds_quoted_or_query_with_prefixes() {
        assert_eq!(
            fts_query("How do I reset my PASSWORD?").as_deref(),
            Some("\"reset\"* OR \"password\"*")
        );
        assert_eq!(fts_query("lag in EU").as_deref(), Some("\"lag\" OR \"eu\""));
    }

    #[test]
    fn syntax_characters_never_reach_the_query() {
        for hostile in [
            "\"",
            "*",
            "NEAR(",
            "a OR",
            "-",
            "^",
            "title:x",
            "(a AND b)",
            "x\"y",
            "it's",
        ] {
            if let Some(q) = fts_query(hostile) {
                let inner: String = q.replace(" OR ", "").replace("\"*", "").replace('"', "");
                assert!(
                    inner.chars().all(char::is_alphanumeric),
                    "{hostile:?} gave {q:?}"
                );
                assert_eq!(q.matches('"').count() % 2, 0);
            }
        }
    }

    #[test]
    fn nothing_usable_gives_none() {
        assert_eq!(fts_query(""), None);
        assert_eq!(fts_query("   ?!*\"^- "), None);
        assert_eq!(fts_query("how do I do it?"), None);
        assert_eq!(fts_query("🎮🔥"), None);
    }

    #[test]
    fn long_text_is_bounded() {
        let text: String = (0..5000).map(|i| format!("word{i} ")).collect();
        assert_eq!(terms(&text).len(), MAX_TERMS);
        let long = "x".repeat(10_000);
        assert_eq!(terms(&long)[0].len(), MAX_TERM_CHARS);
    }

    #[test]
    fn contractions_and_possessives() {
        assert_eq!(
            terms("I can't log in to my friend's account"),
            ["log", "friend", "account"]
        );
        assert_eq!(terms("don’t"), Vec::<String>::new());
    }
}
