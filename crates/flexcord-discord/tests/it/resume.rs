//! Resuming a gateway session in another runner (a restarted process, or another instance that
//! took the gateway over): Discord replays the DMs *and* interactions dispatched in between, so
//! nothing is read from history; only when Discord refuses does the new session catch up.

use std::sync::Arc;

use discord_fake::FakeGateway;
use discord_fake::fixtures::{self, FixtureUser, InteractionFixture};
use discord_fake::rest::{mount_discord_defaults, requests};
use flexcord_core::event::DiscordEvent;
use flexcord_core::ids::ChannelId;
use flexcord_discord::{CatchUp, DiscordChat, Gateway, ResumeSession, build_http};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use wiremock::MockServer;

use crate::{WAIT, config};

const DM: u64 = 600;

struct Running {
    events: mpsc::Receiver<DiscordEvent>,
    session: watch::Receiver<Option<ResumeSession>>,
    stop: oneshot::Sender<()>,
    runner: JoinHandle<Result<(), flexcord_discord::DiscordError>>,
}

impl Running {
    fn start(gateway: &FakeGateway, rest: &MockServer, session: Option<ResumeSession>) -> Self {
        let config = config(Some(gateway), rest);
        let http = Arc::new(build_http(&config).expect("config"));
        let chat = DiscordChat::new(http, &config).expect("ids");
        let runner = Gateway::resuming(&config, chat, session).catch_up(vec![CatchUp {
            channel: ChannelId(DM),
            after_ms: 0,
        }]);
        let session = runner.session();
        let (tx, events) = mpsc::channel(16);
        let (stop, stopped) = oneshot::channel::<()>();
        let runner = tokio::spawn(runner.run(tx, async move {
            let _ = stopped.await;
        }));
        Self {
            events,
            session,
            stop,
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

    /// Stops it cleanly; returns the session it leaves behind.
    async fn stop(self) -> ResumeSession {
        let _ = self.stop.send(());
        let result = tokio::time::timeout(WAIT, self.runner)
            .await
            .expect("stops in time")
            .expect("no panic");
        assert!(result.is_ok());
        self.session.borrow().clone().expect("a session to resume")
    }
}

fn alice() -> FixtureUser {
    FixtureUser::human(42, "alice")
}

fn dm_text(event: &DiscordEvent) -> &str {
    match event {
        DiscordEvent::DirectMessage { content, .. } => &content.text,
        other => panic!("not a DM: {other:?}"),
    }
}

#[tokio::test]
async fn a_new_runner_resumes_the_session_and_gets_what_was_dispatched_in_between() {
    let rest = MockServer::start().await;
    mount_discord_defaults(&rest).await;
    let gateway = FakeGateway::start().await.expect("bind");
    let mut first = Running::start(&gateway, &rest, None);
    gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(1, DM, &alice(), "before the restart", &[]),
    );
    assert_eq!(dm_text(&first.next_event().await), "before the restart");
    let session = first.stop().await;
    assert!(session.sequence >= 2, "READY and the DM: {session:?}");

    // Nobody is connected: Discord keeps these for the session.
    gateway.dispatch(
        "MESSAGE_CREATE",
        fixtures::dm_message(2, DM, &alice(), "while nobody listened", &[]),
    );
    let helpme = InteractionFixture::in_dm(7_001, alice(), DM);
    gateway.dispatch("INTERACTION_CREATE", helpme.slash_command("helpme", &[]));

    let history = format!("/api/v10/channels/{DM}/messages");
    let read_by_first = requests(&rest, "GET", &history).await.len();
    let mut second = Running::start(&gateway, &rest, Some(session));
    assert_eq!(dm_text(&second.next_event().await), "while nobody listened");
    assert!(
        matches!(second.next_event().await, DiscordEvent::Command { .. }),
        "the interaction is replayed too"
    );
    let log = gateway.log();
    assert_eq!(
        (log.identifies.len(), log.resumes.len(), log.refused_resumes),
        (1, 1, 0),
        "resumed, not identified"
    );
    assert_eq!(
        requests(&rest, "GET", &history).await.len(),
        read_by_first,
        "nothing read from history: Discord replayed it"
    );
    assert_eq!(log.most_open_sessions, 1);
    second.stop().await;
}

#[tokio::test]
async fn a_refused_resume_identifies_and_catches_up_from_history() {
    let rest = MockServer::start().await;
    let fake = mount_discord_defaults(&rest).await;
    let gateway = FakeGateway::start().await.expect("bind");
    let first = Running::start(&gateway, &rest, None);
    assert!(gateway.wait_identified(WAIT).await);
    let session = first.stop().await;

    // The session expired meanwhile; Alice wrote while nobody listened.
    gateway.forget_sessions();
    fake.add_history(fixtures::dm_message(
        3,
        DM,
        &alice(),
        "written while the session expired",
        &[],
    ));
    let mut second = Running::start(&gateway, &rest, Some(session));
    assert_eq!(
        dm_text(&second.next_event().await),
        "written while the session expired"
    );
    let log = gateway.log();
    assert_eq!((log.refused_resumes, log.identifies.len()), (1, 2));
    second.stop().await;
}
