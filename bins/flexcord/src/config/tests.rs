//! Configuration merging and validation.

use flexcord_core::config::RoutingMode;

use super::*;

const FULL: [(&str, &str); 10] = [
    ("DISCORD_TOKEN", "discord-secret-token"),
    ("DISCORD_APPLICATION_ID", "11"),
    ("DISCORD_GUILD_ID", "22"),
    ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
    ("TWILIO_AUTH_TOKEN", "twilio-secret-token"),
    ("TWILIO_WORKSPACE_SID", "WS0123456789abcdef0123456789abcdef"),
    ("TWILIO_WORKFLOW_SID", "WW0123456789abcdef0123456789abcdef"),
    ("FLEXCORD_PUBLIC_URL", "https://bridge.example.com/"),
    ("FLEXCORD_DATABASE_URL", "postgres://u:hunter2@db/flexcord"),
    (
        "FLEXCORD_ANNOUNCE_FEEDS",
        "https://a.example/feed.xml, https://b.example/atom",
    ),
];

#[test]
fn full_environment_is_valid_for_run() {
    let s = Settings::load(FileConfig::default(), &FULL, Needs::Run).expect("valid");
    assert_eq!(s.public_url.as_deref(), Some("https://bridge.example.com"));
    assert_eq!(s.discord.guild_id, Some(22));
    assert_eq!(s.announce.feeds.len(), 2);
    assert_eq!(s.listen.port(), 8080);
    assert_eq!(s.announce.backlog, 3);
}

