//! An external case system (`CASES_URL`) that fails while a player is being handed to an
//! agent. The hand-off does not wait for it: after the client's own tries (one idempotency
//! key), the player is routed without a case and told so, and the agent gets the task and the
//! transcript. A case system that answers again serves the next hand-off as usual.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::harness::{Options, Player, World};
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
async fn a_case_system_down_during_the_hand_off_does_not_keep_the_player_from_an_agent() {
    let cases = MockServer::start().await;
    let creates = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .respond_with(FlakyCases {
            failures: usize::MAX,
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

    // The bot's answer, then the hand-off without a case, said as such.
    let dm = world.dm_messages(&dana, 2).await;
    assert_eq!(
        dm[1]["content"].as_str(),
        Some("Transferring you to a live agent — please stay in this chat."),
        "{dm:?}"
    );
    assert!(
        creates.load(Ordering::SeqCst) >= 2,
        "the case system was asked, and asked again, before the hand-off went on without it"
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
    // The agent gets the player, with what they said, and no case number that does not exist.
    assert_eq!(world.twilio.interactions().len(), 1, "one Flex task");
    let interaction = world
        .twilio
        .interaction_for(&conversation)
        .expect("the task is for the player's conversation");
    let attributes = interaction.task_attributes();
    assert_eq!(attributes["customerName"], "Dana");
    assert!(attributes.get("caseId").is_none(), "{attributes}");
    let transcript: String = world
        .twilio
        .messages(&conversation)
        .iter()
        .filter_map(|m| m.body.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(transcript.contains("My clan disappeared"), "{transcript}");
}

/// Once the case system answers again, the next hand-off has its case as usual.
#[tokio::test]
async fn after_the_case_system_recovers_the_next_hand_off_has_its_case() {
    let cases = MockServer::start().await;
    let creates = Arc::new(AtomicUsize::new(0));
    // The client tries a create three times before it gives up: the first hand-off's tries
    // all fail, the second's first one is answered.
    Mock::given(method("POST"))
        .and(path("/v1/cases"))
        .respond_with(FlakyCases {
            failures: 3,
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
    let (dana, eli) = (Player::new("Dana"), Player::new("Eli"));
    hand_off(&world, &dana).await;
    let dm = world.dm_messages(&dana, 2).await;
    assert!(
        dm[1]["content"]
            .as_str()
            .is_some_and(|t| t.starts_with("Transferring you")),
        "{dm:?}"
    );

    let conversation = hand_off(&world, &eli).await;
    let dm = world.dm_messages(&eli, 2).await;
    assert!(
        dm[1]["content"]
            .as_str()
            .is_some_and(|t| t.starts_with("Case #1001 created")),
        "{dm:?}"
    );
    let interaction = world
        .twilio
        .interaction_for(&conversation)
        .expect("interaction");
    assert_eq!(interaction.task_attributes()["caseId"], 1001);
}
