//! Dates in UTC from milliseconds since the Unix epoch, in the two forms flexcord writes: for
//! people (`2026-12-07 13:09 UTC`: case descriptions, transcripts, the `cases` command) and for
//! Twilio (`2026-12-07T13:09:05Z`, ISO 8601 in whole seconds, as `DateCreated` takes it).
//!
//! A few lines of calendar arithmetic rather than a date library for two fixed formats; UTC,
//! so the output is the same on every machine and in tests. Dates before 1970 do not occur.

/// `YYYY-MM-DD HH:MM UTC`.
#[must_use]
pub fn minute(ms: u64) -> String {
    let (date, secs) = date_and_second(ms);
    format!("{date} {:02}:{:02} UTC", secs / 3600, (secs % 3600) / 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn iso8601_seconds(ms: u64) -> String {
    let (date, secs) = date_and_second(ms);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// `YYYY-MM-DD`, and the second of that day.
fn date_and_second(ms: u64) -> (String, u64) {
    let secs = ms / 1000;
    let (year, month, day) = civil_from_days(secs / 86_400);
    (format!("{year:04}-{month:02}-{day:02}"), secs % 86_400)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`, on unsigned numbers: the epoch is in era 4).
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_for_people() {
        assert_eq!(minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(minute(1_700_000_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(minute(951_782_400_000), "2000-02-29 00:00 UTC");
        // 2024-02-29 23:59:59 UTC, a leap day, and the minute after it.
        assert_eq!(minute(1_709_251_199_000), "2024-02-29 23:59 UTC");
        assert_eq!(minute(1_709_251_200_000), "2024-03-01 00:00 UTC");
        assert_eq!(minute(1_796_649_000_000), "2026-12-07 13:10 UTC");
        assert_eq!(minute(1_800_000_000_000), "2027-01-15 08:00 UTC");
    }

    #[test]
    fn seconds_for_twilio() {
        assert_eq!(iso8601_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_seconds(951_782_400_999), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601_seconds(1_767_322_245_000), "2026-01-02T02:50:45Z");
    }
}