#[test]
fn missing_settings_are_all_listed_at_once() {
    let err = Settings::load(FileConfig::default(), &[("X", "y")], Needs::Run).unwrap_err();
    let text = err.to_string();
    for name in [
        "DISCORD_TOKEN",
        "DISCORD_APPLICATION_ID",
        "DISCORD_GUILD_ID",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "FLEXCORD_PUBLIC_URL",
        "TWILIO_WORKSPACE_SID",
        "TWILIO_WORKFLOW_SID",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
}

#[test]
fn studio_mode_needs_a_flow_instead_of_taskrouter_targets() {
    let env = [
        ("DISCORD_TOKEN", "t"),
        ("DISCORD_APPLICATION_ID", "1"),
        ("DISCORD_GUILD_ID", "2"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef"),
        ("TWILIO_AUTH_TOKEN", "x"),
        ("FLEXCORD_PUBLIC_URL", "https://x.example"),
        ("FLEXCORD_ROUTING", "studio"),
    ];
    let err = Settings::load(FileConfig::default(), &env, Needs::Run).unwrap_err();
    assert_eq!(
        err.problems,
        vec!["TWILIO_STUDIO_FLOW_SID is required in studio mode".to_owned()]
    );
}

#[test]
fn environment_overrides_the_file() {
    let file = FileConfig::parse(
        r#"
        [discord]
        guild_id = 5
        [server]
        listen = "127.0.0.1:9000"
        [router]
        handoff_keywords = ["operator"]
        [router.templates]
        greeting = "Ahoy {user}"
        "#,
    )
    .expect("parses");
    let env = [("DISCORD_GUILD_ID", "6")];
    let s = Settings::load(file, &env, Needs::Local).expect("valid");
    assert_eq!(s.discord.guild_id, Some(6));
    assert_eq!(s.listen.port(), 9000);
    assert_eq!(s.router.handoff_keywords, vec!["operator".to_owned()]);
    assert_eq!(s.router.templates.greeting, "Ahoy {user}");
    // Templates not named in the file keep their defaults.
    assert!(s.router.templates.agent_joined.contains("{agent}"));
}

#[test]
fn malformed_values_are_reported_not_defaulted() {
    let env = [
        ("DISCORD_GUILD_ID", "guild"),
        ("DISCORD_API_PROXY", "http://127.0.0.1:1"),
        ("FLEXCORD_ROUTING", "carrier-pigeon"),
        ("FLEXCORD_LISTEN", "everywhere"),
        ("TWILIO_ACCOUNT_SID", "XX1"),
        ("FLEXCORD_DATABASE_URL", "mysql://x"),
    ];
    let err = Settings::load(FileConfig::default(), &env, Needs::Local).unwrap_err();
    assert_eq!(err.problems.len(), 6, "{err}");
}

#[test]
fn sids_are_checked_in_full_prefix_and_32_hex_digits() {
    for (name, value) in [
        ("TWILIO_ACCOUNT_SID", "AC1"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdeg"),
        ("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef0"),
        ("TWILIO_WORKSPACE_SID", "WW0123456789abcdef0123456789abcdef"),
        ("TWILIO_WORKFLOW_SID", "WW0123456789abcdef"),
    ] {
        let err =
            Settings::load(FileConfig::default(), &[(name, value)], Needs::Local).expect_err(value);
        assert_eq!(err.problems.len(), 1, "{err}");
        assert!(
            err.problems[0].starts_with(name) && err.problems[0].contains("32 hexadecimal digits"),
            "{err}"
        );
    }
    let ok = [("TWILIO_ACCOUNT_SID", "AC0123456789ABCDEF0123456789abcdef")];
    assert!(Settings::load(FileConfig::default(), &ok, Needs::Local).is_ok());
}

#[test]
fn unknown_file_keys_are_rejected() {
    assert!(FileConfig::parse("[discord]\ntokn = \"x\"").is_err());
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let s = Settings::load(FileConfig::default(), &FULL, Needs::Run).expect("valid");
    let text = format!("{s:?}");
    assert!(!text.contains("discord-secret-token"));
    assert!(!text.contains("twilio-secret-token"));
    assert!(!text.contains("hunter2"));
    assert!(text.contains("***"));
}

#[test]
fn database_passwords_are_redacted_in_messages() {
    assert_eq!(
        redact_url("postgres://u:hunter2@db:5432/x"),
        "postgres://u:***@db:5432/x"
    );
    assert_eq!(redact_url("sqlite://flexcord.db"), "sqlite://flexcord.db");
    // A password given as a query parameter is masked too.
    let masked = redact_url("postgres://u@db:5432/x?password=hunter2");
    assert!(!masked.contains("hunter2"), "{masked}");
}

#[test]
fn a_malformed_value_is_reported_once_not_also_as_missing() {
    let mut env = FULL.to_vec();
    env.retain(|(k, _)| *k != "DISCORD_GUILD_ID");
    env.push(("DISCORD_GUILD_ID", "my-server"));
    let env: [(&str, &str); 10] = env.try_into().expect("ten variables");
    let err = Settings::load(FileConfig::default(), &env, Needs::Run).unwrap_err();
    assert_eq!(
        err.problems,
        vec![r#"DISCORD_GUILD_ID must be a number, got "my-server""#.to_owned()]
    );
}

#[test]
fn file_values_are_used_and_the_environment_replaces_lists() {
    let file = || {
        FileConfig::parse(
            r#"
            [announcements]
            feeds = ["https://a.example/feed.xml"]
            poll_secs = 60
            [seachat]
            url = "https://seachat.example"
            api_key = "seachat-secret"
            [router]
            routing = "studio"
            "#,
        )
        .expect("parses")
    };
    let s = Settings::load(file(), &[("X", "y")], Needs::Local).expect("valid");
    assert_eq!(s.announce.feeds, ["https://a.example/feed.xml"]);
    assert_eq!(s.announce.poll_every, Duration::from_secs(60));
    assert_eq!(s.router.routing, RoutingMode::Studio);
    let seachat = s.seachat.expect("seachat configured");
    assert_eq!(
        seachat.api_key.map(|k| k.expose().to_owned()).as_deref(),
        Some("seachat-secret")
    );

    let env = [(
        "FLEXCORD_ANNOUNCE_FEEDS",
        "https://b.example/rss, https://c.example/atom",
    )];
    let s = Settings::load(file(), &env, Needs::Local).expect("valid");
    assert_eq!(
        s.announce.feeds,
        ["https://b.example/rss", "https://c.example/atom"]
    );
}

#[test]
fn every_bad_feed_is_its_own_problem() {
    let env = [(
        "FLEXCORD_ANNOUNCE_FEEDS",
        "ftp://a.example/x, https://ok.example/feed, nope",
    )];
    let err = Settings::load(FileConfig::default(), &env, Needs::Local).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(
        err.problems
            .iter()
            .all(|p| p.starts_with("FLEXCORD_ANNOUNCE_FEEDS must be an http(s) URL"))
    );
}

#[test]
fn wrongly_typed_and_unknown_file_keys_are_all_named() {
    let err = FileConfig::parse(
        r#"
        [discord]
        application_id = "12"
        guild = 3
        [announcements]
        feeds = "https://a.example/feed.xml"
        [nope]
        x = 1
        [router]
        routing = "bridge"
        handoff_keyword = ["agent"]
        "#,
    )
    .unwrap_err();
    for part in [
        "[discord] application_id must be a whole number",
        "`guild`",
        "[announcements] feeds must be a list of strings",
        "`nope`",
        "handoff_keyword",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
}

#[test]
fn a_file_with_secrets_does_not_show_them_in_debug() {
    let file = FileConfig::parse("[discord]\ntoken = \"discord-secret-token\"").expect("parses");
    assert!(!format!("{file:?}").contains("discord-secret-token"));
}

#[test]
fn the_setting_tables_are_consistent() {
    use std::collections::HashSet;

    use super::components::COMPONENTS;
    use super::table::{Sample, Unset};

    let mut envs = HashSet::new();
    let mut keys = HashSet::new();
    for row in COMPONENTS.iter().flat_map(|c| c.settings) {
        let name = row.name();
        assert!(row.env.is_some() || row.file.is_some(), "{name}: no source");
        assert!(!row.doc.is_empty(), "{name}: no documentation");
        if let Some(env) = row.env {
            assert!(envs.insert(env), "{env} has two rows");
        }
        if let Some(key) = row.file {
            assert!(keys.insert(key), "{key} has two rows");
            assert!(row.apply.is_some(), "{name}: a file key that nothing reads");
        }
        if matches!(row.sample, Sample::Default) {
            assert!(
                matches!(row.unset, Unset::Default(_)),
                "{name}: no default to show"
            );
        }
        if row.apply.is_none() {
            assert!(
                !matches!(
                    row.unset,
                    Unset::Required(..) | Unset::RequiredIn(_) | Unset::Default(_)
                ),
                "{name}: read elsewhere, so the merge cannot require or default it"
            );
        }
    }
}

#[test]
fn twilio_concurrency_is_an_adaptive_ceiling_or_a_fixed_value() {
    let load = |value: &str| {
        let mut env = [("FLEXCORD_TWILIO_MAX_CONCURRENCY", value); 11];
        env[..10].copy_from_slice(&FULL);
        Settings::load(FileConfig::default(), &env, Needs::Run).map(|s| s.twilio.concurrency)
    };
    let default = Settings::load(FileConfig::default(), &FULL, Needs::Run).expect("valid");
    assert_eq!(
        default.twilio.concurrency,
        TwilioConcurrency::Adaptive { ceiling: 100 }
    );
    assert_eq!(
        load("30").ok(),
        Some(TwilioConcurrency::Adaptive { ceiling: 30 })
    );
    assert_eq!(load(" fixed:20 ").ok(), Some(TwilioConcurrency::Fixed(20)));
    for bad in ["0", "fixed:0", "fixed:", "lots", "-3"] {
        let err = load(bad).expect_err(bad);
        assert!(
            err.to_string().contains("FLEXCORD_TWILIO_MAX_CONCURRENCY"),
            "{err}"
        );
    }
}

#[test]
fn discord_global_rate_limit_defaults_to_50_and_takes_what_discord_granted() {
    let load = |value: &str| {
        let mut env = [("DISCORD_GLOBAL_RATE_LIMIT", value); 11];
        env[..10].copy_from_slice(&FULL);
        Settings::load(FileConfig::default(), &env, Needs::Run)
            .map(|s| s.discord.global_rate_limit.map(std::num::NonZeroU16::get))
    };
    let default = Settings::load(FileConfig::default(), &FULL, Needs::Run).expect("valid");
    assert_eq!(
        default
            .discord
            .global_rate_limit
            .map(std::num::NonZeroU16::get),
        Some(50)
    );
    assert_eq!(load("1200").ok(), Some(Some(1200)));
    for bad in ["0", "-1", "70000", "fast"] {
        let err = load(bad).expect_err(bad);
        let text = err.to_string();
        assert!(text.contains("DISCORD_GLOBAL_RATE_LIMIT"), "{text}");
        assert!(!text.contains("is required"), "{text}");
    }
}

#[test]
fn a_malformed_discord_public_key_stops_the_start_with_a_clear_problem() {
    let load = |value: &str| {
        let mut env = [("DISCORD_PUBLIC_KEY", value); 11];
        env[..10].copy_from_slice(&FULL);
        Settings::load(FileConfig::default(), &env, Needs::Run)
    };
    let unset = Settings::load(FileConfig::default(), &FULL, Needs::Run).expect("valid");
    assert!(unset.discord.public_key.is_none());
    // Discord's documentation example key: a valid Ed25519 public key.
    let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let loaded = load(key).expect("a valid key");
    assert_eq!(
        loaded.discord.public_key.map(|k| k.to_hex()).as_deref(),
        Some(key)
    );
    for bad in ["", "d75a98", "not hex at all", &format!("{key}00")] {
        let err = load(bad).expect_err(bad);
        assert_eq!(
            err.problems,
            vec![
                "DISCORD_PUBLIC_KEY must be 64 hex digits (the application's public key in the \
                 Developer Portal)"
                    .to_owned()
            ],
            "{bad:?}"
        );
    }
}
