//! The HTTP plumbing: [`ClientBuilder`] and [`Client`] on hyper 1 + hyper-rustls (ring), with
//! Basic auth, per-service base URLs, a timeout per attempt, bounded concurrency, bounded
//! response bodies and the retry loop that executes [`crate::retry::RetryPolicy`].
//!
//! Endpoint methods live beside their models in `api/*`; this file knows nothing about them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::ConfigBuilderExt as _;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind, TwilioError};
use crate::form::Form;
use crate::page::Page;
use crate::retry::{Attempt, Decision, RetryPolicy, parse_retry_after};

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// The Twilio products this client talks to; each has its own host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Conversations,
    Flex,
    Studio,
    Media,
}

/// Where each Twilio product lives. Paths are appended unchanged (`/v1/Conversations`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrls {
    /// Conversations v1. Default `https://conversations.twilio.com`.
    pub conversations: String,
    /// Flex v1 (Interactions). Default `https://flex-api.twilio.com`.
    pub flex: String,
    /// Studio v2. Default `https://studio.twilio.com`.
    pub studio: String,
    /// Media Content Service. Default `https://mcs.us1.twilio.com` (the host Twilio's
    /// Conversations media docs use).
    pub media: String,
}

impl BaseUrls {
    /// Twilio's public hosts.
    #[must_use]
    pub fn twilio() -> Self {
        Self {
            conversations: "https://conversations.twilio.com".into(),
            flex: "https://flex-api.twilio.com".into(),
            studio: "https://studio.twilio.com".into(),
            media: "https://mcs.us1.twilio.com".into(),
        }
    }

    /// One base URL for every product (a proxy, a fake, a wiremock server): paths unchanged.
    /// This is what flexcord's `TWILIO_API_BASE_URL` sets.
    #[must_use]
    pub fn single(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        Self {
            conversations: base.clone(),
            flex: base.clone(),
            studio: base.clone(),
            media: base,
        }
    }

    fn get(&self, service: Service) -> &str {
        match service {
            Service::Conversations => &self.conversations,
            Service::Flex => &self.flex,
            Service::Studio => &self.studio,
            Service::Media => &self.media,
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    credentials: Credentials,
    base_urls: BaseUrls,
    timeout: Duration,
    max_concurrency: usize,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

impl ClientBuilder {
    /// Defaults: Twilio's hosts, 15 s timeout per attempt, 8 requests in flight,
    /// [`RetryPolicy::default`], responses up to 4 MiB.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            base_urls: BaseUrls::twilio(),
            timeout: Duration::from_secs(15),
            max_concurrency: 8,
            retry: RetryPolicy::default(),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }

    /// Sends every product to one base URL, paths unchanged (tests, proxies, fakes).
    pub fn base_url(mut self, base: &str) -> Self {
        self.base_urls = BaseUrls::single(base);
        self
    }

    /// Sets each product's base URL separately.
    pub fn base_urls(mut self, base_urls: BaseUrls) -> Self {
        self.base_urls = base_urls;
        self
    }

    /// Time allowed for one attempt (connect, send, and read the whole body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Requests in flight at once (at least 1). Twilio's 429s are about account concurrency.
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// How to retry.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Largest response body accepted from Twilio.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Builds the client. No global rustls provider is installed: the TLS config is built with
    /// the ring provider explicitly.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Tls`] if rustls rejects the configuration.
    pub fn build(self) -> Result<Client, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(ErrorKind::Tls)?
            .with_webpki_roots()
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        let http = HyperClient::builder(TokioExecutor::new()).build(connector);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                credentials: self.credentials,
                base_urls: self.base_urls,
                timeout: self.timeout,
                permits: Semaphore::new(self.max_concurrency),
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
            }),
        })
    }
}

/// A Twilio REST client for Conversations v1, Flex Interactions v1, Studio v2 and Media.
/// Cheap to clone (shared connection pool, concurrency limit and credentials).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HyperClient<Https, Full<Bytes>>,
    credentials: Credentials,
    base_urls: BaseUrls,
    timeout: Duration,
    permits: Semaphore,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("credentials", &self.credentials)
            .field("base_urls", &self.base_urls)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// A request as a plain value, before it meets the network.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) url: String,
    /// Body bytes and their `Content-Type`.
    pub(crate) body: Option<(Bytes, String)>,
    pub(crate) webhook_enabled: bool,
    /// Whether sending it twice is harmless (decides retries on 5xx/timeouts).
    pub(crate) repeatable: bool,
    /// Twilio credentials are attached only to Twilio calls, never to downloads.
    pub(crate) authenticated: bool,
    pub(crate) max_bytes: Option<usize>,
}

