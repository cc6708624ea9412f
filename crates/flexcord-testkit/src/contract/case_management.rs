//! The [`CaseManagement`] contract: what users rely on from any case system, whether it is
//! [`crate::InMemoryCases`], the embedded store or a remote case service.
//!
//! Every check works on a system that may already hold cases (earlier checks, other test runs
//! against a persistent server): each one files its cases under a reporter of its own and reads
//! back through filters on that reporter, never through global counts.
//!
//! What is deliberately *not* checked: where numbering starts (the embedded store starts at
//! #1001, a remote system anywhere), the list default limit, and whether `list` carries notes
//! (the remote contract lets servers omit them).
#![expect(
    clippy::panic,
    reason = "a contract check fails its test by panicking, exactly like `assert!`"
)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use flexcord_core::case::{
    Case, CaseFilter, CaseKind, CaseNote, CaseSource, CaseStatus, NewCase, NoteKind, Priority,
    Rating, Reporter,
};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_core::ports::{CaseError, CaseManagement};
use futures_util::future::join_all;

/// A case number no check ever creates: far beyond what a human-friendly system hands out.
const UNKNOWN: CaseId = CaseId(987_654_321_987);

/// Human-friendly numbers are short enough to read out or type (`#1042`, not a snowflake).
const MAX_FRIENDLY_NUMBER: u64 = 999_999_999;

/// The checks, in the order [`run_all`] runs them (names as in this module).
pub const CHECKS: &[&str] = &[
    "numbers_are_human_friendly_and_increase",
    "create_is_idempotent_per_key",
    "concurrent_creates_with_one_key_make_one_case",
    "get_returns_what_was_created",
    "unknown_case_is_not_found",
    "notes_come_back_oldest_first",
    "rating_and_status_show_up_in_get",
    "list_filters_by_reporter_kind_and_status_newest_first",
    "invalid_create_is_rejected",
];

/// Runs every check against `cases`, one after the other, on the same system.
///
/// # Panics
///
/// When `cases` breaks the contract; the message names the check and the broken promise.
pub async fn run_all(cases: &dyn CaseManagement) {
    numbers_are_human_friendly_and_increase(cases).await;
    create_is_idempotent_per_key(cases).await;
    concurrent_creates_with_one_key_make_one_case(cases).await;
    get_returns_what_was_created(cases).await;
    unknown_case_is_not_found(cases).await;
    notes_come_back_oldest_first(cases).await;
    rating_and_status_show_up_in_get(cases).await;
    list_filters_by_reporter_kind_and_status_newest_first(cases).await;
    invalid_create_is_rejected(cases).await;
}

/// One check's private corner of the case system: its own reporter and idempotency keys.
#[derive(Debug)]
struct Scope {
    check: &'static str,
    reporter: UserId,
}

impl Scope {
    fn new(check: &'static str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // A snowflake-sized id (beyond 2^53, as real Discord ids are) unique per scope, so
        // repeated runs against a persistent system do not see each other's cases.
        let unique = u64::try_from(nanos % 100_000_000_000_000).unwrap_or(0) * 100
            + NEXT.fetch_add(1, Ordering::Relaxed) % 100;
        Self {
            check,
            reporter: UserId(100_000_000_000_000_000 + unique),
        }
    }

    fn key(&self, n: u32) -> String {
        format!("contract:{}:{}:{n}", self.check, self.reporter)
    }

    /// A bug report with two labelled fields, from this scope's reporter.
    fn new_case(&self, n: u32) -> NewCase {
        NewCase {
            kind: CaseKind::Bug,
            title: format!("Crash when opening the map ({n})"),
            description: "The game closes when I press M.".into(),
            fields: vec![
                ("Steps to reproduce".into(), "1. Start\n2. Press M".into()),
                ("Platform / version".into(), "Windows 11, 1.4.2".into()),
            ],
            reporter: Reporter {
                user_id: self.reporter,
                name: "Nelly".into(),
            },
            source: CaseSource {
                channel: ChannelId(1_203_458_712_345_678_901),
                direct_message: false,
            },
            priority: Priority::Low,
            idempotency_key: self.key(n),
        }
    }

