//! The embedded case system: [`CaseManagement`] on the `cases` and `case_notes` tables of the
//! store's database. Numbers start at #1001. This is what `flexcord cases list|show` and
//! `/case <id>` read when no external case system is configured.

use std::collections::HashMap;

use async_trait::async_trait;
use flexcord_core::case::{
    Case, CaseFilter, CaseKind, CaseNote, CaseSource, CaseStatus, NewCase, NoteKind, Priority,
    Rating, Reporter,
};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use flexcord_core::ports::{CaseError, CaseManagement};

use crate::codec::{ms_from_sql, now_ms, snowflake_from_sql, snowflake_to_sql};
use crate::error::case_error;
use crate::store::{SqlParam, Store, on_pool};

/// Cases listed when the filter names no limit.
const DEFAULT_LIMIT: u32 = 50;
/// The most cases one list call returns.
const MAX_LIMIT: u32 = 1000;
/// Longest accepted title, in characters.
const MAX_TITLE_CHARS: usize = 256;

const CASE_COLUMNS: &str = "id, kind, title, description, fields, reporter_id, reporter_name, \
    source_channel, source_dm, priority, status, rating, created_at";

/// The embedded case system, sharing the [`Store`]'s database. Get one from
/// [`Store::cases`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct LocalCases {
    store: Store,
}

#[derive(Debug, sqlx::FromRow)]
struct CaseRow {
    id: i64,
    kind: String,
    title: String,
    description: String,
    fields: String,
    reporter_id: i64,
    reporter_name: String,
    source_channel: i64,
    source_dm: bool,
    priority: String,
    status: String,
    rating: Option<i64>,
    created_at: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct NoteRow {
    case_id: i64,
    kind: String,
    author: String,
    body: String,
    at: i64,
}

fn corrupt(what: &str, value: impl std::fmt::Debug) -> CaseError {
    CaseError::Unavailable(format!("corrupt stored case data: {what} {value:?}"))
}

const fn priority_name(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
    }
}

const fn note_kind_name(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Transcript => "transcript",
        NoteKind::Rating => "rating",
        NoteKind::Comment => "comment",
    }
}

fn parse_kind(value: &str) -> Result<CaseKind, CaseError> {
    [CaseKind::Bug, CaseKind::Feature, CaseKind::Support]
        .into_iter()
        .find(|k| k.as_str() == value)
        .ok_or_else(|| corrupt("kind", value))
}

fn parse_status(value: &str) -> Result<CaseStatus, CaseError> {
    [
        CaseStatus::Open,
        CaseStatus::InProgress,
        CaseStatus::Resolved,
        CaseStatus::Closed,
    ]
    .into_iter()
    .find(|s| s.as_str() == value)
    .ok_or_else(|| corrupt("status", value))
}

fn parse_priority(value: &str) -> Result<Priority, CaseError> {
    [Priority::Low, Priority::Normal, Priority::High]
        .into_iter()
        .find(|p| priority_name(*p) == value)
        .ok_or_else(|| corrupt("priority", value))
}

fn parse_note_kind(value: &str) -> Result<NoteKind, CaseError> {
    [NoteKind::Transcript, NoteKind::Rating, NoteKind::Comment]
        .into_iter()
        .find(|k| note_kind_name(*k) == value)
        .ok_or_else(|| corrupt("note kind", value))
}

/// Case numbers beyond `i64` cannot exist in the database: such an id is simply not found.
fn case_id_to_sql(id: CaseId) -> Result<i64, CaseError> {
    i64::try_from(id.0).map_err(|_| CaseError::NotFound(id))
}

impl CaseRow {
    fn into_case(self, notes: Vec<CaseNote>) -> Result<Case, CaseError> {
        let fields: Vec<(String, String)> =
            serde_json::from_str(&self.fields).map_err(|e| corrupt("fields", e.to_string()))?;
        let rating = self
            .rating
            .map(|r| {
                u8::try_from(r)
                    .ok()
                    .and_then(|r| Rating::new(r).ok())
                    .ok_or(r)
            })
            .transpose()
            .map_err(|r| corrupt("rating", r))?;
        Ok(Case {
            id: CaseId(u64::try_from(self.id).map_err(|_| corrupt("id", self.id))?),
            kind: parse_kind(&self.kind)?,
            title: self.title,
            description: self.description,
            fields,
            reporter: Reporter {
                user_id: UserId(snowflake_from_sql(self.reporter_id)),
                name: self.reporter_name,
            },
            source: CaseSource {
                channel: ChannelId(snowflake_from_sql(self.source_channel)),
                direct_message: self.source_dm,
            },
            priority: parse_priority(&self.priority)?,
            status: parse_status(&self.status)?,
            rating,
            notes,
            created_at_ms: ms_from_sql(self.created_at),
        })
    }
}

