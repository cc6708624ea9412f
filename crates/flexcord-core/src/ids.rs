//! Typed identifiers. Every id that crosses a port is a newtype, so a Discord channel id can never
//! be passed where a user id is expected.
//!
//! The contact center's ids (conversations, messages, media, interactions, participants) are
//! opaque references here: core stores, compares and hands them back, and never looks inside.
//! Their wire formats (Twilio's `CH…` SIDs, the `discord:<id>` participant identity) belong to
//! the contact-center adapter, which validates what it receives and builds what it sends.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidId;

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw snowflake.
            #[must_use]
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<u64>()
                    .ok()
                    .filter(|v| *v != 0)
                    .map(Self)
                    .ok_or_else(|| InvalidId::new(stringify!($name), s))
            }
        }
    };
}

snowflake!(
    /// A Discord user (snowflake).
    UserId
);
snowflake!(
    /// A Discord channel: a DM channel or a guild text channel (snowflake).
    ChannelId
);
snowflake!(
    /// A Discord message (snowflake).
    MessageId
);
snowflake!(
    /// A Discord guild, the server flexcord serves (snowflake).
    GuildId
);

macro_rules! reference {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Accepts a reference: 1 to 64 ASCII letters and digits. That is all core asks of
            /// it (a safe key for storage, logs and dedupe keys); whether it names a real
            /// resource, and of which kind, is for the adapter to check.
            ///
            /// # Errors
            ///
            /// Returns [`InvalidId`] when the value is empty, too long, or has other characters.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                let ok = !value.is_empty()
                    && value.len() <= 64
                    && value.bytes().all(|b| b.is_ascii_alphanumeric());
                if ok {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(InvalidId::new(stringify!($name), value))
                }
            }

            /// The reference as text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

reference!(
    /// A contact-center conversation (on Twilio, a Conversation SID).
    ConversationSid
);
reference!(
    /// A contact-center task or interaction (on Twilio, a Flex Interaction SID).
    InteractionSid
);
reference!(
    /// The channel of an interaction (on Twilio, an Interaction channel SID).
    InteractionChannelSid
);
reference!(
    /// A message in a contact-center conversation (on Twilio, a Message SID).
    MessageSid
);
reference!(
    /// A media item an agent sent (on Twilio, a Media SID).
    MediaSid
);

/// A case number, shown to users as `#1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub u64);

impl fmt::Display for CaseId {
    /// Formats as users see it: `#1042`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl std::str::FromStr for CaseId {
    type Err = InvalidId;
    /// Accepts `1042` and `#1042`, with surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = t.strip_prefix('#').unwrap_or(t);
        t.parse::<u64>()
            .ok()
            .filter(|v| *v != 0)
            .map(Self)
            .ok_or_else(|| InvalidId::new("CaseId", s))
    }
}

/// A participant of a contact-center conversation, opaque to core: either the customer (a
/// Discord user — what they are called on the contact center's side is the adapter's choice)
/// or someone the contact center names (an agent, a bot, the system), by that name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "IdentityRepr", into = "IdentityRepr")]
pub struct Identity(IdentityRepr);

/// How an [`Identity`] is stored (outbox entries carry one): `{"customer": <user id>}` or the
/// name as a string. A plain string written by an older version stays a name, which the adapter
/// passes back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
enum IdentityRepr {
    Customer { customer: UserId },
    Named(String),
}

impl From<IdentityRepr> for Identity {
    fn from(repr: IdentityRepr) -> Self {
        Self(repr)
    }
}

impl From<Identity> for IdentityRepr {
    fn from(identity: Identity) -> Self {
        identity.0
    }
}

impl Identity {
    /// The customer: the Discord user `user`.
    #[must_use]
    pub const fn for_user(user: UserId) -> Self {
        Self(IdentityRepr::Customer { customer: user })
    }

    /// A participant the contact center names (`alice@example.com`, `system`).
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self(IdentityRepr::Named(name.into()))
    }

    /// The Discord user, when this is the customer.
    #[must_use]
    pub const fn discord_user(&self) -> Option<UserId> {
        match &self.0 {
            IdentityRepr::Customer { customer } => Some(*customer),
            IdentityRepr::Named(_) => None,
        }
    }

    /// True for the customer, false for everyone the contact center names.
    #[must_use]
    pub const fn is_customer(&self) -> bool {
        self.discord_user().is_some()
    }

    /// The contact center's name for a participant who is not the customer.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        match &self.0 {
            IdentityRepr::Customer { .. } => None,
            IdentityRepr::Named(name) => Some(name),
        }
    }
}

impl fmt::Display for Identity {
    /// The name, or `customer <user id>` (for logs and keys; never a wire format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IdentityRepr::Customer { customer } => write!(f, "customer {customer}"),
            IdentityRepr::Named(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_opaque_but_safe_keys() {
        assert!(ConversationSid::parse("CH0123456789abcdef0123456789abcdef").is_ok());
        // Core does not know Twilio's prefixes: that is the adapter's check.
        assert!(ConversationSid::parse("IM0123").is_ok());
        assert!(ConversationSid::parse("c1").is_ok());
        assert!(ConversationSid::parse("").is_err());
        assert!(ConversationSid::parse("CH12/../x").is_err());
        assert!(ConversationSid::parse("CH 1").is_err());
        assert!(ConversationSid::parse(&format!("CH{}", "a".repeat(100))).is_err());
    }

    #[test]
    fn case_id_parses_with_or_without_hash_and_displays_with_one() {
        assert_eq!("#1042".parse::<CaseId>().ok(), Some(CaseId(1042)));
        assert_eq!(" 7 ".parse::<CaseId>().ok(), Some(CaseId(7)));
        assert!("abc".parse::<CaseId>().is_err());
        assert!("0".parse::<CaseId>().is_err());
        assert_eq!(CaseId(1042).to_string(), "#1042");
    }

    #[test]
    fn identity_tells_the_customer_from_named_participants() {
        let id = Identity::for_user(UserId(42));
        assert_eq!(id.discord_user(), Some(UserId(42)));
        assert!(id.is_customer());
        assert_eq!(id.name(), None);
        let alice = Identity::new("alice");
        assert_eq!(alice.discord_user(), None);
        assert_eq!(alice.name(), Some("alice"));
    }

    #[test]
    fn identity_is_stored_without_a_wire_format_and_reads_older_strings() {
        let stored = serde_json::to_string(&Identity::for_user(UserId(42))).ok();
        assert_eq!(stored.as_deref(), Some(r#"{"customer":42}"#));
        let back: Option<Identity> = stored.and_then(|s| serde_json::from_str(&s).ok());
        assert_eq!(back, Some(Identity::for_user(UserId(42))));
        let older: Option<Identity> = serde_json::from_str(r#""discord:42""#).ok();
        assert_eq!(older, Some(Identity::new("discord:42")));
    }

    #[test]
    fn snowflakes_reject_zero_and_garbage() {
        assert!("0".parse::<UserId>().is_err());
        assert!("-1".parse::<ChannelId>().is_err());
        assert_eq!("5".parse::<MessageId>().ok(), Some(MessageId(5)));
    }
}
