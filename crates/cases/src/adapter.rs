//! `impl CaseManagement for Client`: domain values to wire bodies and back, and HTTP failures to
//! the [`CaseError`] the router acts on.

use async_trait::async_trait;
use flexcord_core::case::{Case, CaseFilter, CaseNote, CaseStatus, NewCase, Rating};
use flexcord_core::ids::CaseId;
use flexcord_core::ports::{CaseError, CaseManagement};
use flexcord_http::http::StatusCode;
use flexcord_http::{Error, ErrorKind, describe_status};

use crate::client::Client;
use crate::wire::{CaseBody, ListQuery, NewCaseBody, NoteBody, PatchBody};

#[async_trait]
impl CaseManagement for Client {
    async fn create(&self, case: &NewCase) -> Result<Case, CaseError> {
        let body = NewCaseBody::from(case);
        let created = self
            .create_case(&body, &case.idempotency_key)
            .await
            .map_err(|e| to_port_error(&e, None))?;
        to_case(created)
    }

    async fn get(&self, id: CaseId) -> Result<Case, CaseError> {
        let case = self
            .get_case(id.0)
            .await
            .map_err(|e| to_port_error(&e, Some(id)))?;
        to_case(case)
    }

    async fn list(&self, filter: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        let cases = self
            .list_cases(&ListQuery::from(filter))
            .await
            .map_err(|e| to_port_error(&e, None))?;
        cases.into_iter().map(to_case).collect()
    }

    async fn add_note(&self, id: CaseId, note: &CaseNote) -> Result<(), CaseError> {
        self.post_note(id.0, &NoteBody::from(note))
            .await
            .map_err(|e| to_port_error(&e, Some(id)))
    }

    async fn set_rating(&self, id: CaseId, rating: Rating) -> Result<(), CaseError> {
        let patch = PatchBody::Rating {
            rating: rating.get(),
        };
        self.patch_case(id.0, &patch)
            .await
            .map_err(|e| to_port_error(&e, Some(id)))
    }

    async fn set_status(&self, id: CaseId, status: CaseStatus) -> Result<(), CaseError> {
        let patch = PatchBody::Status {
            status: status.into(),
        };
        self.patch_case(id.0, &patch)
            .await
            .map_err(|e| to_port_error(&e, Some(id)))
    }
}

/// A case the server sent that breaks the contract means the server misbehaves: `Unavailable`,
/// like any other server fault.
fn to_case(body: CaseBody) -> Result<Case, CaseError> {
    Case::try_from(body).map_err(|e| CaseError::Unavailable(e.to_string()))
}

/// `404` on a case's own path → `NotFound`; `408`, `429`, `5xx`, network trouble and responses
/// that break the contract → `Unavailable`; other `4xx` and requests that cannot be built →
/// `Rejected`.
#[must_use]
pub fn to_port_error(error: &Error, case: Option<CaseId>) -> CaseError {
    match error.kind() {
        ErrorKind::Status { status, body, .. } => {
            let text = describe_status(*status, body);
            match case {
                Some(id) if *status == StatusCode::NOT_FOUND => CaseError::NotFound(id),
                _ if *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
                    || status.is_server_error() =>
                {
                    CaseError::Unavailable(text)
                }
                _ => CaseError::Rejected(text),
            }
        }
        ErrorKind::InvalidUrl(_) | ErrorKind::InvalidRequest(_) => {
            CaseError::Rejected(error.detailed())
        }
        _ => CaseError::Unavailable(error.detailed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_building_errors_are_rejections() {
        let err = Error::invalid_request("bad key");
        assert!(matches!(to_port_error(&err, None), CaseError::Rejected(_)));
        assert!(matches!(
            to_port_error(&Error::timeout(), None),
            CaseError::Unavailable(_)
        ));
    }
}
