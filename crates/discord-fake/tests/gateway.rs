//! The fake gateway against a real twilight shard: identify, dispatch order, op 7 + resume.

use std::time::Duration;

use discord_fake::FakeGateway;
use serde_json::json;
use twilight_gateway::{
    ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _,
};

const WAIT: Duration = Duration::from_secs(20);

/// The next dispatch, skipping close frames and receive errors; `None` if the shard ended or
/// nothing came in time.
async fn next_dispatch(shard: &mut Shard) -> Option<Event> {
    let wanted = EventTypeFlags::READY | EventTypeFlags::RESUMED | EventTypeFlags::TYPING_START;
    loop {
        match tokio::time::timeout(WAIT, shard.next_event(wanted))
            .await
            .ok()??
        {
            Ok(Event::GatewayClose(_)) | Err(_) => {}
            Ok(event) => return Some(event),
        }
    }
}

#[tokio::test]
async fn shard_identifies_receives_dispatches_and_resumes_after_op7() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let gw = FakeGateway::start().await.expect("bind");
    let config = ConfigBuilder::new("test-token".into(), Intents::DIRECT_MESSAGES)
        .proxy_url(gw.url().to_owned())
        .build();
    let mut shard = Shard::with_config(ShardId::ONE, config);

    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::Ready(_)
    ));
    assert!(gw.wait_identified(WAIT).await);
    let typing = json!({ "channel_id": "5", "user_id": "42", "timestamp": 1 });
    gw.dispatch("TYPING_START", typing.clone());
    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::TypingStart(_)
    ));

    gw.reconnect();
    gw.dispatch("TYPING_START", typing);
    // As on Discord: what the session missed is replayed, then RESUMED.
    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::TypingStart(_)
    ));
    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::Resumed
    ));

    let log = gw.log();
    assert_eq!(log.identifies.len(), 1);
    assert_eq!(log.resumes.len(), 1);
    assert_eq!(log.connect_uris.len(), 2);
    assert_eq!(log.identifies[0]["d"]["token"], "Bot test-token");
}

fn shard_on(gw: &FakeGateway, session: Option<twilight_gateway::Session>) -> Shard {
    let mut config = ConfigBuilder::new("test-token".into(), Intents::DIRECT_MESSAGES)
        .proxy_url(gw.url().to_owned());
    if let Some(session) = session {
        config = config.session(session).resume_url(gw.url().to_owned());
    }
    Shard::with_config(ShardId::ONE, config.build())
}

fn typing(user: u64) -> serde_json::Value {
    json!({ "channel_id": "5", "user_id": user.to_string(), "timestamp": 1 })
}

fn typing_user(event: &Event) -> Option<u64> {
    match event {
        Event::TypingStart(t) => Some(t.user_id.get()),
        _ => None,
    }
}

#[tokio::test]
async fn every_session_gets_every_dispatch_and_a_resume_in_another_process_replays_the_gap() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let gw = FakeGateway::start().await.expect("bind");
    let mut first = shard_on(&gw, None);
    let mut second = shard_on(&gw, None);
    assert!(matches!(
        next_dispatch(&mut first).await,
        Some(Event::Ready(_))
    ));
    assert!(matches!(
        next_dispatch(&mut second).await,
        Some(Event::Ready(_))
    ));
    assert_eq!(gw.log().open_sessions, 2);

    gw.dispatch("TYPING_START", typing(1));
    for shard in [&mut first, &mut second] {
        let event = next_dispatch(shard).await.expect("a dispatch");
        assert_eq!(typing_user(&event), Some(1), "both sessions get it");
    }

    // The first one's process dies: its socket just ends. Its session keeps what follows.
    let session = first.session().cloned().expect("a session");
    drop(first);
    assert!(
        gw.wait_until(WAIT, |log| log.open_sessions == 1)
            .await
            .is_some()
    );
    gw.dispatch("TYPING_START", typing(2));
    gw.dispatch("TYPING_START", typing(3));

    let mut successor = shard_on(&gw, Some(session));
    let replayed = [
        next_dispatch(&mut successor).await.expect("a dispatch"),
        next_dispatch(&mut successor).await.expect("a dispatch"),
    ];
    assert_eq!(
        replayed.iter().map(typing_user).collect::<Vec<_>>(),
        [Some(2), Some(3)],
        "what the session missed, in order, and nothing it had seen"
    );
    assert!(matches!(
        next_dispatch(&mut successor).await,
        Some(Event::Resumed)
    ));
    let log = gw.log();
    assert_eq!((log.identifies.len(), log.resumes.len()), (2, 1));
    assert_eq!(log.open_sessions, 2);
    assert_eq!(log.most_open_sessions, 2);
}

#[tokio::test]
async fn a_resume_of_an_unknown_or_forgotten_session_is_refused_with_op9() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let gw = FakeGateway::start().await.expect("bind");
    let mut first = shard_on(&gw, None);
    assert!(matches!(
        next_dispatch(&mut first).await,
        Some(Event::Ready(_))
    ));
    let session = first.session().cloned().expect("a session");
    drop(first);
    assert!(
        gw.wait_until(WAIT, |log| log.open_sessions == 0)
            .await
            .is_some()
    );
    gw.forget_sessions();

    let mut successor = shard_on(&gw, Some(session));
    // Refused, so twilight identifies anew: a new session, READY.
    assert!(matches!(
        next_dispatch(&mut successor).await,
        Some(Event::Ready(_))
    ));
    let log = gw.log();
    assert_eq!(log.refused_resumes, 1);
    assert_eq!(log.identifies.len(), 2);
}
