//! S7: `POST /announce` (authenticated, deduplicated) and RSS feeds post to `#announcements`
//! exactly once per item.

use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::harness::{ANNOUNCE_TOKEN, Options, World};

#[tokio::test]
async fn announce_needs_the_token_and_posts_each_item_once() {
    let world = World::start().await;
    let body = r#"{"title":"Season 4","body":"Starts Friday","url":"https://news.example/s4"}"#;
    let json = [("content-type", "application/json")];

    let (status, _) = world.post("/announce", &json, body).await;
    assert_eq!(status, 401);
    let wrong = [
        ("content-type", "application/json"),
        ("authorization", "Bearer nope"),
    ];
    assert_eq!(world.post("/announce", &wrong, body).await.0, 403);

    let auth = format!("Bearer {ANNOUNCE_TOKEN}");
    let good = [
        ("content-type", "application/json"),
        ("authorization", auth.as_str()),
    ];
    assert_eq!(world.post("/announce", &good, body).await.0, 202);
    let (status, answer) = world.post("/announce", &good, body).await;
    assert_eq!(status, 202);
    assert!(answer.contains("duplicate"), "{answer}");
    assert_eq!(world.post("/announce", &good, "{not json").await.0, 400);
    assert_eq!(
        world
            .post("/announce", &good, r#"{"title":"","body":"x"}"#)
            .await
            .0,
        422
    );

    let channel = world.channel("announcements");
    let posted = world.channel_messages(channel, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posted_later = discord_fake::rest::messages_sent_to(&world.discord, channel).await;
    assert_eq!(posted_later.len(), 1, "{posted_later:#?}");
    assert!(posted[0]["embeds"][0].to_string().contains("Season 4"));
}

#[tokio::test]
async fn feed_items_are_posted_once_and_a_new_feed_does_not_flood_the_channel() {
    let feed = MockServer::start().await;
    let items: String = (1..=6)
        .map(|i| {
            format!(
                "<item><guid>n{i}</guid><title>News {i}</title><link>https://n.example/{i}</link>\
                 <pubDate>Mon, 0{i} Nov 2026 10:00:00 GMT</pubDate><description>Item {i}</description></item>"
            )
        })
        .collect();
    let rss = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>{items}</channel></rss>"#
    );
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(rss)
                .insert_header("content-type", "application/rss+xml"),
        )
        .mount(&feed)
        .await;
    let world = World::start_with(Options {
        env: vec![
            (
                "FLEXCORD_ANNOUNCE_FEEDS".into(),
                format!("{}/feed.xml", feed.uri()),
            ),
            ("FLEXCORD_ANNOUNCE_POLL_SECS".into(), "1".into()),
            ("FLEXCORD_ANNOUNCE_BACKLOG".into(), "2".into()),
        ],
        ..Options::default()
    })
    .await;
    let channel = world.channel("announcements");
    world.channel_messages(channel, 2).await;
    // Several more polls happen; nothing more is posted.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let posted = discord_fake::rest::messages_sent_to(&world.discord, channel).await;
    let titles: Vec<String> = posted
        .iter()
        .map(|m| m["embeds"][0]["title"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(titles, vec!["News 5".to_owned(), "News 6".to_owned()]);
}
