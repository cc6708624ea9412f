//! Recognises "let me talk to a person" in a question.

use crate::query::words;

/// Live-agent phrases, pre-split into lower-cased words.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandoffPhrases {
    /// Each phrase's words joined by single spaces.
    joined: Vec<String>,
}

impl HandoffPhrases {
    pub(crate) fn new<S: AsRef<str>>(phrases: &[S]) -> Self {
        let joined = phrases
            .iter()
            .map(|p| words(p.as_ref()).collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect();
        Self { joined }
    }

    /// True when `text` deliberately asks for a person through one of the phrases: the whole
    /// message is one, or a short request is built around one ("can I talk to a REAL
    /// person??"); never a phrase inside a longer sentence ("my human character is stuck") or
    /// under a negation. The same reading as the router's
    /// ([`flexcord_core::agent_request::is_agent_request`]): when unsure, the bot answers and the
    /// user still has the "Talk to a live agent" button.
    pub(crate) fn matches(&self, text: &str) -> bool {
        flexcord_core::agent_request::is_agent_request(text, &self.joined)
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
        assert!(!h.matches("my human character is stuck in a wall"));
        assert!(!h.matches("I don't need an agent, just tell me how to log in"));
        assert!(!h.matches("agents"));
        assert!(!h.matches("agentive humanity"));
        assert!(!h.matches(""));
    }

    #[test]
    fn custom_phrases_replace_the_defaults() {
        let h = HandoffPhrases::new(&["mensch", "  ", "Echte Person"]);
        assert!(h.matches("Echte Person!"));
        assert!(h.matches("mensch"));
        assert!(!h.matches("agent"));
    }
}
