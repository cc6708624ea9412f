//! The Studio flow emulation: live-agent keywords become interactions, the rest goes to the chatbot.

mod common;

use common::{Receiver, TOKEN, WAIT, call, conversation_with_customer};
use twilio_fake::{
    DeliveryKind, InteractionOrigin, StudioEmulation, TwilioFake, TwilioFakeConfig,
    twilio_signature,
};

async fn start_with_chatbot(chatbot: &Receiver) -> TwilioFake {
    let config = TwilioFakeConfig {
        studio: StudioEmulation {
            chatbot_url: Some(chatbot.at("/chatbot-to-discord")),
            ..Default::default()
        },
        ..common::config()
    };
    TwilioFake::start(config)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"))
}

async fn attach_flow(fake: &TwilioFake, conv: &str) {
    let (status, _) = call(
        fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[
            ("Target", "studio"),
            (
                "Configuration.FlowSid",
                "FW00000000000000000000000000000001",
            ),
            ("Configuration.Filters", "onMessageAdded"),
        ],
        false,
    )
    .await;
    assert_eq!(status, http::StatusCode::CREATED);
}

async fn customer_says(fake: &TwilioFake, conv: &str, author: &str, body: &str) {
    let (status, _) = call(
        fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", author), ("Body", body)],
        true,
    )
    .await;
    assert_eq!(status, http::StatusCode::CREATED);
}

#[tokio::test]
async fn ordinary_messages_go_to_the_chatbot_signed() {
    let chatbot = Receiver::start(200).await;
    let fake = start_with_chatbot(&chatbot).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    attach_flow(&fake, &conv).await;

    customer_says(&fake, &conv, "discord:1", "what are your opening hours?").await;
    let deliveries = fake.wait_for_deliveries(1, WAIT).await.unwrap_or_default();
    assert_eq!(deliveries[0].kind, DeliveryKind::Chatbot);
    assert_eq!(deliveries[0].status, Some(200));

    let hits = chatbot.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "/chatbot-to-discord");
    assert_eq!(hits[0].param("ConversationSid"), Some(conv.as_str()));
    assert_eq!(hits[0].param("Body"), Some("what are your opening hours?"));
    assert_eq!(hits[0].param("Author"), Some("discord:1"));
    let url = chatbot.at("/chatbot-to-discord");
    assert_eq!(
        hits[0].signature,
        Some(twilio_signature(TOKEN, &url, &hits[0].params))
    );
    assert!(fake.interactions().is_empty());
}

