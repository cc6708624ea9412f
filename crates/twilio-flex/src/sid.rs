//! Twilio SIDs as types. Every resource id Twilio hands out is a two-letter prefix naming its
//! kind (`CH` conversation, `IM` message…) followed by 32 hex digits; a newtype per kind means a
//! message SID can never be passed where a conversation SID is expected, and the prefix is
//! checked once, where the value enters (a response, a webhook, configuration).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that is not a SID of the expected kind. Shows at most 64 characters of the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {value:?}")]
pub struct InvalidSid {
    /// The SID type that was expected (`ConversationSid`…).
    pub kind: &'static str,
    /// The start of the offending value.
    pub value: String,
}

impl InvalidSid {
    fn new(kind: &'static str, value: &str) -> Self {
        Self {
            kind,
            value: value.chars().take(64).collect(),
        }
    }
}

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
            /// (Twilio's are 34 bytes of hex; fakes use shorter ones.)
            ///
            /// # Errors
            ///
            /// [`InvalidSid`] when the prefix is wrong, the value is too long, or it has
            /// characters a SID never has.
            pub fn parse(value: &str) -> Result<Self, InvalidSid> {
                let ok = value.len() > 2
                    && value.len() <= 64
                    && value.starts_with($prefix)
                    && value.bytes().all(|b| b.is_ascii_alphanumeric());
                if ok {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(InvalidSid::new(stringify!($name), value))
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
            type Error = InvalidSid;
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
            type Err = InvalidSid;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

sid!(
    /// A Conversation (`CH…`).
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
    /// A Conversations message (`IM…`).
    MessageSid,
    "IM"
);
sid!(
    /// A media resource of the Media Content Service (`ME…`).
    MediaSid,
    "ME"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_checks_prefix_length_and_charset() {
        assert!(ConversationSid::parse("CH0123456789abcdef0123456789abcdef").is_ok());
        assert!(ConversationSid::parse("IM0123").is_err());
        assert!(ConversationSid::parse("CH").is_err());
        assert!(ConversationSid::parse("CH12/../x").is_err());
        assert!(ConversationSid::parse(&format!("CH{}", "a".repeat(100))).is_err());
        assert!(MediaSid::parse("ME1").is_ok());
    }

    #[test]
    fn serde_refuses_the_wrong_kind() {
        let ok: Result<MessageSid, _> = serde_json::from_str("\"IM1\"");
        assert!(ok.is_ok());
        let wrong: Result<MessageSid, _> = serde_json::from_str("\"CH1\"");
        assert!(wrong.is_err());
    }

    #[test]
    fn the_error_is_bounded() {
        let e = ConversationSid::parse(&"x".repeat(1000)).err();
        assert_eq!(e.map(|e| e.value.len()), Some(64));
    }
}
