//! S3: asking for a live agent — button, keyword, the bot's own signal — and its failures.

use flexcord_core::case::{CaseKind, CaseStatus, Priority};
use flexcord_core::content::{Attachment, MessageContent};
use flexcord_core::event::ButtonAction;
use flexcord_core::ids::{CaseId, Identity, MessageId};
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Answer, AnswerItem, CaseError, ContactCenterError};
use flexcord_core::router::Outcome;
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcOp, FIRST_CASE, Harness, user};

#[tokio::test]
async fn the_button_opens_a_case_posts_the_transcript_and_creates_the_task() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.bot.on_text("my game crashes", "Try restarting.");
    h.dm(&u, "my game crashes").await.unwrap();

    let handled = h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    assert_eq!(handled.outcome, Outcome::Done);
    assert!(handled.incidents.is_empty());
    h.drain().await.unwrap();

    let s = h.session(&u).unwrap();
    assert_eq!(s.state, SessionState::AwaitingAgent);
    let case_id = s.case_id.unwrap();
    assert_eq!(case_id, CaseId(FIRST_CASE));
    let case = h.cases.case(case_id).unwrap();
    assert_eq!(case.kind, CaseKind::Support);
    assert_eq!(case.title, "my game crashes");
    assert_eq!(
        case.description, "[2023-11-14 22:13 UTC] my game crashes",
        "what the user said, timestamped, without the bot's suggestions"
    );
    assert_eq!(case.priority, Priority::Normal);
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.reporter.user_id, u.id);

    let conv = s.conversation.clone().unwrap();
    let transcripts = h.contact_center.transcripts();
    assert_eq!(transcripts.len(), 1);
    assert_eq!(transcripts[0].0, conv);
    assert_eq!(transcripts[0].1.len(), 2, "user question and bot answer");
    let tasks = h.contact_center.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].1.case_id, Some(case_id));
    assert_eq!(tasks[0].1.summary, "my game crashes");
    assert!(s.interaction.is_some());

    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &format!(
            "Case {case_id} created. Transferring you to a live agent — please stay in this chat."
        )
    );
}

#[tokio::test]
async fn a_keyword_hands_off_without_asking_the_bot() {
    let h = Harness::new();
    let u = user(1);
    h.dm(&u, "I want to talk to a HUMAN!").await.unwrap();
    h.drain().await.unwrap();
    assert!(h.bot.questions().is_empty());
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    let case = h.cases.case(h.case_of(&u).unwrap()).unwrap();
    // The hand-off phrase is not what the case is about.
    assert_eq!(case.title, "Live chat with user1");
}

#[tokio::test]
async fn the_case_is_titled_with_the_first_question_not_the_hand_off_phrase() {
    let h = Harness::new();
    let u = user(1);
    h.bot.on_article(
        "my clan disappeared after the update",
        "Clans",
        "https://kb.example/clans",
        "**Clans** are kept.",
    );
    h.dm(&u, "my clan disappeared after the update")
        .await
        .unwrap();
    h.clock.advance(120_000);
    h.dm(&u, "still gone\nsince yesterday").await.unwrap();
    h.dm(&u, "can I talk to a human please?").await.unwrap();
    // The hand-off's steps run from the outbox.
    h.drain().await.unwrap();
    let case = h.cases.case(h.case_of(&u).unwrap()).unwrap();
    assert_eq!(case.title, "my clan disappeared after the update");
    assert_eq!(
        case.description,
        "[2023-11-14 22:13 UTC] my clan disappeared after the update\n\
         [2023-11-14 22:15 UTC] still gone\n    since yesterday\n\
         [2023-11-14 22:15 UTC] can I talk to a human please?"
    );
    // The agent's transcript has the bot's answer as a title and link, no Markdown.
    let transcripts = h.contact_center.transcripts();
    let bot_line = transcripts[0]
        .1
        .iter()
        .find(|l| l.speaker == flexcord_core::session::Speaker::Bot)
        .unwrap();
    assert_eq!(bot_line.text, "Clans (https://kb.example/clans)");
}

#[tokio::test]
async fn a_bare_keyword_titles_the_case_with_the_previous_question() {
    let h = Harness::new();
    let u = user(1);
    h.dm(&u, "refund for order 12").await.unwrap();
    h.dm(&u, "agent").await.unwrap();
    h.drain().await.unwrap();
    let case = h.cases.case(h.case_of(&u).unwrap()).unwrap();
    assert_eq!(case.title, "refund for order 12");
}

#[tokio::test]
async fn without_any_question_the_title_names_the_user() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    h.drain().await.unwrap();
    let case = h.cases.case(h.case_of(&u).unwrap()).unwrap();
    assert_eq!(case.title, "Live chat with user1");
}

