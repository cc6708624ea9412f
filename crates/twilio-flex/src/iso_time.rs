//! ISO 8601 UTC date-times (`2026-01-02T03:04:05Z`), the form Twilio's `DateCreated`
//! parameters take (`format: date-time` in the Conversations spec).
//!
//! A few lines of civil-calendar arithmetic instead of a date crate: the client only formats.

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, as
/// Twilio renders its own dates).
#[must_use]
pub fn iso8601_from_ms(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::iso8601_from_ms;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_from_ms(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_from_ms(951_782_400_999), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_from_ms(1_767_322_245_000), "2026-01-02T02:50:45Z");
    }
}
