//! File + environment → [`Settings`], row by row from the tables in `components/`, collecting
//! every problem: one message per problem, so a value that is given but malformed is reported
//! as malformed and not also as missing.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::components::COMPONENTS;
use super::file::FileConfig;
use super::table::{Kind, Raw, Setting, Unset};
use super::{AnnounceSettings, DatabaseUrl, Env, Needs, Settings};

/// Merges `file` with `env` (the environment wins) and checks what `needs` requires.
pub(super) fn merge(mut file: FileConfig, env: &dyn Env, needs: Needs) -> (Settings, Vec<String>) {
    let mut settings = Settings::blank(file.router.take().unwrap_or_default());
    let mut problems = Vec::new();
    let mut missing = Vec::new();
    for setting in COMPONENTS.iter().flat_map(|c| c.settings) {
        let Some(apply) = setting.apply else { continue };
        let given = setting
            .env
            .and_then(|name| env.get(name))
            .map(|text| from_env(setting.kind, text))
            .or_else(|| setting.file.and_then(|key| file.take(key)));
        let raw = match (given, setting.unset) {
            (Some(raw), _) => raw,
            (None, Unset::Default(text)) => Raw::Text(text.to_owned()),
            (None, _) => {
                missing.push(setting);
                continue;
            }
        };
        if let Err(tails) = apply(&mut settings, raw) {
            let name = setting.name();
            problems.extend(tails.0.into_iter().map(|tail| format!("{name} {tail}")));
        }
    }
    // After every row: whether a setting is required can depend on another (the routing mode).
    for setting in missing {
        if let Some(problem) = requirement(setting, &settings, needs) {
            problems.push(problem);
        }
    }
    // The texts by language: `[router.templates]` is English, the locale files the rest.
    match crate::locales::build(
        &settings.router.templates,
        &settings.locale.default,
        settings.locale.dir.as_deref(),
    ) {
        Ok(locales) => settings.router.locales = locales,
        Err(found) => problems.extend(found),
    }
    // An API key is two settings: one half alone would fall back to the auth token unnoticed.
    // (A half that was given but malformed is already reported: one message per problem.)
    let named = |name: &str| problems.iter().any(|p: &String| p.starts_with(name));
    let pair = match (&settings.twilio.api_key, &settings.twilio.api_secret) {
        (Some(_), None) if !named("TWILIO_API_SECRET") => {
            Some("TWILIO_API_SECRET is required with TWILIO_API_KEY")
        }
        (None, Some(_)) if !named("TWILIO_API_KEY") => {
            Some("TWILIO_API_KEY is required with TWILIO_API_SECRET")
        }
        _ => None,
    };
    problems.extend(pair.map(str::to_owned));
    (settings, problems)
}

/// The variable's text as its kind reads it: a list variable is comma-separated.
fn from_env(kind: Kind, text: String) -> Raw {
    match kind {
        Kind::List => Raw::List(Raw::Text(text).into_list()),
        Kind::Text | Kind::Number => Raw::Text(text),
    }
}

/// The message for an unset setting that `needs` requires, if it does.
fn requirement(setting: &Setting, settings: &Settings, needs: Needs) -> Option<String> {
    let name = setting.name();
    match setting.unset {
        Unset::Required(by, why) if by.contains(&needs) => Some(if why.is_empty() {
            format!("{name} is required")
        } else {
            format!("{name} is required ({why})")
        }),
        Unset::RequiredIn(mode) if needs == Needs::Run && settings.router.routing == mode => {
            Some(format!("{name} is required in {} mode", mode_name(mode)))
        }
        _ => None,
    }
}

/// The mode as `FLEXCORD_ROUTING` spells it.
pub(super) fn mode_name(mode: flexcord_core::config::RoutingMode) -> &'static str {
    match mode {
        flexcord_core::config::RoutingMode::Bridge => "bridge",
        flexcord_core::config::RoutingMode::Studio => "studio",
    }
}

impl Settings {
    /// Nothing set. Every field without a row of its own is here; the ones with a default are
    /// overwritten by their row's default during the merge.
    fn blank(router: flexcord_core::config::RouterConfig) -> Self {
        Self {
            discord: super::DiscordSettings::default(),
            twilio: super::TwilioSettings::default(),
            public_url: None,
            listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            admin_listen: None,
            database_url: DatabaseUrl(String::new()),
            kb_dir: PathBuf::new(),
            announce: AnnounceSettings {
                token: None,
                feeds: Vec::new(),
                poll_every: Duration::ZERO,
                backlog: 0,
            },
            seachat: None,
            cases: None,
            router,
            locale: super::LocaleSettings::default(),
        }
    }
}
