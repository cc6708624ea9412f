//! The in-memory session cache of a SQLite store: look-ups follow every commit, and a session
//! another process changed behind its back heals through the version check.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use flexcord_core::ids::{ChannelId, ConversationSid, UserId};
use flexcord_core::ports::{Commit, CommitOutcome, SessionStore, StoreError};
use flexcord_core::session::{Session, SessionState};
use flexcord_store::{Store, StoreConfig};

fn conversation(n: u32) -> ConversationSid {
    ConversationSid::parse(&format!("CH{n:032x}")).unwrap()
}

async fn save(store: &Store, session: &Session) -> Result<u64, StoreError> {
    let commit = Commit {
        session: Some(session.clone()),
        ..Commit::default()
    };
    match store.commit(&commit).await? {
        CommitOutcome::Committed {
            session_version: Some(v),
            ..
        } => Ok(v),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn look_ups_follow_each_commit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
    let store = Store::open(&StoreConfig::new(url)).await.unwrap();

    let mut s = Session::new(UserId(1), "Ada", ChannelId(100));
    s.state = SessionState::WithAgent;
    s.conversation = Some(conversation(7));
    s.version = save(&store, &s).await.unwrap();
    let by_conv = store
        .session_by_conversation(&conversation(7))
        .await
        .unwrap();
    assert_eq!(by_conv.map(|s| (s.user, s.version)), Some((UserId(1), 1)));

    // The chat ends and a new one starts in another DM channel and conversation.
    s.conversation = Some(conversation(8));
    s.dm_channel = ChannelId(200);
    s.version = save(&store, &s).await.unwrap();
    assert!(
        store
            .session_by_conversation(&conversation(7))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session_by_channel(ChannelId(100))
            .await
            .unwrap()
            .is_none()
    );
    let found = store
        .session_by_channel(ChannelId(200))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.version, found.conversation),
        (2, Some(conversation(8)))
    );
}

#[tokio::test]
async fn a_session_changed_by_another_process_heals_through_the_version_check() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
    let ours = Store::open(&StoreConfig::new(url.clone())).await.unwrap();
    let theirs = Store::open(&StoreConfig::new(url)).await.unwrap();

    let s = Session::new(UserId(1), "Ada", ChannelId(100));
    save(&ours, &s).await.unwrap();
    let read = ours.session(UserId(1)).await.unwrap().unwrap();
    assert_eq!(read.version, 1);

    let mut moved = theirs.session(UserId(1)).await.unwrap().unwrap();
    moved.state = SessionState::AwaitingAgent;
    save(&theirs, &moved).await.unwrap();

    // Deciding on what this store holds fails the version check instead of overwriting…
    let mut stale = ours.session(UserId(1)).await.unwrap().unwrap();
    stale.user_name = "stale".into();
    assert_eq!(save(&ours, &stale).await, Err(StoreError::Conflict));
    // …and the next read is the stored row.
    let fresh = ours.session(UserId(1)).await.unwrap().unwrap();
    assert_eq!(
        (fresh.version, fresh.state),
        (2, SessionState::AwaitingAgent)
    );
}

#[tokio::test]
async fn updates_that_write_only_what_changed_store_the_whole_session() {
    use flexcord_core::ids::{CaseId, InteractionChannelSid, InteractionSid};
    use flexcord_core::session::{InteractionRef, Speaker, TranscriptLine};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexcord.db").display());
    let store = Store::open(&StoreConfig::new(url.clone())).await.unwrap();

    let mut s = Session::new(UserId(1), "Ada", ChannelId(100));
    s.version = save(&store, &s).await.unwrap();
    // One field at a time, as relays and hand-offs change them.
    s.transcript.push(TranscriptLine {
        speaker: Speaker::User,
        name: "Ada".into(),
        text: "hi".into(),
        at_ms: 1,
    });
    s.version = save(&store, &s).await.unwrap();
    s.state = SessionState::WithAgent;
    s.conversation = Some(conversation(3));
    s.interaction = Some(InteractionRef {
        interaction: InteractionSid::parse("KD0123456789abcdef").unwrap(),
        channel: InteractionChannelSid::parse("UO0123456789abcdef").unwrap(),
    });
    s.case_id = Some(CaseId(1001));
    s.version = save(&store, &s).await.unwrap();
    s.agent_name = Some("Grace".into());
    s.user_name = "Ada L.".into();
    s.dm_channel = ChannelId(101);
    s.version = save(&store, &s).await.unwrap();
    assert_eq!(s.version, 4);

    // Read back by a store that never saw any of it (no cache): every field is in the row.
    let fresh = Store::open(&StoreConfig::new(url)).await.unwrap();
    assert_eq!(fresh.session(UserId(1)).await.unwrap(), Some(s.clone()));
    assert_eq!(
        fresh
            .session_by_conversation(&conversation(3))
            .await
            .unwrap(),
        Some(s)
    );
}
