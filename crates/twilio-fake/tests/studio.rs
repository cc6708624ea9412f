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
async fn live_agent_keywords_create_an_interaction_and_end_the_flow() {
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
    assert_eq!(attributes["from"], "Ann", "conversation attributes win");
    assert_eq!(attributes["conversationSid"], conv.as_str());
    assert_eq!(
        interaction.routing["properties"]["task_channel_unique_name"],
        "chat"
    );

    // The agent picks it up; the customer's next words go to the agent, not the chatbot.
    fake.agent_join(&conv, "agent", "Ada")
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    customer_says(&fake, &conv, "discord:1", "hello?").await;
    fake.agent_say(&conv, "agent", "Hi, Ada here", vec![])
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));

    assert!(chatbot.hits().is_empty());
    assert_eq!(fake.interactions().len(), 1);
    let kinds: Vec<_> = fake.deliveries().iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DeliveryKind::SendToFlex]);
    let agents: Vec<_> = fake
        .interaction_for(&conv)
        .map(|i| {
            i.participants
                .into_iter()
                .filter(|p| p.kind == "agent")
                .count()
        })
        .into_iter()
        .collect();
    assert_eq!(agents, [1]);
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