    fn filter(&self) -> CaseFilter {
        CaseFilter {
            reporter: Some(self.reporter),
            ..CaseFilter::default()
        }
    }

    #[track_caller]
    fn ok<T>(&self, what: &str, result: Result<T, CaseError>) -> T {
        result.unwrap_or_else(|e| panic!("[{}] {what} failed: {e}", self.check))
    }

    async fn create(&self, cases: &dyn CaseManagement, case: &NewCase) -> Case {
        self.ok("create", cases.create(case).await)
    }

    async fn get(&self, cases: &dyn CaseManagement, id: CaseId) -> Case {
        self.ok("get", cases.get(id).await)
    }

    async fn list_ids(&self, cases: &dyn CaseManagement, filter: &CaseFilter) -> Vec<CaseId> {
        self.ok("list", cases.list(filter).await)
            .into_iter()
            .map(|c| c.id)
            .collect()
    }
}

fn note(kind: NoteKind, author: &str, body: &str, at_ms: u64) -> CaseNote {
    CaseNote {
        kind,
        author: author.into(),
        body: body.into(),
        at_ms,
    }
}

/// Case numbers are small positive integers shown as `#N`, and each new case gets a higher one.
pub async fn numbers_are_human_friendly_and_increase(cases: &dyn CaseManagement) {
    let s = Scope::new("numbers_are_human_friendly_and_increase");
    let mut previous: Option<CaseId> = None;
    for n in 0..3 {
        let id = s.create(cases, &s.new_case(n)).await.id;
        assert!(
            (1..=MAX_FRIENDLY_NUMBER).contains(&id.0),
            "[{}] case number {} is not human-friendly",
            s.check,
            id.0
        );
        assert_eq!(id.to_string(), format!("#{}", id.0), "[{}]", s.check);
        if let Some(previous) = previous {
            assert!(
                id.0 > previous.0,
                "[{}] {id} came after {previous}",
                s.check
            );
        }
        previous = Some(id);
    }
}

/// A repeated create with the same key (a retried `/bug`) returns the first case, whatever the
/// repeat says, and opens nothing new; another key opens another case.
pub async fn create_is_idempotent_per_key(cases: &dyn CaseManagement) {
    let s = Scope::new("create_is_idempotent_per_key");
    let first = s.create(cases, &s.new_case(1)).await;
    let mut retry = s.new_case(1);
    retry.title = "A different title on the retry".into();
    retry.kind = CaseKind::Feature;
    let again = s.create(cases, &retry).await;
    assert_eq!(
        again, first,
        "[{}] the retry returns the first case",
        s.check
    );
    let other = s.create(cases, &s.new_case(2)).await;
    assert_ne!(
        other.id, first.id,
        "[{}] a new key opens a new case",
        s.check
    );
    assert_eq!(
        s.list_ids(cases, &s.filter()).await,
        vec![other.id, first.id],
        "[{}] exactly two cases exist",
        s.check
    );
}

/// Ten creates racing with one key (a double-clicked button, a redelivered event) make one case.
pub async fn concurrent_creates_with_one_key_make_one_case(cases: &dyn CaseManagement) {
    let s = Scope::new("concurrent_creates_with_one_key_make_one_case");
    let case = s.new_case(1);
    let results = join_all((0..10).map(|_| cases.create(&case))).await;
    let ids: Vec<CaseId> = results
        .into_iter()
        .map(|r| s.ok("concurrent create", r).id)
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "[{}] one key gave several cases: {ids:?}",
        s.check
    );
    assert_eq!(
        s.list_ids(cases, &s.filter()).await,
        vec![ids[0]],
        "[{}] exactly one case exists",
        s.check
    );
}

