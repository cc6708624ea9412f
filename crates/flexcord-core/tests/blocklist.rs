//! The blocklist: staff block and unblock; a blocked user's DMs, commands, buttons and forms do
//! nothing but, once a day, a notice — in every state — and blocking a live chat ends it.

use flexcord_core::case::{CaseKind, NoteKind};
use flexcord_core::event::{ButtonAction, Command, DiscordEvent, Member, Place, ReportForm};
use flexcord_core::ids::UserId;
use flexcord_core::limits::Refusal;
use flexcord_core::ports::SessionStore as _;
use flexcord_core::router::{Handled, Incident, RouterError};
use flexcord_core::session::SessionState;
use flexcord_testkit::{CcOp, GUILD, GUILD_CHANNEL, Harness, user};

const DAY: u64 = 24 * 3600 * 1000;
const NOTICE: &str = "support through this bot is not available to you";

fn staff() -> Option<Member> {
    Some(Member {
        guild: GUILD,
        manages_server: true,
        roles: Vec::new(),
    })
}

fn player() -> Option<Member> {
    Some(Member {
        guild: GUILD,
        manages_server: false,
        roles: vec!["Player".to_owned()],
    })
}

async fn block(
    h: &Harness,
    member: Option<Member>,
    target: u64,
) -> Result<(Handled, Vec<String>), RouterError> {
    let i = h.interaction();
    let handled = h
        .discord(DiscordEvent::Command {
            interaction: i.clone(),
            user: user(900),
            place: Place {
                channel: GUILD_CHANNEL,
                direct_message: false,
            },
            command: Command::Block {
                target: UserId(target),
                reason: "raiding the support channel".to_owned(),
                member,
            },
        })
        .await?;
    Ok((handled, h.chat.reply_texts(i.id)))
}

async fn unblock(
    h: &Harness,
    member: Option<Member>,
    target: u64,
) -> Result<Vec<String>, RouterError> {
    let i = h.interaction();
    h.discord(DiscordEvent::Command {
        interaction: i.clone(),
        user: user(900),
        place: Place {
            channel: GUILD_CHANNEL,
            direct_message: false,
        },
        command: Command::Unblock {
            target: UserId(target),
            member,
        },
    })
    .await?;
    Ok(h.chat.reply_texts(i.id))
}

fn is_blocked_refusal(handled: &Handled) -> bool {
    handled
        .incidents
        .contains(&Incident::Refused(Refusal::Blocked))
}

fn notices(h: &Harness, u: &flexcord_core::event::UserProfile) -> usize {
    let dm = h.chat.texts_to(h.dm_of(u));
    let replies: usize = h
        .chat
        .replies()
        .iter()
        .filter(|(_, r)| format!("{r:?}").contains(NOTICE))
        .count();
    dm.iter().filter(|t| t.contains(NOTICE)).count() + replies
}

#[tokio::test]
async fn block_by_a_non_staff_member_is_refused_and_changes_nothing() {
    let h = Harness::new();
    let (_, reply) = block(&h, player(), 1).await.unwrap();
    assert_eq!(reply, ["Only support staff can block or unblock users."]);
    let (_, reply) = block(&h, None, 1).await.unwrap();
    assert_eq!(reply, ["Only support staff can block or unblock users."]);
    assert_eq!(h.store.blocked(UserId(1)).await.unwrap(), None);
    let reply = unblock(&h, player(), 1).await.unwrap();
    assert_eq!(reply, ["Only support staff can block or unblock users."]);
}

