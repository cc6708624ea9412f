//! The ChatSurface against the REST fake: order and size of chunks, no pings, buttons, nonces,
//! files, replies, report cards, and error mapping.

use discord_fake::rest::{
    self, discord_error, dm_channel_id, messages_sent_to, mount_dm_closed, texts_sent_to,
};
use flexcord_core::case::CaseKind;
use flexcord_core::content::{
    Announcement, Buttons, GuildChannel, OutgoingFile, OutgoingMessage, ReportCard, Voice,
};
use flexcord_core::event::InteractionHandle;
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_core::ports::{ChatError, ChatSurface, Reply};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::rest_and_chat;

#[tokio::test]
async fn long_text_arrives_as_ordered_chunks_without_pings_and_buttons_last() {
    let (server, _rest, chat) = rest_and_chat().await;
    let channel = chat.open_dm(UserId(42)).await.expect("dm opens");
    assert_eq!(channel, ChannelId(dm_channel_id(42)));

    let paragraphs: Vec<String> = (0..60)
        .map(|i| {
            format!(
                "Paragraph {i}: @everyone <@42> {}",
                "lorem ipsum ".repeat(8).trim_end()
            )
        })
        .collect();
    let text = paragraphs.join("\n");
    let message = OutgoingMessage::new(Voice::Agent, text.clone()).with_buttons(Buttons::EndChat);
    let ids = chat.send(channel, &message, None).await.expect("sent");

    let bodies = messages_sent_to(&server, channel.0).await;
    assert!(
        bodies.len() >= 3,
        "expected several chunks, got {}",
        bodies.len()
    );
    assert_eq!(ids.len(), bodies.len());
    let texts = texts_sent_to(&server, channel.0).await;
    assert!(texts.iter().all(|t| t.chars().count() <= 2000));
    assert_eq!(texts.join("\n"), text, "chunks keep every line in order");
    for body in &bodies {
        assert_eq!(
            body["allowed_mentions"]["parse"],
            serde_json::json!([]),
            "never pings: {body}"
        );
    }
    let (last, rest) = bodies.split_last().expect("some");
    assert_eq!(
        last["components"][0]["components"][0]["custom_id"],
        "fc:end"
    );
    assert!(rest.iter().all(|b| b.get("components").is_none()));
}

#[tokio::test]
async fn an_agent_message_shows_the_agents_name_and_hindi_buttons_within_the_split() {
    use flexcord_core::config::Templates;
    use flexcord_core::locale::Locales;
    let (server, _rest, chat) = rest_and_chat().await;
    let hindi = Templates {
        button_end_chat: "चैट समाप्त करें".into(),
        ..Templates::default()
    };
    let chat = chat.with_locales(Locales::new(
        "en",
        [
            ("en".to_owned(), Templates::default()),
            ("hi".to_owned(), hindi),
        ]
        .into(),
    ));
    let text = format!("See https://help.example/fix\n{}", "word ".repeat(500));
    let message = OutgoingMessage::new(Voice::Agent, text)
        .by("Alice A.")
        .with_buttons(Buttons::EndChat)
        .with_locale(Some("hi"));
    chat.send(ChannelId(78), &message, None)
        .await
        .expect("sent");
    let texts = texts_sent_to(&server, 78).await;
    assert!(texts.len() >= 2, "{texts:?}");
    assert!(texts.iter().all(|t| t.chars().count() <= 2000));
    // The name is part of the text, so the 2,000-character split covers it too.
    assert_eq!(texts[0], "**Alice A.**\nSee https://help.example/fix");
    let bodies = messages_sent_to(&server, 78).await;
    let last = bodies.last().expect("sent");
    assert_eq!(
        last["components"][0]["components"][0]["label"],
        "चैट समाप्त करें"
    );
}

#[tokio::test]
async fn nonce_is_enforced_on_every_chunk() {
    let (server, _rest, chat) = rest_and_chat().await;
    let text = "word ".repeat(900);
    chat.send(
        ChannelId(77),
        &OutgoingMessage::new(Voice::System, text),
        Some(12345),
    )
    .await
    .expect("sent");
    let bodies = messages_sent_to(&server, 77).await;
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["nonce"], "12345");
    assert!(bodies.iter().all(|b| b["enforce_nonce"] == true));
    assert_ne!(bodies[1]["nonce"], bodies[0]["nonce"]);
}

