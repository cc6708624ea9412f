//! `flexcord sandbox` without a browser: it runs with no knowledge-base folder (the sample
//! articles are built in), honours `--config`, and ends open event streams on shutdown.
//! The page's own JSON API (`/ui/state`, `/ui/command`, `/ui/dm`) stands in for the browser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use flexcord::commands::sandbox::{RunningSandbox, start};
use flexcord::config::FileConfig;
use flexcord_http::url::Url;
use flexcord_http::{HttpClient, Request};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Upper bound for anything to happen (a loaded 2-core machine is slow).
const WAIT: Duration = Duration::from_secs(60);

async fn sandbox(config: &str) -> RunningSandbox {
    let file = FileConfig::parse(config).unwrap();
    start("127.0.0.1:0".parse().unwrap(), None, file)
        .await
        .expect("the sandbox starts without a knowledge-base folder")
}

fn client() -> HttpClient {
    HttpClient::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn url(running: &RunningSandbox, path: &str) -> Url {
    Url::parse(&format!("{}{path}", running.url().trim_end_matches('/'))).unwrap()
}

async fn post(http: &HttpClient, running: &RunningSandbox, path: &str, body: &Value) {
    http.send(Request::post(url(running, path)).json(body).unwrap())
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {}", e.detailed()));
}

/// Re-reads the page's state until `found` holds for it.
async fn wait_for_state(
    http: &HttpClient,
    running: &RunningSandbox,
    what: &str,
    found: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let state: Value = http
            .send(Request::get(url(running, "/ui/state")))
            .await
            .unwrap()
            .json()
            .unwrap();
        if found(&state) {
            return state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}; state: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn channel_id(state: &Value, name: &str) -> Option<u64> {
    state["discord"]["channels"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)?["id"]
        .as_u64()
}

/// The text of every bot message in the player's DM.
fn dm_text(state: &Value) -> String {
    let Some(dm) = state["discord"]["dm_channel"].as_u64() else {
        return String::new();
    };
    state["discord"]["messages"][dm.to_string()]
        .as_array()
        .map(|m| {
            m.iter()
                .filter(|m| m["bot"] == true)
                .map(|m| format!("{} {}\n", m["content"], m["embeds"]))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_kb_folder_the_built_in_articles_answer_and_config_templates_are_used() {
    let running = sandbox(
        "[router.templates]\ngreeting = \"Ahoy {user}, this greeting comes from my.toml\"\n",
    )
    .await;
    let http = client();
    let state = wait_for_state(&http, &running, "the channels", |s| {
        channel_id(s, "customer-service").is_some()
    })
    .await;
    let channel = channel_id(&state, "customer-service").unwrap();
    post(
        &http,
        &running,
        "/ui/command",
        &json!({ "name": "helpme", "channel_id": channel }),
    )
    .await;
    wait_for_state(&http, &running, "the greeting from the file", |s| {
        dm_text(s).contains("this greeting comes from my.toml")
    })
    .await;

    post(
        &http,
        &running,
        "/ui/dm",
        &json!({ "text": "How do I reset my password?" }),
    )
    .await;
    wait_for_state(&http, &running, "an article from the built-in KB", |s| {
        dm_text(s).to_lowercase().contains("password")
    })
    .await;
    running.stop().await.expect("the bridge stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_ends_an_open_page_event_stream() {
    let running = sandbox("").await;
    let addr = running.sandbox().addr();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /ui/events HTTP/1.1\r\nHost: sandbox\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    // The response head: the stream is open.
    let mut head = vec![0_u8; 1024];
    let n = tokio::time::timeout(WAIT, stream.read(&mut head))
        .await
        .expect("the event stream answers")
        .unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).contains("200"));

    running.stop().await.expect("the bridge stops cleanly");
    // The server ended the stream: the page's connection reaches its end instead of hanging.
    let mut rest = Vec::new();
    let read = tokio::time::timeout(WAIT, stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the event stream was still open after stop");
}
