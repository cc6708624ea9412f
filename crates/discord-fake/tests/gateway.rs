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
    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::Resumed
    ));
    assert!(matches!(
        next_dispatch(&mut shard).await.expect("a dispatch"),
        Event::TypingStart(_)
    ));

    let log = gw.log();
    assert_eq!(log.identifies.len(), 1);
    assert_eq!(log.resumes.len(), 1);
    assert_eq!(log.connect_uris.len(), 2);
    assert_eq!(log.identifies[0]["d"]["token"], "Bot test-token");
}
