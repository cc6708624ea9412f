//! Delivering the outbox: DM closed, rate limits, retries with nonces, vanished conversations,
//! announcements (S7, S9).

use flexcord_core::content::Announcement;
use flexcord_core::ports::{ChatError, ContactCenterError};
use flexcord_core::router::Outcome;
use flexcord_core::session::SessionState;
use flexcord_delivery::DeliveryError;
use flexcord_testkit::{CcCall, CcOp, ChatCall, ChatOp, Harness, user};

#[tokio::test]
async fn a_closed_dm_is_reported_to_the_agent_and_dead_lettered() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.chat.close_dms(u.id);
    h.agent_says(&conv, "are you there?").await.unwrap();
    let drained = h.drain().await.unwrap();
    assert_eq!(drained.dead.len(), 1);
    assert!(drained.retried.is_empty());
    assert_eq!(
        h.contact_center.notices(),
        [(conv, h.router.config().templates.dm_closed_notice.clone())]
    );
}

#[tokio::test]
async fn rate_limits_and_transient_failures_are_retried_with_a_nonce() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.chat.fail_once(
        ChatOp::Send,
        ChatError::RateLimited {
            retry_after_ms: 1500,
        },
    );
    h.agent_says(&conv, "hello").await.unwrap();
    let drained = h.drain().await.unwrap();
    assert!(matches!(
        drained.retried[..],
        [(
            _,
            DeliveryError::RateLimited {
                retry_after_ms: 1500,
                ..
            }
        )]
    ));
    h.advance_past_retries();
    let drained = h.drain().await.unwrap();
    assert_eq!(drained.delivered, 1);
    let nonces: Vec<_> = h
        .chat
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            ChatCall::Send { message, nonce, .. } if message.text == "hello" => Some(nonce),
            _ => None,
        })
        .collect();
    assert_eq!(nonces.len(), 2);
    assert!(nonces[0].is_some());
    assert_eq!(
        nonces[0], nonces[1],
        "the same entry keeps its nonce so Discord drops repeats"
    );
}

#[tokio::test]
async fn a_retried_user_message_is_posted_with_maybe_sent() {
    let h = Harness::new();
    let u = user(1);
    h.to_agent(&u).await.unwrap();
    h.contact_center.fail_once(
        CcOp::PostUserMessage,
        ContactCenterError::Transient("502".into()),
    );
    h.dm(&u, "hello agent").await.unwrap();
    assert_eq!(h.drain().await.unwrap().retried.len(), 1);
    h.advance_past_retries();
    assert_eq!(h.drain().await.unwrap().delivered, 1);
    let flags: Vec<bool> = h
        .contact_center
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            CcCall::PostUserMessage { maybe_sent, .. } => Some(maybe_sent),
            _ => None,
        })
        .collect();
    assert_eq!(flags, [false, true]);
    assert_eq!(h.contact_center.user_messages().len(), 1);
}

#[tokio::test]
async fn later_messages_wait_behind_a_retried_one() {
    let h = Harness::new();
    let u = user(1);
    h.to_agent(&u).await.unwrap();
    h.contact_center.fail_once(
        CcOp::PostUserMessage,
        ContactCenterError::Transient("502".into()),
    );
    h.dm(&u, "first").await.unwrap();
    h.dm(&u, "second").await.unwrap();
    h.drain().await.unwrap();
    assert!(
        h.contact_center.user_messages().is_empty(),
        "second must not overtake first"
    );
    h.advance_past_retries();
    h.drain().await.unwrap();
    let texts: Vec<_> = h
        .contact_center
        .user_messages()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(texts, ["first", "second"]);
}

#[tokio::test]
async fn a_vanished_conversation_ends_the_chat() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.contact_center.close_conversation(&conv);
    h.dm(&u, "hello?").await.unwrap();
    let drained = h.drain().await.unwrap();
    assert_eq!(drained.dead.len(), 1);
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    assert!(
        h.dm_texts(&u)
            .contains(&h.router.config().templates.chat_ended)
    );
    // Twilio's own closed webhook arriving afterwards adds nothing.
    assert_eq!(h.closed(&conv).await.unwrap().outcome, Outcome::Ignored);
}