#[tokio::test]
async fn the_bots_hand_off_signal_routes_after_showing_its_answer() {
    let h = Harness::new();
    let u = user(1);
    h.bot.on(
        "billing is broken",
        Answer {
            items: vec![AnswerItem::Text("Let me get a person.".into())],
            hand_off: true,
            small_talk: None,
        },
    );
    h.dm(&u, "billing is broken").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    h.drain().await.unwrap();
    let texts = h.dm_texts(&u);
    assert_eq!(texts[0], "Let me get a person.");
    assert!(texts[1].starts_with("Case #1001 created"), "{texts:?}");
    assert_eq!(h.contact_center.tasks().len(), 1);
}

#[tokio::test]
async fn a_failing_case_system_still_routes_the_user() {
    let h = Harness::new();
    let u = user(1);
    h.cases
        .fail_with(Some(CaseError::Unavailable("503".into())));
    h.dm(&u, "agent").await.unwrap();
    h.drain().await.unwrap();

    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    assert_eq!(h.case_of(&u), None);
    assert_eq!(h.contact_center.tasks().len(), 1);
    assert_eq!(h.contact_center.tasks()[0].1.case_id, None);
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &h.router.config().templates.transferring_without_case
    );
}

#[tokio::test]
async fn a_refusing_contact_center_keeps_the_user_with_the_bot() {
    let h = Harness::new();
    let u = user(1);
    h.contact_center.fail_once(
        CcOp::CreateTask,
        ContactCenterError::Rejected("bad workflow".into()),
    );
    let handled = h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    // No session yet: the button is ignored without one.
    assert_eq!(handled.outcome, Outcome::Ignored);

    h.helpme(&u).await.unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    let drained = h.drain().await.unwrap();
    assert_eq!(drained.dead.len(), 1, "the task step, refused for good");
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.conversation(&u), None);
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &h.router.config().templates.relay_failed
    );

    // Pressing again works once Flex is back.
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    assert_eq!(h.contact_center.tasks().len(), 1);
}

#[tokio::test]
async fn a_contact_center_outage_delays_the_hand_off_instead_of_failing_it() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    h.contact_center.fail_once(
        CcOp::CreateTask,
        ContactCenterError::Transient("429".into()),
    );
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    let drained = h.drain().await.unwrap();
    assert_eq!(drained.retried.len(), 1);
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    h.advance_past_retries();
    h.drain().await.unwrap();
    assert!(h.session(&u).unwrap().interaction.is_some());
    assert_eq!(h.contact_center.tasks().len(), 1);
    assert!(
        !h.dm_texts(&u)
            .contains(&h.router.config().templates.relay_failed)
    );
}

#[tokio::test]
async fn asking_again_while_waiting_creates_nothing_new() {
    let h = Harness::new();
    let u = user(1);
    h.to_agent(&u).await.unwrap();
    let case = h.case_of(&u).unwrap();
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    assert_eq!(h.cases.all().len(), 1);
    assert_eq!(h.contact_center.tasks().len(), 1);
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u).last().unwrap(),
        &format!("You're already connected to our support team (case {case}).")
    );
}

#[tokio::test]
async fn the_same_button_press_twice_hands_off_once() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    let i = h.interaction();
    h.press_with(&u, &i, ButtonAction::TalkToAgent)
        .await
        .unwrap();
    let again = h
        .press_with(&u, &i, ButtonAction::TalkToAgent)
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(h.cases.all().len(), 1);
    assert_eq!(h.contact_center.tasks().len(), 1);
    h.drain().await.unwrap();
    assert_eq!(
        h.dm_texts(&u).len(),
        2,
        "greeting and case created, nothing else"
    );
}

#[tokio::test]
async fn user_messages_while_waiting_reach_the_conversation_without_echo() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.to_agent(&u).await.unwrap();
    let dm_before = h.dm_texts(&u).len();
    let content = MessageContent {
        text: "here is a screenshot".into(),
        attachments: vec![Attachment {
            url: "https://cdn.discordapp.com/a.png".into(),
            filename: "a.png".into(),
            content_type: Some("image/png".into()),
            size: Some(10),
        }],
        sent_at_ms: None,
    };
    let handled = h
        .dm_with(&u, MessageId(500), content.clone())
        .await
        .unwrap();
    assert_eq!(handled.enqueued, 1);
    assert_eq!(
        h.store.pending(),
        [OutboxMessage::ToConversation {
            conversation: conv.clone(),
            author: Identity::for_user(u.id),
            source: MessageId(500),
            content,
        }]
    );
    h.drain().await.unwrap();
    assert_eq!(
        h.contact_center.user_messages(),
        [(conv, "here is a screenshot".to_owned())]
    );
    assert_eq!(
        h.dm_texts(&u).len(),
        dm_before,
        "nothing echoes back to the user"
    );
    assert!(h.bot.questions().is_empty());
}
