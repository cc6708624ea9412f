//! Configuration merging and validation.

use super::*;

const FULL: [(&str, &str); 10] = [
    ("DISCORD_TOKEN", "discord-secret-token"),
    ("DISCORD_APPLICATION_ID", "11"),
    ("DISCORD_GUILD_ID", "22"),
    ("TWILIO_ACCOUNT_SID", "AC123"),
    ("TWILIO_AUTH_TOKEN", "twilio-secret-token"),
    ("TWILIO_WORKSPACE_SID", "WS1"),
    ("TWILIO_WORKFLOW_SID", "WW1"),
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
        ("TWILIO_ACCOUNT_SID", "AC1"),
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
}
