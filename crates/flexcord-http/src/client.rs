//! [`HttpClient`]: hyper 1 + rustls (ring, webpki roots) over `http` and `https`, with a
//! per-attempt timeout, a response size limit, authentication, a concurrency limit, redirects
//! when a request asks for them, and the one retry loop of the workspace.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT,
};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;

use crate::auth::Auth;
use crate::error::{Error, ErrorKind};
use crate::limit::{ConcurrencyLimit, Observation};
use crate::request::{Request, check_base};
use crate::retry::{Decision, RetryPolicy};

type Connector = HttpsConnector<HttpConnector>;

/// A JSON-over-HTTP client. Cheap to clone (the connection pool is shared); build one per remote
/// service.
#[derive(Clone)]
pub struct HttpClient {
    inner: Client<Connector, Full<Bytes>>,
    timeout: Duration,
    max_response_bytes: usize,
    auth: Auth,
    retry: RetryPolicy,
    limit: ConcurrencyLimit,
    user_agent: HeaderValue,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Configures an [`HttpClient`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until built"]
pub struct HttpClientBuilder {
    timeout: Duration,
    max_response_bytes: usize,
    auth: Auth,
    retry: RetryPolicy,
    limit: ConcurrencyLimit,
    user_agent: String,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_response_bytes: 1024 * 1024,
            auth: Auth::None,
            retry: RetryPolicy::default(),
            limit: ConcurrencyLimit::unlimited(),
            user_agent: concat!("flexcord/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl HttpClientBuilder {
    /// How long one attempt may take, from connecting to the last byte of the body (default
    /// 10 s). Retries each get the full timeout again.
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted (default 1 MiB); larger ones fail with
    /// [`ErrorKind::TooLarge`] without being read in full.
    pub const fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Credentials for every request (default none).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub const fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How many requests may be in flight at once, over every clone of the client (default
    /// unlimited). Waiting for room does not count against the per-attempt timeout.
    pub fn concurrency(mut self, limit: ConcurrencyLimit) -> Self {
        self.limit = limit;
        self
    }

    /// The `User-Agent` header (default `flexcord/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client. Needs no runtime; sending requests needs a tokio runtime with timers.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when the credential or user agent cannot be a header
    /// value, or TLS cannot be set up.
    pub fn build(self) -> Result<HttpClient, Error> {
        // Checked now so a bad secret fails at startup, not on the first request.
        self.auth.header_pair()?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::invalid_request("the user agent has forbidden characters"))?;

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.timeout));
        // The provider is chosen explicitly, so nothing depends on a process-wide default being
        // installed (or on which rustls backend another crate enabled).
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| {
                Error::with_source(ErrorKind::InvalidRequest("TLS setup failed".into()), e)
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);

        Ok(HttpClient {
            inner,
            timeout: self.timeout,
            max_response_bytes: self.max_response_bytes,
            auth: self.auth,
            retry: self.retry,
            limit: self.limit,
            user_agent,
        })
    }
}

/// A successful (2xx) response, body read in full.
#[derive(Debug, Clone)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Response {
    /// The status (always 2xx).
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    #[must_use]
    pub const fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The `Content-Type`, when the server sent a readable one.
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }

    /// The body, owned (cheap: it is reference-counted).
    #[must_use]
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as JSON.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`] when it is not a `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(Error::decode)
    }
}

impl HttpClient {
    /// A builder with the defaults.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    /// The per-attempt timeout.
    #[must_use]
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `request`, retrying as the [`RetryPolicy`] allows, and returns the 2xx response.
    ///
    /// # Errors
    ///
    /// The last attempt's error: [`ErrorKind::Status`] for a non-2xx answer, and the other
    /// kinds as documented on [`ErrorKind`].
    pub async fn send(&self, request: Request) -> Result<Response, Error> {
        check_base(request.url())?;
        let uri = to_uri(request.url())?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = {
                let permit = self.limit.acquire().await;
                let result = self.attempt(&request, &uri).await;
                permit.observe(observation(&result));
                result
            };
            let error = match result {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            let jitter: f64 = rand::random();
            match self
                .retry
                .decide(attempt, &error, request.is_idempotent(), jitter)
            {
                Decision::Retry(wait) => tokio::time::sleep(wait).await,
                Decision::GiveUp => return Err(error),
            }
        }
    }

    /// Sends `request` and decodes the 2xx body as JSON.
    ///
    /// # Errors
    ///
    /// As for [`HttpClient::send`], plus [`ErrorKind::Decode`].
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T, Error> {
        self.send(request).await?.json()
    }

    /// One attempt, redirects included, within the timeout.
    async fn attempt(&self, request: &Request, uri: &hyper::Uri) -> Result<Response, Error> {
        let hops = async {
            let mut uri = uri.clone();
            let mut redirects = 0;
            loop {
                // Only the first hop carries the method, the body and the credentials.
                let first = redirects == 0;
                let http_request = self.build(request, &uri, first)?;
                let limit = request.response_limit().unwrap_or(self.max_response_bytes);
                let follow = redirects < request.redirects();
                match self.exchange(http_request, limit, follow).await? {
                    Hop::Done(response) => return Ok(response),
                    Hop::Redirect(location) => {
                        uri = redirect_target(&uri, &location)?;
                        redirects += 1;
                    }
                }
            }
        };
        tokio::time::timeout(self.timeout, hops)
            .await
            .unwrap_or_else(|_elapsed| Err(Error::new(ErrorKind::Timeout)))
    }

