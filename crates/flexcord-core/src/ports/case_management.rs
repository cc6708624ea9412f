//! Case management: where bug reports, feature requests and support chats are tracked.

use async_trait::async_trait;
use thiserror::Error;

use crate::case::{Case, CaseFilter, CaseNote, CaseStatus, NewCase, Rating};
use crate::ids::CaseId;

/// Why a case-management call failed.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaseError {
    /// No such case.
    #[error("case {0} not found")]
    NotFound(CaseId),
    /// The case system refused the request (validation); retrying will not help.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Network, server or database trouble; retrying later may work.
    #[error("case system unavailable: {0}")]
    Unavailable(String),
}

/// A case system as the router and the CLI need it.
#[async_trait]
pub trait CaseManagement: Send + Sync + std::fmt::Debug {
    /// Creates a case. Idempotent: a second call with the same
    /// [`NewCase::idempotency_key`] returns the case the first one created.
    ///
    /// # Errors
    ///
    /// [`CaseError::Rejected`] for invalid input; [`CaseError::Unavailable`] otherwise.
    async fn create(&self, case: &NewCase) -> Result<Case, CaseError>;

    /// Fetches a case with its notes.
    ///
    /// # Errors
    ///
    /// [`CaseError::NotFound`]; [`CaseError::Unavailable`].
    async fn get(&self, id: CaseId) -> Result<Case, CaseError>;

    /// Lists cases, newest first.
    ///
    /// # Errors
    ///
    /// [`CaseError::Unavailable`].
    async fn list(&self, filter: &CaseFilter) -> Result<Vec<Case>, CaseError>;

    /// Adds a note (transcript, rating remark, comment).
    ///
    /// # Errors
    ///
    /// [`CaseError::NotFound`]; [`CaseError::Rejected`]; [`CaseError::Unavailable`].
    async fn add_note(&self, id: CaseId, note: &CaseNote) -> Result<(), CaseError>;

    /// Records the user's rating.
    ///
    /// # Errors
    ///
    /// As for [`CaseManagement::add_note`].
    async fn set_rating(&self, id: CaseId, rating: Rating) -> Result<(), CaseError>;

    /// Changes the status.
    ///
    /// # Errors
    ///
    /// As for [`CaseManagement::add_note`].
    async fn set_status(&self, id: CaseId, status: CaseStatus) -> Result<(), CaseError>;
}