impl NoteRow {
    fn into_note(self) -> Result<CaseNote, CaseError> {
        Ok(CaseNote {
            kind: parse_note_kind(&self.kind)?,
            author: self.author,
            body: self.body,
            at_ms: ms_from_sql(self.at),
        })
    }
}

fn validate(case: &NewCase) -> Result<(), CaseError> {
    if case.title.trim().is_empty() {
        return Err(CaseError::Rejected("a case needs a title".to_owned()));
    }
    if case.title.chars().count() > MAX_TITLE_CHARS {
        return Err(CaseError::Rejected(format!(
            "a case title has at most {MAX_TITLE_CHARS} characters"
        )));
    }
    if case.idempotency_key.is_empty() {
        return Err(CaseError::Rejected(
            "a case needs an idempotency key".to_owned(),
        ));
    }
    Ok(())
}

/// The outcome of a statement that writes only when case `id` exists, given the rows it
/// affected: `NotFound` when none.
fn touched_case(id: CaseId, rows_affected: Result<u64, sqlx::Error>) -> Result<(), CaseError> {
    match rows_affected.map_err(case_error)? {
        0 => Err(CaseError::NotFound(id)),
        _ => Ok(()),
    }
}

impl LocalCases {
    pub(crate) const fn new(store: Store) -> Self {
        Self { store }
    }

    /// The id of the case created with `key`, if any.
    async fn id_for_key(&self, key: &str) -> Result<Option<i64>, CaseError> {
        on_pool!(&self.store.pool, |p| {
            sqlx::query_scalar("SELECT id FROM cases WHERE idempotency_key = $1")
                .bind(key)
                .fetch_optional(p)
                .await
        })
        .map_err(case_error)
    }

    /// Runs an `UPDATE cases … WHERE id = $1` with one more value; `NotFound` when no row.
    async fn update_case(
        &self,
        id: CaseId,
        sql: &'static str,
        value: impl SqlParam,
    ) -> Result<(), CaseError> {
        let key = case_id_to_sql(id)?;
        let now = now_ms();
        let updated = on_pool!(&self.store.pool, |p| {
            sqlx::query(sql)
                .bind(key)
                .bind(value.clone())
                .bind(now)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
        });
        touched_case(id, updated)
    }
}

