//! Sessions and the atomic commit: look-ups, optimistic versions, dedupe.

use std::sync::Arc;

use flexcord_core::ids::{
    CaseId, ChannelId, ConversationSid, InteractionChannelSid, InteractionSid, UserId,
};
use flexcord_core::outbox::OutboxMessage;
use flexcord_core::ports::{Commit, CommitOutcome, OutboxStore, SessionStore, StoreError};
use flexcord_core::session::{InteractionRef, Session, SessionState, Speaker, TranscriptLine};

use crate::harness::TestDb;

pub(crate) fn conversation(n: u32) -> ConversationSid {
    ConversationSid::parse(&format!("CH{n:032x}")).unwrap()
}

pub(crate) fn notice(conv: u32, text: &str) -> OutboxMessage {
    OutboxMessage::NoticeToConversation {
        conversation: conversation(conv),
        text: text.into(),
    }
}

fn live_session(user: u64) -> Session {
    let mut s = Session::new(UserId(user), "Ada", ChannelId(user.wrapping_add(1_000)));
    s.state = SessionState::WithAgent;
    s.conversation = Some(conversation(7));
    s.interaction = Some(InteractionRef {
        interaction: InteractionSid::parse("KD0123456789abcdef").unwrap(),
        channel: InteractionChannelSid::parse("UO0123456789abcdef").unwrap(),
    });
    s.case_id = Some(CaseId(1042));
    s.agent_name = Some("Grace".into());
    s.locale = Some("hi".into());
    s.transcript = vec![TranscriptLine {
        speaker: Speaker::User,
        name: "Ada".into(),
        text: "hello ✨ \"quoted\"".into(),
        at_ms: 1_700_000_000_000,
    }];
    s
}

async fn save(store: &dyn SessionStore, session: &Session) -> u64 {
    let commit = Commit {
        session: Some(session.clone()),
        ..Commit::default()
    };
    match store.commit(&commit).await.unwrap() {
        CommitOutcome::Committed {
            session_version: Some(v),
            ..
        } => v,
        other => panic!("unexpected {other:?}"),
    }
}

pub(crate) async fn saves_and_finds_sessions_by_user_channel_and_conversation(db: &TestDb) {
    let store = db.open().await;
    let session = live_session(u64::MAX - 5); // beyond i64: stored by bit pattern
    assert_eq!(store.session(session.user).await.unwrap(), None);

    assert_eq!(save(&store, &session).await, 1);
    let stored = Session {
        version: 1,
        ..session.clone()
    };
    assert_eq!(
        store.session(session.user).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        store.session_by_channel(session.dm_channel).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(
        store
            .session_by_conversation(&conversation(7))
            .await
            .unwrap(),
        Some(stored.clone())
    );
    assert_eq!(store.session_by_channel(ChannelId(1)).await.unwrap(), None);
    assert_eq!(
        store
            .session_by_conversation(&conversation(8))
            .await
            .unwrap(),
        None
    );

    // Back to the bot: the conversation is cleared and no longer finds the session.
    let mut bot = stored;
    bot.state = SessionState::Bot;
    bot.conversation = None;
    bot.interaction = None;
    bot.agent_name = None;
    bot.transcript.clear();
    assert_eq!(save(&store, &bot).await, 2);
    assert_eq!(
        store
            .session_by_conversation(&conversation(7))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.session(bot.user).await.unwrap(),
        Some(Session { version: 2, ..bot })
    );
}

pub(crate) async fn version_mismatch_is_a_conflict_and_writes_nothing(db: &TestDb) {
    let store = db.open().await;
    let session = live_session(42);
    save(&store, &session).await;

    // A second "first save", and a save from a stale read, both lose.
    for version in [0, 7] {
        let stale = Commit {
            dedupe_key: Some(format!("dc:msg:{version}")),
            session: Some(Session {
                version,
                user_name: "Mallory".into(),
                ..session.clone()
            }),
            outbox: vec![notice(1, "must not be sent")],
        };
        assert_eq!(store.commit(&stale).await, Err(StoreError::Conflict));
    }
    assert_eq!(store.outbox_depth().await.unwrap(), 0);
    assert_eq!(
        store
            .session(session.user)
            .await
            .unwrap()
            .unwrap()
            .user_name,
        "Ada"
    );

    // The dedupe key was rolled back too: the event can be decided again and committed.
    let retry = Commit {
        dedupe_key: Some("dc:msg:7".into()),
        session: Some(Session {
            version: 1,
            ..session.clone()
        }),
        outbox: vec![notice(1, "sent once")],
    };
    let CommitOutcome::Committed {
        session_version,
        outbox_ids,
    } = store.commit(&retry).await.unwrap()
    else {
        panic!("expected the retry to commit");
    };
    assert_eq!(session_version, Some(2));
    assert_eq!(outbox_ids.len(), 1);
}

pub(crate) async fn duplicate_event_writes_nothing(db: &TestDb) {
    let store = db.open().await;
    let first = Commit {
        dedupe_key: Some("tw:msg:IM1".into()),
        session: None,
        outbox: vec![notice(1, "a"), notice(1, "b")],
    };
    let CommitOutcome::Committed {
        outbox_ids,
        session_version,
    } = store.commit(&first).await.unwrap()
    else {
        panic!("first commit must go through");
    };
    assert_eq!(session_version, None);
    assert_eq!(outbox_ids.len(), 2);
    assert!(
        outbox_ids[0] < outbox_ids[1],
        "ids follow enqueue order: {outbox_ids:?}"
    );

    let again = Commit {
        session: Some(live_session(9)),
        ..first
    };
    assert_eq!(
        store.commit(&again).await.unwrap(),
        CommitOutcome::Duplicate
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 2);
    assert_eq!(store.session(UserId(9)).await.unwrap(), None);
}

pub(crate) async fn concurrent_commits_of_one_event_commit_exactly_once(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let commit = Commit {
                    dedupe_key: Some("dc:int:123".into()),
                    session: None,
                    outbox: vec![notice(i, "reply")],
                };
                store.commit(&commit).await
            })
        })
        .collect();
    let mut committed = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            CommitOutcome::Committed { .. } => committed += 1,
            CommitOutcome::Duplicate => {}
        }
    }
    assert_eq!(committed, 1);
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
}

