//! Every fixture must deserialize with twilight 0.18 exactly as a shard would parse it: a missing
//! required key makes the shard drop the event, and a test that uses the fixture just times out.

#![expect(
    clippy::panic,
    reason = "test helpers outside #[test] fns fail loudly on broken fixtures; that is their job"
)]

use discord_fake::fixtures::{
    self, AttachmentFixture, FixtureUser, GuildFixture, InteractionFixture,
};
use serde_json::{Value, json};
use twilight_gateway::{Event, EventTypeFlags};
use twilight_model::gateway::event::GatewayEvent;

fn parse(event: &str, d: Value) -> Event {
    let mut frame = json!({ "op": 0, "s": 1, "t": event });
    frame["d"] = d;
    let frame = frame.to_string();
    match twilight_gateway::parse(frame, EventTypeFlags::all()) {
        Ok(Some(GatewayEvent::Dispatch(_, event))) => Event::from(event),
        other => panic!("{event} did not parse: {other:?}"),
    }
}

fn alice() -> FixtureUser {
    FixtureUser::human(42, "alice")
}

#[test]
fn ready_parses_with_resume_url() {
    let Event::Ready(ready) = parse("READY", fixtures::ready("ws://127.0.0.1:1", 100, 100)) else {
        panic!("not READY");
    };
    assert_eq!(ready.resume_gateway_url, "ws://127.0.0.1:1");
    assert_eq!(ready.application.id.get(), 100);
}

#[test]
fn guild_create_parses_with_channels_and_roles() {
    let guild = GuildFixture {
        id: fixtures::GUILD_ID,
        channels: vec![(1, "bug-report".into())],
        roles: vec![(7, "Support".into(), 0)],
    };
    let Event::GuildCreate(gc) = parse("GUILD_CREATE", fixtures::guild_create(&guild)) else {
        panic!("not GUILD_CREATE");
    };
    let twilight_model::gateway::payload::incoming::GuildCreate::Available(g) = *gc else {
        panic!("unavailable");
    };
    assert_eq!(g.channels.len(), 1);
    assert!(g.roles.iter().any(|r| r.name == "Support"));
}

#[test]
fn dm_message_parses_with_attachments() {
    let att = AttachmentFixture {
        id: 9,
        filename: "log.txt".into(),
        url: "https://cdn.example/log.txt".into(),
        content_type: Some("text/plain".into()),
        size: 12,
    };
    let d = fixtures::dm_message(1, 2, &alice(), "hi", &[att]);
    let Event::MessageCreate(m) = parse("MESSAGE_CREATE", d) else {
        panic!("not a message")
    };
    assert_eq!(m.content, "hi");
    assert_eq!(m.attachments.len(), 1);
    assert!(m.guild_id.is_none());
}

#[test]
fn guild_message_parses() {
    let d = fixtures::guild_message(1, fixtures::GUILD_ID, 3, &alice(), "hi");
    let Event::MessageCreate(m) = parse("MESSAGE_CREATE", d) else {
        panic!("not a message")
    };
    assert!(m.guild_id.is_some());
}

#[test]
fn interactions_parse_in_guild_and_dm() {
    let in_guild = InteractionFixture::in_guild(10, alice(), 3, vec![7], 1 << 5);
    let in_dm = InteractionFixture::in_dm(11, alice(), 4);
    for d in [
        in_guild.slash_command("case", &[("id", json!("1042"))]),
        in_guild.slash_command("helpme", &[]),
        in_dm.slash_command("bug", &[]),
        in_dm.modal_submit(
            "fc:form:bug",
            &[("title", "crash"), ("description", "boom")],
        ),
        in_dm.button_click("fc:agent"),
        in_guild.button_click("fc:end"),
    ] {
        let Event::InteractionCreate(i) = parse("INTERACTION_CREATE", d) else {
            panic!("not an interaction");
        };
        assert!(i.data.is_some());
    }
}
