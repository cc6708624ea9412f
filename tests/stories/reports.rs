//! S6 (`/bug` and `/new_feature` → modal → case + report card + confirmation) and S8 (staff look
//! cases up with `/case` and `flexcord cases list|show`).

use serde_json::json;

use crate::harness::{Player, World};

#[tokio::test]
async fn bug_command_opens_a_modal_and_the_report_becomes_a_case_and_a_card() {
    let world = World::start().await;
    let hal = Player::new("Hal");
    let command = world.slash(&hal, "bug", false, &[]);

    // The modal is the immediate answer to the command (type 9) with the bug fields.
    let callbacks = discord_fake::rest::wait_for(&world.discord, crate::harness::WAIT, |reqs| {
        reqs.iter()
            .any(|r| r.url.path().contains(&format!("/interactions/{command}/")))
    })
    .await
    .expect("modal callback");
    let modal = callbacks
        .iter()
        .filter(|r| r.url.path().contains(&format!("/interactions/{command}/")))
        .find_map(discord_fake::rest::json_body)
        .expect("modal body");
    assert_eq!(modal["type"], 9, "{modal}");
    let text = modal.to_string();
    for field in ["title", "description", "steps", "platform"] {
        assert!(
            text.contains(&format!("\"custom_id\":\"{field}\"")),
            "{field} missing in {modal}"
        );
    }

    let submit = world.submit(
        &hal,
        "fc:form:bug",
        &[
            ("title", "Game freezes in ranked lobby"),
            (
                "description",
                "The lobby timer hits zero and nothing happens.",
            ),
            ("steps", "1. Queue ranked 2. Wait"),
            ("platform", "Android 15, v2.9.1"),
        ],
        false,
    );
    let confirmation = world.interaction_reply(submit).await;
    assert!(
        confirmation["content"].as_str().unwrap().contains("#1001"),
        "{confirmation}"
    );

    let card = world.channel_messages(world.channel("bug-report"), 1).await;
    let embed = card[0]["embeds"][0].to_string();
    assert!(embed.contains("#1001"), "{embed}");
    assert!(embed.contains("Game freezes in ranked lobby"), "{embed}");
    assert!(embed.contains("Android 15, v2.9.1"), "{embed}");
}

#[tokio::test]
async fn feature_requests_work_from_the_dm_too_and_land_in_feature_request() {
    let world = World::start().await;
    let ivy = Player::new("Ivy");
    let submit = world.submit(
        &ivy,
        "fc:form:feature",
        &[
            ("title", "Replay viewer"),
            ("description", "Let us watch our ranked matches again."),
        ],
        true,
    );
    let confirmation = world.interaction_reply(submit).await;
    assert!(
        confirmation["content"].as_str().unwrap().contains("#1001"),
        "{confirmation}"
    );
    let card = world
        .channel_messages(world.channel("feature-request"), 1)
        .await;
    assert!(card[0]["embeds"][0].to_string().contains("Replay viewer"));
}

#[tokio::test]
async fn staff_look_cases_up_and_others_are_refused() {
    let world = World::start().await;
    let jo = Player::new("Jo");
    let submit = world.submit(
        &jo,
        "fc:form:feature",
        &[("title", "Dark mode"), ("description", "Please")],
        true,
    );
    world.interaction_reply(submit).await;

    let asked = world.slash(&jo, "case", false, &[("id", json!("1001"))]);
    let refused = world.interaction_reply(asked).await;
    assert!(
        refused["content"]
            .as_str()
            .unwrap()
            .contains("Only support staff"),
        "{refused}"
    );

    let mod_ = Player::new("Moderator");
    let asked = world.slash_as_staff(&mod_, "case", &[("id", json!("#1001"))]);
    let shown = world.interaction_reply(asked).await;
    assert!(shown.to_string().contains("Dark mode"), "{shown}");

    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_flexcord"))
        .args(["cases", "list", "--kind", "feature"])
        .env_clear()
        .env(
            "FLEXCORD_DATABASE_URL",
            world.bridge_env("FLEXCORD_DATABASE_URL"),
        )
        .output()
        .expect("cases list");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success());
    assert!(
        text.contains("#1001") && text.contains("Dark mode") && text.contains("Jo"),
        "{text}"
    );
}