pub(crate) async fn concurrent_first_saves_of_one_session_admit_one(db: &TestDb) {
    let store = Arc::new(db.open().await);
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let mut session = live_session(77);
                session.user_name = format!("writer {i}");
                let commit = Commit {
                    dedupe_key: Some(format!("dc:msg:{i}")),
                    session: Some(session),
                    outbox: vec![notice(i, "hello")],
                };
                store.commit(&commit).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let committed = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(CommitOutcome::Committed { .. })));
    assert_eq!(committed.count(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Ok(_) | Err(StoreError::Conflict)))
    );
    assert_eq!(store.outbox_depth().await.unwrap(), 1);
}

pub(crate) async fn recent_dm_channels_lists_the_latest_sessions_first(db: &TestDb) {
    let store = db.open().await;
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let started = u64::try_from(started).unwrap();
    let first = Session::new(UserId(1), "Ada", ChannelId(u64::MAX - 1));
    save(&store, &first).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = Session::new(UserId(2), "Bo", ChannelId(2_001));
    save(&store, &second).await;

    let recent = store.recent_dm_channels(0, 10).await.unwrap();
    assert_eq!(
        recent.iter().map(|r| r.channel).collect::<Vec<_>>(),
        vec![second.dm_channel, first.dm_channel],
        "latest first; snowflakes beyond i64 come back whole"
    );
    assert!(recent.iter().all(|r| r.updated_at_ms >= started));
    assert!(recent[0].updated_at_ms >= recent[1].updated_at_ms);
    assert_eq!(
        store.recent_dm_channels(0, 1).await.unwrap()[0].channel,
        second.dm_channel,
        "the limit keeps the latest"
    );
    assert!(
        store
            .recent_dm_channels(recent[0].updated_at_ms + 1, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing changed since"
    );
}

/// Their DMs carry no locale: what the last interaction said must survive the row and a
/// restart (a fresh store on the same database), and change when the next one says otherwise.
pub(crate) async fn the_users_locale_is_kept_and_follows_their_latest_interaction(db: &TestDb) {
    let store = db.open().await;
    let mut session = Session::new(UserId(31), "Ravi", ChannelId(3_100));
    assert_eq!(session.locale, None);
    session.locale = Some("hi".into());
    session.version = save(&store, &session).await;
    drop(store);
    let store = db.open().await;
    let stored = store.session(UserId(31)).await.unwrap().unwrap();
    assert_eq!(stored.locale.as_deref(), Some("hi"));

    let mut changed = stored;
    changed.locale = Some("pt-BR".into());
    changed.version = save(&store, &changed).await;
    assert_eq!(
        store
            .session(UserId(31))
            .await
            .unwrap()
            .unwrap()
            .locale
            .as_deref(),
        Some("pt-BR")
    );
    drop(store);
    let store = db.open().await;
    assert_eq!(
        store
            .session(UserId(31))
            .await
            .unwrap()
            .unwrap()
            .locale
            .as_deref(),
        Some("pt-BR")
    );
}
