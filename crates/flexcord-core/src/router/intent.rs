//! Reading intent from text: is a DM a bare hand-off keyword, and how to show an agent's name.
//! (Whether a DM asks for a live agent at all: [`crate::agent_request`].)

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

/// True when `text` is nothing but one of `keywords` ("agent", "Live agent!").
pub(crate) fn is_bare_keyword(text: &str, keywords: &[String]) -> bool {
    let w = words(text);
    keywords.iter().any(|k| words(k) == w)
}

/// How an agent is shown to the user: the name Flex gave, else the identity without an e-mail
/// domain (`alice@example.com` → `alice`), so staff addresses are not exposed in Discord.
pub(crate) fn agent_display_name(identity: &Identity, name: Option<&str>) -> String {
    if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
        return n.to_owned();
    }
    let id = identity.name().unwrap_or_default();
    let local = id.split_once('@').map_or(id, |(local, _)| local);
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

    #[test]
    fn agent_names_hide_email_domains() {
        assert_eq!(
            agent_display_name(&Identity::new("alice@example.com"), None),
            "alice"
        );
        assert_eq!(agent_display_name(&Identity::new("bob"), None), "bob");
        assert_eq!(
            agent_display_name(&Identity::new("x@y"), Some("Alice A.")),
            "Alice A."
        );
        assert_eq!(agent_display_name(&Identity::new("@y"), None), "An agent");
    }
}
