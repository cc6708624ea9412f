//! The command line as an operator meets it: the real binary, in an empty folder, against local
//! fakes of Discord and Twilio (wiremock) that misbehave one way at a time. What is asserted is
//! what a person reads (stderr, stdout), the exit status, and the files left behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const WORKSPACE: &str = "WS0123456789abcdef0123456789abcdef";
const WORKFLOW: &str = "WW0123456789abcdef0123456789abcdef";
const SERVICE: &str = "IS0123456789abcdef0123456789abcdef";
const BOT: u64 = 100;
const APP: u64 = 100;
const GUILD: u64 = 500;
const ROLE: u64 = 600;
/// View Channels, Send Messages, Embed Links, Attach Files, Manage Channels, Manage Roles.
const ALL_NEEDED: u64 = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 4) | (1 << 28);

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs the binary in `dir` with exactly `env` (nothing inherited but PATH).
async fn flexcord(dir: &Path, env: &[(String, String)], args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_flexcord"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn read_only_commands_leave_no_file_behind_and_say_why_they_failed() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "FLEXCORD_DATABASE_URL".to_owned(),
        "sqlite://typo.db".to_owned(),
    )];
    for args in [
        &["cases", "list"][..],
        &["cases", "show", "1"],
        &["outbox", "dead"],
        &["check"],
    ] {
        let out = flexcord(dir.path(), &env, args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(files_in(dir.path()), Vec::<String>::new(), "{args:?}");
        if args[0] != "check" {
            assert_eq!(
                text(&out.stderr),
                "error: cannot open the database sqlite://typo.db to read it: no database at \
                 typo.db (nothing was created); check FLEXCORD_DATABASE_URL (`flexcord run` \
                 creates and migrates the database)\n",
                "{args:?}"
            );
            assert!(out.stdout.is_empty(), "{args:?}");
        }
    }
}

#[tokio::test]
async fn errors_are_one_line_without_timestamps_and_an_invalid_value_is_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![("DISCORD_GUILD_ID".to_owned(), "my-server".to_owned())];
    let out = flexcord(dir.path(), &env, &["setup", "discord"]).await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: invalid configuration:\n"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("DISCORD_GUILD_ID").count(), 1, "{stderr}");
    assert!(
        stderr.contains("  - DISCORD_GUILD_ID must be a number, got \"my-server\"\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("ERROR") && !stderr.contains("Z "),
        "{stderr}"
    );
}

