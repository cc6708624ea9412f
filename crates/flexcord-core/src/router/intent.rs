//! Reading who speaks: how to show an agent's name, and whether an identity is the customer.
//! (Whether a DM asks for a live agent: [`crate::agent_request`].)

use crate::ids::Identity;

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
