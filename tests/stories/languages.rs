//! Issue 19: players read flexcord in their Discord client's language, and see who is
//! speaking: a live agent by name, the virtual agent marked as such.

use crate::harness::{Player, WAIT, World};
use crate::live_chat::hand_off;

/// The content and first button label of a DM message.
fn content(message: &serde_json::Value) -> &str {
    message["content"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_hindi_helpme_is_answered_in_hindi_and_the_flex_task_carries_the_language() {
    let world = World::start().await;
    let priya = Player::new("Priya");
    let asked = world.slash_in_locale(&priya, "helpme", false, "hi");
    let reply = world.interaction_reply(asked).await;
    assert_eq!(reply["content"], "अपने DM देखें — मैंने आपको वहाँ एक संदेश भेजा है।");
    let dm = world.dm_messages(&priya, 1).await;
    assert!(content(&dm[0]).starts_with("नमस्ते Priya!"), "{}", dm[0]);
    assert_eq!(
        dm[0]["components"][0]["components"][0]["label"],
        "लाइव एजेंट से बात करें"
    );

    // Her DMs carry no locale: the one of her /helpme is remembered.
    world.dm(&priya, "xyzzy plugh frobnicate");
    let dm = world.dm_messages(&priya, 2).await;
    let answer = content(&dm[1]);
    assert!(answer.starts_with("🤖 *वर्चुअल एजेंट*"), "{answer}");
    assert!(answer.contains("मुझे इस बारे में कोई लेख नहीं मिला"), "{answer}");

    world.dm(&priya, "I want to talk to a human please");
    let conversation = world.conversation_of(&priya).await;
    world
        .twilio
        .wait_for_interaction_for(&conversation.sid, WAIT)
        .await
        .expect("interaction");
    let interaction = world
        .twilio
        .interaction_for(&conversation.sid)
        .expect("interaction");
    // A TaskRouter workflow routes Hindi speakers on this.
    assert_eq!(interaction.task_attributes()["language"], "hi");
    let attributes: serde_json::Value =
        serde_json::from_str(&conversation.attributes).expect("attributes are JSON");
    assert_eq!(attributes["language"], "hi");
    let dm = world.dm_messages(&priya, 3).await;
    assert!(
        dm.iter()
            .any(|m| content(m).starts_with("केस #1001 बनाया गया।")),
        "{dm:#?}"
    );
}

#[tokio::test]
async fn a_language_without_texts_reads_english() {
    let world = World::start().await;
    let sven = Player::new("Sven");
    world.slash_in_locale(&sven, "helpme", false, "sv-SE");
    let dm = world.dm_messages(&sven, 1).await;
    assert!(
        content(&dm[0]).starts_with("Hi Sven! I'm the virtual support agent."),
        "{}",
        dm[0]
    );
    assert_eq!(
        dm[0]["components"][0]["components"][0]["label"],
        "Talk to a live agent"
    );
}

#[tokio::test]
async fn an_agent_message_shows_the_agents_name_and_the_bots_answers_look_different() {
    let world = World::start().await;
    let dan = Player::new("Dan");
    let conversation = hand_off(&world, &dan).await;
    let before = world.dm_messages(&dan, 2).await;
    // The virtual agent's answer to the first question is marked as the bot's.
    assert!(
        content(&before[0]).starts_with("🤖 *Virtual agent*\n"),
        "{}",
        before[0]
    );
    let joined = world
        .twilio
        .agent_join(&conversation, "alice@support.example", "Alice Agent")
        .await
        .expect("join");
    assert_eq!(joined.status(), Some(200));
    world
        .twilio
        .agent_say(
            &conversation,
            "alice@support.example",
            "Hi Dan, see https://help.example/clans",
            Vec::new(),
        )
        .await
        .expect("say");
    let dm = world.dm_messages(&dan, before.len() + 2).await;
    let said = dm
        .iter()
        .map(content)
        .find(|t| t.contains("see https://help.example/clans"))
        .expect("relayed");
    // The Flex friendly name, never the identity.
    assert_eq!(
        said,
        "**Alice Agent**\nHi Dan, see https://help.example/clans"
    );
    assert!(
        dm.iter()
            .all(|m| !content(m).contains("alice@support.example"))
    );
}
