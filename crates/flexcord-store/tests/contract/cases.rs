//! The embedded case system's own promises, beyond the shared `CaseManagement` contract that
//! `tests/case_contract.rs` runs (idempotency races, not-found, list filters and the rest live
//! there): numbering from #1001, retries not using up numbers, notes in list results, the title
//! length limit.

use flexcord_core::case::{
    CaseFilter, CaseKind, CaseNote, CaseSource, CaseStatus, NewCase, NoteKind, Priority, Rating,
    Reporter,
};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_core::ports::{CaseError, CaseManagement};

use crate::harness::TestDb;

pub(crate) fn new_case(key: &str, reporter: u64) -> NewCase {
    NewCase {
        kind: CaseKind::Bug,
        title: format!("Crash on launch ({key})"),
        description: "The game closes right after the splash screen.".into(),
        fields: vec![
            ("Steps to reproduce".into(), "1. Start\n2. Wait".into()),
            ("Platform".into(), "Windows 11, v1.2".into()),
        ],
        reporter: Reporter {
            user_id: UserId(reporter),
            name: "Ada".into(),
        },
        source: CaseSource {
            channel: ChannelId(900),
            direct_message: false,
        },
        priority: Priority::Low,
        idempotency_key: key.into(),
    }
}

pub(crate) async fn numbers_start_at_1001_and_increase(db: &TestDb) {
    let cases = db.open().await.cases();
    let first = cases.create(&new_case("a", 1)).await.unwrap();
    let second = cases.create(&new_case("b", 1)).await.unwrap();
    assert_eq!(first.id, CaseId(1001));
    assert_eq!(second.id, CaseId(1002));
    assert_eq!(first.id.to_string(), "#1001");

    let input = new_case("a", 1);
    assert_eq!(first.kind, input.kind);
    assert_eq!(first.title, input.title);
    assert_eq!(first.description, input.description);
    assert_eq!(first.fields, input.fields);
    assert_eq!(first.reporter, input.reporter);
    assert_eq!(first.source, input.source);
    assert_eq!(first.priority, Priority::Low);
    assert_eq!(first.status, CaseStatus::Open);
    assert_eq!(first.rating, None);
    assert!(first.notes.is_empty());
    assert!(first.created_at_ms > 0);
}

pub(crate) async fn create_is_idempotent_per_key(db: &TestDb) {
    let cases = db.open().await.cases();
    let first = cases.create(&new_case("dc:int:1", 1)).await.unwrap();
    let mut retry = new_case("dc:int:1", 1);
    retry.title = "A different title on the retry".into();
    assert_eq!(cases.create(&retry).await.unwrap(), first);
    let other = cases.create(&new_case("dc:int:2", 1)).await.unwrap();
    assert_eq!(
        other.id,
        CaseId(first.id.0 + 1),
        "a retry does not use up a number"
    );
}

pub(crate) async fn notes_rating_and_status_are_kept(db: &TestDb) {
    let cases = db.open().await.cases();
    let case = cases.create(&new_case("n", 1)).await.unwrap();
    let transcript = CaseNote {
        kind: NoteKind::Transcript,
        author: "flexcord".into(),
        body: "Ada: hi\nGrace: hello".into(),
        at_ms: 1_700_000_000_000,
    };
    cases.add_note(case.id, &transcript).await.unwrap();
    let remark = CaseNote {
        kind: NoteKind::Rating,
        author: "Ada".into(),
        body: "quick and kind".into(),
        at_ms: 0, // the store stamps it
    };
    cases.add_note(case.id, &remark).await.unwrap();
    cases
        .set_rating(case.id, Rating::new(5).unwrap())
        .await
        .unwrap();
    cases
        .set_status(case.id, CaseStatus::Resolved)
        .await
        .unwrap();

    let stored = cases.get(case.id).await.unwrap();
    assert_eq!(stored.rating, Rating::new(5).ok());
    assert_eq!(stored.status, CaseStatus::Resolved);
    assert_eq!(stored.notes.len(), 2);
    assert_eq!(stored.notes[0], transcript);
    assert_eq!(stored.notes[1].body, "quick and kind");
    assert!(stored.notes[1].at_ms > transcript.at_ms);

    let listed = cases.list(&CaseFilter::default()).await.unwrap();
    assert_eq!(listed, vec![stored], "list returns cases with their notes");
}

pub(crate) async fn invalid_case_is_rejected(db: &TestDb) {
    let cases = db.open().await.cases();
    let mut untitled = new_case("x", 1);
    untitled.title = "   ".into();
    assert!(matches!(
        cases.create(&untitled).await,
        Err(CaseError::Rejected(_))
    ));
    let mut huge = new_case("y", 1);
    huge.title = "t".repeat(1000);
    assert!(matches!(
        cases.create(&huge).await,
        Err(CaseError::Rejected(_))
    ));
    assert!(cases.list(&CaseFilter::default()).await.unwrap().is_empty());
}