    fn build(
        &self,
        request: &Request,
        uri: &hyper::Uri,
        first: bool,
    ) -> Result<http::Request<Full<Bytes>>, Error> {
        let method = if first {
            request.method().clone()
        } else {
            Method::GET
        };
        let mut builder = http::Request::builder().method(method).uri(uri.clone());
        if let Some(headers) = builder.headers_mut() {
            if first {
                headers.extend(request.headers().clone());
            }
            headers
                .entry(ACCEPT)
                .or_insert(HeaderValue::from_static("application/json"));
            headers.insert(USER_AGENT, self.user_agent.clone());
            if first
                && request.sends_credentials()
                && let Some((name, value)) = self.auth.header_pair()?
            {
                headers.insert(name, value);
            }
        }
        let body = if first {
            request.body_bytes()
        } else {
            Bytes::new()
        };
        builder.body(Full::new(body)).map_err(|e| {
            Error::with_source(
                ErrorKind::InvalidRequest("request does not build".into()),
                e,
            )
        })
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
        limit: usize,
        follow: bool,
    ) -> Result<Hop, Error> {
        let response = self.inner.request(request).await.map_err(|e| {
            let kind = if e.is_connect() {
                ErrorKind::Connect
            } else {
                ErrorKind::Transport
            };
            Error::with_source(kind, e)
        })?;
        let (parts, body) = response.into_parts();
        if follow
            && parts.status.is_redirection()
            && let Some(location) = parts.headers.get(LOCATION)
        {
            return Ok(Hop::Redirect(location.clone()));
        }
        let too_large = Error::new(ErrorKind::TooLarge { limit });
        // Refuse up front when the server announces an oversized body; `Limited` catches the
        // ones that do not announce it (chunked) or lie.
        let announced = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = if announced.is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX)) {
            Err(too_large)
        } else {
            match Limited::new(body, limit).collect().await {
                Ok(collected) => Ok(collected.to_bytes()),
                Err(e) if e.is::<LengthLimitError>() => Err(too_large),
                Err(e) => Err(Error::with_source(ErrorKind::Transport, e)),
            }
        };
        if !parts.status.is_success() {
            // An error answer is reported by its status even when its body was unreadable.
            let body = body.unwrap_or_default();
            return Err(Error::status(
                parts.status,
                &body,
                retry_after(&parts.headers),
            ));
        }
        Ok(Hop::Done(Response {
            status: parts.status,
            headers: parts.headers,
            body: body?,
        }))
    }
}

fn to_uri(url: &url::Url) -> Result<hyper::Uri, Error> {
    url.as_str()
        .parse()
        .map_err(|e| Error::invalid_url(format!("{e}")))
}

fn observation(result: &Result<Response, Error>) -> Observation {
    match result {
        Ok(_) => Observation::Answered,
        Err(e) => match e.kind() {
            ErrorKind::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => {
                Observation::Overloaded
            }
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => Observation::NoAnswer,
            _ => Observation::Answered,
        },
    }
}

/// What one request/response exchange came to.
enum Hop {
    Done(Response),
    /// A `3xx` the request asked to follow, with its `Location`.
    Redirect(HeaderValue),
}

/// Resolves a `Location` against the URL that answered with it; only `http` and `https`
/// targets with a host are followed.
fn redirect_target(base: &hyper::Uri, location: &HeaderValue) -> Result<hyper::Uri, Error> {
    let bad = || Error::invalid_url("a redirect to an unusable Location");
    let base = url::Url::parse(&base.to_string()).map_err(|_| bad())?;
    let location = location.to_str().map_err(|_| bad())?;
    let target = base.join(location).map_err(|_| bad())?;
    check_base(&target)?;
    to_uri(&target)
}

/// `Retry-After` in seconds. The HTTP-date form is rare in APIs and ignored (the policy then
/// uses its own backoff).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_ignores_dates_and_garbage() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static(" 3 "));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn redirects_resolve_relative_locations_and_refuse_other_schemes() {
        let base: hyper::Uri = "https://example.com/a/b?x=1"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let target = redirect_target(&base, &HeaderValue::from_static("/c/d"));
        assert_eq!(
            target.ok().map(|u| u.to_string()).as_deref(),
            Some("https://example.com/c/d")
        );
        let target = redirect_target(&base, &HeaderValue::from_static("https://cdn.example/f"));
        assert_eq!(
            target.ok().map(|u| u.to_string()).as_deref(),
            Some("https://cdn.example/f")
        );
        assert!(redirect_target(&base, &HeaderValue::from_static("file:///etc/passwd")).is_err());
    }

    #[test]
    fn debug_hides_the_credential() {
        let client = HttpClient::builder().auth(Auth::bearer("hunter2")).build();
        let text = format!("{client:?}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn a_credential_with_a_newline_fails_at_build_time() {
        assert!(
            HttpClient::builder()
                .auth(Auth::bearer("a\nb"))
                .build()
                .is_err()
        );
    }
}
