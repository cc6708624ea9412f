//! The JSON shapes of `docs/contracts/cases.md`, one type per shape, and their conversions to and
//! from `flexcord_core::case`. Kept apart from the domain types so the wire format changes only
//! when the contract does, and so every field's JSON spelling is visible here.

use flexcord_core::case::{
    Case, CaseFilter, CaseKind, CaseNote, CaseSource, CaseStatus, NewCase, NoteKind, Priority,
    Rating, Reporter,
};
use flexcord_core::ids::{CaseId, ChannelId, UserId};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The body of every non-2xx answer, `{"error":{"code","message"}}`: the same in both of
/// flexcord's contracts, so defined once in `flexcord-http`.
pub use flexcord_http::{ApiError, ErrorBody};

/// `kind`: `bug`, `feature`, `support`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `bug`.
    Bug,
    /// `feature`.
    Feature,
    /// `support`.
    Support,
}

/// `status`: `open`, `in_progress`, `resolved`, `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// `open`.
    Open,
    /// `in_progress`.
    InProgress,
    /// `resolved`.
    Resolved,
    /// `closed`.
    Closed,
}

/// `priority`: `low`, `normal`, `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WirePriority {
    /// `low`.
    Low,
    /// `normal`.
    Normal,
    /// `high`.
    High,
}

/// A note's `kind`: `transcript`, `rating`, `comment`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireNoteKind {
    /// `transcript`.
    Transcript,
    /// `rating`.
    Rating,
    /// `comment`.
    Comment,
}

/// `{"name","value"}`: one labelled extra field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Label.
    pub name: String,
    /// Value.
    pub value: String,
}

/// `{"discord_user_id","name"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterBody {
    /// Discord snowflake, as a string.
    pub discord_user_id: String,
    /// Display name at the time of the report.
    pub name: String,
}

/// `{"discord_channel_id","direct_message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBody {
    /// Discord snowflake, as a string.
    pub discord_channel_id: String,
    /// True for the bot's DM with the user.
    pub direct_message: bool,
}

/// `POST /v1/cases` body. The idempotency key travels in the `Idempotency-Key` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCaseBody {
    /// Kind.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Labelled extras, in order.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Reporter.
    pub reporter: ReporterBody,
    /// Source channel.
    pub source: SourceBody,
    /// Priority.
    pub priority: WirePriority,
}

/// A note, in a Case and as the `POST /v1/cases/{number}/notes` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteBody {
    /// Kind.
    pub kind: WireNoteKind,
    /// Who wrote it.
    pub author: String,
    /// The text.
    pub body: String,
    /// Milliseconds since the Unix epoch; 0 = the server's clock.
    #[serde(default)]
    pub at_ms: u64,
}

/// A Case, as `GET /v1/cases/{number}` and the other endpoints return it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBody {
    /// The case number (≥ 1).
    pub number: u64,
    /// Kind.
    pub kind: Kind,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Labelled extras.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Reporter.
    pub reporter: ReporterBody,
    /// Source channel.
    pub source: SourceBody,
    /// Priority.
    pub priority: WirePriority,
    /// Status.
    pub status: Status,
    /// 1–5, or null.
    #[serde(default)]
    pub rating: Option<u8>,
    /// Notes, oldest first (lists may omit them).
    #[serde(default)]
    pub notes: Vec<NoteBody>,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// `GET /v1/cases` response body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    /// Newest first.
    #[serde(default)]
    pub cases: Vec<CaseBody>,
}

/// `PATCH /v1/cases/{number}` body: exactly one of the fields is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PatchBody {
    /// `{"status": …}`.
    Status {
        /// The new status.
        status: Status,
    },
    /// `{"rating": 1..=5}`.
    Rating {
        /// The rating.
        rating: u8,
    },
}

/// `GET /v1/cases` query parameters; `None` ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `reporter`: a Discord user id.
    pub reporter: Option<String>,
    /// `kind`.
    pub kind: Option<Kind>,
    /// `status`.
    pub status: Option<Status>,
    /// `limit` (≥ 1).
    pub limit: Option<u32>,
}

