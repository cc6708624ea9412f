//! Reading intent from text: does a DM ask for a live agent, and how to show an agent's name.

use crate::ids::Identity;

/// Lower-cases `text` and keeps only words (runs of alphanumerics), joined by single spaces, so
/// punctuation and spacing never decide a match.
fn words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when `text` is one of `keywords`, or contains one as a whole word or phrase,
/// case-insensitively. Whole words only: with the keyword `agent`, "agents" and "reagent" do not
/// match, because a question *about* agents is not a request for one.
pub(crate) fn asks_for_agent(text: &str, keywords: &[String]) -> bool {
    let haystack = format!(" {} ", words(text));
    keywords.iter().any(|k| {
        let needle = words(k);
        !needle.is_empty() && haystack.contains(&format!(" {needle} "))
    })
}

/// How an agent is shown to the user: the name Flex gave, else the identity without an e-mail
/// domain (`alice@example.com` → `alice`), so staff addresses are not exposed in Discord.
pub(crate) fn agent_display_name(identity: &Identity, name: Option<&str>) -> String {
    if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
        return n.to_owned();
    }
    let id = identity.name().unwrap_or_default();
    // Flex encodes an e-mail identity as `alice_40example_2Ecom`: `_40` is its `@`.
    let local = id
        .split_once('@')
        .or_else(|| id.split_once("_40"))
        .map_or(id, |(local, _)| local);
    if local.is_empty() {
        "An agent".to_owned()
    } else {
        local.to_owned()
    }
}

/// True when `identity` is the customer, not an agent.
pub(crate) fn is_customer(identity: &Identity) -> bool {
    identity.is_customer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw() -> Vec<String> {
        ["agent", "human", "live agent", "real person"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn whole_words_and_phrases_match_case_insensitively() {
        assert!(asks_for_agent("agent", &kw()));
        assert!(asks_for_agent("AGENT!!", &kw()));
        assert!(asks_for_agent(
            "can I talk to a Live   Agent please?",
            &kw()
        ));
        assert!(asks_for_agent("I want a real person.", &kw()));
        assert!(!asks_for_agent("how do agents work", &kw()));
        assert!(!asks_for_agent("reagent", &kw()));
        assert!(!asks_for_agent("humane", &kw()));
        assert!(!asks_for_agent("", &kw()));
        assert!(!asks_for_agent("agent", &[String::from("  ")]));
    }

    #[test]
    fn agent_names_hide_email_domains() {
        assert_eq!(
            agent_display_name(&Identity::new("alice@example.com"), None),
            "alice"
        );
        assert_eq!(agent_display_name(&Identity::new("bob"), None), "bob");
        assert_eq!(
            agent_display_name(&Identity::new("alice_40example_2Ecom"), None),
            "alice"
        );
        assert_eq!(
            agent_display_name(&Identity::new("x@y"), Some("Alice A.")),
            "Alice A."
        );
        assert_eq!(agent_display_name(&Identity::new("@y"), None), "An agent");
    }
}
