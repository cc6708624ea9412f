//! Tests of the translation rules on twilight-parsed fixtures (the same JSON the fake gateway sends).

use std::collections::HashMap;

use discord_fake::fixtures::{self, AttachmentFixture, FixtureUser, InteractionFixture};
use flexcord_core::case::{CaseKind, Rating};
use flexcord_core::event::{ButtonAction, Command, DiscordEvent, Malformed, Member, ReportForm};
use flexcord_core::ids::{CaseId, ChannelId, MessageId, UserId};
use serde_json::{Value, json};
use twilight_gateway::{Event, EventTypeFlags};
use twilight_model::gateway::event::GatewayEvent;

use super::*;

const MANAGE_GUILD: u64 = 1 << 5;
const STAFF_ROLE_ID: u64 = 77;

fn event(name: &str, d: Value) -> Event {
    let mut frame = json!({ "op": 0, "s": 1, "t": name });
    frame["d"] = d;
    let frame = frame.to_string();
    match twilight_gateway::parse(frame, EventTypeFlags::all()) {
        Ok(Some(GatewayEvent::Dispatch(_, e))) => Event::from(e),
        other => panic!("fixture did not parse: {other:?}"),
    }
}

fn run(name: &str, d: Value) -> Inbound {
    let roles = HashMap::from([(STAFF_ROLE_ID, "Support".to_owned())]);
    let ctx = Context {
        bot_user: Some(UserId(fixtures::BOT_USER_ID)),
        role_names: &roles,
    };
    translate(&event(name, d), &ctx)
}

fn alice() -> FixtureUser {
    FixtureUser::human(42, "alice")
}

#[test]
fn user_dm_becomes_direct_message_with_attachments() {
    let att = AttachmentFixture {
        id: 9,
        filename: "crash.log".into(),
        url: "https://cdn.discordapp.com/a/crash.log".into(),
        content_type: Some("text/plain".into()),
        size: 1234,
    };
    let got = run(
        "MESSAGE_CREATE",
        fixtures::dm_message(501, 601, &alice(), "my order is late", &[att]),
    );
    let Inbound::Emit(DiscordEvent::DirectMessage {
        user,
        channel,
        message,
        content,
    }) = got
    else {
        panic!("expected a DM, got {got:?}");
    };
    assert_eq!((user.id, user.name.as_str()), (UserId(42), "alice"));
    assert_eq!((channel, message), (ChannelId(601), MessageId(501)));
    assert_eq!(content.text, "my order is late");
    // The fixture's `timestamp`, 2026-01-01T00:00:00Z: when alice wrote it, whenever it is read.
    assert_eq!(content.sent_at_ms, Some(1_767_225_600_000));
    let a = &content.attachments[0];
    assert_eq!(a.filename, "crash.log");
    assert_eq!(a.url, "https://cdn.discordapp.com/a/crash.log");
    assert_eq!(a.content_type.as_deref(), Some("text/plain"));
    assert_eq!(a.size, Some(1234));
}

#[test]
fn bots_ourselves_guild_messages_and_empty_dms_are_ignored() {
    let own = FixtureUser::human(fixtures::BOT_USER_ID, "flexcord");
    let other_bot = FixtureUser::bot(9, "otherbot");
    for d in [
        fixtures::dm_message(1, 2, &own, "echo", &[]),
        fixtures::dm_message(1, 2, &other_bot, "spam", &[]),
        fixtures::guild_message(1, fixtures::GUILD_ID, 3, &alice(), "hello all"),
        fixtures::dm_message(1, 2, &alice(), "   ", &[]),
    ] {
        assert_eq!(run("MESSAGE_CREATE", d), Inbound::Ignore);
    }
}

#[test]
fn helpme_is_deferred_ephemeral_then_emitted() {
    let i = InteractionFixture::in_guild(10, alice(), 3, vec![], 0);
    let got = run("INTERACTION_CREATE", i.slash_command("helpme", &[]));
    let Inbound::AckThenEmit(
        Ack::DeferEphemeral,
        DiscordEvent::Command {
            interaction,
            place,
            command,
            ..
        },
    ) = got
    else {
        panic!("unexpected {got:?}");
    };
    assert_eq!(command, Command::HelpMe);
    assert_eq!(interaction.id, 10);
    assert_eq!(interaction.token, "itoken-10");
    assert!(!place.direct_message);
    assert_eq!(place.channel, ChannelId(3));
}

