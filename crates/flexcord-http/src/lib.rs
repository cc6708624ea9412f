//! A small JSON-over-HTTP client toolkit shared by flexcord's remote adapters (`seachat`,
//! `cases`): one hyper + rustls client with a per-request timeout, a bounded response body, bearer
//! or header authentication whose secret never shows in `Debug`, and a pure, unit-tested retry
//! policy (full-jitter exponential backoff; `429` honouring `Retry-After`; `5xx` and timeouts only
//! for idempotent requests).
//!
//! It is **not** an adapter: it knows nothing about flexcord's domain or ports and does not depend
//! on `flexcord-core`. Each adapter crate builds its requests with it and maps [`Error`] into its
//! port's error type. What the two remote contracts share (a service's URL, bearer key and
//! timeout; the `{"error":{"code","message"}}` error body) lives here once.
//!
//! # Layout
//! - [`client`]: [`HttpClient`] and its builder; sends a [`Request`] and returns a [`Response`].
//! - [`request`]: [`Request`] values and [`endpoint`] for joining a base URL and path segments.
//! - [`auth`]: [`Auth`] (bearer or custom header), secret redacted.
//! - [`retry`]: [`RetryPolicy`], the pure decision of whether and when to try again.
//! - [`error`]: [`Error`] and [`ErrorKind`].
//! - [`service`]: [`ServiceConfig`] (URL, bearer key, timeout) of one remote service, and the
//!   [`HttpClient`] it builds.
//! - [`error_body`]: [`ErrorBody`], the `{"error":{"code","message"}}` body of flexcord's
//!   contracts, and [`describe_status`].
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use flexcord_http::{Auth, HttpClient, Request, endpoint};
//!
//! # async fn demo() -> Result<(), flexcord_http::Error> {
//! let client = HttpClient::builder()
//!     .timeout(Duration::from_secs(5))
//!     .auth(Auth::bearer("s3cret"))
//!     .build()?;
//! let base = url::Url::parse("https://cases.example.com/api").map_err(flexcord_http::Error::invalid_url)?;
//! let url = endpoint(&base, &["v1", "cases", "1042"])?;
//! let case: serde_json::Value = client.send(Request::get(url)).await?.json()?;
//! # let _ = case;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod client;
pub mod error;
pub mod error_body;
pub mod request;
pub mod retry;
pub mod service;

// Re-exported so adapters name headers, methods and statuses without their own `http` and
// `url` dependencies drifting from this crate's.
pub use http;
pub use url;

pub use auth::Auth;
pub use client::{HttpClient, HttpClientBuilder, Response};
pub use error::{Error, ErrorKind};
pub use error_body::{ApiError, ErrorBody, describe_status};
pub use request::{Request, endpoint};
pub use retry::{Decision, RetryPolicy};
pub use service::{Service, ServiceConfig};
