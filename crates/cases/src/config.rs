//! What the case client needs to know: where the case system is, its key, and the per-request timeout.

use std::time::Duration;

use flexcord_http::Error;
use flexcord_http::url::Url;
use secrecy::SecretString;

/// Settings for a [`crate::Client`]. `Debug` shows the URL and timeout, never the key.
#[derive(Debug, Clone)]
pub struct Config {
    /// The case system's base URL (`CASES_URL`); `/v1/cases` is appended to its path.
    pub url: Url,
    /// Sent as `Authorization: Bearer <key>` (`CASES_API_KEY`).
    pub api_key: SecretString,
    /// The timeout of each attempt (retries get it again).
    pub timeout: Duration,
}

impl Config {
    /// The per-attempt timeout unless configured otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A config with the default timeout.
    ///
    /// # Errors
    ///
    /// [`flexcord_http::ErrorKind::InvalidUrl`] unless `url` is an absolute `http` or `https`
    /// URL with a host.
    pub fn new(url: &str, api_key: impl Into<SecretString>) -> Result<Self, Error> {
        let url = Url::parse(url).map_err(|e| Error::invalid_url(format!("{url:?}: {e}")))?;
        // Validated now, so a typo fails at startup rather than on the first case.
        flexcord_http::endpoint(&url, &[])?;
        Ok(Self {
            url,
            api_key: api_key.into(),
            timeout: Self::DEFAULT_TIMEOUT,
        })
    }

    /// The same config with another timeout.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_ten_seconds_and_hides_the_key() {
        let config = Config::new("https://crm.example.com/api", "sk-very-secret");
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.timeout, Duration::from_secs(10));
        assert!(!format!("{config:?}").contains("sk-very-secret"));
    }

    #[test]
    fn rejects_urls_that_are_not_http() {
        assert!(Config::new("crm.example.com", "k").is_err());
        assert!(Config::new("ftp://crm.example.com", "k").is_err());
        assert!(Config::new("", "k").is_err());
    }
}