/// What `create` returns, and `get` later, is the case as reported: kind, title, description,
/// fields in order, reporter, source and priority; open, unrated, without notes.
pub async fn get_returns_what_was_created(cases: &dyn CaseManagement) {
    let s = Scope::new("get_returns_what_was_created");
    let mut input = s.new_case(1);
    input.kind = CaseKind::Support;
    input.priority = Priority::High;
    input
        .fields
        .push(("Ä third field".into(), "ünïcödé ✓".into()));
    input.source = CaseSource {
        channel: ChannelId(9_223_372_036_854_775_000),
        direct_message: true,
    };
    let created = s.create(cases, &input).await;
    for case in [created.clone(), s.get(cases, created.id).await] {
        assert_eq!(case.id, created.id, "[{}]", s.check);
        assert_eq!(case.kind, input.kind, "[{}] kind", s.check);
        assert_eq!(case.title, input.title, "[{}] title", s.check);
        assert_eq!(case.description, input.description, "[{}]", s.check);
        assert_eq!(case.fields, input.fields, "[{}] fields, in order", s.check);
        assert_eq!(case.reporter, input.reporter, "[{}] reporter", s.check);
        assert_eq!(case.source, input.source, "[{}] source", s.check);
        assert_eq!(case.priority, input.priority, "[{}] priority", s.check);
        assert_eq!(case.status, CaseStatus::Open, "[{}] status", s.check);
        assert_eq!(case.rating, None, "[{}] rating", s.check);
        assert!(case.notes.is_empty(), "[{}] notes", s.check);
        assert!(case.created_at_ms > 0, "[{}] created_at_ms", s.check);
    }
    assert_eq!(
        s.get(cases, created.id).await,
        created,
        "[{}] get equals create's answer",
        s.check
    );
}

/// Every call on a case that does not exist says so with [`CaseError::NotFound`] for that id.
pub async fn unknown_case_is_not_found(cases: &dyn CaseManagement) {
    let s = Scope::new("unknown_case_is_not_found");
    let comment = note(NoteKind::Comment, "flexcord", "hello?", 0);
    let not_found = Err(CaseError::NotFound(UNKNOWN));
    assert_eq!(cases.get(UNKNOWN).await, not_found, "[{}] get", s.check);
    assert_eq!(
        cases.add_note(UNKNOWN, &comment).await,
        Err(CaseError::NotFound(UNKNOWN)),
        "[{}] add_note",
        s.check
    );
    assert_eq!(
        cases.set_rating(UNKNOWN, rating(3)).await,
        Err(CaseError::NotFound(UNKNOWN)),
        "[{}] set_rating",
        s.check
    );
    assert_eq!(
        cases.set_status(UNKNOWN, CaseStatus::Closed).await,
        Err(CaseError::NotFound(UNKNOWN)),
        "[{}] set_status",
        s.check
    );
    let huge = CaseId(u64::MAX);
    assert_eq!(
        cases.get(huge).await,
        Err(CaseError::NotFound(huge)),
        "[{}] get({huge})",
        s.check
    );
}

/// Notes come back with kind, author and body, oldest first; a note without a time is stamped
/// by the case system.
pub async fn notes_come_back_oldest_first(cases: &dyn CaseManagement) {
    let s = Scope::new("notes_come_back_oldest_first");
    let case = s.create(cases, &s.new_case(1)).await;
    let transcript = note(
        NoteKind::Transcript,
        "flexcord",
        "Nelly: hi\nAgent Bob: hello",
        1_600_000_000_000,
    );
    let remark = note(NoteKind::Rating, "Nelly", "quick and kind", 0);
    // Imported late, but written long before the others: it sorts first.
    let earlier = note(
        NoteKind::Comment,
        "Agent Bob",
        "called back",
        1_500_000_000_000,
    );
    for n in [&transcript, &remark, &earlier] {
        s.ok("add_note", cases.add_note(case.id, n).await);
    }

    let notes = s.get(cases, case.id).await.notes;
    assert_eq!(notes.len(), 3, "[{}] {notes:?}", s.check);
    assert_eq!(notes[0], earlier, "[{}] oldest first", s.check);
    assert_eq!(notes[1], transcript, "[{}] oldest first", s.check);
    let stamped = &notes[2];
    assert_eq!(
        (stamped.kind, stamped.author.as_str(), stamped.body.as_str()),
        (remark.kind, remark.author.as_str(), remark.body.as_str()),
        "[{}] the unstamped note",
        s.check
    );
    assert!(
        stamped.at_ms >= transcript.at_ms,
        "[{}] a note without a time gets the system's (now), got {}",
        s.check,
        stamped.at_ms
    );
}