#[tokio::test]
async fn closed_dm_is_dm_closed() {
    let (server, _rest, chat) = rest_and_chat().await;
    mount_dm_closed(&server, 88).await;
    let err = chat
        .send(
            ChannelId(88),
            &OutgoingMessage::new(Voice::Agent, "hi"),
            None,
        )
        .await;
    assert_eq!(err, Err(ChatError::DmClosed));
}

/// A 429 as Discord sends it for a per-route bucket: twilight learns when the bucket resets.
fn bucket_429(reset_after_secs: f64) -> ResponseTemplate {
    ResponseTemplate::new(429)
        .insert_header("retry-after", "1")
        .insert_header("x-ratelimit-scope", "user")
        .insert_header("x-ratelimit-bucket", "messages-93")
        .insert_header("x-ratelimit-limit", "5")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header(
            "x-ratelimit-reset-after",
            reset_after_secs.to_string().as_str(),
        )
        .set_body_json(serde_json::json!({
            "message": "You are being rate limited.",
            "retry_after": reset_after_secs,
            "global": false
        }))
}

#[tokio::test]
async fn a_bucket_429_is_waited_out_and_the_message_sent_once() {
    let (server, _rest, chat) = rest_and_chat().await;
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/93/messages"))
        .respond_with(bucket_429(0.2))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    let sent = chat
        .send(
            ChannelId(93),
            &OutgoingMessage::new(Voice::Agent, "hi"),
            None,
        )
        .await;
    assert!(sent.is_ok(), "{sent:?}");
    // Two requests reached Discord: the one answered 429 and, after the reset, the one taken.
    assert_eq!(
        texts_sent_to(&server, 93).await,
        vec!["hi".to_owned(), "hi".to_owned()]
    );
}

#[tokio::test]
async fn a_429_storm_without_a_bucket_is_not_hammered_but_handed_back_to_the_outbox() {
    let (server, _rest, chat) = rest_and_chat().await;
    // What Cloudflare answers a client it is about to ban, or a global limit: no bucket to
    // wait for. Left to itself twilight would send again at 50 requests/s for ever.
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/94/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .with_priority(1)
        .expect(flexcord_discord::send::MAX_SENDS as u64)
        .mount(&server)
        .await;
    let sent = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        chat.send(
            ChannelId(94),
            &OutgoingMessage::new(Voice::Agent, "hi"),
            None,
        ),
    )
    .await
    .expect("the send must give up, not retry for ever");
    assert!(
        matches!(sent, Err(ChatError::RateLimited { .. })),
        "{sent:?}"
    );
}

#[tokio::test]
async fn server_errors_are_transient_and_unknown_channel_not_found() {
    let (server, _rest, chat) = rest_and_chat().await;
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/91/messages"))
        .respond_with(discord_error(404, 10003, "Unknown Channel"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/92/messages"))
        .respond_with(ResponseTemplate::new(502))
        .with_priority(1)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::new(Voice::Agent, "hi");
    assert!(matches!(
        chat.send(ChannelId(91), &msg, None).await,
        Err(ChatError::NotFound(_))
    ));
    assert!(matches!(
        chat.send(ChannelId(92), &msg, None).await,
        Err(ChatError::Transient(_))
    ));
}

#[tokio::test]
async fn files_are_downloaded_and_uploaded_with_the_text() {
    let (server, _rest, chat) = rest_and_chat().await;
    let files = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/media/shot.png"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PNGDATA".to_vec()))
        .expect(1)
        .mount(&files)
        .await;
    let mut message = OutgoingMessage::new(Voice::Agent, "here you go");
    message.files.push(OutgoingFile {
        url: format!("{}/media/shot.png", files.uri()),
        filename: "shot.png".into(),
        content_type: Some("image/png".into()),
    });
    chat.send(ChannelId(77), &message, None)
        .await
        .expect("sent");
    let reqs = rest::requests(&server, "POST", "/api/v10/channels/77/messages").await;
    assert_eq!(reqs.len(), 1);
    let uploaded = rest::uploaded_files(&reqs[0]);
    assert_eq!(uploaded.len(), 1);
    assert_eq!(
        (uploaded[0].filename.as_str(), uploaded[0].data.as_slice()),
        ("shot.png", &b"PNGDATA"[..])
    );
    let body = rest::json_body(&reqs[0]).expect("payload_json");
    assert_eq!(body["content"], "here you go");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
}