impl Call {
    fn new(method: Method, url: String) -> Self {
        let repeatable = method == Method::GET || method == Method::DELETE;
        Self {
            method,
            url,
            body: None,
            webhook_enabled: false,
            repeatable,
            authenticated: true,
            max_bytes: None,
        }
    }

    pub(crate) fn form(mut self, form: &Form) -> Self {
        self.body = Some((
            Bytes::from(form.encode()),
            "application/x-www-form-urlencoded".to_owned(),
        ));
        self
    }

    pub(crate) fn raw(mut self, bytes: Bytes, content_type: &str) -> Self {
        self.body = Some((bytes, content_type.to_owned()));
        self
    }

    /// Marks a POST as safe to repeat (it sets fields to fixed values), so 5xx/timeouts retry.
    pub(crate) fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    /// Sets `X-Twilio-Webhook-Enabled: true` so the change fires conversation webhooks.
    pub(crate) fn webhook_enabled(mut self, enabled: bool) -> Self {
        self.webhook_enabled = enabled;
        self
    }
}

/// A response that arrived (any status), body read within the limit.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
}

impl Client {
    /// A builder with the given credentials.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The account the client acts for.
    #[must_use]
    pub fn account_sid(&self) -> &str {
        self.inner.credentials.account_sid()
    }

    pub(crate) fn url(&self, service: Service, path: &str) -> String {
        format!(
            "{}{path}",
            self.inner.base_urls.get(service).trim_end_matches('/')
        )
    }

    pub(crate) fn get(&self, service: Service, path: &str) -> Call {
        Call::new(Method::GET, self.url(service, path))
    }

    pub(crate) fn post(&self, service: Service, path: &str) -> Call {
        Call::new(Method::POST, self.url(service, path))
    }

    pub(crate) fn delete(&self, service: Service, path: &str) -> Call {
        Call::new(Method::DELETE, self.url(service, path))
    }

    /// Sends and decodes a JSON success body.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let response = self.send(call).await?;
        decode(&response.body)
    }

    /// Sends and decodes a list page.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        service: Service,
        call: Call,
    ) -> Result<Page<T>, Error> {
        let response = self.send(call).await?;
        Page::decode(&response.body, service)
    }

    /// Fetches the page after `page`, or `None` on the last one. Only the path and query of
    /// Twilio's `next_page_url` are used, appended to the configured base URL of the same
    /// product, so paging works unchanged behind a proxy or a fake.
    ///
    /// # Errors
    ///
    /// As for any call; [`ErrorKind::InvalidRequest`] if the link is not a URL.
    pub async fn next_page<T: DeserializeOwned>(
        &self,
        page: &Page<T>,
    ) -> Result<Option<Page<T>>, Error> {
        let Some(next) = page.next_page_url.as_deref() else {
            return Ok(None);
        };
        let parsed = url::Url::parse(next)
            .map_err(|e| ErrorKind::InvalidRequest(format!("bad next_page_url: {e}")))?;
        let mut path = parsed.path().to_owned();
        if let Some(q) = parsed.query() {
            path.push('?');
            path.push_str(q);
        }
        let call = self.get(page.service, &path);
        self.page(page.service, call).await.map(Some)
    }

    /// Downloads a file from an arbitrary URL (a Discord attachment, a media temporary URL)
    /// without Twilio credentials, refusing bodies over `max_bytes`. Returns the bytes and the
    /// `Content-Type`, if any.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BodyTooLarge`] past the limit; otherwise as for any call.
    pub async fn download(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<(Bytes, Option<String>), Error> {
        let mut call = Call::new(Method::GET, url.to_owned());
        call.authenticated = false;
        call.max_bytes = Some(max_bytes);
        let response = self.send(call).await?;
        Ok((response.body, response.content_type))
    }

    /// Sends with retries; returns the response for 2xx, an [`ErrorKind::Api`] otherwise.
    pub(crate) async fn send(&self, call: Call) -> Result<Response, Error> {
        let retry = self.inner.retry;
        let mut attempt = 0u32;
        loop {
            let result = {
                let _permit = self.inner.permits.acquire().await.map_err(|_| {
                    ErrorKind::InvalidRequest("client concurrency limiter closed".into())
                })?;
                tokio::time::timeout(self.inner.timeout, self.send_once(&call)).await
            };
            let (outcome, result) = match result {
                Err(_elapsed) => (Attempt::Timeout, Err(ErrorKind::Timeout.into())),
                Ok(Err(e)) if matches!(e.kind(), ErrorKind::Transport(_)) => {
                    (Attempt::Transport, Err(e))
                }
                Ok(Err(e)) => return Err(e),
                Ok(Ok((response, retry_after))) => {
                    let status = response.status.as_u16();
                    let outcome = Attempt::Status {
                        status,
                        retry_after,
                    };
                    if response.status.is_success() {
                        return Ok(response);
                    }
                    (outcome, Err(api_error(&response)))
                }
            };
            match retry.decide(attempt, outcome, call.repeatable, rand::random::<f64>()) {
                Decision::Stop => return result,
                Decision::RetryAfter(wait) => {
                    tracing::debug!(method = %call.method, ?outcome, ?wait, attempt, "retrying twilio call");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn send_once(&self, call: &Call) -> Result<(Response, Option<Duration>), Error> {
        let mut builder = Request::builder()
            .method(call.method.clone())
            .uri(&call.url)
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("flexcord-twilio-flex/", env!("CARGO_PKG_VERSION")),
            );
        if call.authenticated {
            let mut auth = HeaderValue::from_str(&self.inner.credentials.basic_header())
                .map_err(|_| ErrorKind::InvalidRequest("credentials are not header-safe".into()))?;
            auth.set_sensitive(true);
            builder = builder.header(header::AUTHORIZATION, auth);
        }
        if call.webhook_enabled {
            builder = builder.header("X-Twilio-Webhook-Enabled", "true");
        }
        let body = match &call.body {
            Some((bytes, content_type)) => {
                builder = builder.header(header::CONTENT_TYPE, content_type.as_str());
                Full::new(bytes.clone())
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder
            .body(body)
            .map_err(|e| ErrorKind::InvalidRequest(format!("cannot build request: {e}")))?;
        let response = self
            .inner
            .http
            .request(request)
            .await
            .map_err(|e| ErrorKind::Transport(Box::new(e)))?;
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let retry_after = header_text(header::RETRY_AFTER).and_then(parse_retry_after);
        let content_type = header_text(header::CONTENT_TYPE).map(str::to_owned);
        let limit = call.max_bytes.unwrap_or(self.inner.max_response_bytes);
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Error::from(ErrorKind::BodyTooLarge { limit })
                } else {
                    Error::from(ErrorKind::Transport(e))
                }
            })?;
        Ok((
            Response {
                status,
                content_type,
                body: body.to_bytes(),
            },
            retry_after,
        ))
    }
}

/// Decodes a JSON body, keeping a bounded copy of it on failure.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|source| {
        ErrorKind::Decode {
            body: bounded_text(body),
            source,
        }
        .into()
    })
}

