//! The embedded case system.

use std::sync::Arc;

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

pub(crate) async fn concurrent_creates_with_one_key_make_one_case(db: &TestDb) {
    let cases = Arc::new(db.open().await.cases());
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let cases = Arc::clone(&cases);
            tokio::spawn(async move { cases.create(&new_case("same", 3)).await })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().id);
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(cases.list(&CaseFilter::default()).await.unwrap().len(), 1);
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

pub(crate) async fn unknown_case_is_not_found(db: &TestDb) {
    let cases = db.open().await.cases();
    let missing = CaseId(4242);
    let note = CaseNote {
        kind: NoteKind::Comment,
        author: "x".into(),
        body: "y".into(),
        at_ms: 0,
    };
    assert_eq!(cases.get(missing).await, Err(CaseError::NotFound(missing)));
    assert_eq!(
        cases.add_note(missing, &note).await,
        Err(CaseError::NotFound(missing))
    );
    assert_eq!(
        cases.set_rating(missing, Rating::new(1).unwrap()).await,
        Err(CaseError::NotFound(missing))
    );
    assert_eq!(
        cases.set_status(missing, CaseStatus::Closed).await,
        Err(CaseError::NotFound(missing))
    );
    assert_eq!(
        cases.get(CaseId(u64::MAX)).await,
        Err(CaseError::NotFound(CaseId(u64::MAX)))
    );
}

pub(crate) async fn list_filters_newest_first(db: &TestDb) {
    let cases = db.open().await.cases();
    let a = cases.create(&new_case("a", 1)).await.unwrap();
    let mut feature = new_case("b", 2);
    feature.kind = CaseKind::Feature;
    let b = cases.create(&feature).await.unwrap();
    let c = cases.create(&new_case("c", 2)).await.unwrap();
    cases.set_status(c.id, CaseStatus::Closed).await.unwrap();

    let ids =
        |list: Vec<flexcord_core::case::Case>| list.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(cases.list(&CaseFilter::default()).await.unwrap()),
        vec![c.id, b.id, a.id]
    );
    let by_reporter = CaseFilter {
        reporter: Some(UserId(2)),
        ..CaseFilter::default()
    };
    assert_eq!(
        ids(cases.list(&by_reporter).await.unwrap()),
        vec![c.id, b.id]
    );
    let bugs = CaseFilter {
        kind: Some(CaseKind::Bug),
        ..CaseFilter::default()
    };
    assert_eq!(ids(cases.list(&bugs).await.unwrap()), vec![c.id, a.id]);
    let open_bugs_of_2 = CaseFilter {
        reporter: Some(UserId(2)),
        kind: Some(CaseKind::Bug),
        status: Some(CaseStatus::Open),
        limit: 0,
    };
    assert!(cases.list(&open_bugs_of_2).await.unwrap().is_empty());
    let newest = CaseFilter {
        limit: 2,
        ..CaseFilter::default()
    };
    assert_eq!(ids(cases.list(&newest).await.unwrap()), vec![c.id, b.id]);
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
