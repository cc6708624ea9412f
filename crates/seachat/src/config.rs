//! What the SeaChat client needs to know: where the bot is, its key (`SEACHAT_URL`,
//! `SEACHAT_API_KEY`), and how long a user waits. The shape is [`flexcord_http::ServiceConfig`];
//! this module only sets SeaChat's default.

use std::time::Duration;

use flexcord_http::{Service, ServiceConfig};

/// Settings for a [`crate::Client`]: `/v1/turns` is appended to the URL's path, and the timeout
/// is the deadline for a whole turn, retries included.
pub type Config = ServiceConfig<SeaChat>;

/// The SeaChat service, as a [`Config`] type parameter.
#[derive(Debug, Clone, Copy)]
pub enum SeaChat {}

impl Service for SeaChat {
    /// How long a user waits for the bot unless configured otherwise.
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_four_seconds_and_hides_the_key() {
        let config = Config::new("https://bot.example.com/api", "sk-very-secret");
        let config = config.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.timeout, Duration::from_secs(4));
        assert!(!format!("{config:?}").contains("sk-very-secret"));
    }
}