#[tokio::test]
async fn outbox_retry_of_an_id_that_is_not_a_dead_letter_fails() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "FLEXCORD_DATABASE_URL".to_owned(),
        "sqlite://flexcord.db".to_owned(),
    )];
    let out = flexcord(dir.path(), &env, &["outbox", "retry", "99999"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert_eq!(
        text(&out.stderr),
        "error: 1 of the 1 ids given is not a dead letter (see `flexcord outbox dead`)\n"
    );
    // Now the database exists: reading it works and says so.
    let out = flexcord(dir.path(), &env, &["outbox", "dead"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "no dead letters\n");
}

#[tokio::test]
async fn cases_can_be_listed_as_json_closed_and_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![(
        "FLEXCORD_DATABASE_URL".to_owned(),
        "sqlite://flexcord.db".to_owned(),
    )];
    // `close` changes state, so it may create the database; the case does not exist.
    let out = flexcord(dir.path(), &env, &["cases", "close", "7"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: cannot close case #7: case #7 not found\n"
    );
    let out = flexcord(dir.path(), &env, &["cases", "list", "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list, json!([]));
    let out = flexcord(dir.path(), &env, &["cases", "show", "x1"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: \"x1\" is not a case number (like 1042 or #1042)\n"
    );
}

/// A Discord and a Twilio that are set up the way flexcord needs, plus a database and a
/// knowledge base: `check` passes. Each test then breaks one thing.
struct World {
    dir: tempfile::TempDir,
    discord: MockServer,
    twilio: MockServer,
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("kb")).unwrap();
        std::fs::write(
            dir.path().join("kb/reset.md"),
            "# Resetting your password\n\nUse the login screen.\n",
        )
        .unwrap();
        let world = Self {
            dir,
            discord: MockServer::start().await,
            twilio: MockServer::start().await,
        };
        world.healthy_discord().await;
        world.healthy_twilio().await;
        // A state-changing command creates and migrates the database.
        let out = flexcord(
            world.dir.path(),
            &world.env(),
            &["outbox", "retry", "--all"],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        world
    }

    fn env(&self) -> Vec<(String, String)> {
        [
            ("DISCORD_TOKEN", "bot-token"),
            ("DISCORD_APPLICATION_ID", &APP.to_string()),
            ("DISCORD_GUILD_ID", &GUILD.to_string()),
            ("DISCORD_API_PROXY", &self.discord.address().to_string()),
            ("TWILIO_ACCOUNT_SID", ACCOUNT),
            ("TWILIO_AUTH_TOKEN", "twilio-token"),
            ("TWILIO_API_BASE_URL", &self.twilio.uri()),
            ("TWILIO_WORKSPACE_SID", WORKSPACE),
            ("TWILIO_WORKFLOW_SID", WORKFLOW),
            ("TWILIO_CHAT_SERVICE_SID", SERVICE),
            ("FLEXCORD_PUBLIC_URL", "http://127.0.0.1:9"),
            ("FLEXCORD_DATABASE_URL", "sqlite://flexcord.db"),
            ("FLEXCORD_KB_DIR", "kb"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    async fn healthy_discord(&self) {
        let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
        let s = &self.discord;
        Mock::given(method("GET"))
            .and(path("/api/v10/users/@me"))
            .respond_with(ok(
                json!({"id": BOT.to_string(), "username": "flexcord-bot"}),
            ))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v10/applications/@me"))
            // As Discord answers it; no Interactions Endpoint URL: interactions come over the
            // gateway.
            .respond_with(ok(json!({
                "id": APP.to_string(), "name": "flexcord", "description": "", "icon": null,
                "bot_public": false, "bot_require_code_grant": false, "flags": 0,
                "team": null, "verify_key": "ab".repeat(32), "interactions_endpoint_url": null,
            })))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v10/guilds/{GUILD}/members/{BOT}")))
            .respond_with(ok(json!({"roles": [ROLE.to_string()]})))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v10/guilds/{GUILD}/roles")))
            .respond_with(ok(json!([
                {"id": GUILD.to_string(), "permissions": "0"},
                {"id": ROLE.to_string(), "permissions": ALL_NEEDED.to_string()},
            ])))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/api/v10/guilds/{GUILD}/channels")))
            .respond_with(ok(json!([
                {"id": "1", "name": "announcements"},
                {"id": "2", "name": "bug-report"},
                {"id": "3", "name": "feature-request"},
                {"id": "4", "name": "customer-service"},
            ])))
            .mount(s)
            .await;
        let commands = serde_json::to_value(flexcord_discord::commands::definitions(
            &flexcord_core::locale::Locales::default(),
        ))
        .unwrap();
        Mock::given(method("GET"))
            .and(path(format!("/api/v10/applications/{APP}/commands")))
            .respond_with(ok(commands))
            .mount(s)
            .await;
    }

    async fn healthy_twilio(&self) {
        let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
        let s = &self.twilio;
        Mock::given(method("GET"))
            .and(path("/v1/Configuration"))
            .respond_with(ok(json!({"default_chat_service_sid": SERVICE})))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/v1/Services/{SERVICE}")))
            .respond_with(ok(
                json!({"sid": SERVICE, "friendly_name": "Flex Chat Service"}),
            ))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/v1/Workspaces/{WORKSPACE}")))
            .respond_with(ok(json!({"sid": WORKSPACE, "friendly_name": "Flex"})))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!(
                "/v1/Workspaces/{WORKSPACE}/Workflows/{WORKFLOW}"
            )))
            .respond_with(ok(
                json!({"sid": WORKFLOW, "friendly_name": "Assign to Anyone"}),
            ))
            .mount(s)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/v1/Workspaces/{WORKSPACE}/TaskChannels")))
            .respond_with(ok(json!({
                "channels": [
                    {"sid": "TC0123456789abcdef0123456789abcdef", "unique_name": "chat"},
                    {"sid": "TC1123456789abcdef0123456789abcdef", "unique_name": "voice"},
                ],
                "meta": {"key": "channels", "page": 0, "page_size": 100, "next_page_url": null},
            })))
            .mount(s)
            .await;
    }

    /// Answers `path` with `template` ahead of the healthy answer.
    async fn break_with(server: &MockServer, path_pattern: &str, template: ResponseTemplate) {
        Mock::given(method("GET"))
            .and(path_regex(path_pattern))
            .respond_with(template)
            .with_priority(1)
            .mount(server)
            .await;
    }

    async fn check(&self) -> (i32, String) {
        let out = flexcord(self.dir.path(), &self.env(), &["check"]).await;
        (out.status.code().unwrap_or(-1), text(&out.stdout))
    }
}

fn line<'a>(report: &'a str, starts: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(starts))
        .unwrap_or_else(|| panic!("no line starting {starts:?} in:\n{report}"))
}

#[tokio::test]
async fn check_passes_against_services_set_up_as_flexcord_needs() {
    let world = World::new().await;
    let before = files_in(world.dir.path());
    let (code, report) = world.check().await;
    assert_eq!(code, 0, "{report}");
    for name in [
        "configuration",
        "database",
        "database writes",
        "knowledge base",
        "discord token",
        "discord application",
        "discord guild",
        "discord permissions",
        "discord channels",
        "discord commands",
        "interactions",
        "twilio credentials",
        "twilio conversations service",
        "twilio workspace",
        "twilio workflow",
        "twilio task channel",
    ] {
        line(&report, &format!("ok    {name}: "));
    }
    assert!(
        line(&report, "ok    interactions: ").contains("over the gateway"),
        "{report}"
    );
    // Nothing answers at the public URL before `run`: a warning, not a failure.
    assert!(
        line(&report, "warn  public url: ").contains("cannot reach 127.0.0.1:9"),
        "{report}"
    );
    // SQLite's `-wal`/`-shm` companions of the existing database may outlive the command now and
    // then (the reader's and the write probe's connections close on sqlx's worker threads, and
    // only the last close removes them); they hold no data. Anything else is a write.
    let companions = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .filter(|n| !n.ends_with(".db-wal") && !n.ends_with(".db-shm"))
            .collect()
    };
    assert_eq!(
        companions(files_in(world.dir.path())),
        companions(before),
        "check wrote nothing"
    );

    let out = flexcord(world.dir.path(), &world.env(), &["check", "--json"]).await;
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["checks"][0]["name"], "configuration");
    assert_eq!(json["checks"][0]["status"], "ok");
}

#[tokio::test]
async fn check_names_the_refused_twilio_credentials() {
    let world = World::new().await;
    World::break_with(
        &world.twilio,
        "^/v1/Configuration$",
        ResponseTemplate::new(401)
            .set_body_json(json!({"code": 20003, "message": "Authenticate", "status": 401})),
    )
    .await;
    let (code, report) = world.check().await;
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        line(&report, "FAIL  twilio credentials: "),
        format!(
            "FAIL  twilio credentials: {} refused the auth token for account {ACCOUNT} (HTTP 401, \
             twilio error 20003: Authenticate) — fix: check TWILIO_ACCOUNT_SID and \
             TWILIO_AUTH_TOKEN (Console → Account Info)",
            world.twilio.uri()
        )
    );
}