/// The user's rating and status changes show up in `get`; setting a value twice is harmless.
pub async fn rating_and_status_show_up_in_get(cases: &dyn CaseManagement) {
    let s = Scope::new("rating_and_status_show_up_in_get");
    let case = s.create(cases, &s.new_case(1)).await;
    let other = s.create(cases, &s.new_case(2)).await;

    s.ok(
        "set_status",
        cases.set_status(case.id, CaseStatus::InProgress).await,
    );
    assert_eq!(s.get(cases, case.id).await.status, CaseStatus::InProgress);
    s.ok("set_rating", cases.set_rating(case.id, rating(4)).await);
    s.ok(
        "set_rating again",
        cases.set_rating(case.id, rating(4)).await,
    );
    s.ok(
        "set_status",
        cases.set_status(case.id, CaseStatus::Resolved).await,
    );
    s.ok(
        "set_status again",
        cases.set_status(case.id, CaseStatus::Resolved).await,
    );

    let stored = s.get(cases, case.id).await;
    assert_eq!(stored.rating, Some(rating(4)), "[{}] rating", s.check);
    assert_eq!(stored.status, CaseStatus::Resolved, "[{}] status", s.check);
    assert_eq!(stored.title, case.title, "[{}] the rest is kept", s.check);
    s.ok("set_rating", cases.set_rating(case.id, rating(2)).await);
    assert_eq!(
        s.get(cases, case.id).await.rating,
        Some(rating(2)),
        "[{}] a new rating replaces the old one",
        s.check
    );
    let untouched = s.get(cases, other.id).await;
    assert_eq!(
        (untouched.status, untouched.rating),
        (CaseStatus::Open, None),
        "[{}] other cases are untouched",
        s.check
    );
}

/// `list` filters by reporter, kind and status (together too), newest first, at most `limit`.
pub async fn list_filters_by_reporter_kind_and_status_newest_first(cases: &dyn CaseManagement) {
    let s = Scope::new("list_filters_by_reporter_kind_and_status_newest_first");
    let someone_else = Scope::new("list_filters_by_reporter_kind_and_status_newest_first");
    let a = s.create(cases, &s.new_case(1)).await.id;
    let mut feature = s.new_case(2);
    feature.kind = CaseKind::Feature;
    let b = s.create(cases, &feature).await.id;
    let c = s.create(cases, &s.new_case(3)).await.id;
    s.ok("set_status", cases.set_status(c, CaseStatus::Closed).await);
    let d = someone_else
        .create(cases, &someone_else.new_case(4))
        .await
        .id;

    let mine = s.filter();
    assert_eq!(
        s.list_ids(cases, &mine).await,
        vec![c, b, a],
        "[{}] by reporter",
        s.check
    );
    let bugs = CaseFilter {
        kind: Some(CaseKind::Bug),
        ..mine.clone()
    };
    assert_eq!(
        s.list_ids(cases, &bugs).await,
        vec![c, a],
        "[{}] by kind",
        s.check
    );
    let closed = CaseFilter {
        status: Some(CaseStatus::Closed),
        ..mine.clone()
    };
    assert_eq!(
        s.list_ids(cases, &closed).await,
        vec![c],
        "[{}] by status",
        s.check
    );
    let open_bugs = CaseFilter {
        status: Some(CaseStatus::Open),
        ..bugs.clone()
    };
    assert_eq!(
        s.list_ids(cases, &open_bugs).await,
        vec![a],
        "[{}] all three",
        s.check
    );
    let no_support = CaseFilter {
        kind: Some(CaseKind::Support),
        ..mine.clone()
    };
    assert!(
        s.list_ids(cases, &no_support).await.is_empty(),
        "[{}] empty",
        s.check
    );
    let newest_two = CaseFilter {
        limit: 2,
        ..mine.clone()
    };
    assert_eq!(
        s.list_ids(cases, &newest_two).await,
        vec![c, b],
        "[{}] limit",
        s.check
    );

    // Without a reporter filter: everyone's, newest first, each matching the filter.
    let all_features = s.ok(
        "list",
        cases
            .list(&CaseFilter {
                kind: Some(CaseKind::Feature),
                ..CaseFilter::default()
            })
            .await,
    );
    assert!(
        all_features.iter().all(|c| c.kind == CaseKind::Feature),
        "[{}] kind filter without reporter",
        s.check
    );
    assert!(all_features.iter().any(|c| c.id == b), "[{}]", s.check);
    let newest = s.list_ids(cases, &CaseFilter::default()).await;
    let positions: Vec<Option<usize>> = [d, c, b, a]
        .iter()
        .map(|id| newest.iter().position(|x| x == id))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]) && positions[0].is_some(),
        "[{}] unfiltered list is newest first: {positions:?}",
        s.check
    );
}

