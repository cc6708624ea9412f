//! Dates for people: `2026-12-07 13:09 UTC` from milliseconds since the Unix epoch, without a
//! date library for one format (UTC, so the output is the same on every machine and in tests).

/// `YYYY-MM-DD HH:MM UTC`.
#[must_use]
pub fn utc_minute(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let (year, month, day) = civil_from_days(days);
    let minute_of_day = (secs % 86_400) / 60;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_moments_read_as_calendar_dates() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        // 2024-02-29 23:59:59 UTC, a leap day.
        assert_eq!(utc_minute(1_709_251_199_000), "2024-02-29 23:59 UTC");
        assert_eq!(utc_minute(1_709_251_200_000), "2024-03-01 00:00 UTC");
        assert_eq!(utc_minute(1_800_000_000_000), "2027-01-15 08:00 UTC");
    }
}
