//! Twilio-shaped resource identifiers (`CH…`, `IM…`, `KD…`): two-letter prefix + 32 hex digits.
//!
//! SIDs come from one counter per fake, so they are unique, sort in creation order and are
//! reproducible from run to run, which keeps test failures readable.

/// Hands out SIDs for one fake instance.
#[derive(Debug, Default)]
pub(crate) struct SidGen {
    next: u64,
}

impl SidGen {
    /// Returns a fresh SID with `prefix` (e.g. `"CH"`).
    pub(crate) fn next(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:032x}", self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::SidGen;

    #[test]
    fn sids_are_unique_well_formed_and_ordered() {
        let mut ids = SidGen::default();
        let a = ids.next("CH");
        let b = ids.next("CH");
        assert_eq!(a.len(), 34);
        assert!(a.starts_with("CH") && a[2..].chars().all(|c| c.is_ascii_hexdigit()));
        assert!(a < b);
    }
}