#[tokio::test]
async fn check_names_a_missing_workspace_workflow_and_chat_channel() {
    let world = World::new().await;
    let not_found = || {
        ResponseTemplate::new(404).set_body_json(
            json!({"code": 20404, "message": "The requested resource was not found", "status": 404}),
        )
    };
    World::break_with(&world.twilio, "/Workflows/", not_found()).await;
    World::break_with(
        &world.twilio,
        "/TaskChannels$",
        ResponseTemplate::new(200).set_body_json(json!({
            "channels": [{"sid": "TC1123456789abcdef0123456789abcdef", "unique_name": "voice"}],
            "meta": {"key": "channels"},
        })),
    )
    .await;
    let (code, report) = world.check().await;
    assert_eq!(code, 1, "{report}");
    assert!(
        line(&report, "FAIL  twilio workflow: ").contains(&format!(
            "workflow {WORKFLOW} in workspace {WORKSPACE} does not exist in account {ACCOUNT}"
        )),
        "{report}"
    );
    assert!(
        line(&report, "FAIL  twilio task channel: ")
            .contains("has no task channel named chat (it has: voice)"),
        "{report}"
    );

    World::break_with(
        &world.twilio,
        &format!("^/v1/Workspaces/{WORKSPACE}$"),
        not_found(),
    )
    .await;
    let (_, report) = world.check().await;
    assert!(
        line(&report, "FAIL  twilio workspace: ").contains(&format!(
            "TaskRouter workspace {WORKSPACE} does not exist in account {ACCOUNT} — fix: set \
             TWILIO_WORKSPACE_SID"
        )),
        "{report}"
    );
}

