//! Errors of opening a store, and how database errors map onto the ports' error types.

use flexcord_core::ports::{CaseError, StoreError};
use thiserror::Error;

/// Why [`Store::open`](crate::Store::open) failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL is neither `sqlite:` nor `postgres://` (shown with its password masked).
    #[error("unsupported database URL {0:?}: expected sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    /// The configuration is unusable (a malformed URL, a bad schema name).
    #[error("invalid store configuration: {0}")]
    InvalidConfig(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// Migrating the schema failed.
    #[error("cannot migrate the database schema: {0}")]
    Migrate(String),
    /// A read-only open found no database there (the SQLite file does not exist); nothing was
    /// created ([`Store::open_read_only`](crate::Store::open_read_only)).
    #[error("no database at {0} (nothing was created)")]
    Missing(String),
    /// A read-only open found a database without flexcord's schema.
    #[error("{0} is not a flexcord database (it has no flexcord schema)")]
    NotMigrated(String),
    /// The database refused a write ([`Store::probe_writable`](crate::Store::probe_writable)).
    #[error("the database refuses writes: {0}")]
    ReadOnly(String),
}

/// True for errors that mean the stored data does not decode (as opposed to the database
/// failing).
fn is_decode_error(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } | sqlx::Error::ColumnNotFound(_)
    )
}

/// A database error as the session-store port reports it.
#[expect(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
pub(crate) fn store_error(e: sqlx::Error) -> StoreError {
    if is_decode_error(&e) {
        StoreError::Corrupt(e.to_string())
    } else {
        StoreError::Unavailable(e.to_string())
    }
}

/// A database error as the case port reports it (it has no "corrupt" variant: to the caller,
/// unreadable data is the case system failing).
#[expect(clippy::needless_pass_by_value, reason = "shaped for `map_err`")]
pub(crate) fn case_error(e: sqlx::Error) -> CaseError {
    if is_decode_error(&e) {
        CaseError::Unavailable(format!("corrupt stored case data: {e}"))
    } else {
        CaseError::Unavailable(e.to_string())
    }
}
