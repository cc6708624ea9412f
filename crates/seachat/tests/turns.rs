//! The SeaChat client against a local wiremock bot: the request it sends, how it reads answers,
//! and which `VirtualAgentError` each failure becomes.

// Helpers outside `#[test]` functions: a failed expectation there is a test failure too.
#![expect(
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::time::Duration;

use flexcord_core::event::UserProfile;
use flexcord_core::ids::UserId;
use flexcord_core::ports::{
    Answer, AnswerItem, Article, Question, VirtualAgent, VirtualAgentError,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn agent(base: &str, timeout: Duration) -> seachat::Client {
    let config = seachat::Config::new(base, "bot-key")
        .expect("config")
        .with_timeout(timeout);
    seachat::Client::new(&config).expect("client")
}

fn default_agent(server: &MockServer) -> seachat::Client {
    agent(&server.uri(), Duration::from_secs(5))
}

fn question() -> Question {
    Question {
        session_id: "dm-1203458712345678901".into(),
        user: UserProfile {
            id: UserId(80_351_110_224_678_912),
            name: "Nelly".into(),
            locale: Some("pt-BR".into()),
        },
        text: "How do I reset my password?".into(),
        reply_in: None,
        locale: Some("pt-BR".into()),
    }
}

/// Mounts `response` for any turn and asks the question.
async fn answer_with(
    server: &MockServer,
    response: ResponseTemplate,
) -> Result<Answer, VirtualAgentError> {
    Mock::given(method("POST"))
        .and(path("/v1/turns"))
        .respond_with(response)
        .mount(server)
        .await;
    default_agent(server).answer(&question()).await
}

#[tokio::test]
async fn posts_the_documented_turn_with_bearer_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/turns"))
        .and(header("authorization", "Bearer bot-key"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "session_id": "dm-1203458712345678901",
            "user": {"id": "80351110224678912", "name": "Nelly"},
            "text": "How do I reset my password?",
            "locale": "pt-BR"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;

    let answer = default_agent(&server)
        .answer(&question())
        .await
        .expect("answer");
    assert!(answer.items.is_empty());
    assert!(!answer.hand_off);
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/bots/main/v1/turns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let agent = agent(
        &format!("{}/bots/main/", server.uri()),
        Duration::from_secs(5),
    );
    agent.answer(&question()).await.expect("answer");
}

#[tokio::test]
async fn decodes_text_articles_suggestions_and_handoff_and_skips_unknown_items() {
    let server = MockServer::start().await;
    let body = json!({
        "items": [
            {"type": "text", "text": "You can reset it from the login screen."},
            {"type": "carousel", "cards": [{"title": "new in v2"}]},
            {"type": "article", "title": "Resetting your password",
             "url": "https://help.example.com/reset", "excerpt": "Click Forgot password"},
            {"type": "article", "title": "Accounts"},
            {"type": "suggestions", "options": ["I did not get the email", "Talk to a person"]}
        ],
        "handoff": true,
        "trace_id": "ignored"
    });
    let answer = answer_with(&server, ResponseTemplate::new(200).set_body_json(body))
        .await
        .expect("answer");
    assert_eq!(
        answer.items,
        vec![
            AnswerItem::Text("You can reset it from the login screen.".into()),
            AnswerItem::Article(Article {
                title: "Resetting your password".into(),
                url: Some("https://help.example.com/reset".into()),
                excerpt: "Click Forgot password".into(),
            }),
            AnswerItem::Article(Article {
                title: "Accounts".into(),
                url: None,
                excerpt: String::new()
            }),
            AnswerItem::Text("• I did not get the email\n• Talk to a person".into()),
        ]
    );
    assert!(answer.hand_off);
}

#[tokio::test]
async fn client_errors_are_failures_carrying_the_bots_code_and_message() {
    for status in [400, 401, 403, 404, 422] {
        let server = MockServer::start().await;
        let body =
            json!({"error": {"code": "invalid_session", "message": "session_id is malformed"}});
        let err = answer_with(&server, ResponseTemplate::new(status).set_body_json(body))
            .await
            .expect_err("4xx");
        match err {
            VirtualAgentError::Failed(text) => {
                assert!(text.contains(&status.to_string()), "{text}");
                assert!(
                    text.contains("invalid_session: session_id is malformed"),
                    "{text}"
                );
            }
            other => panic!("{status}: expected Failed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn server_errors_make_the_agent_unavailable_without_repeating_the_turn() {
    for status in [500, 502, 503] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string("<html>down</html>"))
            .expect(1)
            .mount(&server)
            .await;
        let err = default_agent(&server)
            .answer(&question())
            .await
            .expect_err("5xx");
        assert!(
            matches!(&err, VirtualAgentError::Unavailable(t) if t.contains("down")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_busy_bot_is_unavailable() {
    let server = MockServer::start().await;
    let err = answer_with(
        &server,
        ResponseTemplate::new(429).insert_header("retry-after", "30"),
    )
    .await
    .expect_err("429");
    assert!(matches!(err, VirtualAgentError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_slow_bot_times_out_and_the_turn_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
        .expect(1)
        .mount(&server)
        .await;
    let agent = agent(&server.uri(), Duration::from_millis(300));
    let err = agent.answer(&question()).await.expect_err("timeout");
    assert_eq!(err, VirtualAgentError::Timeout);
}

#[tokio::test]
async fn an_answer_that_is_not_the_contracts_json_is_a_failure() {
    for body in [
        "not json",
        "[1,2]",
        r#"{"items":[{"type":"text"}]}"#,
        r#"{"items":[{"text":"no type"}]}"#,
    ] {
        let server = MockServer::start().await;
        let err = answer_with(&server, ResponseTemplate::new(200).set_body_string(body))
            .await
            .expect_err("bad body");
        assert!(
            matches!(err, VirtualAgentError::Failed(_)),
            "{body}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_oversized_answer_is_a_failure() {
    let server = MockServer::start().await;
    let huge = json!({"items": [{"type": "text", "text": "x".repeat(2 * 1024 * 1024)}]});
    let err = answer_with(&server, ResponseTemplate::new(200).set_body_json(huge))
        .await
        .expect_err("too large");
    assert!(matches!(err, VirtualAgentError::Failed(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_bot_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let agent = agent(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5));
    let err = agent.answer(&question()).await.expect_err("refused");
    assert!(matches!(err, VirtualAgentError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_output() {
    let server = MockServer::start().await;
    let client = default_agent(&server);
    assert!(!format!("{client:?}").contains("bot-key"));
}