impl ListQuery {
    /// The `(name, value)` pairs to put in the query string, in a fixed order.
    #[must_use]
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(reporter) = &self.reporter {
            pairs.push(("reporter", reporter.clone()));
        }
        if let Some(kind) = self.kind {
            pairs.push(("kind", CaseKind::from(kind).as_str().to_owned()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", CaseStatus::from(status).as_str().to_owned()));
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }
}

/// A well-formed JSON case that breaks the contract's rules (a zero or non-numeric id, a rating
/// outside 1–5).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid case from the server: {0}")]
pub struct InvalidCase(String);

macro_rules! same_enum {
    ($wire:ident, $core:ident, $($variant:ident),+) => {
        impl From<$core> for $wire {
            fn from(value: $core) -> Self {
                match value { $($core::$variant => Self::$variant),+ }
            }
        }
        impl From<$wire> for $core {
            fn from(value: $wire) -> Self {
                match value { $($wire::$variant => Self::$variant),+ }
            }
        }
    };
}

same_enum!(Kind, CaseKind, Bug, Feature, Support);
same_enum!(Status, CaseStatus, Open, InProgress, Resolved, Closed);
same_enum!(WirePriority, Priority, Low, Normal, High);
same_enum!(WireNoteKind, NoteKind, Transcript, Rating, Comment);

fn fields_to_wire(fields: &[(String, String)]) -> Vec<Field> {
    fields
        .iter()
        .map(|(name, value)| Field {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

impl From<&NewCase> for NewCaseBody {
    fn from(case: &NewCase) -> Self {
        Self {
            kind: case.kind.into(),
            title: case.title.clone(),
            description: case.description.clone(),
            fields: fields_to_wire(&case.fields),
            reporter: ReporterBody {
                discord_user_id: case.reporter.user_id.to_string(),
                name: case.reporter.name.clone(),
            },
            source: SourceBody {
                discord_channel_id: case.source.channel.to_string(),
                direct_message: case.source.direct_message,
            },
            priority: case.priority.into(),
        }
    }
}

impl From<&CaseNote> for NoteBody {
    fn from(note: &CaseNote) -> Self {
        Self {
            kind: note.kind.into(),
            author: note.author.clone(),
            body: note.body.clone(),
            at_ms: note.at_ms,
        }
    }
}

impl From<NoteBody> for CaseNote {
    fn from(note: NoteBody) -> Self {
        Self {
            kind: note.kind.into(),
            author: note.author,
            body: note.body,
            at_ms: note.at_ms,
        }
    }
}

impl From<&CaseFilter> for ListQuery {
    fn from(filter: &CaseFilter) -> Self {
        Self {
            reporter: filter.reporter.map(|u| u.to_string()),
            kind: filter.kind.map(Kind::from),
            status: filter.status.map(Status::from),
            // 0 means "the adapter's default": leave it to the server.
            limit: (filter.limit > 0).then_some(filter.limit),
        }
    }
}

impl TryFrom<CaseBody> for Case {
    type Error = InvalidCase;

    fn try_from(body: CaseBody) -> Result<Self, Self::Error> {
        if body.number == 0 {
            return Err(InvalidCase("case number 0".into()));
        }
        let user_id: UserId = body
            .reporter
            .discord_user_id
            .parse()
            .map_err(|e| InvalidCase(format!("case {}: reporter: {e}", body.number)))?;
        let channel: ChannelId = body
            .source
            .discord_channel_id
            .parse()
            .map_err(|e| InvalidCase(format!("case {}: source: {e}", body.number)))?;
        let rating = body
            .rating
            .map(Rating::new)
            .transpose()
            .map_err(|e| InvalidCase(format!("case {}: {e}", body.number)))?;
        Ok(Self {
            id: CaseId(body.number),
            kind: body.kind.into(),
            title: body.title,
            description: body.description,
            fields: body.fields.into_iter().map(|f| (f.name, f.value)).collect(),
            reporter: Reporter {
                user_id,
                name: body.reporter.name,
            },
            source: CaseSource {
                channel,
                direct_message: body.source.direct_message,
            },
            priority: body.priority.into(),
            status: body.status.into(),
            rating,
            notes: body.notes.into_iter().map(CaseNote::from).collect(),
            created_at_ms: body.created_at_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn new_case() -> NewCase {
        NewCase {
            kind: CaseKind::Bug,
            title: "Crash".into(),
            description: "It closes".into(),
            fields: vec![("Platform / version".into(), "Win 11".into())],
            reporter: Reporter {
                user_id: UserId(80_351_110_224_678_912),
                name: "Nelly".into(),
            },
            source: CaseSource {
                channel: ChannelId(7),
                direct_message: true,
            },
            priority: Priority::Low,
            idempotency_key: "dc:int:1".into(),
        }
    }

    #[test]
    fn new_case_has_the_documented_shape_with_string_ids_and_no_key() {
        let body = serde_json::to_value(NewCaseBody::from(&new_case())).expect("serializes");
        assert_eq!(
            body,
            json!({
                "kind": "bug",
                "title": "Crash",
                "description": "It closes",
                "fields": [{"name": "Platform / version", "value": "Win 11"}],
                "reporter": {"discord_user_id": "80351110224678912", "name": "Nelly"},
                "source": {"discord_channel_id": "7", "direct_message": true},
                "priority": "low"
            })
        );
    }

    #[test]
    fn patch_bodies_have_exactly_one_field() {
        let status = serde_json::to_value(PatchBody::Status {
            status: Status::InProgress,
        });
        assert_eq!(
            status.expect("serializes"),
            json!({"status": "in_progress"})
        );
        let rating = serde_json::to_value(PatchBody::Rating { rating: 4 });
        assert_eq!(rating.expect("serializes"), json!({"rating": 4}));
    }

    fn case_json() -> serde_json::Value {
        json!({
            "number": 1042, "kind": "support", "title": "t", "description": "d",
            "reporter": {"discord_user_id": "42", "name": "Nelly"},
            "source": {"discord_channel_id": "7", "direct_message": false},
            "priority": "normal", "status": "in_progress", "rating": 5,
            "notes": [{"kind": "transcript", "author": "flexcord", "body": "hi", "at_ms": 3}],
            "created_at_ms": 1000, "assignee": "someone new"
        })
    }

    #[test]
    fn case_decodes_into_the_domain_and_ignores_unknown_fields() {
        let body: CaseBody = serde_json::from_value(case_json()).expect("decodes");
        let case = Case::try_from(body).expect("valid");
        assert_eq!(case.id, CaseId(1042));
        assert_eq!(case.status, CaseStatus::InProgress);
        assert_eq!(case.reporter.user_id, UserId(42));
        assert_eq!(case.rating.map(Rating::get), Some(5));
        assert_eq!(case.notes[0].kind, NoteKind::Transcript);
        assert!(case.fields.is_empty());
    }

    #[test]
    fn contract_violations_are_errors_not_panics() {
        for (pointer, value) in [
            ("/number", json!(0)),
            ("/rating", json!(9)),
            ("/reporter/discord_user_id", json!("nobody")),
            ("/source/discord_channel_id", json!("0")),
        ] {
            let mut json = case_json();
            *json.pointer_mut(pointer).expect("field exists") = value;
            let body: CaseBody = serde_json::from_value(json).expect("decodes");
            assert!(Case::try_from(body).is_err(), "{pointer}");
        }
        let mut json = case_json();
        json["status"] = json!("waiting_for_godot");
        assert!(serde_json::from_value::<CaseBody>(json).is_err());
    }

    #[test]
    fn list_query_leaves_out_unset_filters_and_a_zero_limit() {
        assert!(ListQuery::from(&CaseFilter::default()).pairs().is_empty());
        let filter = CaseFilter {
            reporter: Some(UserId(42)),
            kind: Some(CaseKind::Feature),
            status: Some(CaseStatus::Open),
            limit: 5,
        };
        let pairs = ListQuery::from(&filter).pairs();
        let expected: Vec<(&str, String)> = vec![
            ("reporter", "42".into()),
            ("kind", "feature".into()),
            ("status", "open".into()),
            ("limit", "5".into()),
        ];
        assert_eq!(pairs, expected);
    }
}
