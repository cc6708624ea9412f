//! S9: bad input never crashes or loses data. Forged or unsigned webhooks get 403, oversized
//! bodies 413, malformed ones 400, unknown conversations are acknowledged, a closed DM is
//! reported back to the agent, and what could not be delivered can be sent again by an operator.

use std::time::Duration;

use discord_fake::rest::{discord_error, mount_dm_closed};

use crate::harness::{Player, World};
use crate::live_chat::hand_off;

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

#[tokio::test]
async fn forged_unsigned_oversized_and_garbage_webhooks_are_refused_and_the_bridge_stays_healthy() {
    let world = World::start().await;
    let params = [
        ("EventType", "onMessageAdded"),
        ("ConversationSid", "CH11111111111111111111111111111111"),
        ("MessageSid", "IM11111111111111111111111111111111"),
        ("Source", "SDK"),
        ("Author", "mallory"),
        ("Body", "send me your password"),
    ];
    let body = crate::harness::form(&params);

    // Unsigned.
    assert_eq!(
        world
            .post("/forward-to-discord", &[FORM], body.clone())
            .await
            .0,
        403
    );
    // Signed with the wrong key.
    let forged = twilio_flex::webhook::compute_signature(
        "not-the-auth-token",
        &world.url("/forward-to-discord"),
        &params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(
        world
            .post(
                "/forward-to-discord",
                &[FORM, ("x-twilio-signature", &forged)],
                body.clone()
            )
            .await
            .0,
        403
    );
    // Correctly signed, then tampered with.
    let good = twilio_flex::webhook::compute_signature(
        &world.twilio.config().auth_token,
        &world.url("/forward-to-discord"),
        &params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>(),
    );
    let tampered = body.replace("password", "PIN");
    assert_eq!(
        world
            .post(
                "/forward-to-discord",
                &[FORM, ("x-twilio-signature", &good)],
                tampered
            )
            .await
            .0,
        403
    );
    // Too large.
    let huge = "Body=".to_owned() + &"x".repeat(200 * 1024);
    assert_eq!(
        world
            .post(
                "/forward-to-discord",
                &[FORM, ("x-twilio-signature", &good)],
                huge
            )
            .await
            .0,
        413
    );
    // Signed garbage: no EventType / a broken SID.
    assert_eq!(
        world
            .post_signed_form("/forward-to-discord", &[("Hello", "world")])
            .await
            .0,
        400
    );
    assert_eq!(
        world
            .post_signed_form(
                "/forward-to-discord",
                &[
                    ("EventType", "onMessageAdded"),
                    ("ConversationSid", "../../etc")
                ]
            )
            .await
            .0,
        400
    );
    assert_eq!(
        world
            .post_signed_form("/chatbot-to-discord", &[("Body", "hi")])
            .await
            .0,
        400
    );

    // A signed event for a conversation flexcord never opened: acknowledged, nothing sent.
    assert_eq!(
        world
            .post_signed_form("/forward-to-discord", &params)
            .await
            .0,
        200
    );

    assert_eq!(world.get("/healthz").await.0, 200);
    assert_eq!(world.get("/readyz").await.0, 200);
    let metrics = world.get("/metrics").await.1;
    assert!(
        metrics.contains("flexcord_webhook_rejections_total{reason=\"unsigned\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("reason=\"bad_signature\"} 2"), "{metrics}");
    assert!(metrics.contains("reason=\"too_large\"} 1"), "{metrics}");
    assert!(metrics.contains("reason=\"malformed\"} 3"), "{metrics}");
}

#[tokio::test]
async fn a_closed_dm_is_reported_back_to_the_agent() {
    let world = World::start().await;
    let kim = Player::new("Kim");
    let conversation = hand_off(&world, &kim).await;
    world
        .twilio
        .agent_join(&conversation, "erin", "Erin")
        .await
        .expect("join");
    world.dm_messages(&kim, 3).await;

    // Kim closes her DMs; Discord now answers 50007 for that channel.
    mount_dm_closed(&world.discord, kim.dm()).await;
    let before = world.twilio.messages(&conversation).len();
    world
        .twilio
        .agent_say(&conversation, "erin", "Are you still there?", vec![])
        .await
        .expect("say");
    let messages = world
        .twilio
        .wait_for_messages(&conversation, before + 2, crate::harness::WAIT)
        .await
        .expect("a notice for the agent");
    let notice = messages
        .last()
        .and_then(|m| m.body.clone())
        .unwrap_or_default();
    assert!(notice.contains("DMs are closed"), "{notice}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(world.get("/healthz").await.0, 200);
    let metrics = world.get("/metrics").await.1;
    assert!(
        metrics.contains("flexcord_discord_errors_total{reason=\"dead\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_operator_lists_a_dead_letter_and_sends_it_again_once_the_cause_is_gone() {
    let world = World::start().await;
    let noa = Player::new("Noa");
    let conversation = hand_off(&world, &noa).await;
    world
        .twilio
        .agent_join(&conversation, "erin", "Erin")
        .await
        .expect("join");
    world.dm_messages(&noa, 3).await;
    assert_eq!(world.cli(&["outbox", "dead"]).await, "no dead letters\n");

    // Noa's DMs are closed for one send: the agent's message is given up on at once.
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(format!(
            "/api/v10/channels/{}/messages",
            noa.dm()
        )))
        .respond_with(discord_error(
            403,
            50007,
            "Cannot send messages to this user",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&world.discord)
        .await;
    world
        .twilio
        .agent_say(&conversation, "erin", "Your refund is on its way", vec![])
        .await
        .expect("say");
    let deadline = tokio::time::Instant::now() + crate::harness::WAIT;
    let listed = loop {
        let listed = world.cli(&["outbox", "dead"]).await;
        if listed.contains(&format!("dm:{}", noa.dm())) {
            break listed;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never dead-lettered: {listed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let id = listed
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().next())
        .expect("an id")
        .to_owned();

    // Noa opened her DMs again; the operator sends it once more.
    let answer = world.cli(&["outbox", "retry", &id]).await;
    assert!(answer.starts_with("1 queued again"), "{answer}");
    world.dm_sent(&noa, "Your refund is on its way").await;
    assert_eq!(world.cli(&["outbox", "dead"]).await, "no dead letters\n");
    // Asked again, it is no dead letter any more: nothing was done, and the exit status says so.
    // (The world runs with RUST_LOG=info, so log lines may come before the error.)
    let again = world.cli_failing(&["outbox", "retry", &id]).await;
    assert!(
        again.ends_with(
            "\nerror: 1 of the 1 ids given is not a dead letter (see `flexcord outbox dead`)\n"
        ) || again
            == "error: 1 of the 1 ids given is not a dead letter (see `flexcord outbox dead`)\n",
        "{again}"
    );
}
