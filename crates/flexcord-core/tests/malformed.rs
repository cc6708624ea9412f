//! Malformed interactions: the adapter only reports what was wrong; the router answers from the
//! deployment's templates, and nothing else changes.

use flexcord_core::event::{DiscordEvent, Malformed, Place};
use flexcord_core::ids::ChannelId;
use flexcord_core::router::{Handled, Outcome, RouterError};
use flexcord_testkit::{Harness, user};

/// Reports `problem` on a fresh interaction; returns the outcome and what that interaction was
/// answered.
async fn answer(h: &Harness, problem: Malformed) -> Result<(Handled, Vec<String>), RouterError> {
    let interaction = h.interaction();
    let id = interaction.id;
    let handled = h
        .discord(DiscordEvent::Malformed {
            interaction,
            user: user(1),
            place: Place {
                channel: ChannelId(5),
                direct_message: false,
            },
            problem,
        })
        .await?;
    Ok((handled, h.chat.reply_texts(id)))
}

#[tokio::test]
async fn each_problem_is_answered_with_the_default_text() {
    let h = Harness::new();
    for (problem, text) in [
        (
            Malformed::CaseNumber,
            "That is not a case number. Use a number like `1042` or `#1042`.",
        ),
        (
            Malformed::UnknownCommand,
            "flexcord does not know that command.",
        ),
        (Malformed::UnknownForm, "flexcord does not know that form."),
        (
            Malformed::MissingFields,
            "A title and a description are required.",
        ),
    ] {
        let (handled, texts) = answer(&h, problem).await.unwrap();
        assert_eq!(texts, [text], "{problem:?}");
        assert_eq!(handled.outcome, Outcome::Done);
        assert!(handled.incidents.is_empty(), "{:?}", handled.incidents);
    }
    // Only an answer: no session, nothing queued for later.
    assert!(h.session(&user(1)).is_none());
    assert_eq!(h.drain().await.unwrap().delivered, 0);
}

#[tokio::test]
async fn the_answers_are_the_deployments_templates() {
    let h = Harness::builder()
        .tweak(|c| {
            c.templates.invalid_case_number = "{user}, case numbers look like 1042.".into();
            c.templates.unknown_command = "Unknown command.".into();
            c.templates.unknown_form = "Unknown form.".into();
            c.templates.report_incomplete = "Title and description, please.".into();
        })
        .build();
    let name = user(1).name;
    assert_eq!(
        answer(&h, Malformed::CaseNumber).await.unwrap().1,
        [format!("{name}, case numbers look like 1042.")]
    );
    assert_eq!(
        answer(&h, Malformed::UnknownCommand).await.unwrap().1,
        ["Unknown command."]
    );
    assert_eq!(
        answer(&h, Malformed::UnknownForm).await.unwrap().1,
        ["Unknown form."]
    );
    assert_eq!(
        answer(&h, Malformed::MissingFields).await.unwrap().1,
        ["Title and description, please."]
    );
}
