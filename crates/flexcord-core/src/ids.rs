//! Typed identifiers. Every id that crosses a port is a newtype, so a Discord channel id can never
//! be passed where a user id is expected, and a Twilio SID is checked for its prefix once, at the edge.

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

macro_rules! sid {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The two-letter prefix every SID of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Parses a SID: the right prefix followed by ASCII alphanumerics, at most 64 bytes.
            /// (Twilio's are 34 bytes of hex; fakes and the sandbox use shorter ones.)
            ///
            /// # Errors
            ///
            /// Returns [`InvalidId`] when the prefix is wrong, the value is too long, or it has
            /// characters a SID never has.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                let ok = value.len() > 2
                    && value.len() <= 64
                    && value.starts_with($prefix)
                    && value.bytes().all(|b| b.is_ascii_alphanumeric());
                if ok {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(InvalidId::new(stringify!($name), value))
                }
            }

            /// The SID as text.
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

sid!(
    /// A Twilio Conversation (`CH…`).
    ConversationSid,
    "CH"
);
sid!(
    /// A Flex Interaction (`KD…`).
    InteractionSid,
    "KD"
);
sid!(
    /// A Flex Interaction channel (`UO…`).
    InteractionChannelSid,
    "UO"
);
sid!(
    /// A Twilio Conversations message (`IM…`).
    MessageSid,
    "IM"
);
sid!(
    /// A Twilio media resource (`ME…`).
    MediaSid,
    "ME"
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

/// The identity of a participant in a Flex conversation: `discord:<user id>` for customers, a
/// worker identity (`alice@example.com`, `alice`) for agents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identity(pub String);

impl Identity {
    /// The identity flexcord gives a Discord user in Flex: no PII, only the snowflake.
    #[must_use]
    pub fn for_user(user: UserId) -> Self {
        Self(format!("discord:{user}"))
    }

    /// The Discord user behind a `discord:<id>` identity, if it is one.
    #[must_use]
    pub fn discord_user(&self) -> Option<UserId> {
        self.0.strip_prefix("discord:")?.parse().ok()
    }

    /// The identity as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_checks_prefix_and_charset() {
        assert!(ConversationSid::parse("CH0123456789abcdef0123456789abcdef").is_ok());
        assert!(ConversationSid::parse("IM0123").is_err());
        assert!(ConversationSid::parse("CH").is_err());
        assert!(ConversationSid::parse("CH12/../x").is_err());
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
    fn identity_round_trips_discord_user() {
        let id = Identity::for_user(UserId(42));
        assert_eq!(id.as_str(), "discord:42");
        assert_eq!(id.discord_user(), Some(UserId(42)));
        assert_eq!(Identity("alice".into()).discord_user(), None);
    }

    #[test]
    fn snowflakes_reject_zero_and_garbage() {
        assert!("0".parse::<UserId>().is_err());
        assert!("-1".parse::<ChannelId>().is_err());
        assert_eq!("5".parse::<MessageId>().ok(), Some(MessageId(5)));
    }
}
