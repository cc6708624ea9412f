//! `[limits]`: per-user limits (hand-offs, reports, `/helpme`, DMs). The blocklist has no
//! settings: staff and operators manage it (`/block`, `flexcord users`).

use crate::config::parse;
use crate::config::table::{
    Component, FileKey, Kind, Problems, Raw, Sample, Setting, Unset, apply,
};

const SECTION: &str = "limits";

/// `on` or `off` (also `true`/`false`, `1`/`0`), in any case.
fn on_off(raw: Raw) -> Result<bool, Problems> {
    let value = raw.into_text();
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("must be on or off, got {other:?}").into()),
    }
}

/// A count: `u32` (0 switches that one limit off).
fn count(raw: Raw) -> Result<u32, Problems> {
    let n = parse::number(raw)?;
    u32::try_from(n).map_err(|_| format!("must be at most {}, got {n}", u32::MAX).into())
}

/// One limit's rows: how many (`<key>`) per how long (`<key>_window_secs`).
macro_rules! count_row {
    ($key:literal, $max:literal, $what:literal, $field:ident) => {
        Setting {
            file: Some(FileKey::new(SECTION, $key)),
            kind: Kind::Number,
            unset: Unset::Default($max),
            doc: concat!("at most this many ", $what, " per user per window; 0 = no limit"),
            sample: Sample::Default,
            apply: apply!(count => |s, v| s.router.limits.$field.max = v),
            ..Setting::BASE
        }
    };
}

macro_rules! window_row {
    ($key:literal, $window:literal, $of:literal, $field:ident) => {
        Setting {
            file: Some(FileKey::new(SECTION, $key)),
            kind: Kind::Number,
            unset: Unset::Default($window),
            doc: concat!("the window of `", $of, "`, in seconds (at least 1)"),
            sample: Sample::Default,
            apply: apply!(parse::number, parse::positive
                => |s, v| s.router.limits.$field.window_secs = v),
            ..Setting::BASE
        }
    };
}

pub(super) const COMPONENT: Component = Component {
    name: "limits",
    settings: &[
        Setting {
            env: Some("FLEXCORD_LIMITS"),
            file: Some(FileKey::new(SECTION, "enabled")),
            unset: Unset::Default("on"),
            doc: "`off` switches every per-user limit off (load tests, a trusted internal server); \
                  the blocklist still applies",
            sample: Sample::Default,
            note: "on or off",
            apply: apply!(on_off => |s, v| s.router.limits.enabled = v),
            ..Setting::BASE
        },
        count_row!(
            "handoffs",
            "3",
            "new live-agent chats (one open chat at a time holds regardless)",
            handoffs
        ),
        window_row!("handoffs_window_secs", "86400", "handoffs", handoffs),
        count_row!(
            "reports",
            "5",
            "`/bug` and `/new_feature` reports together",
            reports
        ),
        window_row!("reports_window_secs", "3600", "reports", reports),
        count_row!("helpme", "5", "`/helpme` uses", helpme),
        window_row!("helpme_window_secs", "600", "helpme", helpme),
        count_row!("bot_dms", "20", "DMs to the virtual agent", bot_dms),
        window_row!("bot_dms_window_secs", "60", "bot_dms", bot_dms),
        count_row!("agent_dms", "30", "DMs relayed to a live agent", agent_dms),
        window_row!("agent_dms_window_secs", "60", "agent_dms", agent_dms),
    ],
};

#[cfg(test)]
mod tests {
    use crate::config::{FileConfig, Needs, Settings};

    #[test]
    fn defaults_file_values_and_the_switch() {
        let none: [(&str, &str); 0] = [];
        let s = Settings::load(FileConfig::default(), &none, Needs::Local).unwrap();
        assert_eq!(s.router.limits, flexcord_core::limits::Limits::default());

        let file = FileConfig::parse("[limits]\nreports = 2\nreports_window_secs = 60\n").unwrap();
        let s = Settings::load(file, &[("FLEXCORD_LIMITS", "OFF")], Needs::Local).unwrap();
        assert!(!s.router.limits.enabled);
        assert_eq!(s.router.limits.reports.max, 2);
        assert_eq!(s.router.limits.reports.window_secs, 60);
        assert_eq!(s.router.limits.helpme.max, 5);
    }

    #[test]
    fn bad_values_are_reported() {
        let file = FileConfig::parse("[limits]\nhelpme_window_secs = 0\n").unwrap();
        let err = Settings::load(file, &[("FLEXCORD_LIMITS", "maybe")], Needs::Local)
            .unwrap_err()
            .to_string();
        assert!(err.contains("FLEXCORD_LIMITS must be on or off"), "{err}");
        assert!(err.contains("[limits] helpme_window_secs"), "{err}");
        assert!(FileConfig::parse("[limits]\nturbo = 1\n").is_err());
    }
}
