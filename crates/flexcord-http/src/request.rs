//! Requests as plain values: method, URL, headers, an optional body (JSON, a form, raw bytes),
//! whether repeating it is safe, and the per-request exceptions to the client's settings (no
//! credentials, another size limit, redirects). Built once, sent (and possibly re-sent) by
//! [`crate::HttpClient::send`].

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use serde::Serialize;
use url::Url;

use crate::error::{Error, ErrorKind};

/// One HTTP request.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Bytes>,
    idempotent: bool,
    credentials: bool,
    max_response_bytes: Option<usize>,
    max_redirects: usize,
}

impl Request {
    /// A request without a body. It counts as idempotent when the method is (`GET`, `HEAD`,
    /// `PUT`, `DELETE`, `OPTIONS`); see [`Request::idempotent`] to say otherwise.
    pub fn new(method: Method, url: Url) -> Self {
        let idempotent = method.is_idempotent();
        Self {
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotent,
            credentials: true,
            max_response_bytes: None,
            max_redirects: 0,
        }
    }

    /// A request to a URL given as text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidUrl`] when `url` does not parse (the message names the parse error,
    /// not the URL, which may carry a signed query).
    pub fn parse(method: Method, url: &str) -> Result<Self, Error> {
        let url = Url::parse(url).map_err(|e| Error::invalid_url(format!("not a URL: {e}")))?;
        Ok(Self::new(method, url))
    }

    /// A `GET`.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A `POST` (not idempotent unless marked so).
    pub fn post(url: Url) -> Self {
        Self::new(Method::POST, url)
    }

    /// A `PATCH` (not idempotent unless marked so).
    pub fn patch(url: Url) -> Self {
        Self::new(Method::PATCH, url)
    }

    /// A `DELETE`.
    pub fn delete(url: Url) -> Self {
        Self::new(Method::DELETE, url)
    }

    /// Sets a body of any type (a form, an uploaded file) and its `Content-Type`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when `content_type` cannot be a header value.
    pub fn bytes(mut self, content_type: &str, body: impl Into<Bytes>) -> Result<Self, Error> {
        let value = HeaderValue::from_str(content_type).map_err(|_| {
            Error::invalid_request("the content type has characters a header cannot carry")
        })?;
        self.headers.insert(CONTENT_TYPE, value);
        self.body = Some(body.into());
        Ok(self)
    }

    /// Sets an `application/x-www-form-urlencoded` body from pairs, in order (repeated keys
    /// stay repeated).
    pub fn form<'a>(mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            out.append_pair(k, v);
        }
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self.body = Some(Bytes::from(out.finish()));
        self
    }

    /// Sends the request without the client's credentials: a download from a URL someone else
    /// handed out (a Discord attachment, a pre-signed media link) must never see them.
    pub fn without_credentials(mut self) -> Self {
        self.credentials = false;
        self
    }

    /// Accepts a response body up to `limit` bytes instead of the client's limit.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Follows up to `max` redirects (`3xx` with a `Location`), as `GET`s without a body.
    /// Credentials are never sent after a redirect, wherever it leads. Default 0: a `3xx` is an
    /// [`ErrorKind::Status`] error.
    pub fn follow_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when `body` does not serialize (a map with non-string
    /// keys, say).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::with_source(
                ErrorKind::InvalidRequest("body does not serialize".into()),
                e,
            )
        })?;
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets a header, replacing any earlier value.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] when `value` has characters a header cannot carry. The
    /// message names the header, not the value.
    pub fn header(mut self, name: HeaderName, value: &str) -> Result<Self, Error> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_request(format!("the {name} header value has forbidden characters"))
        })?;
        self.headers.insert(name, value);
        Ok(self)
    }

    /// Marks the request safe (or unsafe) to repeat: a `POST` carrying an idempotency key is, a
    /// `PATCH` that sets absolute values is.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The method.
    #[must_use]
    pub const fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    #[must_use]
    pub const fn url(&self) -> &Url {
        &self.url
    }

    /// The headers set so far (the client adds authentication, `Accept` and `User-Agent`).
    #[must_use]
    pub const fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, if any.
    #[must_use]
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    pub(crate) fn body_bytes(&self) -> Bytes {
        self.body.clone().unwrap_or_default()
    }

    /// Whether the retry policy may repeat it after a timeout or `5xx`.
    #[must_use]
    pub const fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Whether the client's credentials go with it.
    #[must_use]
    pub const fn sends_credentials(&self) -> bool {
        self.credentials
    }

    /// The response size limit set on this request, if any.
    #[must_use]
    pub const fn response_limit(&self) -> Option<usize> {
        self.max_response_bytes
    }

    /// How many redirects are followed.
    #[must_use]
    pub const fn redirects(&self) -> usize {
        self.max_redirects
    }
}

