//! An external case system (`CASES_URL`) that fails while a player is being handed to an
//! agent. The hand-off does not wait for it: after the client's own tries, the player is routed
//! without a case and told so, and the agent gets the task and the transcript. The case is still
//! owed: it is opened from the outbox once the case system answers, under the same idempotency
//! key, and the player and the agent are told its number.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{Options, Player, WAIT, World};
use crate::live_chat::hand_off;

/// The case system of `docs/contracts/cases.md`: refuses the first `failures` creates with a
/// 503, then creates case 1001, echoing what was asked for as the contract says.
struct FlakyCases {
    failures: usize,
    creates: Arc<AtomicUsize>,
}

impl Respond for FlakyCases {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.creates.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            return ResponseTemplate::new(503).set_body_json(
                json!({"error": {"code": "unavailable", "message": "down for maintenance"}}),
            );
        }
        let Ok(mut case) = serde_json::from_slice::<Value>(&request.body) else {
            return ResponseTemplate::new(400);
        };
        for (k, v) in [
            ("number", json!(1001)),
            ("status", json!("open")),
            ("rating", Value::Null),
            ("notes", json!([])),
            ("created_at_ms", json!(1_767_225_600_000_u64)),
        ] {
            case[k] = v;
        }
        ResponseTemplate::new(201).set_body_json(case)
    }
}

#[tokio::test]
async fn a_case_system_down_during_the_hand_off_costs_neither_the_chat_nor_the_case() {
    let cases = MockServer::start().await;
    let creates = Arc::new(AtomicUsize::new(0));
    // The client tries a create three times before it gives up: the hand-off's own tries all
    // fail; the case system answers the outbox's next one.
    let failures = 3;
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .respond_with(FlakyCases {
            failures,
            creates: Arc::clone(&creates),
        })
        .mount(&cases)
        .await;
    let world = World::start_with(Options {
        env: vec![
            ("CASES_URL".to_owned(), cases.uri()),
            ("CASES_API_KEY".to_owned(), "cases-key".to_owned()),
        ],
        ..Options::default()
    })
    .await;
    let dana = Player::new("Dana");

    let conversation = hand_off(&world, &dana).await;

    // The bot's answer, the hand-off without a case, then the case once it exists.
    let dm = world.dm_messages(&dana, 3).await;
    assert_eq!(
        dm[1]["content"].as_str(),
        Some("Transferring you to a live agent — please stay in this chat."),
        "{dm:?}"
    );
    assert_eq!(
        dm[2]["content"].as_str(),
        Some("This chat is now case #1001."),
        "{dm:?}"
    );
    // The agent is told in the conversation.
    let notice = "Case #1001 is open for this chat.";
    let deadline = tokio::time::Instant::now() + WAIT;
    while !world
        .twilio
        .messages(&conversation)
        .iter()
        .any(|m| m.body.as_deref() == Some(notice))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no case notice for the agent: {:?}",
            world.twilio.messages(&conversation)
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        creates.load(Ordering::SeqCst),
        failures + 1,
        "refused {failures} times, then one case"
    );
    let keys: BTreeSet<String> = cases
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "every try under one idempotency key: {keys:?}"
    );
    // The agent got the player, with what they said, without waiting for the case system.
    assert_eq!(world.twilio.interactions().len(), 1, "one Flex task");
    let interaction = world
        .twilio
        .interaction_for(&conversation)
        .expect("the task is for the player's conversation");
    assert_eq!(interaction.task_attributes()["customerName"], "Dana");
    let transcript: String = world
        .twilio
        .messages(&conversation)
        .iter()
        .filter_map(|m| m.body.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(transcript.contains("My clan disappeared"), "{transcript}");
}
