//! The gateway runner against the fake gateway and the REST fake: what reaches the router, and
//! how each interaction is answered.

use std::sync::Arc;

use discord_fake::FakeGateway;
use discord_fake::fixtures::{self, AttachmentFixture, FixtureUser, InteractionFixture};
use discord_fake::rest::{interaction_callbacks, mount_discord_defaults, wait_for};
use flexcord_core::case::CaseKind;
use flexcord_core::event::{ButtonAction, Command, DiscordEvent, Malformed};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_discord::{CatchUp, ConnectionState, DiscordChat, Gateway, build_http};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use wiremock::MockServer;

use crate::{WAIT, config};

struct Harness {
    gateway: FakeGateway,
    rest: MockServer,
    events: mpsc::Receiver<DiscordEvent>,
    connection: ConnectionState,
    stop: Option<oneshot::Sender<()>>,
    runner: JoinHandle<Result<(), flexcord_discord::DiscordError>>,
}

impl Harness {
    async fn start() -> Self {
        let rest = MockServer::start().await;
        mount_discord_defaults(&rest).await;
        Self::start_on(rest, Vec::new()).await
    }

    /// Started against `rest` (defaults mounted by the caller), catching up on `channels`.
    async fn start_on(rest: MockServer, channels: Vec<CatchUp>) -> Self {
        let gateway = FakeGateway::start().await.expect("bind");
        let config = config(Some(&gateway), &rest);
        let http = Arc::new(build_http(&config).expect("config"));
        let chat = DiscordChat::new(http, &config).expect("ids");
        let runner = Gateway::new(&config, chat).catch_up(channels);
        let mut connection = runner.connection();
        let (tx, events) = mpsc::channel(16);
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = tokio::spawn(runner.run(tx, async move {
            let _ = stopped.await;
        }));
        assert!(gateway.wait_identified(WAIT).await, "bot identified");
        assert!(
            tokio::time::timeout(WAIT, connection.wait_connected())
                .await
                .unwrap_or(false)
        );
        Self {
            gateway,
            rest,
            events,
            connection,
            stop: Some(stop),
            runner,
        }
    }

    async fn next_event(&mut self) -> DiscordEvent {
        tokio::time::timeout(WAIT, self.events.recv())
            .await
            .ok()
            .flatten()
            .expect("an event")
    }

    /// The interaction callback for `id`, once it arrives.
    async fn callback(&self, id: u64) -> Value {
        let path = format!("/api/v10/interactions/{id}/itoken-{id}/callback");
        wait_for(&self.rest, WAIT, |reqs| {
            reqs.iter().any(|r| r.url.path() == path)
        })
        .await
        .expect("callback");
        interaction_callbacks(&self.rest)
            .await
            .into_iter()
            .find(|(i, _)| *i == id)
            .map(|(_, b)| b)
            .expect("body")
    }
}

fn alice() -> FixtureUser {
    FixtureUser::human(42, "alice")
}

#[tokio::test]
async fn dm_reaches_the_router_and_the_bots_own_message_does_not() {
    let mut h = Harness::start().await;
    let own = FixtureUser::human(fixtures::BOT_USER_ID, "flexcord");
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(1, 600, &own, "an echo of ourselves", &[]),
    );
    let att = AttachmentFixture {
        id: 9,
        filename: "shot.png".into(),
        url: "https://cdn.discordapp.com/shot.png".into(),
        content_type: Some("image/png".into()),
        size: 2048,
    };
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(2, 600, &alice(), "my order is late", &[att]),
    );

    let DiscordEvent::DirectMessage { user, content, .. } = h.next_event().await else {
        panic!("not a DM")
    };
    assert_eq!(user.id, UserId(42));
    assert_eq!(
        content.text, "my order is late",
        "the bot's own message came first and was skipped"
    );
    assert_eq!(content.attachments[0].filename, "shot.png");
    assert_eq!(content.attachments[0].size, Some(2048));
}

#[tokio::test]
async fn slash_command_is_deferred_ephemeral_then_emitted() {
    let mut h = Harness::start().await;
    let i = InteractionFixture::in_guild(5001, alice(), 300, vec![], 0);
    h.gateway
        .dispatch("INTERACTION_CREATE", i.slash_command("helpme", &[]));
    let DiscordEvent::Command {
        command,
        interaction,
        ..
    } = h.next_event().await
    else {
        panic!("not a command")
    };
    assert_eq!(command, Command::HelpMe);
    assert_eq!(interaction.id, 5001);
    assert_eq!(
        h.callback(5001).await,
        json!({ "type": 5, "data": { "flags": 64 } })
    );
}

