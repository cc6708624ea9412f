//! Plays Twilio towards the bridge: signed, form-encoded conversation webhooks
//! (`onParticipantAdded` for an agent joining, `onMessageAdded` with `Source=SDK` for an agent
//! message) sent to `<public url>/forward-to-discord` over a keep-alive connection pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use twilio_flex::webhook::compute_signature;

/// The agent every conversation gets.
pub const AGENT: &str = "agent@example.com";

/// Sends webhooks to one bridge. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: Client<HttpConnector, Full<Bytes>>,
    url: Arc<str>,
    auth_token: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Webhooks {
    /// Webhooks for the bridge whose public URL is `public_url`, signed with `auth_token`.
    #[must_use]
    pub fn new(public_url: &str, auth_token: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(256)
            .build(connector);
        Self {
            client,
            url: format!("{public_url}/forward-to-discord").into(),
            auth_token: auth_token.into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }

    fn sid(&self, prefix: &str) -> String {
        format!("{prefix}{:032x}", self.next.fetch_add(1, Ordering::Relaxed))
    }

    /// The agent joins `conversation` (what Flex does when the task is accepted).
    ///
    /// # Errors
    ///
    /// Transport failures and non-2xx answers.
    pub async fn agent_joined(&self, conversation: &str) -> anyhow::Result<()> {
        let participant = self.sid("MB");
        let params = vec![
            ("EventType", "onParticipantAdded".to_owned()),
            ("ConversationSid", conversation.to_owned()),
            ("ParticipantSid", participant),
            ("Identity", AGENT.to_owned()),
            ("Attributes", r#"{"friendlyName":"Ada"}"#.to_owned()),
            ("Source", "SDK".to_owned()),
        ];
        self.post(params).await
    }

    /// The agent says `body` in `conversation`.
    ///
    /// # Errors
    ///
    /// Transport failures and non-2xx answers.
    pub async fn agent_message(&self, conversation: &str, body: &str) -> anyhow::Result<()> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let params = vec![
            ("EventType", "onMessageAdded".to_owned()),
            ("ConversationSid", conversation.to_owned()),
            ("ChannelSid", conversation.to_owned()),
            ("MessageSid", format!("IM{n:032x}")),
            ("Index", n.to_string()),
            ("Author", AGENT.to_owned()),
            ("ClientIdentity", AGENT.to_owned()),
            ("Body", body.to_owned()),
            ("Source", "SDK".to_owned()),
            ("Attributes", "{}".to_owned()),
        ];
        self.post(params).await
    }

    async fn post(&self, params: Vec<(&'static str, String)>) -> anyhow::Result<()> {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let signature = compute_signature(&self.auth_token, &self.url, &owned);
        let body = serde_urlencoded::to_string(&params).context("encoding the form")?;
        let request = http::Request::post(&*self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(Full::new(Bytes::from(body)))
            .context("building the request")?;
        let response = self
            .client
            .request(request)
            .await
            .context("webhook request failed")?;
        let status = response.status();
        // Drain the body so the connection goes back to the pool.
        let _ = response.into_body().collect().await;
        anyhow::ensure!(status.is_success(), "webhook answered {status}");
        Ok(())
    }
}