#[tokio::test]
async fn live_agent_keywords_create_an_interaction_and_the_webhook_stays_until_removed() {
    let chatbot = Receiver::start(200).await;
    let fake = start_with_chatbot(&chatbot).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}"),
        &[("Attributes", r#"{"from":"Ann"}"#)],
        false,
    )
    .await;
    attach_flow(&fake, &conv).await;

    customer_says(&fake, &conv, "discord:1", "Can I talk to a HUMAN please?").await;
    let interaction = fake
        .wait_for_interaction_for(&conv, WAIT)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(interaction.origin, InteractionOrigin::Studio);
    assert_eq!(
        interaction.channel["properties"]["media_channel_sid"],
        conv.as_str()
    );
    let attributes = interaction.task_attributes();
    assert_eq!(
        attributes["from"], "discord:1",
        "Send to Flex fills `from` with the author's identity unless the flow sets it"
    );
    assert_eq!(attributes["conversationSid"], conv.as_str());
    assert_eq!(
        interaction.routing["properties"]["task_channel_unique_name"],
        "chat"
    );

    // The agent picks it up. Twilio leaves the studio webhook in place: the customer's next
    // words run the flow again, and asking for an agent again makes a second task.
    fake.agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    customer_says(&fake, &conv, "discord:1", "hello?").await;
    customer_says(&fake, &conv, "discord:1", "agent!").await;
    fake.agent_say(&conv, "agent", "Hi, Ada here", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(chatbot.hits().len(), 1);
    assert_eq!(fake.interactions().len(), 2);

    // Whoever attached the flow removes its webhook: the flow is done.
    let studio = fake
        .conversation(&conv)
        .and_then(|c| {
            c.webhooks
                .into_iter()
                .find(|w| w.target == twilio_fake::WebhookTarget::Studio)
        })
        .unwrap_or_else(|| unreachable!("attached"));
    let (status, _) = call(
        &fake,
        "DELETE",
        &format!("/v1/Conversations/{conv}/Webhooks/{}", studio.sid),
        &[],
        false,
    )
    .await;
    assert_eq!(status, http::StatusCode::NO_CONTENT);
    customer_says(&fake, &conv, "discord:1", "agent?").await;
    fake.agent_say(&conv, "agent", "Still here", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(chatbot.hits().len(), 1);
    assert_eq!(fake.interactions().len(), 2);
}

/// A flow shaped like flexcord's: Send to Flex with attributes from the conversation's, then
/// an HTTP Request reporting the task.
fn stored_flow(report_url: &str) -> String {
    serde_json::json!({
        "initial_state": "Trigger",
        "states": [
            {"name": "Trigger", "type": "trigger", "transitions": [
                {"event": "incomingConversationMessage", "next": "split"}]},
            {"name": "split", "type": "split-based-on", "transitions": [
                {"event": "noMatch"},
                {"event": "match", "next": "send_to_flex", "conditions": [{
                    "friendly_name": "agent", "type": "regex",
                    "arguments": ["{{trigger.conversation.Body}}"], "value": "(?i)agent"}]}],
             "properties": {"input": "{{trigger.conversation.Body}}"}},
            {"name": "send_to_flex", "type": "send-to-flex", "transitions": [
                {"event": "callComplete", "next": "report"}, {"event": "failedToEnqueue"}],
             "properties": {"workflow": "WW1", "channel": "TC1", "attributes":
                "{\"from\": {{trigger.conversation.ChannelAttributes.from | to_json}}, \"customerAddress\": \"{{trigger.conversation.Author}}\"}"}},
            {"name": "report", "type": "make-http-request", "transitions": [
                {"event": "success"}, {"event": "failed"}],
             "properties": {"method": "POST", "url": report_url, "parameters": [
                {"key": "ConversationSid", "value": "{{trigger.conversation.ConversationSid}}"},
                {"key": "TaskSid", "value": "{{widgets.send_to_flex.TaskSid}}"},
                {"key": "TaskAttributes", "value": "{{widgets.send_to_flex.Attributes}}"}]}}
        ]
    })
    .to_string()
}

#[tokio::test]
async fn a_stored_flow_runs_its_widgets_and_reports_the_interaction_in_the_task_attributes() {
    let bridge = Receiver::start(200).await;
    let fake = start_with_chatbot(&bridge).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}"),
        &[("Attributes", r#"{"from":"Ann \"A\""}"#)],
        false,
    )
    .await;
    let (status, flow) = call(
        &fake,
        "POST",
        "/v2/Flows",
        &[
            ("FriendlyName", "flexcord"),
            ("Status", "published"),
            (
                "Definition",
                &stored_flow(&bridge.at("/studio-task-created")),
            ),
        ],
        false,
    )
    .await;
    assert_eq!(status, http::StatusCode::CREATED);
    let flow_sid = flow["sid"].as_str().unwrap_or_default().to_owned();
    let (status, _) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[
            ("Target", "studio"),
            ("Configuration.FlowSid", &flow_sid),
            ("Configuration.Filters", "onMessageAdded"),
        ],
        false,
    )
    .await;
    assert_eq!(status, http::StatusCode::CREATED);

    customer_says(&fake, &conv, "discord:1", "hello").await;
    customer_says(&fake, &conv, "discord:1", "an agent please").await;
    let deliveries = fake.wait_for_deliveries(2, WAIT).await.unwrap_or_default();
    assert_eq!(
        deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [DeliveryKind::SendToFlex, DeliveryKind::Chatbot],
        "no match: the execution ends; match: Send to Flex, then the report"
    );
    let interaction = fake
        .interaction_for(&conv)
        .unwrap_or_else(|| unreachable!("created"));
    assert_eq!(interaction.task_attributes()["from"], "Ann \"A\"");
    assert_eq!(
        interaction.task_attributes()["customerAddress"],
        "discord:1"
    );

    let hits = bridge.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "/studio-task-created");
    let reported: serde_json::Value =
        serde_json::from_str(hits[0].param("TaskAttributes").unwrap_or_default())
            .unwrap_or_default();
    assert_eq!(reported["flexInteractionSid"], interaction.sid.as_str());
    assert_eq!(
        reported["flexInteractionChannelSid"],
        interaction.channel_sid.as_str()
    );
    assert!(
        hits[0]
            .param("TaskSid")
            .is_some_and(|t| t.starts_with("WT"))
    );
}

#[tokio::test]
async fn bot_replies_without_a_participant_do_not_restart_the_flow() {
    let chatbot = Receiver::start(200).await;
    let fake = start_with_chatbot(&chatbot).await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    attach_flow(&fake, &conv).await;

    customer_says(&fake, &conv, "bot", "I am the bot").await;
    customer_says(&fake, &conv, "discord:1", "thanks").await;
    fake.wait_for_deliveries(1, WAIT).await.unwrap_or_default();
    let bodies: Vec<_> = chatbot
        .hits()
        .iter()
        .map(|h| h.param("Body").map(str::to_owned))
        .collect();
    assert_eq!(bodies, [Some("thanks".to_owned())]);
}

#[tokio::test]
async fn the_flow_is_inert_when_disabled() {
    let config = TwilioFakeConfig {
        studio: StudioEmulation {
            enabled: false,
            ..Default::default()
        },
        ..common::config()
    };
    let fake = TwilioFake::start(config)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    let conv = conversation_with_customer(&fake, "discord:1").await;
    attach_flow(&fake, &conv).await;
    customer_says(&fake, &conv, "discord:1", "agent").await;
    // Flush the conversation's queue with an agent event that is always delivered.
    fake.agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(fake.interactions().is_empty());
}
