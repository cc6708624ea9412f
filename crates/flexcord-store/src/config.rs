//! How to open a store: the database URL and pool settings.

use std::fmt;
use std::time::Duration;

use crate::error::OpenError;

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path` (created if missing) or `sqlite::memory:`.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Backend {
    /// The backend a URL's scheme names.
    ///
    /// # Errors
    ///
    /// [`OpenError::UnsupportedUrl`] for any other scheme.
    pub fn from_url(url: &str) -> Result<Self, OpenError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(OpenError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// Settings for [`Store::open`](crate::Store::open).
///
/// `Debug` hides any password in the URL.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreConfig {
    /// `sqlite://path`, `sqlite::memory:` or `postgres://user:pass@host:port/db`
    /// (`FLEXCORD_DATABASE_URL`).
    pub url: String,
    /// Most connections in the pool. SQLite has one writer at a time whatever this says; more
    /// connections only help concurrent reads.
    pub max_connections: u32,
    /// Connections kept open while idle.
    pub min_connections: u32,
    /// How long a caller waits for a free pool connection before the call fails as unavailable.
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits for the database lock held by another connection
    /// or process before failing.
    pub busy_timeout: Duration,
    /// PostgreSQL only: the schema to keep flexcord's tables in (created if missing; becomes the
    /// connections' `search_path`). `None` uses the server's default (`public`).
    pub schema: Option<String>,
}

impl StoreConfig {
    /// Defaults for `url`: up to 8 connections (SQLite: 4), none kept idle (in-memory SQLite:
    /// 1, or the database would vanish), 10 s to acquire, 5 s busy timeout.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        let url = url.into();
        let sqlite = url.starts_with("sqlite:");
        Self {
            max_connections: if sqlite { 4 } else { 8 },
            min_connections: u32::from(is_in_memory(&url)),
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
            schema: None,
            url,
        }
    }

    /// Sets [`StoreConfig::max_connections`] (at least 1).
    #[must_use]
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets [`StoreConfig::min_connections`].
    #[must_use]
    pub const fn min_connections(mut self, min: u32) -> Self {
        self.min_connections = min;
        self
    }

    /// Sets [`StoreConfig::acquire_timeout`].
    #[must_use]
    pub const fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets [`StoreConfig::busy_timeout`].
    #[must_use]
    pub const fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets [`StoreConfig::schema`].
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// The backend the URL names.
    ///
    /// # Errors
    ///
    /// [`OpenError::UnsupportedUrl`].
    pub fn backend(&self) -> Result<Backend, OpenError> {
        Backend::from_url(&self.url)
    }
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("busy_timeout", &self.busy_timeout)
            .field("schema", &self.schema)
            .finish()
    }
}

/// True for SQLite URLs naming an in-memory database.
pub(crate) fn is_in_memory(url: &str) -> bool {
    url.starts_with("sqlite:") && (url.contains(":memory:") || url.contains("mode=memory"))
}

/// The URL with any password and the whole query string (which may carry `password=`) masked,
/// for logs and errors: `postgres://u:secret@h/db?password=x` → `postgres://u:***@h/db?…`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, _)) => (base, "?…"),
        None => (url, ""),
    };
    let Some((scheme, rest)) = base.split_once("://") else {
        return format!("{base}{query}");
    };
    // The user info ends at the last '@' even when an unencoded password holds a '/'.
    let (userinfo, host_and_path) = match rest.rsplit_once('@') {
        Some((userinfo, after)) if !userinfo.contains('/') || userinfo.contains(':') => {
            (Some(userinfo), after)
        }
        _ => (None, rest),
    };
    let userinfo = match userinfo {
        Some(userinfo) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@"),
            None => format!("{userinfo}@"),
        },
        None => String::new(),
    };
    format!("{scheme}://{userinfo}{host_and_path}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let config = StoreConfig::new("postgres://app:s3cret@db.example:5432/flexcord?password=x");
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(!debug.contains("password=x"), "{debug}");
        assert!(
            debug.contains("app:***@db.example:5432/flexcord"),
            "{debug}"
        );
    }

    #[test]
    fn every_credential_in_a_url_is_masked() {
        for (url, masked) in [
            ("postgres://u:secret@h/db", "postgres://u:***@h/db"),
            ("postgres://h/db?password=secret", "postgres://h/db?…"),
            (
                "postgresql://u:se:cr@et@h:5432/db?sslmode=require&password=secret",
                "postgresql://u:***@h:5432/db?…",
            ),
            ("postgres://u:a/secret@h/db", "postgres://u:***@h/db"),
        ] {
            let got = redact_url(url);
            assert_eq!(got, masked);
            assert!(!got.contains("secret") && !got.contains("cr@et"), "{got}");
        }
    }

    #[test]
    fn redaction_keeps_urls_without_secrets_readable() {
        assert_eq!(redact_url("sqlite://flexcord.db"), "sqlite://flexcord.db");
        assert_eq!(redact_url("postgres://app@h/db"), "postgres://app@h/db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://u:pw@h/db").is_err());
    }

    #[test]
    fn in_memory_sqlite_keeps_a_connection_open() {
        assert_eq!(StoreConfig::new("sqlite::memory:").min_connections, 1);
        assert_eq!(StoreConfig::new("sqlite://a.db").min_connections, 0);
    }
}