#[tokio::test]
async fn oversized_file_is_rejected_before_any_text_is_sent() {
    let server = MockServer::start().await;
    let _rest = discord_fake::rest::mount_discord_defaults(&server).await;
    let config = crate::config(None, &server);
    let http = std::sync::Arc::new(flexcord_discord::build_http(&config).expect("config"));
    let chat = flexcord_discord::DiscordChat::with_limits(
        http,
        &config,
        4,
        std::time::Duration::from_secs(5),
    )
    .expect("ids");
    let files = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0_u8; 64]))
        .mount(&files)
        .await;
    let mut message = OutgoingMessage::new(Voice::Agent, "text");
    message.files.push(OutgoingFile {
        url: format!("{}/big", files.uri()),
        filename: "big.bin".into(),
        content_type: None,
    });
    assert!(matches!(
        chat.send(ChannelId(77), &message, None).await,
        Err(ChatError::Rejected(_))
    ));
    assert!(messages_sent_to(&server, 77).await.is_empty());
}

#[tokio::test]
async fn reply_edits_the_deferred_response_with_a_case_card() {
    let (server, _rest, chat) = rest_and_chat().await;
    let handle = InteractionHandle {
        id: 5001,
        token: "tok-1".into(),
    };
    chat.reply(&handle, &Reply::Text("Check your DMs".into()))
        .await
        .expect("replied");
    let edits = rest::requests(
        &server,
        "PATCH",
        "/api/v10/webhooks/*/tok-1/messages/@original",
    )
    .await;
    assert_eq!(edits.len(), 1);
    let body = rest::json_body(&edits[0]).expect("json");
    assert_eq!(body["content"], "Check your DMs");
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
}

#[tokio::test]
async fn report_card_and_announcement_go_to_their_channels_by_name() {
    let (server, rest, chat) = rest_and_chat().await;
    let bugs = rest.add_channel("bug-report");
    let news = rest.add_channel("announcements");
    let card = ReportCard {
        case_id: CaseId(1042),
        kind: CaseKind::Bug,
        title: "Crash on start".into(),
        description: "It crashes".into(),
        fields: vec![("Steps to reproduce".into(), "open it".into())],
        reporter_name: "alice".into(),
        reporter: UserId(42),
    };
    chat.post_report(GuildChannel::BugReport, &card, None)
        .await
        .expect("posted");
    chat.announce(&Announcement {
        title: "v2".into(),
        body: "out now".into(),
        url: Some("https://example.com/v2".into()),
    })
    .await
    .expect("announced");
    let card_body = &messages_sent_to(&server, bugs).await[0];
    assert!(
        card_body["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("#1042") && t.contains("Crash on start"))
    );
    assert_eq!(
        card_body["allowed_mentions"]["parse"],
        serde_json::json!([])
    );
    let news_body = &messages_sent_to(&server, news).await[0];
    assert_eq!(news_body["embeds"][0]["url"], "https://example.com/v2");
    // Channels are looked up once, then cached.
    assert_eq!(
        rest::requests(&server, "GET", "/api/v10/guilds/*/channels")
            .await
            .len(),
        1
    );

    let missing = chat
        .post_report(GuildChannel::FeatureRequest, &card, None)
        .await;
    assert!(matches!(missing, Err(ChatError::NotFound(_))));
}

#[tokio::test]
async fn typing_hits_the_typing_endpoint() {
    let (server, _rest, chat) = rest_and_chat().await;
    chat.typing(ChannelId(77)).await.expect("typing");
    assert_eq!(
        rest::requests(&server, "POST", "/api/v10/channels/77/typing")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn files_that_add_up_past_25_mib_go_in_several_requests_and_all_arrive() {
    let (server, _rest, chat) = rest_and_chat().await;
    let files = MockServer::start().await;
    // Three files of 9 MiB: each within the 10 MiB a file may have, 27 MiB together, which Discord
    // refuses in one request (the fake answers 413 / 40005 as Discord does).
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7_u8; 9 * 1024 * 1024]))
        .mount(&files)
        .await;
    let mut message = OutgoingMessage::new(Voice::Agent, "the logs you asked for");
    for i in 0..3 {
        message.files.push(OutgoingFile {
            url: format!("{}/log{i}", files.uri()),
            filename: format!("log{i}.txt"),
            content_type: None,
        });
    }
    chat.send(ChannelId(77), &message, Some(11))
        .await
        .expect("every file delivered");
    let reqs = rest::requests(&server, "POST", "/api/v10/channels/77/messages").await;
    assert_eq!(reqs.len(), 2, "two requests, each under 25 MiB");
    assert!(reqs.iter().all(|r| r.body.len() <= rest::MAX_REQUEST_BYTES));
    let names: Vec<String> = reqs
        .iter()
        .flat_map(rest::uploaded_files)
        .map(|f| f.filename)
        .collect();
    assert_eq!(names, ["log0.txt", "log1.txt", "log2.txt"]);
    // The text once, on the first message; the overflow message carries files only.
    assert_eq!(
        texts_sent_to(&server, 77).await,
        ["the logs you asked for", ""]
    );
}

