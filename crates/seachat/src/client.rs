//! [`Client`]: sends one turn to the bot and returns its decoded answer, within the deadline.

use std::time::Duration;

use flexcord_http::url::Url;
use flexcord_http::{Error, HttpClient, Request, RetryPolicy, endpoint};

use crate::config::Config;
use crate::wire::{TurnRequest, TurnResponse};

/// A SeaChat-style bot client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: HttpClient,
    turns: Url,
    deadline: Duration,
}

impl Client {
    /// A client for the bot `config` describes.
    ///
    /// # Errors
    ///
    /// [`flexcord_http::ErrorKind::InvalidUrl`] for a URL that cannot take a path;
    /// [`flexcord_http::ErrorKind::InvalidRequest`] for an API key with characters a header
    /// cannot carry.
    pub fn new(config: &Config) -> Result<Self, Error> {
        // A turn is not idempotent, so the policy only repeats what the bot never processed
        // (connection refused, 429); the deadline in `turn` bounds it all.
        let http = config.http_client(RetryPolicy::new(
            2,
            Duration::from_millis(100),
            Duration::from_secs(1),
        ))?;
        let turns = endpoint(&config.url, &["v1", "turns"])?;
        Ok(Self {
            http,
            turns,
            deadline: config.timeout,
        })
    }

    /// Sends one turn: `POST /v1/turns`.
    ///
    /// # Errors
    ///
    /// [`flexcord_http::ErrorKind::Timeout`] when no answer arrives within the configured
    /// deadline (retries included); otherwise the [`flexcord_http::Error`] of the last attempt.
    pub async fn turn(&self, request: &TurnRequest) -> Result<TurnResponse, Error> {
        let request = Request::post(self.turns.clone()).json(request)?;
        tokio::time::timeout(self.deadline, self.http.send_json(request))
            .await
            .unwrap_or_else(|_elapsed| Err(Error::timeout()))
    }
}
