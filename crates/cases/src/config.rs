//! What the case client needs to know: where the case system is, its key (`CASES_URL`,
//! `CASES_API_KEY`), and the per-request timeout. The shape is [`flexcord_http::ServiceConfig`];
//! this module only sets the case system's default.

use std::time::Duration;

use flexcord_http::{Service, ServiceConfig};

/// Settings for a [`crate::Client`]: `/v1/cases` is appended to the URL's path, and the timeout
/// bounds each attempt (retries get it again).
pub type Config = ServiceConfig<CaseSystem>;

/// The case-management system, as a [`Config`] type parameter.
#[derive(Debug, Clone, Copy)]
pub enum CaseSystem {}

impl Service for CaseSystem {
    /// The per-attempt timeout unless configured otherwise.
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
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
}
