//! [`ServiceConfig`]: where a remote service is, its bearer key and the timeout, checked once at
//! startup and turned into an [`HttpClient`]. Each adapter crate names its own service (a
//! [`Service`] marker with the default timeout) and aliases the config, so both adapters share one
//! definition while keeping their own defaults.

use std::marker::PhantomData;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::auth::Auth;
use crate::client::HttpClient;
use crate::error::Error;
use crate::request::check_base;
use crate::retry::RetryPolicy;

/// A remote service a [`ServiceConfig`] describes. Implemented by an uninhabited marker type in
/// each adapter crate; it only carries what differs between services.
pub trait Service {
    /// The timeout [`ServiceConfig::new`] starts with.
    const DEFAULT_TIMEOUT: Duration;
}

/// Settings for a client of the remote service `S`. `Debug` shows the URL and timeout, never
/// the key.
#[derive(Debug, Clone)]
pub struct ServiceConfig<S> {
    /// The service's base URL; the client appends its endpoints' paths to its path.
    pub url: Url,
    /// Sent as `Authorization: Bearer <key>`.
    pub api_key: SecretString,
    /// How long a call may take. Each adapter documents whether this bounds one attempt or the
    /// whole call, retries included.
    pub timeout: Duration,
    service: PhantomData<fn() -> S>,
}

impl<S: Service> ServiceConfig<S> {
    /// The timeout unless configured otherwise: `S`'s.
    pub const DEFAULT_TIMEOUT: Duration = S::DEFAULT_TIMEOUT;

    /// A config with [`Self::DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::InvalidUrl`] unless `url` is an absolute `http` or `https` URL with a
    /// host.
    pub fn new(url: &str, api_key: impl Into<SecretString>) -> Result<Self, Error> {
        let url = Url::parse(url).map_err(|e| Error::invalid_url(format!("{url:?}: {e}")))?;
        // Validated now, so a typo fails at startup rather than on the first call.
        check_base(&url)?;
        Ok(Self {
            url,
            api_key: api_key.into(),
            timeout: Self::DEFAULT_TIMEOUT,
            service: PhantomData,
        })
    }
}

impl<S> ServiceConfig<S> {
    /// The same config with another timeout.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// An [`HttpClient`] for this service: [`Self::timeout`] per attempt, the key as a bearer
    /// token, and `retry`.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::InvalidRequest`] for an API key with characters a header cannot
    /// carry.
    pub fn http_client(&self, retry: RetryPolicy) -> Result<HttpClient, Error> {
        HttpClient::builder()
            .timeout(self.timeout)
            .auth(Auth::Bearer(self.api_key.clone()))
            .retry(retry)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy)]
    enum Example {}

    impl Service for Example {
        const DEFAULT_TIMEOUT: Duration = Duration::from_secs(7);
    }

    type Config = ServiceConfig<Example>;

    #[test]
    fn starts_with_the_services_default_timeout_and_hides_the_key() {
        let config = Config::new("https://crm.example.com/api", "sk-very-secret");
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.timeout, Duration::from_secs(7));
        assert_eq!(config.url.as_str(), "https://crm.example.com/api");
        assert!(!format!("{config:?}").contains("sk-very-secret"));
        let config = config.with_timeout(Duration::from_secs(1));
        assert_eq!(config.timeout, Duration::from_secs(1));
    }

    #[test]
    fn rejects_urls_that_are_not_http() {
        assert!(Config::new("crm.example.com", "k").is_err());
        assert!(Config::new("ftp://crm.example.com", "k").is_err());
        assert!(Config::new("bot.example.com", "k").is_err());
        assert!(Config::new("ftp://bot.example.com", "k").is_err());
        assert!(Config::new("", "k").is_err());
    }

    #[test]
    fn a_key_a_header_cannot_carry_fails_when_the_client_is_built() {
        let config = Config::new("http://127.0.0.1:1", "a\nb").unwrap_or_else(|e| panic!("{e}"));
        assert!(config.http_client(RetryPolicy::none()).is_err());
        let config = Config::new("http://127.0.0.1:1", "ok").unwrap_or_else(|e| panic!("{e}"));
        assert!(config.http_client(RetryPolicy::none()).is_ok());
    }
}
