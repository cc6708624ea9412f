//! Recognises "let me talk to a person" in a question.

use crate::query::words;

/// Live-agent phrases, pre-split into lower-cased words.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandoffPhrases {
    phrases: Vec<Vec<String>>,
}

impl HandoffPhrases {
    pub(crate) fn new<S: AsRef<str>>(phrases: &[S]) -> Self {
        let phrases = phrases
            .iter()
            .map(|p| words(p.as_ref()).collect::<Vec<_>>())
            .filter(|p| !p.is_empty())
            .collect();
        Self { phrases }
    }

    /// True when one of the phrases occurs in `text` as whole words, ignoring case and
    /// punctuation: "Can I talk to a REAL person??" matches "real person".
    pub(crate) fn matches(&self, text: &str) -> bool {
        let words: Vec<String> = words(text).collect();
        self.phrases.iter().any(|phrase| {
            words
                .windows(phrase.len())
                .any(|window| window == phrase.as_slice())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_HANDOFF_PHRASES;

    #[test]
    fn matches_whole_words_case_insensitively() {
        let h = HandoffPhrases::new(DEFAULT_HANDOFF_PHRASES);
        assert!(h.matches("AGENT"));
        assert!(h.matches("can I talk to a Real   Person?!"));
        assert!(h.matches("I want to speak to someone now"));
        assert!(!h.matches("my password reset email never came"));
        assert!(!h.matches("agentive humanity"));
        assert!(!h.matches(""));
    }

    #[test]
    fn custom_phrases_replace_the_defaults() {
        let h = HandoffPhrases::new(&["mensch", "  ", "Echte Person"]);
        assert!(h.matches("Bitte eine echte Person"));
        assert!(!h.matches("agent"));
    }
}
