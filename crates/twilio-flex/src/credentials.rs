//! REST credentials: account SID + auth token, or API key + secret. Secrets never reach `Debug`.

use std::fmt;

use flexcord_http::Auth;
use secrecy::SecretString;

/// How the client authenticates: HTTP Basic, with either of Twilio's two credential kinds.
///
/// - [`Credentials::auth_token`]: the account SID (`AC…`) and its auth token. Simple, but the
///   token is the account's master key.
/// - [`Credentials::api_key`]: an API key SID (`SK…`) and its secret, for the account. Twilio
///   recommends these for production: a key can be revoked alone, and a restricted key can be
///   limited to the APIs this client calls.
///
/// Either way requests go to the same URLs; only the Basic user name and password differ.
/// Webhook signatures are a separate matter: they are always keyed with the account's primary
/// auth token (see [`crate::webhook::SignatureValidator`]), never with an API key.
///
/// ```
/// use twilio_flex::Credentials;
///
/// let by_token = Credentials::auth_token("ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "auth-token");
/// let by_key = Credentials::api_key(
///     "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
///     "SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
///     "key-secret",
/// );
/// assert_eq!(by_token.account_sid(), by_key.account_sid());
/// assert!(!format!("{by_key:?}").contains("key-secret"));
/// ```
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

    /// The HTTP core's Basic credentials.
    pub(crate) fn auth(&self) -> Auth {
        Auth::basic(self.username.clone(), self.password.clone())
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
    fn basic_auth_uses_the_key_sid_for_api_keys() {
        let c = Credentials::api_key("AC1", "SK1", "pw");
        let pair = c.auth().header_pair().ok().flatten();
        let value = pair.map(|(_, v)| v.to_str().map(str::to_owned).unwrap_or_default());
        assert_eq!(value, Some("Basic U0sxOnB3".to_owned())); // base64("SK1:pw")
        assert_eq!(c.account_sid(), "AC1");
    }
}