/// At most 1 KiB of a body, as text, for error messages and logs.
pub(crate) fn bounded_text(body: &[u8]) -> String {
    let cut = &body[..body.len().min(1024)];
    String::from_utf8_lossy(cut).into_owned()
}

fn api_error(response: &Response) -> Error {
    let status = response.status.as_u16();
    let error = serde_json::from_slice::<TwilioError>(&response.body)
        .ok()
        .filter(|e| e.code.is_some() || !e.message.is_empty())
        .unwrap_or_else(|| TwilioError {
            code: None,
            message: bounded_text(&response.body).chars().take(200).collect(),
            more_info: None,
            status: Some(status),
        });
    ErrorKind::Api { status, error }.into()
}

/// Percent-encodes one path segment (identities such as `discord:42` go into paths).
pub(crate) fn segment(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SET).to_string()
}

/// Appends a query string built from pairs.
pub(crate) fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    format!("{path}?{}", q.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_base_url_replaces_every_host() {
        let b = BaseUrls::single("http://127.0.0.1:9/twilio/");
        assert_eq!(b.get(Service::Media), "http://127.0.0.1:9/twilio");
        assert_eq!(b.get(Service::Flex), b.get(Service::Conversations));
    }

    #[test]
    fn segments_and_queries_are_encoded() {
        assert_eq!(segment("discord:42"), "discord%3A42");
        assert_eq!(
            with_query(
                "/v1/ParticipantConversations",
                &[("Identity", "discord:1 x".into())]
            ),
            "/v1/ParticipantConversations?Identity=discord%3A1+x"
        );
    }

    #[test]
    fn non_json_error_bodies_are_kept_as_message() {
        let r = Response {
            status: StatusCode::BAD_GATEWAY,
            content_type: None,
            body: Bytes::from_static(b"upstream down"),
        };
        let e = api_error(&r);
        assert_eq!(e.status(), Some(502));
        assert_eq!(
            e.twilio().map(|t| t.message.as_str()),
            Some("upstream down")
        );
    }

    #[tokio::test]
    async fn client_debug_hides_the_token() {
        let client = ClientBuilder::new(Credentials::auth_token("AC1", "very-secret-token"))
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("AC1"));
        assert!(!shown.contains("very-secret-token"));
    }

    #[test]
    fn only_reads_and_deletes_are_repeatable() {
        assert!(Call::new(Method::GET, String::new()).repeatable);
        assert!(Call::new(Method::DELETE, String::new()).repeatable);
        assert!(!Call::new(Method::POST, String::new()).repeatable);
    }
}