#[tokio::test]
async fn bug_opens_the_form_and_its_submission_becomes_a_report() {
    let mut h = Harness::start().await;
    let open = InteractionFixture::in_dm(5002, alice(), 600);
    h.gateway
        .dispatch("INTERACTION_CREATE", open.slash_command("bug", &[]));
    let modal = h.callback(5002).await;
    assert_eq!(modal["type"], 9);
    assert_eq!(modal["data"]["custom_id"], "fc:form:bug");
    let fields: Vec<&str> = modal["data"]["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|label| label["component"]["custom_id"].as_str())
        .collect();
    assert_eq!(fields, ["title", "description", "steps", "platform"]);

    let submit = InteractionFixture::in_dm(5003, alice(), 600);
    h.gateway.dispatch(
        "INTERACTION_CREATE",
        submit.modal_submit(
            "fc:form:bug",
            &[
                ("title", "Crash"),
                ("description", "Boom"),
                ("platform", "iOS 18"),
            ],
        ),
    );
    // The /bug command itself never reaches the router: the first event is the submission.
    let DiscordEvent::ReportSubmitted { form, .. } = h.next_event().await else {
        panic!("not a report")
    };
    assert_eq!(
        (form.kind, form.title.as_str(), form.platform.as_deref()),
        (CaseKind::Bug, "Crash", Some("iOS 18"))
    );
    assert_eq!(h.callback(5003).await["type"], 5);
}

#[tokio::test]
async fn button_click_becomes_its_action_after_a_deferred_update() {
    let mut h = Harness::start().await;
    let click = InteractionFixture::in_dm(5004, alice(), 600);
    h.gateway
        .dispatch("INTERACTION_CREATE", click.button_click("fc:rate:1042:5"));
    let DiscordEvent::Button { action, .. } = h.next_event().await else {
        panic!("not a button")
    };
    let ButtonAction::Rate { case, rating } = action else {
        panic!("not a rating")
    };
    assert_eq!((case, rating.get()), (CaseId(1042), 5));
    assert_eq!(h.callback(5004).await, json!({ "type": 6 }));
}

#[tokio::test]
async fn malformed_case_id_is_deferred_ephemeral_and_left_to_the_router() {
    let mut h = Harness::start().await;
    let i = InteractionFixture::in_guild(5005, alice(), 300, vec![], 1 << 5);
    h.gateway.dispatch(
        "INTERACTION_CREATE",
        i.slash_command("case", &[("id", json!("abc"))]),
    );
    // The adapter answers nothing itself: the words are the router's (a template).
    let DiscordEvent::Malformed {
        problem,
        interaction,
        ..
    } = h.next_event().await
    else {
        panic!("not reported as malformed")
    };
    assert_eq!((problem, interaction.id), (Malformed::CaseNumber, 5005));
    assert_eq!(
        h.callback(5005).await,
        json!({ "type": 5, "data": { "flags": 64 } })
    );
}

#[tokio::test]
async fn no_event_is_lost_across_an_op7_reconnect() {
    let mut h = Harness::start().await;
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(1, 600, &alice(), "before", &[]),
    );
    let DiscordEvent::DirectMessage { content, .. } = h.next_event().await else {
        panic!("not a DM")
    };
    assert_eq!(content.text, "before");

    h.gateway.reconnect();
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(2, 600, &alice(), "after", &[]),
    );
    let DiscordEvent::DirectMessage { content, .. } = h.next_event().await else {
        panic!("not a DM")
    };
    assert_eq!(content.text, "after");
    let log = h.gateway.log();
    assert_eq!(
        (log.identifies.len(), log.resumes.len()),
        (1, 1),
        "resumed, not re-identified"
    );
    // Discord replays what was missed before it says RESUMED.
    assert!(
        tokio::time::timeout(WAIT, h.connection.wait_connected())
            .await
            .unwrap_or(false)
    );
}

#[tokio::test]
async fn shutdown_closes_resumably_and_reports_disconnected() {
    let mut h = Harness::start().await;
    if let Some(stop) = h.stop.take() {
        let _ = stop.send(());
    }
    let result = tokio::time::timeout(WAIT, &mut h.runner)
        .await
        .expect("stops in time")
        .expect("no panic");
    assert!(result.is_ok());
    assert!(!h.connection.is_connected());
    let log = h
        .gateway
        .wait_until(WAIT, |l| !l.close_codes.is_empty())
        .await
        .expect("close frame");
    // 4000, not 1000: the session stays resumable for whoever holds the gateway next.
    assert_eq!(log.close_codes, [Some(4000)]);
    assert_eq!(
        h.gateway.log().connect_uris.len(),
        1,
        "closed for good, no reconnect"
    );
}

/// The text of a DM event.
fn dm_text(event: &DiscordEvent) -> &str {
    match event {
        DiscordEvent::DirectMessage { content, .. } => &content.text,
        other => panic!("not a DM: {other:?}"),
    }
}

