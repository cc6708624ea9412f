//! Bounded downloads of files to re-upload to Discord (agent media from Twilio, for example),
//! on the shared HTTP core (`flexcord-http`): HTTP or HTTPS, a few redirects at most, a size cap
//! checked while streaming, a time-out, never any credentials.

use std::time::Duration;

use flexcord_core::ports::ChatError;
use flexcord_http::http::{Method, StatusCode};
use flexcord_http::{Error, ErrorKind, HttpClient, Request, RetryPolicy};

use crate::error::DiscordError;

/// Discord's default per-file upload limit (servers without boosts): 10 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
const MAX_REDIRECTS: usize = 3;

/// Fetches files with a size cap.
#[derive(Debug, Clone)]
pub(crate) struct Downloader {
    client: HttpClient,
}

impl Downloader {
    /// A downloader refusing files over `max_bytes`, giving up after `timeout`.
    ///
    /// Not retried here: a failed download fails the outbox entry as transient or rejected,
    /// and the outbox decides.
    pub(crate) fn new(max_bytes: u64, timeout: Duration) -> Result<Self, DiscordError> {
        let client = HttpClient::builder()
            .timeout(timeout)
            .max_response_bytes(usize::try_from(max_bytes).unwrap_or(usize::MAX))
            .retry(RetryPolicy::none())
            .build()
            .map_err(|e| DiscordError::Config(format!("file downloads: {}", e.detailed())))?;
        Ok(Self { client })
    }

    /// Downloads `url`, following up to three redirects.
    ///
    /// Errors: a bad URL, a 4xx, or a file over the cap → `Rejected` (retrying will not help);
    /// a 5xx, a 429, a network error or the time-out → `Transient`.
    pub(crate) async fn fetch(&self, url: &str) -> Result<Vec<u8>, ChatError> {
        let request = Request::parse(Method::GET, url)
            .map_err(|e| to_chat_error(&e))?
            .without_credentials()
            .follow_redirects(MAX_REDIRECTS);
        self.client
            .send(request)
            .await
            .map(|response| response.into_body().to_vec())
            .map_err(|e| to_chat_error(&e))
    }
}

fn to_chat_error(error: &Error) -> ChatError {
    let text = format!("file download: {}", error.detailed());
    match error.kind() {
        ErrorKind::TooLarge { limit } => {
            ChatError::Rejected(format!("file is larger than {limit} bytes"))
        }
        ErrorKind::Status { status, .. }
            if status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS =>
        {
            ChatError::Transient(text)
        }
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => {
            ChatError::Transient(text)
        }
        _ => ChatError::Rejected(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_worth_retrying_and_bad_urls_are_not() {
        assert!(matches!(
            to_chat_error(&Error::timeout()),
            ChatError::Transient(_)
        ));
        assert!(matches!(
            to_chat_error(&Error::invalid_url("no host")),
            ChatError::Rejected(_)
        ));
    }
}
