//! The benchmark's id scheme: user `i` is Discord user `USER_BASE + i`, writing from DM channel
//! `USER_BASE + i + DM_CHANNEL_OFFSET`; relayed texts carry a marker `mk<seq>.` so every
//! arrival at a fake can be matched to the event that caused it.

use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT_SEQ: AtomicUsize = AtomicUsize::new(0);

/// Reserves `n` relay numbers (markers are unique across the whole run).
pub fn next_seq(n: usize) -> usize {
    NEXT_SEQ.fetch_add(n, Ordering::Relaxed)
}

/// Snowflake of user 0.
pub const USER_BASE: u64 = 1_000_000;
/// DM channel = user id + this.
pub const DM_CHANNEL_OFFSET: u64 = 1_000_000_000;
/// The Twilio identity flexcord and the model give a Discord user.
#[must_use]
pub fn identity(user: u64) -> String {
    format!("discord:{user}")
}

/// User `i`'s snowflake.
#[must_use]
pub const fn user(i: usize) -> u64 {
    USER_BASE + i as u64
}

/// User `i`'s DM channel.
#[must_use]
pub const fn dm(i: usize) -> u64 {
    user(i) + DM_CHANNEL_OFFSET
}

/// The marker text for relay `seq`.
#[must_use]
pub fn marker(seq: usize) -> String {
    format!("mk{seq}.")
}

/// The relay number in `text`, if it carries a marker.
#[must_use]
pub fn parse_marker(text: &str) -> Option<usize> {
    let start = text.find("mk")? + 2;
    let rest = text.get(start..)?;
    let end = rest.find('.')?;
    rest.get(..end)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_survive_decoration() {
        assert_eq!(parse_marker(&format!("**Ada:** {}", marker(42))), Some(42));
        assert_eq!(parse_marker("no marker here"), None);
        assert_eq!(parse_marker("mkx."), None);
    }
}