#[tokio::test]
async fn dms_written_while_down_are_emitted_at_ready_before_the_live_ones_of_their_channel() {
    let rest = MockServer::start().await;
    mount_discord_defaults(&rest).await;
    let bob = FixtureUser::human(43, "bob");
    let own = FixtureUser::human(fixtures::BOT_USER_ID, "flexcord");
    // Alice's DM (600) as Discord answers for it, newest first: two messages written while
    // flexcord was down and a reply of the bot's. The answer is slow, so live DMs arrive while
    // the history is being read.
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/api/v10/channels/600/messages"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!([
                    fixtures::dm_message(12, 600, &alice(), "written while down, again", &[]),
                    fixtures::dm_message(11, 600, &own, "the bot's own reply", &[]),
                    fixtures::dm_message(10, 600, &alice(), "written while down", &[]),
                ]))
                .set_delay(std::time::Duration::from_millis(300)),
        )
        .with_priority(1)
        .mount(&rest)
        .await;
    let mut h = Harness::start_on(
        rest,
        vec![CatchUp {
            channel: ChannelId(600),
            after_ms: 0,
        }],
    )
    .await;
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(20, 600, &alice(), "live, while history is read", &[]),
    );
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(21, 601, &bob, "live, another channel", &[]),
    );

    let mut texts = Vec::new();
    for _ in 0..4 {
        texts.push(dm_text(&h.next_event().await).to_owned());
    }
    assert_eq!(
        texts,
        [
            "live, another channel",
            "written while down",
            "written while down, again",
            "live, while history is read",
        ],
        "other channels are not held up; this one's history comes first, the bot's own skipped"
    );
    let read = discord_fake::rest::requests(&h.rest, "GET", "/api/v10/channels/600/messages").await;
    assert_eq!(read.len(), 1, "one page was enough");
    assert_eq!(
        read[0]
            .url
            .query_pairs()
            .find(|(k, _)| k == "after")
            .map(|(_, v)| v.into_owned()),
        Some("1".to_owned()),
        "from the moment asked for"
    );

    // Once caught up, a live DM of that channel goes straight through.
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(22, 600, &alice(), "live, after the catch-up", &[]),
    );
    assert_eq!(dm_text(&h.next_event().await), "live, after the catch-up");
}

#[tokio::test]
async fn a_channel_with_a_live_dm_waiting_is_read_next() {
    let rest = MockServer::start().await;
    let fake = mount_discord_defaults(&rest).await;
    // Eight slow channels take every reading slot for a second; then 708 and 600 wait in line.
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/api/v10/channels/70[0-7]/messages$",
        ))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(std::time::Duration::from_secs(1)),
        )
        .with_priority(1)
        .mount(&rest)
        .await;
    let carol = FixtureUser::human(44, "carol");
    fake.add_history(fixtures::dm_message(
        30,
        708,
        &carol,
        "carol, while down",
        &[],
    ));
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/api/v10/channels/600/messages"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!([fixtures::dm_message(
                    31,
                    600,
                    &alice(),
                    "alice, while down",
                    &[]
                )]))
                .set_delay(std::time::Duration::from_millis(300)),
        )
        .with_priority(1)
        .mount(&rest)
        .await;
    let channels = (700..=708)
        .chain([600])
        .map(|c| CatchUp {
            channel: ChannelId(c),
            after_ms: 0,
        })
        .collect();
    let mut h = Harness::start_on(rest, channels).await;
    h.gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(40, 600, &alice(), "alice, live", &[]),
    );

    let mut texts = Vec::new();
    for _ in 0..3 {
        texts.push(dm_text(&h.next_event().await).to_owned());
    }
    assert_eq!(
        texts,
        ["alice, while down", "alice, live", "carol, while down"],
        "alice's channel jumped the line; carol's waited for a free slot"
    );
}

#[tokio::test]
async fn a_new_session_after_an_invalidated_one_reads_what_was_written_in_between() {
    let rest = MockServer::start().await;
    let fake = mount_discord_defaults(&rest).await;
    let mut h = Harness::start_on(rest, Vec::new()).await;
    let before = fixtures::dm_message(1_000, 600, &alice(), "before the outage", &[]);
    fake.add_history(before.clone());
    h.gateway.dispatch("MESSAGE_CREATE", before);
    assert_eq!(dm_text(&h.next_event().await), "before the outage");

    // Discord invalidates the session: twilight cannot resume and starts a new one, and the
    // events of the gap are never sent. Alice wrote in it.
    fake.add_history(fixtures::dm_message(
        1_001,
        600,
        &alice(),
        "written in the gap",
        &[],
    ));
    h.gateway.send_raw(json!({ "op": 9, "d": false }));
    assert_eq!(dm_text(&h.next_event().await), "written in the gap");
    let log = h.gateway.log();
    assert_eq!(log.identifies.len(), 2, "a new session, not a resume");
    let read = discord_fake::rest::requests(&h.rest, "GET", "/api/v10/channels/600/messages").await;
    assert_eq!(
        read.last()
            .and_then(|r| r.url.query_pairs().find(|(k, _)| k == "after"))
            .map(|(_, v)| v.into_owned()),
        Some("1000".to_owned()),
        "after the newest message already read: nothing handled twice"
    );
}
