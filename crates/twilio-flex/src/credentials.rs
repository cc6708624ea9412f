//! REST credentials: account SID + auth token, or API key + secret. Secrets never reach `Debug`.

use std::fmt;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};

/// How the client authenticates (HTTP Basic).
///
/// Webhook signatures are a separate matter: they are always keyed with the account's primary
/// auth token (see [`crate::webhook::SignatureValidator`]), never with an API key.
#[derive(Clone)]
pub struct Credentials {
    account_sid: String,
    username: String,
    password: SecretString,
}

impl Credentials {
    /// Account SID (`AC…`) and its auth token.
    #[must_use]
    pub fn auth_token(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        let account_sid = account_sid.into();
        Self {
            username: account_sid.clone(),
            account_sid,
            password: SecretString::from(auth_token.into()),
        }
    }

    /// An API key (`SK…`) and its secret, for the given account.
    #[must_use]
    pub fn api_key(
        account_sid: impl Into<String>,
        key_sid: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            account_sid: account_sid.into(),
            username: key_sid.into(),
            password: SecretString::from(secret.into()),
        }
    }

    /// The account the credentials belong to.
    #[must_use]
    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// The `Authorization` header value.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password.expose_secret());
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_sid", &self.account_sid)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let c = Credentials::auth_token("AC123", "s3cr3t-token");
        let shown = format!("{c:?}");
        assert!(shown.contains("AC123"));
        assert!(!shown.contains("s3cr3t-token"));
    }

    #[test]
    fn basic_header_uses_key_sid_for_api_keys() {
        let c = Credentials::api_key("AC1", "SK1", "pw");
        let expected = base64::engine::general_purpose::STANDARD.encode("SK1:pw");
        assert_eq!(c.basic_header(), format!("Basic {expected}"));
        assert_eq!(c.account_sid(), "AC1");
    }
}