/// `base` with `segments` appended as path segments, each percent-encoded, so a hostile value
/// (`../admin`, `a/b`, `?x=1`) stays one segment. A base path is kept (`https://h/api` +
/// `["v1", "cases"]` = `https://h/api/v1/cases`); its query and fragment are dropped.
///
/// # Errors
///
/// [`ErrorKind::InvalidUrl`] unless `base` is an `http` or `https` URL with a host.
pub fn endpoint(base: &Url, segments: &[&str]) -> Result<Url, Error> {
    check_base(base)?;
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| Error::invalid_url(format!("{base} cannot be a base URL")))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Accepts `http` and `https` URLs with a host.
pub(crate) fn check_base(url: &Url) -> Result<(), Error> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_url(format!(
            "scheme {:?} is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_url("the URL has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn endpoint_appends_segments_to_the_base_path() {
        let cases = |base: &str| endpoint(&url(base), &["v1", "cases"]).map(String::from);
        assert_eq!(
            cases("http://h:1").ok().as_deref(),
            Some("http://h:1/v1/cases")
        );
        assert_eq!(
            cases("http://h/api").ok().as_deref(),
            Some("http://h/api/v1/cases")
        );
        assert_eq!(
            cases("https://h/api/").ok().as_deref(),
            Some("https://h/api/v1/cases")
        );
        assert_eq!(
            cases("https://h/api?x=1#f").ok().as_deref(),
            Some("https://h/api/v1/cases")
        );
    }

    #[test]
    fn endpoint_encodes_hostile_segments() {
        let u = endpoint(&url("http://h"), &["v1", "../admin?x=1"]).map(String::from);
        assert_eq!(u.ok().as_deref(), Some("http://h/v1/..%2Fadmin%3Fx=1"));
    }

    #[test]
    fn endpoint_rejects_other_schemes() {
        assert!(endpoint(&url("ftp://h/"), &["x"]).is_err());
        assert!(endpoint(&url("mailto:a@b"), &["x"]).is_err());
        assert!(endpoint(&url("file:///tmp"), &["x"]).is_err());
    }

    #[test]
    fn idempotency_follows_the_method_unless_overridden() {
        let u = url("http://h");
        assert!(Request::get(u.clone()).is_idempotent());
        assert!(!Request::post(u.clone()).is_idempotent());
        assert!(!Request::patch(u.clone()).is_idempotent());
        assert!(Request::post(u).idempotent(true).is_idempotent());
    }

    #[test]
    fn json_sets_body_and_content_type() {
        let r = Request::post(url("http://h")).json(&serde_json::json!({"a": 1}));
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.body(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(
            r.headers().get(CONTENT_TYPE).map(HeaderValue::as_bytes),
            Some(&b"application/json"[..])
        );
    }

    #[test]
    fn form_keeps_order_and_repeated_keys() {
        let r = Request::post(url("http://h")).form([
            ("Configuration.Filters", "onMessageAdded"),
            ("Configuration.Filters", "onParticipantAdded"),
            ("Body", "a&b"),
        ]);
        assert_eq!(
            r.body(),
            Some(
                &b"Configuration.Filters=onMessageAdded&Configuration.Filters=onParticipantAdded&Body=a%26b"[..]
            )
        );
        assert!(!r.is_idempotent());
    }

    #[test]
    fn bytes_refuses_a_content_type_with_a_newline() {
        assert!(
            Request::post(url("http://h"))
                .bytes("a\nb", vec![1])
                .is_err()
        );
        let r = Request::post(url("http://h")).bytes("image/png", vec![1, 2]);
        assert_eq!(
            r.ok().and_then(|r| r.body().map(<[u8]>::to_vec)),
            Some(vec![1, 2])
        );
    }

    #[test]
    fn parse_does_not_echo_the_url() {
        let msg = Request::parse(Method::GET, "not a url?token=secret")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!msg.contains("secret"), "{msg}");
    }

    #[test]
    fn header_rejects_newlines_without_echoing_the_value() {
        let r = Request::get(url("http://h"))
            .header(HeaderName::from_static("idempotency-key"), "a\r\nb");
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("idempotency-key"), "{msg}");
        assert!(!msg.contains("a\r\nb"));
    }
}
