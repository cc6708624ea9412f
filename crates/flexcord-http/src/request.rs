//! Requests as plain values: method, URL, headers, an optional JSON body, and whether repeating
//! it is safe. Built once, sent (and possibly re-sent) by [`crate::HttpClient::send`].

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
        }
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
    fn header_rejects_newlines_without_echoing_the_value() {
        let r = Request::get(url("http://h"))
            .header(HeaderName::from_static("idempotency-key"), "a\r\nb");
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("idempotency-key"), "{msg}");
        assert!(!msg.contains("a\r\nb"));
    }
}