#[test]
fn bug_and_new_feature_open_forms_in_guild_and_dm() {
    let dm = InteractionFixture::in_dm(11, alice(), 4);
    let guild = InteractionFixture::in_guild(12, alice(), 3, vec![], 0);
    assert!(matches!(
        run("INTERACTION_CREATE", dm.slash_command("bug", &[])),
        Inbound::OpenForm(_, CaseKind::Bug, _)
    ));
    assert!(matches!(
        run(
            "INTERACTION_CREATE",
            guild.slash_command("new_feature", &[])
        ),
        Inbound::OpenForm(_, CaseKind::Feature, _)
    ));
}

fn case_outcome(roles: Vec<u64>, permissions: u64, id: &str) -> Inbound {
    let i = InteractionFixture::in_guild(13, alice(), 3, roles, permissions);
    run(
        "INTERACTION_CREATE",
        i.slash_command("case", &[("id", json!(id))]),
    )
}

fn reported_member(outcome: &Inbound) -> Option<(CaseId, Option<Member>)> {
    match outcome {
        Inbound::AckThenEmit(
            Ack::DeferEphemeral,
            DiscordEvent::Command {
                command: Command::Case { id, member },
                ..
            },
        ) => Some((*id, member.clone())),
        _ => None,
    }
}

#[test]
fn case_reports_the_server_permissions_and_role_names_and_decides_nothing() {
    // The adapter carries what it saw; whether that is staff is the router's call.
    assert_eq!(
        reported_member(&case_outcome(vec![STAFF_ROLE_ID, 5], 0, "#1042")),
        Some((
            CaseId(1042),
            Some(Member {
                guild: fixtures::GUILD_ID,
                manages_server: false,
                roles: vec!["Support".to_owned()],
            })
        ))
    );
    assert_eq!(
        reported_member(&case_outcome(vec![], MANAGE_GUILD, "1042")),
        Some((
            CaseId(1042),
            Some(Member {
                guild: fixtures::GUILD_ID,
                manages_server: true,
                roles: vec![],
            })
        ))
    );
}

#[test]
fn case_from_another_server_carries_that_server() {
    let mut i = InteractionFixture::in_guild(15, alice(), 3, vec![], MANAGE_GUILD);
    if let fixtures::Place::Guild { guild_id, .. } = &mut i.place {
        *guild_id = fixtures::GUILD_ID + 1;
    }
    let got = run(
        "INTERACTION_CREATE",
        i.slash_command("case", &[("id", json!("7"))]),
    );
    let member = reported_member(&got).and_then(|(_, m)| m);
    assert_eq!(member.map(|m| m.guild), Some(fixtures::GUILD_ID + 1));
}

#[test]
fn case_in_a_dm_has_no_member() {
    let i = InteractionFixture::in_dm(16, alice(), 4);
    let got = run(
        "INTERACTION_CREATE",
        i.slash_command("case", &[("id", json!("7"))]),
    );
    assert_eq!(reported_member(&got), Some((CaseId(7), None)));
}

/// What the adapter reported as wrong, for malformed input: deferred ephemeral like any answer,
/// and handed to the router (which decides the words).
fn reported_problem(outcome: &Inbound) -> Option<Malformed> {
    match outcome {
        Inbound::AckThenEmit(Ack::DeferEphemeral, DiscordEvent::Malformed { problem, .. }) => {
            Some(*problem)
        }
        _ => None,
    }
}

#[test]
fn case_with_malformed_id_is_reported_to_the_router() {
    for bad in ["abc", "0", "#", "-3", "99999999999999999999999"] {
        assert_eq!(
            reported_problem(&case_outcome(vec![], MANAGE_GUILD, bad)),
            Some(Malformed::CaseNumber),
            "{bad}"
        );
    }
}

#[test]
fn unknown_command_is_reported_to_the_router() {
    let i = InteractionFixture::in_dm(17, alice(), 4);
    let got = run("INTERACTION_CREATE", i.slash_command("shutdown", &[]));
    assert_eq!(reported_problem(&got), Some(Malformed::UnknownCommand));
}

