//! How requests authenticate: HTTP Basic (Twilio), a bearer token (flexcord's remote contracts)
//! or an API-key header, with the secret kept out of `Debug` output and logs.

use std::fmt;

use base64::Engine as _;
use http::HeaderName;
use http::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// Credentials added to every request a [`crate::HttpClient`] sends.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No authentication header.
    #[default]
    None,
    /// `Authorization: Basic base64(<username>:<password>)`.
    Basic {
        /// The user name (Twilio: the account SID, or an API key SID `SK…`). Not secret.
        username: String,
        /// The password (Twilio: the auth token, or the API key's secret).
        password: SecretString,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(SecretString),
    /// `<name>: <value>`, for APIs that use an API-key header such as `X-Api-Key`.
    Header {
        /// The header name.
        name: HeaderName,
        /// The secret value.
        value: SecretString,
    },
}

impl Auth {
    /// HTTP Basic credentials.
    #[must_use]
    pub fn basic(username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A bearer token.
    #[must_use]
    pub fn bearer(token: impl Into<SecretString>) -> Self {
        Self::Bearer(token.into())
    }

    /// A custom header carrying the secret.
    #[must_use]
    pub fn header(name: HeaderName, value: impl Into<SecretString>) -> Self {
        Self::Header {
            name,
            value: value.into(),
        }
    }

    /// The header to add, if any. The value is marked sensitive so hyper's and http's own
    /// `Debug` output hides it too.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::InvalidRequest`] when the secret has characters a header value cannot
    /// carry (a newline pasted into an environment variable, say). The message never contains
    /// the secret.
    pub fn header_pair(&self) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
        let (name, raw) = match self {
            Self::None => return Ok(None),
            Self::Basic { username, password } => {
                let raw = format!("{username}:{}", password.expose_secret());
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                (AUTHORIZATION, format!("Basic {encoded}"))
            }
            Self::Bearer(token) => (AUTHORIZATION, format!("Bearer {}", token.expose_secret())),
            Self::Header { name, value } => (name.clone(), value.expose_secret().to_owned()),
        };
        let mut value = HeaderValue::from_str(&raw).map_err(|_| {
            Error::invalid_request("the credential contains characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        Ok(Some((name, value)))
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Basic { username, .. } => write!(f, "Basic({username}:***)"),
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::Header { name, .. } => write!(f, "Header({name}: ***)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let bearer = Auth::bearer("top-secret-token");
        let header = Auth::header(HeaderName::from_static("x-api-key"), "top-secret-key");
        assert_eq!(format!("{bearer:?}"), "Bearer(***)");
        assert_eq!(format!("{header:?}"), "Header(x-api-key: ***)");
    }

    #[test]
    fn bearer_builds_an_authorization_header_marked_sensitive() {
        let pair = Auth::bearer("abc").header_pair().ok().flatten();
        let (name, value) = pair.unwrap_or_else(|| panic!("expected a header"));
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value.to_str().ok(), Some("Bearer abc"));
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("abc"));
    }

    #[test]
    fn a_newline_in_the_secret_is_an_error_that_does_not_echo_it() {
        let err = Auth::bearer("abc\ndef").header_pair().err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("not allowed"), "{msg}");
        assert!(!msg.contains("abc"));
    }

    #[test]
    fn basic_encodes_user_and_password_and_hides_the_password() {
        let auth = Auth::basic("SK123", "key-secret");
        assert_eq!(format!("{auth:?}"), "Basic(SK123:***)");
        let pair = auth.header_pair().ok().flatten();
        let (name, value) = pair.unwrap_or_else(|| panic!("expected a header"));
        let expected = base64::engine::general_purpose::STANDARD.encode("SK123:key-secret");
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(
            value.to_str().ok(),
            Some(format!("Basic {expected}").as_str())
        );
        assert!(value.is_sensitive());
    }

    #[test]
    fn none_adds_nothing() {
        assert!(matches!(Auth::None.header_pair(), Ok(None)));
    }
}
