//! Does a message *ask* for a live agent? Only a deliberate request hands off: the whole message is
//! a configured phrase, or a short message is built around one ("can I talk to a human
//! please?"). A phrase inside a longer sentence ("my human character is stuck in a wall") or
//! under a negation ("I don't need an agent") is not a request; such a message goes to the
//! virtual agent, whose answer carries the "Talk to a live agent" button, so a user who did
//! mean it is one click away. Every hand-off costs a case and a paid agent's time, so when
//! unsure this says no.

/// Longest message (in words) still read as a request built around a phrase.
const MAX_WORDS: usize = 12;

/// Words that turn a request into its opposite ("don't", "no need", "not", "without").
/// Apostrophes split words, so "don't" is `don` + `t`.
const NEGATIONS: &[&str] = &[
    "not", "no", "never", "dont", "don", "doesn", "didn", "won", "wont", "isn", "aren", "without",
    "nor", "neither", "instead", "nope", "cancel", "stop",
];

/// The words a request for a person is made of besides the phrase itself: politeness,
/// greetings, "can I talk to", "is there … available". Any other word (a noun about the
/// problem, a verb about the game) means the message is about something else.
const REQUEST_WORDS: &[&str] = &[
    "a",
    "actual",
    "an",
    "any",
    "anyone",
    "asap",
    "available",
    "be",
    "can",
    "chat",
    "connect",
    "contact",
    "could",
    "d",
    "for",
    "from",
    "do",
    "get",
    "give",
    "hello",
    "help",
    "hey",
    "hi",
    "human",
    "i",
    "in",
    "is",
    "just",
    "let",
    "like",
    "live",
    "ll",
    "m",
    "may",
    "me",
    "need",
    "now",
    "ok",
    "okay",
    "one",
    "operator",
    "person",
    "please",
    "pls",
    "plz",
    "put",
    "quickly",
    "reach",
    "real",
    "rep",
    "representative",
    "right",
    "s",
    "somebody",
    "someone",
    "speak",
    "staff",
    "support",
    "talk",
    "team",
    "thanks",
    "thank",
    "the",
    "there",
    "through",
    "to",
    "touch",
    "transfer",
    "u",
    "urgent",
    "urgently",
    "want",
    "wanna",
    "with",
    "would",
    "yes",
    "you",
    "agent",
];

/// Lower-cased words (runs of alphanumerics), so punctuation and spacing never decide.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Where `needle` occurs in `haystack` as a run of whole words.
fn find(haystack: &[String], needle: &[String]) -> Option<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// True when `text` is a deliberate request for a live agent, given the configured `phrases`.
/// Pure; the router uses it on every DM, and the embedded FAQ bot for its own hand-off signal,
/// so both read a message the same way.
#[must_use]
pub fn is_agent_request(text: &str, phrases: &[String]) -> bool {
    let said = words(text);
    if said.is_empty() || said.len() > MAX_WORDS {
        return false;
    }
    if said.iter().any(|w| NEGATIONS.contains(&w.as_str())) {
        return false;
    }
    let mut rest = said;
    let mut found = false;
    for phrase in phrases {
        let needle = words(phrase);
        while let Some(at) = find(&rest, &needle) {
            rest.drain(at..at + needle.len());
            found = true;
        }
    }
    found && rest.iter().all(|w| REQUEST_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::is_agent_request;
    use crate::config::RouterConfig;

    fn phrases() -> Vec<String> {
        RouterConfig::default().handoff_keywords
    }

    const REQUESTS: &[&str] = &[
        "agent",
        "Agent",
        "AGENT!!",
        "agent?",
        "agent please",
        "agent pls",
        "live agent",
        "Live   agent please!",
        "human",
        "human please",
        "Human please?",
        "talk to a person",
        "I want to talk to a person",
        "talk to someone",
        "can I talk to someone please",
        "real person please",
        "I want a real person.",
        "can I talk to a live agent please?",
        "can i speak to an agent",
        "could I speak with a human please",
        "I need a human",
        "I need an agent asap",
        "I'd like to talk to an agent",
        "i'd like to speak to a real person",
        "is there a human available",
        "is an agent available?",
        "is there any live agent",
        "hi, agent please",
        "hello can I get a human",
        "hey I want an agent now",
        "agent agent agent",
        "get me a human",
        "give me an agent please",
        "connect me to an agent",
        "transfer me to a live agent please",
        "put me through to a human",
        "let me talk to a human",
        "i wanna talk to a real person",
        "please, a human",
        "ok agent",
        "yes agent please",
        "human support please",
        "I need help from a human",
        "speak to a human right now",
        "agent, thanks",
    ];

    const NOT_REQUESTS: &[&str] = &[
        "",
        "   ",
        "agents",
        "reagent",
        "humane",
        "humans",
        "my human character is stuck in a wall",
        "I don't need an agent, just tell me how to reset my password",
        "I dont need a human",
        "no agent please",
        "not an agent, the bot is fine",
        "never mind the agent",
        "how do agents work",
        "what does an agent do",
        "how long is the wait for an agent",
        "my agent skill won't level up",
        "the secret agent mission crashes the game",
        "is the human race playable in the beta",
        "my character looks too human",
        "the agent npc in town 3 does not talk to me",
        "where do I find the travel agent",
        "I reported a person for cheating, what happens now",
        "how do I talk to a person in game chat",
        "can I talk to someone in my guild across servers",
        "what is a real person check",
        "I was kicked by an agent of the other team",
        "my game crashes on startup",
        "how do I reset my password",
        "refund",
        "hello",
        "thanks",
        "help",
        "I need help with my account",
        "the live agent button does nothing on mobile",
        "why did the agent close my chat",
        "agent 47 skin is missing from my inventory",
        "double agent achievement didn't unlock",
        "is the human fighter class good for beginners",
        "I'd rather not talk to a human",
        "without an agent can I still get a refund",
        "you are not a real person are you",
        "my friend says a human answers here, is that true",
        "I love the new human model, great job",
        "agent please I have been waiting for my refund since last week and nobody answers",
        "stop agent",
        "cancel the agent",
    ];

    #[test]
    fn requests_hand_off() {
        assert!(REQUESTS.len() >= 40);
        for text in REQUESTS {
            assert!(
                is_agent_request(text, &phrases()),
                "should hand off: {text:?}"
            );
        }
    }

    #[test]
    fn everything_else_goes_to_the_virtual_agent() {
        assert!(NOT_REQUESTS.len() >= 40);
        for text in NOT_REQUESTS {
            assert!(
                !is_agent_request(text, &phrases()),
                "should not hand off: {text:?}"
            );
        }
    }

    #[test]
    fn only_configured_phrases_count() {
        let custom = vec!["support ticket".to_owned()];
        assert!(is_agent_request("support ticket please", &custom));
        assert!(!is_agent_request("agent", &custom));
        assert!(!is_agent_request("agent", &[String::from("  ")]));
    }
}
