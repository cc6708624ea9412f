//! Issue 19 item 4: a support case people can read — titled with what the player asked, not
//! the hand-off phrase, one timestamped line per message — and a plain transcript for the agent.

use crate::harness::{Player, World};
use crate::live_chat::hand_off;

#[tokio::test]
async fn the_case_is_titled_with_the_question_and_the_flex_transcript_is_plain_text() {
    let world = World::start().await;
    let gia = Player::new("Gia");
    let conversation = hand_off(&world, &gia).await;

    let shown = std::process::Command::new(env!("CARGO_BIN_EXE_flexcord"))
        .args(["cases", "show", "1001"])
        .env_clear()
        .env(
            "FLEXCORD_DATABASE_URL",
            world.bridge_env("FLEXCORD_DATABASE_URL"),
        )
        .output()
        .expect("cases show");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{text}");
    assert!(
        text.contains("My clan disappeared after the update, what happened?"),
        "{text}"
    );
    assert!(!text.contains("#1001 I want to talk to a human"), "{text}");
    // Each message on a line of its own, with its time.
    assert!(
        text.contains(" UTC] My clan disappeared after the update, what happened?"),
        "{text}"
    );
    assert!(
        text.contains(" UTC] I want to talk to a human please"),
        "{text}"
    );

    // What the agent reads first: who said what, one turn per line, no Markdown.
    let transcript = world
        .twilio
        .messages(&conversation)
        .into_iter()
        .filter_map(|m| m.body)
        .find(|b| b.starts_with("Conversation so far:"))
        .expect("the transcript was posted");
    assert!(!transcript.contains("**"), "{transcript}");
    assert!(!transcript.contains("\n>"), "{transcript}");
    let lines: Vec<&str> = transcript.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Virtual agent: ") && l.contains("https://")),
        "{transcript}"
    );
    assert!(
        lines.contains(&"Gia: My clan disappeared after the update, what happened?"),
        "{transcript}"
    );
}
