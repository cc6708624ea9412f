//! The one HTTP client core of the workspace, shared by every client crate: the Twilio client
//! (`twilio-flex`), the remote virtual agent (`seachat`), the remote case system (`cases`) and
//! the Discord adapter's file downloads. One hyper + rustls client with a per-attempt timeout,
//! a bounded response body, Basic, bearer or API-key-header authentication whose secret never
//! shows in `Debug`, a concurrency limit ([`ConcurrencyLimit`]: fixed, or adaptive by the pure
//! AIMD rule in [`aimd`]), redirects on request, and one pure, unit-tested retry policy (full-jitter
//! exponential backoff; `429` always, honouring `Retry-After`; `5xx` and timeouts only for
//! requests safe to repeat).
//!
//! It is **not** an adapter: it knows nothing about flexcord's domain or ports and does not depend
//! on `flexcord-core`. Each client crate builds its requests with it and maps [`Error`] (which
//! keeps its cause as [`std::error::Error::source`]) into its own error type. What flexcord's
//! two remote contracts share (a service's URL, bearer key and timeout; the
//! `{"error":{"code","message"}}` error body) lives here once too.
//!
//! # Layout
//! - [`client`]: [`HttpClient`] and its builder; sends a [`Request`] and returns a [`Response`].
//! - [`request`]: [`Request`] values and [`endpoint`] for joining a base URL and path segments.
//! - [`auth`]: [`Auth`] (Basic, bearer or custom header), secret redacted.
//! - [`limit`]: [`ConcurrencyLimit`], requests in flight per client (or per set of clients
//!   sharing it), fixed or adaptive.
//! - [`aimd`]: [`Aimd`], the adaptive limit's bounds, and [`AimdState::next`], its decision.
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

#![warn(missing_docs)]

pub mod aimd;
pub mod auth;
pub mod client;
pub mod error;
pub mod error_body;
pub mod limit;
pub mod request;
pub mod retry;
pub mod service;

// Re-exported so adapters name headers, methods and statuses without their own `http` and
// `url` dependencies drifting from this crate's.
pub use http;
pub use url;

pub use aimd::{Aimd, AimdState, Started};
pub use auth::Auth;
pub use client::{HttpClient, HttpClientBuilder, Response};
pub use error::{Error, ErrorKind};
pub use error_body::{ApiError, ErrorBody, describe_status};
pub use limit::{ConcurrencyLimit, Observation};
pub use request::{Request, endpoint};
pub use retry::{Decision, RetryPolicy};
pub use service::{Service, ServiceConfig};
