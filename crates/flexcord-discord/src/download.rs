//! Bounded downloads of files to re-upload to Discord (agent media from Twilio, for example):
//! HTTP or HTTPS, a few redirects at most, a size cap checked while streaming, a time-out.

use std::time::Duration;

use bytes::Bytes;
use flexcord_core::ports::ChatError;
use http::{Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Empty};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::client::install_crypto_provider;

/// Discord's default per-file upload limit (servers without boosts): 10 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;
const MAX_REDIRECTS: usize = 3;

/// Fetches files with a size cap.
#[derive(Debug, Clone)]
pub(crate) struct Downloader {
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    max_bytes: u64,
    timeout: Duration,
}

impl Downloader {
    pub(crate) fn new(max_bytes: u64, timeout: Duration) -> Self {
        install_crypto_provider();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Self {
            client,
            max_bytes,
            timeout,
        }
    }

    /// Downloads `url`, following up to three redirects.
    ///
    /// Errors: a bad URL, a 4xx, or a file over the cap → `Rejected` (retrying will not help);
    /// a 5xx, a network error or the time-out → `Transient`.
    pub(crate) async fn fetch(&self, url: &str) -> Result<Vec<u8>, ChatError> {
        tokio::time::timeout(self.timeout, self.fetch_inner(url))
            .await
            .map_err(|_| ChatError::Transient("file download timed out".to_owned()))?
    }

    async fn fetch_inner(&self, url: &str) -> Result<Vec<u8>, ChatError> {
        let mut uri: Uri = url
            .parse()
            .map_err(|_| ChatError::Rejected("file URL is not a valid URL".to_owned()))?;
        for _ in 0..=MAX_REDIRECTS {
            if !matches!(uri.scheme_str(), Some("http" | "https")) {
                return Err(ChatError::Rejected(
                    "file URL must be http or https".to_owned(),
                ));
            }
            let request = Request::get(uri.clone())
                .body(Empty::new())
                .map_err(|e| ChatError::Rejected(format!("file URL: {e}")))?;
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| ChatError::Transient(format!("file download failed: {e}")))?;
            let status = response.status();
            if status.is_redirection() {
                uri = redirect_target(&uri, response.headers().get(header::LOCATION))?;
                continue;
            }
            check_status(status)?;
            let declared = response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|len| len > self.max_bytes) {
                return Err(self.too_large());
            }
            let mut body = response.into_body();
            let mut data = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame
                    .map_err(|e| ChatError::Transient(format!("file download failed: {e}")))?;
                if let Ok(chunk) = frame.into_data() {
                    data.extend_from_slice(&chunk);
                    if data.len() as u64 > self.max_bytes {
                        return Err(self.too_large());
                    }
                }
            }
            return Ok(data);
        }
        Err(ChatError::Rejected(
            "file URL redirects too often".to_owned(),
        ))
    }

    fn too_large(&self) -> ChatError {
        ChatError::Rejected(format!("file is larger than {} bytes", self.max_bytes))
    }
}

fn check_status(status: StatusCode) -> Result<(), ChatError> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Err(ChatError::Transient(format!(
            "file download: HTTP {status}"
        )))
    } else {
        Err(ChatError::Rejected(format!("file download: HTTP {status}")))
    }
}

/// Resolves a `Location` header against the URL that answered with it.
fn redirect_target(base: &Uri, location: Option<&http::HeaderValue>) -> Result<Uri, ChatError> {
    let bad = || ChatError::Rejected("file URL redirect without a usable Location".to_owned());
    let location = location.and_then(|v| v.to_str().ok()).ok_or_else(bad)?;
    let target: Uri = location.parse().map_err(|_| bad())?;
    if target.scheme().is_some() {
        return Ok(target);
    }
    // A relative redirect: keep scheme and authority, take the new path.
    let mut parts = base.clone().into_parts();
    parts.path_and_query = target.path_and_query().cloned();
    Uri::from_parts(parts).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_redirects_keep_the_host() {
        let base: Uri = "https://example.com/a/b?x=1".parse().unwrap_or_default();
        let loc = http::HeaderValue::from_static("/c/d");
        let target = redirect_target(&base, Some(&loc))
            .ok()
            .map(|u| u.to_string());
        assert_eq!(target.as_deref(), Some("https://example.com/c/d"));
        assert!(redirect_target(&base, None).is_err());
    }
}
