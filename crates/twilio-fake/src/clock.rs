//! ISO-8601 UTC timestamps (`2026-01-02T03:04:05Z`) as Twilio renders `date_created`.
//!
//! A few lines of civil-calendar arithmetic instead of a date crate: the fake only ever
//! formats "now".

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time formatted the way Twilio's JSON APIs do.
pub(crate) fn now_iso8601() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_unix(secs)
}

/// Whether `raw` is a UTC ISO 8601 date-time as Twilio's `DateCreated` takes it:
/// `YYYY-MM-DDTHH:MM:SSZ`, optionally with fractional seconds.
pub(crate) fn is_iso8601_utc(raw: &str) -> bool {
    let Some(rest) = raw.strip_suffix('Z') else {
        return false;
    };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, "0"));
    let shape = whole.len() == 19
        && whole.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            10 => c == 'T',
            13 | 16 => c == ':',
            _ => c.is_ascii_digit(),
        });
    let in_range = |from: usize, to: usize, max: u32| {
        whole
            .get(from..to)
            .and_then(|d| d.parse::<u32>().ok())
            .is_some_and(|v| v <= max)
    };
    shape
        && !fraction.is_empty()
        && fraction.chars().all(|c| c.is_ascii_digit())
        && in_range(5, 7, 12)
        && in_range(8, 10, 31)
        && in_range(11, 13, 23)
        && in_range(14, 16, 59)
        && in_range(17, 19, 60)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn format_unix(secs: u64) -> String {
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
    use super::{format_unix, is_iso8601_utc};

    #[test]
    fn recognises_date_created_values() {
        assert!(is_iso8601_utc("2026-01-02T03:04:05Z"));
        assert!(is_iso8601_utc("2026-01-02T03:04:05.678Z"));
        assert!(!is_iso8601_utc("2026-01-02 03:04:05Z"));
        assert!(!is_iso8601_utc("2026-13-02T03:04:05Z"));
        assert!(!is_iso8601_utc("1767322245"));
        assert!(!is_iso8601_utc("2026-01-02T03:04:05."));
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_unix(1_767_322_245), "2026-01-02T02:50:45Z");
    }
}