#[tokio::test]
async fn a_report_card_whose_parts_add_up_past_6000_characters_is_still_posted() {
    let (server, rest, chat) = rest_and_chat().await;
    let bugs = rest.add_channel("bug-report");
    let card = ReportCard {
        case_id: CaseId(1043),
        kind: CaseKind::Bug,
        title: "Long report".into(),
        description: "d".repeat(4000),
        fields: (0..4)
            .map(|i| (format!("Part {i}"), "v".repeat(1000)))
            .collect(),
        reporter_name: "alice".into(),
        reporter: UserId(42),
    };
    chat.post_report(GuildChannel::BugReport, &card, None)
        .await
        .expect("the card is accepted");
    let posted = &messages_sent_to(&server, bugs).await[0];
    assert!(
        posted["embeds"][0]["title"]
            .as_str()
            .is_some_and(|t| t.contains("#1043"))
    );
}

#[tokio::test]
async fn a_user_with_no_mutual_guild_is_like_a_closed_dm_and_opening_dms_too_fast_is_a_rate_limit()
{
    let (server, _rest, chat) = rest_and_chat().await;
    Mock::given(method("POST"))
        .and(path("/api/v10/channels/91/messages"))
        .respond_with(discord_error(
            403,
            50278,
            "Cannot send messages to this user due to having no mutual guilds",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    let sent = chat
        .send(
            ChannelId(91),
            &OutgoingMessage::new(Voice::Agent, "hi"),
            None,
        )
        .await;
    assert_eq!(sent, Err(ChatError::DmClosed));

    Mock::given(method("POST"))
        .and(path("/api/v10/users/@me/channels"))
        .respond_with(discord_error(
            403,
            40003,
            "You are opening direct messages too fast",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    assert!(matches!(
        chat.open_dm(UserId(4242)).await,
        Err(ChatError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn a_bot_granted_a_higher_global_limit_still_sends() {
    // DISCORD_GLOBAL_RATE_LIMIT builds twilight's limiter with the granted rate.
    let server = MockServer::start().await;
    let _rest = discord_fake::rest::mount_discord_defaults(&server).await;
    let config = flexcord_discord::DiscordConfig {
        global_rate_limit: std::num::NonZeroU16::new(1200),
        ..crate::config(None, &server)
    };
    let http = std::sync::Arc::new(flexcord_discord::build_http(&config).expect("config"));
    let chat = flexcord_discord::DiscordChat::new(http, &config).expect("ids");
    chat.send(
        ChannelId(77),
        &OutgoingMessage::new(Voice::Agent, "hi"),
        None,
    )
    .await
    .expect("sent");
    assert_eq!(texts_sent_to(&server, 77).await, ["hi"]);
}
