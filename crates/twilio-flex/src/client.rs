//! The Twilio side of the plumbing: [`ClientBuilder`] and [`Client`] on the shared HTTP core
//! (`flexcord-http`: hyper 1 + rustls, timeouts, the concurrency limit, bounded bodies and the one
//! retry policy), plus what only Twilio has: one base URL per product, Basic auth from
//! [`Credentials`], `X-Twilio-Webhook-Enabled`, and Twilio's JSON error bodies.
//!
//! Endpoint methods live beside their models in `api/*`; this file knows nothing about them.

use std::time::Duration;

use bytes::Bytes;
use flexcord_http::http::{HeaderName, Method};
use flexcord_http::{ConcurrencyLimit, HttpClient, Request, RetryPolicy};
use serde::de::DeserializeOwned;

use crate::credentials::Credentials;
use crate::error::{Error, ErrorKind};
use crate::form::Form;
use crate::page::Page;

const WEBHOOK_ENABLED: HeaderName = HeaderName::from_static("x-twilio-webhook-enabled");

/// The Twilio products this client talks to; each has its own host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Conversations,
    Flex,
    Studio,
    Media,
    TaskRouter,
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
    /// TaskRouter v1 (hand-off tasks read back; `flexcord check`). Default `https://taskrouter.twilio.com`.
    pub taskrouter: String,
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
            taskrouter: "https://taskrouter.twilio.com".into(),
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
            media: base.clone(),
            taskrouter: base,
        }
    }

    fn get(&self, service: Service) -> &str {
        match service {
            Service::Conversations => &self.conversations,
            Service::Flex => &self.flex,
            Service::Studio => &self.studio,
            Service::Media => &self.media,
            Service::TaskRouter => &self.taskrouter,
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
    concurrency: ConcurrencyLimit,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

impl ClientBuilder {
    /// Defaults: Twilio's hosts, 15 s timeout per attempt, 8 requests in flight (fixed; see
    /// [`ClientBuilder::concurrency`] for an adaptive limit),
    /// [`ClientBuilder::default_retry_policy`], responses up to 4 MiB.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            base_urls: BaseUrls::twilio(),
            timeout: Duration::from_secs(15),
            concurrency: ConcurrencyLimit::fixed(8),
            retry: Self::default_retry_policy(),
            max_response_bytes: 4 * 1024 * 1024,
        }
    }

    /// Four attempts, full-jitter backoff from 100 ms up to 3 s, and a server's `Retry-After`
    /// waited for up to 30 s (Twilio: "Requests that receive 429 responses aren't processed and
    /// are safe to retry after backing off").
    pub const fn default_retry_policy() -> RetryPolicy {
        RetryPolicy::new(4, Duration::from_millis(100), Duration::from_secs(3))
            .with_max_retry_after(Duration::from_secs(30))
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
        self.concurrency = ConcurrencyLimit::fixed(n);
        self
    }

    /// Uses `limit` (fixed or adaptive, e.g. `ConcurrencyLimit::adaptive`). Twilio limits
    /// concurrency per account: give every client of one account clones of the same limit, so
    /// they share it.
    pub fn concurrency(mut self, limit: ConcurrencyLimit) -> Self {
        self.concurrency = limit;
        self
    }

    /// How to retry (the rules are `flexcord_http`'s; this sets the bounds).
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
    /// [`ErrorKind::InvalidRequest`] when the credentials cannot be a header value or TLS
    /// cannot be set up.
    pub fn build(self) -> Result<Client, Error> {
        let http = HttpClient::builder()
            .timeout(self.timeout)
            .max_response_bytes(self.max_response_bytes)
            .auth(self.credentials.auth())
            .retry(self.retry)
            .concurrency(self.concurrency.clone())
            .user_agent(concat!("flexcord-twilio-flex/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::from_http)?;
        Ok(Client {
            http,
            concurrency: self.concurrency,
            credentials: self.credentials,
            base_urls: self.base_urls,
        })
    }
}

/// A Twilio REST client for Conversations v1, Flex Interactions v1, Studio v2 and Media.
/// Cheap to clone (shared connection pool, concurrency limit and credentials).
#[derive(Debug, Clone)]
pub struct Client {
    http: HttpClient,
    /// The limit `http` uses, kept to read its current value and `429` count.
    concurrency: ConcurrencyLimit,
    credentials: Credentials,
    base_urls: BaseUrls,
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

    fn into_request(self) -> Result<Request, Error> {
        let mut request = Request::parse(self.method, &self.url)
            .map_err(Error::from_http)?
            .idempotent(self.repeatable);
        if self.webhook_enabled {
            request = request
                .header(WEBHOOK_ENABLED, "true")
                .map_err(Error::from_http)?;
        }
        if let Some((bytes, content_type)) = self.body {
            request = request
                .bytes(&content_type, bytes)
                .map_err(Error::from_http)?;
        }
        Ok(request)
    }
}

impl Client {
    /// A builder with the given credentials.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder::new(credentials)
    }

    /// The account the client acts for.
    #[must_use]
    pub fn account_sid(&self) -> &str {
        self.credentials.account_sid()
    }

    /// The concurrency limit this client (and its clones) sends under: its current value and
    /// the `429`s it has counted, for metrics.
    #[must_use]
    pub const fn concurrency(&self) -> &ConcurrencyLimit {
        &self.concurrency
    }

    pub(crate) fn url(&self, service: Service, path: &str) -> String {
        format!(
            "{}{path}",
            self.base_urls.get(service).trim_end_matches('/')
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
        let body = self.send(call).await?;
        decode(&body)
    }

    /// Sends and decodes a list page.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        service: Service,
        call: Call,
    ) -> Result<Page<T>, Error> {
        let body = self.send(call).await?;
        Page::decode(&body, service)
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
        let parsed = flexcord_http::url::Url::parse(next)
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
        let request = Request::parse(Method::GET, url)
            .map_err(Error::from_http)?
            .without_credentials()
            .max_response_bytes(max_bytes);
        let response = self.http.send(request).await.map_err(Error::from_http)?;
        let content_type = response.content_type().map(str::to_owned);
        Ok((response.into_body(), content_type))
    }

    /// Sends with the shared client (its retries, limit and timeout); returns the body of a
    /// 2xx, an [`ErrorKind::Api`] for any other status.
    pub(crate) async fn send(&self, call: Call) -> Result<Bytes, Error> {
        let response = self
            .http
            .send(call.into_request()?)
            .await
            .map_err(Error::from_http)?;
        Ok(response.into_body())
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