#[tokio::test]
async fn unresolvable_agent_media_does_not_block_the_text() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.contact_center
        .fail_once(CcOp::MediaUrl, ContactCenterError::Rejected("404".into()));
    let media = flexcord_core::content::AgentMedia {
        sid: flexcord_core::ids::MediaSid::parse("ME1").unwrap(),
        filename: None,
        content_type: None,
        size: None,
    };
    h.flex(h.agent_message(&conv, "see attached", vec![media]))
        .await
        .unwrap();
    assert_eq!(h.drain().await.unwrap().delivered, 1);
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    assert_eq!(last.text, "see attached");
    assert!(last.files.is_empty());
}

#[tokio::test]
async fn a_nameless_agent_file_reaches_discord_named_by_its_type() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let media = flexcord_core::content::AgentMedia {
        sid: flexcord_core::ids::MediaSid::parse("ME42").unwrap(),
        filename: None,
        content_type: Some("image/png".into()),
        size: Some(5),
    };
    h.flex(h.agent_message(&conv, "", vec![media]))
        .await
        .unwrap();
    h.drain().await.unwrap();
    let last = h.chat.sent_to(h.dm_of(&u)).pop().unwrap();
    // Discord previews by extension: `ME42` alone would be an opaque download.
    assert_eq!(last.files[0].filename, "ME42.png");
}

#[tokio::test]
async fn an_announcement_is_posted_once_per_key() {
    let h = Harness::new();
    let a = Announcement {
        title: "Patch 1.2".into(),
        body: "Out now".into(),
        url: None,
    };
    let first = h.router.announce("feed:1", a.clone()).await.unwrap();
    assert_eq!(first.enqueued, 1);
    let again = h.router.announce("feed:1", a.clone()).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    h.drain().await.unwrap();
    assert_eq!(h.chat.announcements(), [a]);
}

#[tokio::test]
async fn a_rejected_announcement_is_permanent() {
    let h = Harness::new();
    h.chat.fail_once(
        ChatOp::Announce,
        ChatError::Rejected("missing access".into()),
    );
    let a = Announcement {
        title: "t".into(),
        body: "b".into(),
        url: None,
    };
    h.router.announce("k", a).await.unwrap();
    assert_eq!(h.drain().await.unwrap().dead.len(), 1);
}

/// Issue 15: a file the contact center cannot take (here a zero-byte one) used to fail the
/// whole relay; now the text reaches the agent and the user is told which file did not.
#[tokio::test]
async fn a_file_that_cannot_go_is_reported_to_the_user_once_and_the_text_still_goes() {
    use flexcord_core::content::{Attachment, MessageContent};
    use flexcord_core::ids::MessageId;

    let h = Harness::new();
    let u = user(1);
    h.with_agent(&u).await.unwrap();
    let content = MessageContent {
        text: "here is my save".into(),
        attachments: vec![Attachment {
            url: "https://cdn.example/empty.sav".into(),
            filename: "empty.sav".into(),
            content_type: None,
            size: Some(0),
        }],
        sent_at_ms: None,
    };
    h.dm_with(&u, MessageId(4242), content).await.unwrap();
    // The relay is delivered, not dead-lettered; the notice it queues goes out too.
    assert!(h.drain().await.unwrap().dead.is_empty());
    assert!(h.drain().await.unwrap().dead.is_empty());
    let texts: Vec<_> = h
        .contact_center
        .user_messages()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    assert_eq!(texts, ["here is my save"]);
    let told: Vec<_> = h
        .dm_texts(&u)
        .into_iter()
        .filter(|t| t.contains("empty.sav"))
        .collect();
    assert_eq!(
        told,
        [
            "Your file empty.sav could not be passed on to the agent (it is empty). Your message was."
        ]
    );
}
