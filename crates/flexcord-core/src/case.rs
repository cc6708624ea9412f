//! The case model: what support, bug and feature cases look like, whichever system stores them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidRating;
use crate::ids::{CaseId, ChannelId, UserId};

/// What a case is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A bug report (`/bug`).
    Bug,
    /// A feature request (`/new_feature`).
    Feature,
    /// A support conversation (live-agent request).
    Support,
}

impl CaseKind {
    /// Lower-case wire name (`bug`, `feature`, `support`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bug => "bug",
            Self::Feature => "feature",
            Self::Support => "support",
        }
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Just created, nobody on it yet.
    Open,
    /// Someone works on it (an agent joined the chat, a moderator triaged it).
    InProgress,
    /// Solved.
    Resolved,
    /// Closed without (further) action.
    Closed,
}

impl CaseStatus {
    /// Lower-case wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Feature requests, most bug reports.
    Low,
    /// Live-agent requests.
    Normal,
    /// Marked urgent by staff.
    High,
}

/// A satisfaction rating, 1 (bad) to 5 (great).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// A rating from 1 to 5.
    ///
    /// # Errors
    ///
    /// [`InvalidRating`] for anything else.
    pub const fn new(value: u8) -> Result<Self, InvalidRating> {
        if value >= 1 && value <= 5 {
            Ok(Self(value))
        } else {
            Err(InvalidRating(value))
        }
    }

    /// 1 to 5.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = InvalidRating;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Rating> for u8 {
    fn from(value: Rating) -> Self {
        value.0
    }
}

/// The Discord user who opened a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    /// Discord user id.
    pub user_id: UserId,
    /// Display name at the time of the report.
    pub name: String,
}

/// Where a case came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSource {
    /// The channel the command or chat happened in (a guild channel or the DM).
    pub channel: ChannelId,
    /// True when that channel is the bot's DM with the user.
    pub direct_message: bool,
}

/// A case to be created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCase {
    /// Bug, feature or support.
    pub kind: CaseKind,
    /// Short title.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// Labelled extra fields, in order (for bugs: steps to reproduce, platform/version).
    pub fields: Vec<(String, String)>,
    /// Who reported it.
    pub reporter: Reporter,
    /// Where it came from.
    pub source: CaseSource,
    /// How urgent.
    pub priority: Priority,
    /// Identifies the triggering event (a Discord interaction id, say). Creating twice with the
    /// same key returns the first case instead of opening a second one.
    pub idempotency_key: String,
}

/// What a note on a case records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A chat transcript.
    Transcript,
    /// The user's rating (and any comment with it).
    Rating,
    /// Anything else: system remarks, staff comments.
    Comment,
}

/// A note on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNote {
    /// What kind of note.
    pub kind: NoteKind,
    /// Who wrote it (`flexcord`, an agent identity, a user name).
    pub author: String,
    /// The text.
    pub body: String,
    /// Milliseconds since the Unix epoch; set by whoever stores the note when zero.
    pub at_ms: u64,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The case number.
    pub id: CaseId,
    /// Bug, feature or support.
    pub kind: CaseKind,
    /// Short title.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// Labelled extra fields.
    pub fields: Vec<(String, String)>,
    /// Who reported it.
    pub reporter: Reporter,
    /// Where it came from.
    pub source: CaseSource,
    /// How urgent.
    pub priority: Priority,
    /// Where it stands.
    pub status: CaseStatus,
    /// The user's rating, once given.
    pub rating: Option<Rating>,
    /// Notes, oldest first.
    pub notes: Vec<CaseNote>,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFilter {
    /// Only this reporter's.
    pub reporter: Option<UserId>,
    /// Only this kind.
    pub kind: Option<CaseKind>,
    /// Only this status.
    pub status: Option<CaseStatus>,
    /// At most this many, newest first (0 = the adapter's default).
    pub limit: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_accepts_one_to_five_only() {
        assert!(Rating::new(0).is_err());
        assert_eq!(Rating::new(1).map(Rating::get), Ok(1));
        assert_eq!(Rating::new(5).map(Rating::get), Ok(5));
        assert!(Rating::new(6).is_err());
    }
}
