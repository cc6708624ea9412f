//! [`Client`]: one method per endpoint of `docs/contracts/cases.md`, on the wire types.

use std::time::Duration;

use flexcord_http::http::HeaderName;
use flexcord_http::url::Url;
use flexcord_http::{Error, HttpClient, Request, RetryPolicy, endpoint};

use crate::config::Config;
use crate::wire::{CaseBody, CaseList, ListQuery, NewCaseBody, NoteBody, PatchBody};

/// The header that makes a create safe to repeat.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest idempotency key the contract allows.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// A case-management client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: HttpClient,
    base: Url,
}

impl Client {
    /// A client for the case system `config` describes.
    ///
    /// # Errors
    ///
    /// [`flexcord_http::ErrorKind::InvalidUrl`] for a URL that cannot take a path;
    /// [`flexcord_http::ErrorKind::InvalidRequest`] for an API key with characters a header
    /// cannot carry.
    pub fn new(config: &Config) -> Result<Self, Error> {
        let http = config.http_client(RetryPolicy::new(
            3,
            Duration::from_millis(200),
            Duration::from_secs(2),
        ))?;
        // Checked here so a bad base URL fails at startup.
        endpoint(&config.url, &["v1", "cases"])?;
        Ok(Self {
            http,
            base: config.url.clone(),
        })
    }

    fn url(&self, segments: &[&str]) -> Result<Url, Error> {
        let mut all = vec!["v1", "cases"];
        all.extend_from_slice(segments);
        endpoint(&self.base, &all)
    }

    /// `POST /v1/cases` with `Idempotency-Key: <idempotency_key>`. Repeated after timeouts and
    /// `5xx`: the key makes the server answer a repeat with the first case.
    ///
    /// # Errors
    ///
    /// [`flexcord_http::ErrorKind::InvalidRequest`] for an empty or over-long key, or one with
    /// characters a header cannot carry; otherwise as for [`HttpClient::send`].
    pub async fn create_case(
        &self,
        case: &NewCaseBody,
        idempotency_key: &str,
    ) -> Result<CaseBody, Error> {
        if idempotency_key.is_empty() || idempotency_key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(Error::invalid_request(format!(
                "the idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} bytes"
            )));
        }
        let request = Request::post(self.url(&[])?)
            .json(case)?
            .header(IDEMPOTENCY_KEY, idempotency_key)?
            .idempotent(true);
        self.http.send_json(request).await
    }

    /// `GET /v1/cases/{number}`.
    ///
    /// # Errors
    ///
    /// As for [`HttpClient::send`]; a `404` is an [`flexcord_http::ErrorKind::Status`].
    pub async fn get_case(&self, number: u64) -> Result<CaseBody, Error> {
        let request = Request::get(self.url(&[&number.to_string()])?);
        self.http.send_json(request).await
    }

    /// `GET /v1/cases?reporter=&kind=&status=&limit=`, newest first.
    ///
    /// # Errors
    ///
    /// As for [`HttpClient::send`].
    pub async fn list_cases(&self, query: &ListQuery) -> Result<Vec<CaseBody>, Error> {
        let mut url = self.url(&[])?;
        let pairs = query.pairs();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let list: CaseList = self.http.send_json(Request::get(url)).await?;
        Ok(list.cases)
    }

    /// `POST /v1/cases/{number}/notes`. Not repeated after a timeout or `5xx`: that could store
    /// the note twice.
    ///
    /// # Errors
    ///
    /// As for [`HttpClient::send`].
    pub async fn post_note(&self, number: u64, note: &NoteBody) -> Result<(), Error> {
        let request = Request::post(self.url(&[&number.to_string(), "notes"])?).json(note)?;
        self.http.send(request).await.map(drop)
    }

    /// `PATCH /v1/cases/{number}` with `{"status"}` or `{"rating"}`. Setting an absolute value
    /// is idempotent, so it is repeated after timeouts and `5xx`.
    ///
    /// # Errors
    ///
    /// As for [`HttpClient::send`].
    pub async fn patch_case(&self, number: u64, patch: &PatchBody) -> Result<(), Error> {
        let request = Request::patch(self.url(&[&number.to_string()])?)
            .json(patch)?
            .idempotent(true);
        self.http.send(request).await.map(drop)
    }
}
