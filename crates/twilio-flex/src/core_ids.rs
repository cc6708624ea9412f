//! Where flexcord's opaque ids meet Twilio's wire formats (feature `flexcord`): core's
//! references become prefix-checked SIDs on the way out and go back as plain references, and
//! core's customer identity becomes the participant identity `discord:<user id>`.

use std::fmt::Display;
use std::str::FromStr;

use flexcord_core::ids::{Identity, UserId};
use flexcord_core::ports::ContactCenterError;

use crate::sid::InvalidSid;

/// How a Discord user is named in Flex: no personal data, only the snowflake.
pub const CUSTOMER_IDENTITY_PREFIX: &str = "discord:";

/// `discord:<user id>`.
#[must_use]
pub fn customer_identity(user: UserId) -> String {
    format!("{CUSTOMER_IDENTITY_PREFIX}{user}")
}

/// The identity Twilio knows a participant by. A name stored by an older version
/// (`discord:<id>` as text) passes unchanged.
#[must_use]
pub fn identity_to_wire(identity: &Identity) -> String {
    match identity.discord_user() {
        Some(user) => customer_identity(user),
        None => identity.name().unwrap_or_default().to_owned(),
    }
}

/// A participant identity from Twilio: `discord:<snowflake>` is the customer, anything else a
/// named participant (an agent, `system`).
#[must_use]
pub fn identity_from_wire(wire: &str) -> Identity {
    wire.strip_prefix(CUSTOMER_IDENTITY_PREFIX)
        .and_then(|id| id.parse::<UserId>().ok())
        .map_or_else(|| Identity::new(wire), Identity::for_user)
}

/// A core reference as a Twilio SID of kind `T`: refused when it is not one (a reference from
/// another contact center, or a corrupted row), before any request is made.
pub(crate) fn to_twilio<T>(core: &impl Display) -> Result<T, ContactCenterError>
where
    T: FromStr<Err = InvalidSid>,
{
    T::from_str(&core.to_string()).map_err(|e| ContactCenterError::Rejected(e.to_string()))
}

/// A Twilio SID as a core reference. Every SID is a valid reference (letters and digits, at
/// most 64), so `None` never happens in practice; callers treat it as "not for us".
pub(crate) fn to_core<T: FromStr>(sid: &impl Display) -> Option<T> {
    T::from_str(&sid.to_string()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sid::ConversationSid;

    #[test]
    fn the_customer_is_discord_prefixed_on_the_wire_and_back() {
        let customer = Identity::for_user(UserId(42));
        assert_eq!(identity_to_wire(&customer), "discord:42");
        assert_eq!(identity_from_wire("discord:42"), customer);
        assert_eq!(identity_from_wire("alice"), Identity::new("alice"));
        assert_eq!(identity_from_wire("discord:x"), Identity::new("discord:x"));
        // An outbox entry written by an older version carried the wire text itself.
        assert_eq!(identity_to_wire(&Identity::new("discord:7")), "discord:7");
    }

    #[test]
    fn core_references_must_be_twilio_sids_of_the_right_kind() {
        let core = flexcord_core::ids::ConversationSid::parse("IM1").ok();
        let twilio: Option<Result<ConversationSid, _>> = core.map(|c| to_twilio(&c));
        assert!(matches!(twilio, Some(Err(ContactCenterError::Rejected(_)))));
        let sid = ConversationSid::parse("CH1").ok();
        let back: Option<flexcord_core::ids::ConversationSid> = sid.and_then(|s| to_core(&s));
        assert_eq!(back.map(|b| b.to_string()).as_deref(), Some("CH1"));
    }
}
