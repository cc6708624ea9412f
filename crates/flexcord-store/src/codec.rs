//! Conversions between domain values and column values: snowflakes, times, enum names.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A Discord snowflake as a signed 64-bit column: the same bit pattern, so every `u64`
/// round-trips (real snowflakes stay positive until long after 2080).
pub(crate) const fn snowflake_to_sql(value: u64) -> i64 {
    i64::from_ne_bytes(value.to_ne_bytes())
}

/// The inverse of [`snowflake_to_sql`].
pub(crate) const fn snowflake_from_sql(value: i64) -> u64 {
    u64::from_ne_bytes(value.to_ne_bytes())
}

/// Milliseconds since the Unix epoch, now. A clock before 1970 reads as 0.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, duration_ms)
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A stored millisecond timestamp as the domain's `u64` (negative values, which the store never
/// writes, read as 0).
pub(crate) fn ms_from_sql(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Error and reason texts are kept for operators, but bounded: a hostile or runaway message must
/// not bloat every row.
pub(crate) fn bounded_text(text: &str) -> String {
    const MAX_CHARS: usize = 2000;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_round_trip_the_whole_u64_range() {
        for v in [1, 1_234_567_890_123_456_789, u64::MAX, 1 << 63] {
            assert_eq!(snowflake_from_sql(snowflake_to_sql(v)), v);
        }
    }

    #[test]
    fn bounded_text_cuts_long_texts_on_a_char_boundary() {
        assert_eq!(bounded_text("short"), "short");
        let long = "é".repeat(5000);
        let cut = bounded_text(&long);
        assert_eq!(cut.chars().count(), 2001);
        assert!(cut.ends_with('…'));
    }
}