#[tokio::test]
async fn blocked_in_bot_state_nothing_reaches_the_bot_flex_or_cases() {
    let h = Harness::new();
    let u = user(1);
    h.helpme(&u).await.unwrap();
    let (_, reply) = block(&h, staff(), 1).await.unwrap();
    assert_eq!(
        reply,
        ["<@1> is blocked: support ignores them from now on."]
    );
    let stored = h.store.blocked(UserId(1)).await.unwrap().unwrap();
    assert_eq!(stored.by, "discord:900");
    assert_eq!(stored.reason, "raiding the support channel");

    let questions = h.bot.questions().len();
    for text in ["hello", "agent", "my game crashes"] {
        let handled = h.dm(&u, text).await.unwrap();
        assert!(is_blocked_refusal(&handled));
    }
    h.press(&u, ButtonAction::TalkToAgent).await.unwrap();
    h.helpme(&u).await.unwrap();
    h.report(
        &u,
        &h.interaction(),
        ReportForm {
            kind: CaseKind::Bug,
            title: "x".into(),
            description: "y".into(),
            steps: None,
            platform: None,
        },
    )
    .await
    .unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.bot.questions().len(), questions);
    assert!(h.contact_center.calls().is_empty(), "no Twilio call");
    assert_eq!(h.cases.creates(), 0);
    assert!(h.chat.reports().is_empty());
    assert_eq!(notices(&h, &u), 1, "one notice a day, whatever they try");

    // A day later, one more notice; then unblocked, they are served again.
    h.clock.advance(DAY);
    h.dm(&u, "hello again").await.unwrap();
    h.dm(&u, "hello?").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(notices(&h, &u), 2);
    let reply = unblock(&h, staff(), 1).await.unwrap();
    assert_eq!(reply, ["<@1> is not blocked."]);
    let handled = h.dm(&u, "thanks").await.unwrap();
    assert!(!is_blocked_refusal(&handled));
    assert_eq!(h.bot.questions().len(), questions + 1);
}

#[tokio::test]
async fn blocking_a_user_with_an_agent_ends_the_chat_politely_and_notes_the_case() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    let case = h.case_of(&u).unwrap();
    block(&h, staff(), 1).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    assert_eq!(h.contact_center.count(CcOp::Close), 1);
    h.drain().await.unwrap();
    let texts = h.chat.texts_to(h.dm_of(&u));
    assert!(texts.iter().any(|t| t.contains("The chat has ended")));
    assert!(
        !texts.iter().any(|t| t.contains("How did we do")),
        "no rating prompt"
    );
    let notes = h.cases.case(case).unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.kind == NoteKind::Comment && n.body.contains("raiding the support channel")),
        "{notes:?}"
    );

    // Their DMs now reach nobody.
    let posted = h.contact_center.count(CcOp::PostUserMessage);
    h.dm(&u, "hey come back").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.contact_center.count(CcOp::PostUserMessage), posted);
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    let _ = conv;
}

#[tokio::test]
async fn blocked_while_awaiting_an_agent_ends_too() {
    let h = Harness::new();
    let u = user(1);
    h.to_agent(&u).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::AwaitingAgent));
    block(&h, staff(), 1).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
}

#[tokio::test]
async fn blocked_after_the_chat_ended_stays_out() {
    let h = Harness::new();
    let u = user(1);
    let conv = h.with_agent(&u).await.unwrap();
    h.closed(&conv).await.unwrap();
    let case = h.case_of(&u).unwrap();
    block(&h, staff(), 1).await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    // Neither a rating nor a new chat.
    let handled = h.rate(&u, case, 5).await.unwrap();
    assert!(is_blocked_refusal(&handled));
    assert_eq!(h.cases.case(case).unwrap().rating, None);
    h.dm(&u, "agent").await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    assert_eq!(h.cases.creates(), 1);
}

#[tokio::test]
async fn blocked_from_the_command_line_while_live_ends_at_the_next_message() {
    let h = Harness::new();
    let u = user(1);
    h.with_agent(&u).await.unwrap();
    // What `flexcord users block` writes: the store only, no router involved.
    h.store
        .block(&flexcord_core::limits::Block {
            user: UserId(1),
            reason: "spam".into(),
            by: "cli".into(),
            at_ms: 1,
        })
        .await
        .unwrap();
    let posted = h.contact_center.count(CcOp::PostUserMessage);
    h.dm(&u, "spam spam").await.unwrap();
    h.drain().await.unwrap();
    assert_eq!(h.state(&u), Some(SessionState::Ended));
    assert_eq!(h.contact_center.count(CcOp::PostUserMessage), posted);
    assert_eq!(notices(&h, &u), 1);
}