#[async_trait]
impl CaseManagement for LocalCases {
    async fn create(&self, case: &NewCase) -> Result<Case, CaseError> {
        validate(case)?;
        let _writer = self.store.write_guard().await;
        // Look first: a retried request then returns its case without burning a number of
        // PostgreSQL's sequence (which a conflicting insert would).
        if let Some(id) = self.id_for_key(&case.idempotency_key).await? {
            return self
                .get(CaseId(u64::try_from(id).map_err(|_| corrupt("id", id))?))
                .await;
        }
        let fields = serde_json::to_string(&case.fields)
            .map_err(|e| CaseError::Rejected(format!("fields not encodable: {e}")))?;
        let now = now_ms();
        let inserted: Option<i64> = on_pool!(&self.store.pool, |p| {
            sqlx::query_scalar(
                "INSERT INTO cases (idempotency_key, kind, title, description, fields, \
                 reporter_id, reporter_name, source_channel, source_dm, priority, status, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11, $11) \
                 ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            )
            .bind(&case.idempotency_key)
            .bind(case.kind.as_str())
            .bind(&case.title)
            .bind(&case.description)
            .bind(&fields)
            .bind(snowflake_to_sql(case.reporter.user_id.get()))
            .bind(&case.reporter.name)
            .bind(snowflake_to_sql(case.source.channel.get()))
            .bind(case.source.direct_message)
            .bind(priority_name(case.priority))
            .bind(now)
            .fetch_optional(p)
            .await
        })
        .map_err(case_error)?;
        // Lost a race with a concurrent create of the same key: theirs is the case.
        let id = match inserted {
            Some(id) => id,
            None => self
                .id_for_key(&case.idempotency_key)
                .await?
                .ok_or_else(|| {
                    CaseError::Unavailable("case vanished right after creation".to_owned())
                })?,
        };
        self.get(CaseId(u64::try_from(id).map_err(|_| corrupt("id", id))?))
            .await
    }

    async fn get(&self, id: CaseId) -> Result<Case, CaseError> {
        let key = case_id_to_sql(id)?;
        let case_sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
        let (row, notes): (Option<CaseRow>, Vec<NoteRow>) = on_pool!(&self.store.pool, |p| async {
            let row = sqlx::query_as(&case_sql)
                .bind(key)
                .fetch_optional(p)
                .await?;
            let notes = sqlx::query_as(
                "SELECT case_id, kind, author, body, at FROM case_notes WHERE case_id = $1 \
                 ORDER BY at, id",
            )
            .bind(key)
            .fetch_all(p)
            .await?;
            Ok::<_, sqlx::Error>((row, notes))
        }
        .await)
        .map_err(case_error)?;
        let row = row.ok_or(CaseError::NotFound(id))?;
        let notes = notes
            .into_iter()
            .map(NoteRow::into_note)
            .collect::<Result<_, _>>()?;
        row.into_case(notes)
    }

    async fn list(&self, filter: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        let limit = match filter.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        let reporter = filter.reporter.map(|u| snowflake_to_sql(u.get()));
        let kind = filter.kind.map(CaseKind::as_str);
        let status = filter.status.map(CaseStatus::as_str);
        let matching = "SELECT id FROM cases WHERE ($1 IS NULL OR reporter_id = $1) \
             AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR status = $3) \
             ORDER BY id DESC LIMIT $4";
        let cases_sql =
            format!("SELECT {CASE_COLUMNS} FROM cases WHERE id IN ({matching}) ORDER BY id DESC");
        let notes_sql = format!(
            "SELECT case_id, kind, author, body, at FROM case_notes \
             WHERE case_id IN ({matching}) ORDER BY case_id, at, id"
        );
        // Both statements embed `matching`, so both bind its $1..$4 (a macro, as the two
        // queries and the two backends are all different types).
        macro_rules! bind_matching {
            ($query:expr) => {
                $query
                    .bind(reporter)
                    .bind(kind)
                    .bind(status)
                    .bind(i64::from(limit))
            };
        }
        let (rows, notes): (Vec<CaseRow>, Vec<NoteRow>) = on_pool!(&self.store.pool, |p| async {
            let rows = bind_matching!(sqlx::query_as(&cases_sql))
                .fetch_all(p)
                .await?;
            let notes = bind_matching!(sqlx::query_as(&notes_sql))
                .fetch_all(p)
                .await?;
            Ok::<_, sqlx::Error>((rows, notes))
        }
        .await)
        .map_err(case_error)?;

        let mut by_case: HashMap<i64, Vec<CaseNote>> = HashMap::new();
        for note in notes {
            let case_id = note.case_id;
            by_case.entry(case_id).or_default().push(note.into_note()?);
        }
        rows.into_iter()
            .map(|row| {
                let notes = by_case.remove(&row.id).unwrap_or_default();
                row.into_case(notes)
            })
            .collect()
    }

    async fn add_note(&self, id: CaseId, note: &CaseNote) -> Result<(), CaseError> {
        let key = case_id_to_sql(id)?;
        let _writer = self.store.write_guard().await;
        let at = match note.at_ms {
            0 => now_ms(),
            at => i64::try_from(at)
                .map_err(|_| CaseError::Rejected(format!("note time {at} out of range")))?,
        };
        // One statement: the note is written only if the case exists.
        let inserted = on_pool!(&self.store.pool, |p| {
            sqlx::query(
                "INSERT INTO case_notes (case_id, kind, author, body, at) \
                 SELECT id, $2, $3, $4, $5 FROM cases WHERE id = $1",
            )
            .bind(key)
            .bind(note_kind_name(note.kind))
            .bind(&note.author)
            .bind(&note.body)
            .bind(at)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
        });
        touched_case(id, inserted)
    }

    async fn set_rating(&self, id: CaseId, rating: Rating) -> Result<(), CaseError> {
        let _writer = self.store.write_guard().await;
        self.update_case(
            id,
            "UPDATE cases SET rating = $2, updated_at = $3 WHERE id = $1",
            i64::from(rating.get()),
        )
        .await
    }

    async fn set_status(&self, id: CaseId, status: CaseStatus) -> Result<(), CaseError> {
        let _writer = self.store.write_guard().await;
        self.update_case(
            id,
            "UPDATE cases SET status = $2, updated_at = $3 WHERE id = $1",
            status.as_str().to_owned(),
        )
        .await
    }
}