#[tokio::test]
async fn check_names_a_bot_outside_the_guild_and_a_missing_permission() {
    let world = World::new().await;
    World::break_with(
        &world.discord,
        "/roles$",
        ResponseTemplate::new(200).set_body_json(json!([
            {"id": GUILD.to_string(), "permissions": "0"},
            {"id": ROLE.to_string(), "permissions": (ALL_NEEDED & !(1 << 28)).to_string()},
        ])),
    )
    .await;
    let (code, report) = world.check().await;
    assert_eq!(code, 1, "{report}");
    assert!(
        line(&report, "FAIL  discord permissions: ").contains(&format!(
            "the bot's roles in guild {GUILD} lack Manage Roles"
        )),
        "{report}"
    );

    World::break_with(
        &world.discord,
        "/members/",
        ResponseTemplate::new(404)
            .set_body_json(json!({"code": 10007, "message": "Unknown Member"})),
    )
    .await;
    let (_, report) = world.check().await;
    let guild = line(&report, "FAIL  discord guild: ");
    assert!(
        guild.contains(&format!(
            "the bot flexcord-bot is not a member of guild {GUILD}"
        )),
        "{report}"
    );
    assert!(
        guild.contains("invite the bot: https://discord.com/oauth2/authorize?client_id=100"),
        "{report}"
    );
}

#[tokio::test]
async fn check_warns_about_stale_commands_and_names_missing_channels() {
    let world = World::new().await;
    World::break_with(
        &world.discord,
        "/commands$",
        ResponseTemplate::new(200).set_body_json(json!([
            {"name": "helpme", "description": "an older description"},
            {"name": "bug", "description": "Report a bug"},
        ])),
    )
    .await;
    World::break_with(
        &world.discord,
        "/channels$",
        ResponseTemplate::new(200).set_body_json(json!([{"id": "1", "name": "announcements"}])),
    )
    .await;
    let (code, report) = world.check().await;
    assert_eq!(code, 1, "{report}");
    let commands = line(&report, "warn  discord commands: ");
    for problem in [
        "/helpme differs from this version's",
        "/new_feature is not registered",
        "/case is not registered",
        "fix: run `flexcord setup discord`",
    ] {
        assert!(commands.contains(problem), "{problem}: {report}");
    }
    assert!(
        line(&report, "FAIL  discord channels: ").contains(&format!(
            "guild {GUILD} has no #bug-report, no #feature-request, no #customer-service"
        )),
        "{report}"
    );
}

#[tokio::test]
async fn check_names_the_host_and_cause_when_nothing_answers() {
    let world = World::new().await;
    let mut env = world.env();
    for (k, v) in &mut env {
        match k.as_str() {
            "TWILIO_API_BASE_URL" => *v = "http://127.0.0.1:9".to_owned(),
            "DISCORD_API_PROXY" => *v = "127.0.0.1:9".to_owned(),
            _ => {}
        }
    }
    env.push(("CASES_URL".to_owned(), "http://127.0.0.1:9".to_owned()));
    env.push(("SEACHAT_URL".to_owned(), "http://127.0.0.1:9".to_owned()));
    let out = flexcord(world.dir.path(), &env, &["check"]).await;
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let twilio = line(&report, "FAIL  twilio credentials: ");
    assert!(
        twilio.contains("GET http://127.0.0.1:9/v1/Configuration failed")
            && twilio.contains("Connection refused")
            && twilio.contains("fix: check TWILIO_API_BASE_URL"),
        "{report}"
    );
    let discord = line(&report, "FAIL  discord token: ");
    assert!(
        discord.contains("cannot reach 127.0.0.1:9") && discord.contains("Connection refused"),
        "{report}"
    );
    for name in ["seachat", "cases"] {
        let l = line(&report, &format!("FAIL  {name}: "));
        assert!(
            l.contains("cannot reach 127.0.0.1:9") && l.contains("Connection refused"),
            "{report}"
        );
    }
    // The virtual agent is SeaChat: the embedded knowledge base is not checked.
    assert!(!report.contains("knowledge base"), "{report}");
}

#[tokio::test]
async fn check_reports_half_an_api_key_and_a_short_sid_as_configuration_failures() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        ("TWILIO_ACCOUNT_SID".to_owned(), "AC1".to_owned()),
        (
            "TWILIO_API_KEY".to_owned(),
            "SK0123456789abcdef0123456789abcdef".to_owned(),
        ),
    ];
    let out = flexcord(dir.path(), &env, &["check"]).await;
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(report.contains(
        "FAIL  configuration: TWILIO_ACCOUNT_SID must be a Twilio SID: AC and 32 hexadecimal \
         digits (34 characters), got \"AC1\""
    ));
    assert!(
        report.contains("FAIL  configuration: TWILIO_API_SECRET is required with TWILIO_API_KEY")
    );
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}
