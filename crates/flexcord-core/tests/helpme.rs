//! S1: `/helpme` opens the DM and greets; odd orders around it.

use flexcord_core::content::Buttons;
use flexcord_core::ports::ChatError;
use flexcord_core::router::{Incident, Outcome};
use flexcord_core::session::SessionState;
use flexcord_testkit::{ChatOp, Harness, user};

#[tokio::test]
async fn helpme_in_the_server_says_check_dms_and_greets_with_the_agent_button() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    let handled = h.helpme_with(&u, &i, false).await.unwrap();

    assert_eq!(handled.outcome, Outcome::Done);
    assert_eq!(
        h.chat.reply_texts(i.id),
        [h.router.config().templates.check_dms.clone()]
    );
    h.drain().await.unwrap();
    let sent = h.chat.sent_to(h.dm_of(&u));
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("Hi user1!"), "{}", sent[0].text);
    assert_eq!(sent[0].buttons, [Buttons::TalkToAgent]);
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.session(&u).unwrap().dm_channel, h.dm_of(&u));
}

#[tokio::test]
async fn helpme_inside_the_dm_answers_the_interaction_and_greets() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    h.helpme_with(&u, &i, true).await.unwrap();
    // The deferred interaction is answered (else Discord shows "thinking…" forever), without
    // telling the user to check the DMs they are already in.
    assert_eq!(
        h.chat.reply_texts(i.id),
        ["I'm right here, user1.".to_owned()]
    );
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u).len(), 1);
}

#[tokio::test]
async fn closed_dms_get_dm_failed_and_no_session() {
    let h = Harness::new();
    let u = user(1);
    h.chat.close_dms(u.id);
    let i = h.interaction();
    let handled = h.helpme_with(&u, &i, false).await.unwrap();
    assert!(
        handled.incidents.is_empty(),
        "a user's privacy choice is not an incident"
    );
    assert_eq!(
        h.chat.reply_texts(i.id),
        [h.router.config().templates.dm_failed.clone()]
    );
    assert_eq!(h.session(&u), None);
}

#[tokio::test]
async fn a_failing_open_dm_is_an_incident() {
    let h = Harness::new();
    let u = user(1);
    h.chat
        .fail_once(ChatOp::OpenDm, ChatError::Transient("502".into()));
    let handled = h.helpme(&u).await.unwrap();
    assert!(matches!(
        handled.incidents[..],
        [Incident::Chat(ChatError::Transient(_))]
    ));
}

#[tokio::test]
async fn a_second_helpme_while_with_an_agent_changes_nothing() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let before = h.session(&u).unwrap();
    let dm_before = h.dm_texts(&u).len();

    let i = h.interaction();
    h.helpme_with(&u, &i, false).await.unwrap();

    let after = h.session(&u).unwrap();
    assert_eq!(after.state, SessionState::WithAgent);
    assert_eq!(after.conversation, Some(conv));
    assert_eq!(after.case_id, before.case_id);
    assert_eq!(after.interaction, before.interaction);
    let case = before.case_id.unwrap();
    assert_eq!(
        h.chat.reply_texts(i.id),
        [format!(
            "You're already connected to our support team (case {case})."
        )]
    );
    assert_eq!(h.dm_texts(&u).len(), dm_before, "no second greeting");
}

#[tokio::test]
async fn the_same_helpme_interaction_twice_is_handled_once() {
    let h = Harness::new();
    let u = user(1);
    let i = h.interaction();
    h.helpme_with(&u, &i, false).await.unwrap();
    let again = h.helpme_with(&u, &i, false).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(h.dm_texts(&u).len(), 1);
    assert_eq!(h.chat.reply_texts(i.id).len(), 1);
}

#[tokio::test]
async fn helpme_after_a_chat_ended_returns_to_the_bot() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    h.helpme(&u).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Bot));
    assert_eq!(h.conversation(&u), None);
}
