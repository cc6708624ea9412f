//! A hostile environment (issue 15): idle connections by the thousand, bodies that trickle in,
//! Twilio's JSON-body signature variant, the same Studio request replayed, and `/case` from a
//! server the bridge does not serve.

use std::time::Duration;

use discord_fake::fixtures::{self, InteractionFixture};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::harness::{Options, Player, World, next_id};

/// Bound on waits that only fail when the bridge misbehaves.
const BOUND: Duration = Duration::from_secs(60);

/// A signed event for a conversation flexcord never opened: a genuine request it acknowledges.
const UNKNOWN: [(&str, &str); 6] = [
    ("EventType", "onMessageAdded"),
    ("ConversationSid", "CH99999999999999999999999999999999"),
    ("MessageSid", "IM99999999999999999999999999999999"),
    ("Source", "SDK"),
    ("Author", "erin"),
    ("Body", "hello"),
];

#[tokio::test]
async fn idle_connections_never_lock_out_a_genuine_webhook_or_the_health_check() {
    use rlimit::Resource;
    let Ok((soft, hard)) = Resource::NOFILE.get() else {
        eprintln!("skipped: the open-file limit cannot be read here");
        return;
    };
    if hard < 4_096 {
        eprintln!("skipped: a hard open-file limit of {hard} leaves no room for 1,100 sockets");
        return;
    }
    // The bridge starts with the common service default of 1,024 descriptors (inherited);
    // this test then takes what it needs for its own 1,100 sockets.
    Resource::NOFILE
        .set(1_024, hard)
        .expect("lower the soft limit");
    let world = World::start().await;
    Resource::NOFILE
        .set(soft.max(4_096), hard)
        .expect("raise the soft limit");

    let address = format!("127.0.0.1:{}", world.bridge.port);
    let mut idle = Vec::with_capacity(1_100);
    for _ in 0..1_100 {
        idle.push(
            TcpStream::connect(&address)
                .await
                .expect("connect an idle socket"),
        );
    }

    let answered = tokio::time::timeout(
        BOUND,
        world.post_signed_form("/forward-to-discord", &UNKNOWN),
    )
    .await
    .expect("a genuine webhook is answered");
    assert_eq!(answered.0, 200, "{}", world.log_tail());
    let health = tokio::time::timeout(BOUND, world.get("/healthz"))
        .await
        .expect("the health check is answered");
    assert_eq!(health.0, 200);

    let metrics = world.get("/metrics").await.1;
    assert!(
        metrics.contains("flexcord_http_connections_shed_total{reason=\"closed_idle\"}"),
        "{metrics}"
    );
    let log = world.log_tail();
    assert_eq!(
        log.matches("HTTP connection limit reached").count(),
        1,
        "one line per episode, not one per connection:\n{log}"
    );
    drop(idle);
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off() {
    let world = World::start().await;
    let mut stream = TcpStream::connect(format!("127.0.0.1:{}", world.bridge.port))
        .await
        .expect("connect");
    stream
        .write_all(
            b"POST /forward-to-discord HTTP/1.1\r\nHost: bridge\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4000\r\n\r\n",
        )
        .await
        .expect("head");
    let (mut reader, mut writer) = stream.into_split();
    // One byte every half second: each gap is short, the whole body would take half an hour.
    let trickle = tokio::spawn(async move {
        for _ in 0..4_000 {
            if writer.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    trickle.abort();
    assert!(read.is_ok(), "the slow body was never cut off");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let metrics = world.get("/metrics").await.1;
    assert!(
        metrics.contains("flexcord_webhook_rejections_total{reason=\"slow_body\"} 1"),
        "{metrics}"
    );
}

/// Posts `body` as JSON signed as Twilio's validator expects it: `bodySHA256` (hex SHA-256 of
/// the raw body) in the URL, the HMAC over that full URL with no parameters.
async fn post_signed_json(world: &World, path: &str, body: &str) -> (u16, String) {
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path_and_query = format!("{path}?bodySHA256={hash}");
    let signature = twilio_flex::webhook::compute_signature(
        &world.twilio.config().auth_token,
        &world.url(&path_and_query),
        &[],
    );
    world
        .post(
            &path_and_query,
            &[
                ("content-type", "application/json"),
                ("x-twilio-signature", &signature),
            ],
            body.to_owned(),
        )
        .await
}

#[tokio::test]
async fn json_webhooks_signed_with_body_sha256_are_accepted_and_a_replayed_studio_request_answered_once()
 {
    let world = World::start_with(Options {
        studio: true,
        ..Options::default()
    })
    .await;
    let mia = Player::new("Mia");
    world.dm(&mia, "my game crashes right after the logo");
    world.dm_messages(&mia, 1).await;
    let conversation = world.conversation_of(&mia).await;

    // Conversation webhook, JSON variant: accepted (an unknown conversation is acknowledged).
    let event = json!({
        "EventType": "onMessageAdded",
        "ConversationSid": "CH99999999999999999999999999999999",
        "MessageSid": "IM99999999999999999999999999999999",
        "Source": "SDK",
        "Author": "erin",
        "Body": "hello",
        "Index": 4
    })
    .to_string();
    assert_eq!(
        post_signed_json(&world, "/forward-to-discord", &event)
            .await
            .0,
        200
    );
    // The same body with one character changed keeps the old signature: refused.
    let tampered = event.replace("hello", "hellO");
    let hash: String = Sha256::digest(event.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = format!("/forward-to-discord?bodySHA256={hash}");
    let signature = twilio_flex::webhook::compute_signature(
        &world.twilio.config().auth_token,
        &world.url(&path),
        &[],
    );
    let refused = world
        .post(
            &path,
            &[
                ("content-type", "application/json"),
                ("x-twilio-signature", &signature),
            ],
            tampered,
        )
        .await;
    assert_eq!(refused.0, 403);

    // The Studio flow's request, JSON variant, sent three times: one answer.
    let before = world.dm_texts(&mia).await.len();
    let turn = json!({
        "ConversationSid": conversation.sid,
        "MessageSid": "IM00000000000000000000000000000042",
        "Body": "how do I reset my password",
        "Author": mia.identity(),
    })
    .to_string();
    for _ in 0..3 {
        assert_eq!(
            post_signed_json(&world, "/chatbot-to-discord", &turn)
                .await
                .0,
            200
        );
    }
    // A different request afterwards is answered: once it is there, the three are done.
    let next = json!({
        "ConversationSid": conversation.sid,
        "MessageSid": "IM00000000000000000000000000000043",
        "Body": "thanks",
        "Author": mia.identity(),
    })
    .to_string();
    assert_eq!(
        post_signed_json(&world, "/chatbot-to-discord", &next)
            .await
            .0,
        200
    );
    let texts = world.dm_messages(&mia, before + 2).await;
    assert_eq!(
        texts.len(),
        before + 2,
        "the replayed request was answered more than once: {texts:#?}"
    );
}

#[tokio::test]
async fn case_from_another_server_is_refused_even_to_its_administrators() {
    const ADMINISTRATOR: u64 = 1 << 3;
    let world = World::start().await;
    let jo = Player::new("Jo");
    let submit = world.submit(
        &jo,
        "fc:form:feature",
        &[("title", "Dark mode"), ("description", "Please")],
        true,
    );
    world.interaction_reply(submit).await;

    let mut elsewhere = InteractionFixture::in_guild(
        next_id(),
        Player::new("Stranger").fixture,
        7,
        Vec::new(),
        ADMINISTRATOR,
    );
    if let fixtures::Place::Guild { guild_id, .. } = &mut elsewhere.place {
        *guild_id = fixtures::GUILD_ID + 1;
    }
    world.gateway.dispatch(
        "INTERACTION_CREATE",
        elsewhere.slash_command("case", &[("id", json!("1001"))]),
    );
    let refused = world.interaction_reply(elsewhere.id).await;
    assert!(
        refused["content"]
            .as_str()
            .unwrap_or("")
            .contains("Only support staff"),
        "{refused}"
    );
    assert!(!refused.to_string().contains("Dark mode"), "{refused}");
}