#[test]
fn bug_form_submit_becomes_report() {
    let i = InteractionFixture::in_dm(14, alice(), 4);
    let d = i.modal_submit(
        "fc:form:bug",
        &[
            ("title", " Crash on start "),
            ("description", "It crashes"),
            ("steps", "1. open"),
            ("platform", ""),
        ],
    );
    let got = run("INTERACTION_CREATE", d);
    let Inbound::AckThenEmit(
        Ack::DeferEphemeral,
        DiscordEvent::ReportSubmitted { form, place, .. },
    ) = got
    else {
        panic!("unexpected {got:?}");
    };
    assert!(place.direct_message);
    assert_eq!(
        form,
        ReportForm {
            kind: CaseKind::Bug,
            title: "Crash on start".into(),
            description: "It crashes".into(),
            steps: Some("1. open".into()),
            platform: None,
        }
    );
}

#[test]
fn form_without_title_or_unknown_form_is_reported_to_the_router() {
    let i = InteractionFixture::in_dm(15, alice(), 4);
    assert_eq!(
        reported_problem(&run(
            "INTERACTION_CREATE",
            i.modal_submit("fc:form:feature", &[("title", ""), ("description", "x")])
        )),
        Some(Malformed::MissingFields)
    );
    assert_eq!(
        reported_problem(&run("INTERACTION_CREATE", i.modal_submit("other", &[]))),
        Some(Malformed::UnknownForm)
    );
}

#[test]
fn buttons_become_actions_and_unknown_ones_are_only_acknowledged() {
    let i = InteractionFixture::in_dm(16, alice(), 4);
    let action = |id: &str| match run("INTERACTION_CREATE", i.button_click(id)) {
        Inbound::AckThenEmit(Ack::DeferUpdate, DiscordEvent::Button { action, .. }) => Some(action),
        _ => None,
    };
    assert_eq!(action("fc:agent"), Some(ButtonAction::TalkToAgent));
    assert_eq!(action("fc:end"), Some(ButtonAction::EndChat));
    assert_eq!(
        action("fc:rate:1042:4"),
        Rating::new(4).ok().map(|rating| ButtonAction::Rate {
            case: CaseId(1042),
            rating
        })
    );
    assert!(matches!(
        run("INTERACTION_CREATE", i.button_click("fc:rate:1042:9")),
        Inbound::AckOnly(_)
    ));
    assert!(matches!(
        run(
            "INTERACTION_CREATE",
            i.button_click("x".repeat(100).as_str())
        ),
        Inbound::AckOnly(_)
    ));
}

#[test]
fn other_events_are_ignored() {
    let ready = fixtures::ready("ws://127.0.0.1:1", 100, 100);
    assert_eq!(run("READY", ready), Inbound::Ignore);
}

/// `/block` and `/unblock` with the user option as Discord sends it (type 6, a snowflake).
fn block_outcome(name: &str, permissions: u64, options: &[(&str, Value)]) -> Inbound {
    let i = InteractionFixture::in_guild(17, alice(), 3, vec![], permissions);
    let mut payload = i.slash_command(name, options);
    for option in payload["data"]["options"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if option["name"] == "user" {
            option["type"] = json!(6);
        }
    }
    run("INTERACTION_CREATE", payload)
}

#[test]
fn block_and_unblock_report_target_reason_and_caller_and_decide_nothing() {
    let got = block_outcome(
        "block",
        0,
        &[("user", json!("123456")), ("reason", json!("  raid  "))],
    );
    let Inbound::AckThenEmit(
        Ack::DeferEphemeral,
        DiscordEvent::Command {
            command:
                Command::Block {
                    target,
                    reason,
                    member,
                },
            ..
        },
    ) = got
    else {
        panic!("unexpected {got:?}");
    };
    assert_eq!(target, UserId(123_456));
    assert_eq!(reason, "raid");
    assert_eq!(member.map(|m| m.manages_server), Some(false));

    let got = block_outcome("unblock", MANAGE_GUILD, &[("user", json!("123456"))]);
    assert!(
        matches!(
            &got,
            Inbound::AckThenEmit(
                Ack::DeferEphemeral,
                DiscordEvent::Command {
                    command: Command::Unblock { target, member: Some(m) },
                    ..
                },
            ) if *target == UserId(123_456) && m.manages_server
        ),
        "{got:?}"
    );

    // Without a user the router is told the command was malformed.
    assert_eq!(
        reported_problem(&block_outcome("block", MANAGE_GUILD, &[])),
        Some(Malformed::UnknownCommand)
    );
}