/// A case without a title, or without an idempotency key, is [`CaseError::Rejected`] and
/// nothing is stored.
pub async fn invalid_create_is_rejected(cases: &dyn CaseManagement) {
    let s = Scope::new("invalid_create_is_rejected");
    let mut untitled = s.new_case(1);
    untitled.title = String::new();
    let result = cases.create(&untitled).await;
    assert!(
        matches!(result, Err(CaseError::Rejected(_))),
        "[{}] empty title: {result:?}",
        s.check
    );
    let mut keyless = s.new_case(2);
    keyless.idempotency_key = String::new();
    let result = cases.create(&keyless).await;
    assert!(
        matches!(result, Err(CaseError::Rejected(_))),
        "[{}] empty idempotency key: {result:?}",
        s.check
    );
    assert!(
        s.list_ids(cases, &s.filter()).await.is_empty(),
        "[{}] nothing was stored",
        s.check
    );
}

/// The port behind a test fixture (used by [`crate::case_management_contract!`]).
#[doc(hidden)]
pub fn as_dyn<F: AsRef<dyn CaseManagement>>(fixture: &F) -> &dyn CaseManagement {
    fixture.as_ref()
}

#[track_caller]
fn rating(value: u8) -> Rating {
    Rating::new(value).unwrap_or_else(|e| panic!("test rating: {e}"))
}

/// Generates one test per [`CHECKS`] entry.
///
/// `setup` is an expression evaluated in each test to a future of
/// `Option<impl AsRef<dyn CaseManagement>>` (`None` skips the test: a backend that is not
/// configured here); the optional `teardown` is a function of that value returning a future.
/// The attribute is put on every test.
///
/// ```ignore
/// flexcord_testkit::case_management_contract! {
///     #[tokio::test]
///     setup: async { Some(std::sync::Arc::new(InMemoryCases::new()) as Arc<dyn CaseManagement>) },
/// }
/// ```
#[macro_export]
macro_rules! case_management_contract {
    (#[$attr:meta] setup: $setup:expr $(,)?) => {
        $crate::case_management_contract! {
            #[$attr]
            setup: $setup,
            teardown: |_fixture| async {},
        }
    };
    (#[$attr:meta] setup: $setup:expr, teardown: $teardown:expr $(,)?) => {
        $crate::__case_management_tests! {
            [$attr] [$setup] [$teardown]
            numbers_are_human_friendly_and_increase,
            create_is_idempotent_per_key,
            concurrent_creates_with_one_key_make_one_case,
            get_returns_what_was_created,
            unknown_case_is_not_found,
            notes_come_back_oldest_first,
            rating_and_status_show_up_in_get,
            list_filters_by_reporter_kind_and_status_newest_first,
            invalid_create_is_rejected,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __case_management_tests {
    ([$attr:meta] [$setup:expr] [$teardown:expr] $($check:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $check() {
                let Some(fixture) = $setup.await else { return };
                $crate::contract::case_management::$check(
                    $crate::contract::case_management::as_dyn(&fixture),
                )
                .await;
                ($teardown)(fixture).await;
            }
        )*
    };
}
