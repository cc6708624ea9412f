//! Configuration of a fake: credentials, socket, webhook timeout and the Studio emulation.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// How a [`TwilioFake`](crate::TwilioFake) is started.
///
/// Build it with struct-update syntax over [`Default`]:
/// `TwilioFakeConfig { account_sid: "AC…".into(), auth_token: "…".into(), ..Default::default() }`.
#[derive(Clone)]
pub struct TwilioFakeConfig {
    /// Account SID accepted as the HTTP Basic user name and sent as `AccountSid` in webhooks.
    pub account_sid: String,
    /// Auth token accepted as the Basic password and used to sign webhooks. Never logged.
    pub auth_token: String,
    /// The default Conversations service (`IS…`) every conversation belongs to.
    pub chat_service_sid: String,
    /// Messaging service reported on conversations and in webhooks (`MG…`).
    pub messaging_service_sid: String,
    /// Address to listen on; the default `127.0.0.1:0` picks a free port.
    pub bind: SocketAddr,
    /// How long one webhook delivery may take before it is recorded as failed.
    /// Twilio's Conversations webhooks give up after 5 s.
    pub webhook_timeout: Duration,
    /// The built-in stand-in for a Studio flow attached with `Target=studio`.
    pub studio: StudioEmulation,
}

impl Default for TwilioFakeConfig {
    fn default() -> Self {
        Self {
            account_sid: "AC00000000000000000000000000000000".to_owned(),
            auth_token: "twilio-fake-auth-token".to_owned(),
            chat_service_sid: "IS00000000000000000000000000000000".to_owned(),
            messaging_service_sid: "MG00000000000000000000000000000000".to_owned(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            webhook_timeout: Duration::from_secs(5),
            studio: StudioEmulation::default(),
        }
    }
}

impl fmt::Debug for TwilioFakeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioFakeConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"<redacted>")
            .field("chat_service_sid", &self.chat_service_sid)
            .field("messaging_service_sid", &self.messaging_service_sid)
            .field("bind", &self.bind)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("studio", &self.studio)
            .finish()
    }
}

/// The fake's emulation of a Studio flow reached through a `Target=studio` conversation webhook.
///
/// Real flexcord deployments use a flow of the shape "split on live-agent keywords → Send to
/// Flex, else → HTTP Request to the bridge's chatbot endpoint". The fake plays that flow for
/// every `onMessageAdded` event that came from the REST API (the customer side) while the
/// `Target=studio` webhook is on the conversation — when no flow with the webhook's
/// `FlowSid` was stored through `POST /v2/Flows`; a stored flow is run as defined instead:
///
/// * the body contains one of [`live_agent_keywords`](Self::live_agent_keywords) as whole
///   words (case-insensitive) → an Interaction is created for the conversation, exactly what
///   Studio's *Send to Flex* widget does, so the task shows up on the fake's agent side;
/// * otherwise, when [`chatbot_url`](Self::chatbot_url) is set → a signed form POST
///   `{ConversationSid, Body, Author}` goes there (the *Make HTTP Request* widget).
///
/// The flow runs on `onMessageAdded` whatever the webhook's `Configuration.Filters` say.
/// Agent (SDK) messages never run the flow. As with Twilio, Send to Flex does not take the
/// webhook off the conversation: later customer messages run the flow again (a hand-off word
/// creates another interaction) until whoever attached the webhook deletes it.
#[derive(Debug, Clone)]
pub struct StudioEmulation {
    /// Turns the emulation off entirely (studio webhooks are then stored but inert).
    pub enabled: bool,
    /// Phrases that route to a live agent. Default: agent, human, live agent, real person.
    pub live_agent_keywords: Vec<String>,
    /// Where non-keyword customer messages are posted (flexcord's `/chatbot-to-discord`).
    pub chatbot_url: Option<String>,
    /// TaskRouter workspace put in the interaction's routing properties.
    pub workspace_sid: String,
    /// TaskRouter workflow put in the interaction's routing properties.
    pub workflow_sid: String,
    /// Task channel unique name (`chat`).
    pub task_channel: String,
}

impl Default for StudioEmulation {
    fn default() -> Self {
        Self {
            enabled: true,
            live_agent_keywords: ["agent", "human", "live agent", "real person"]
                .map(str::to_owned)
                .to_vec(),
            chatbot_url: None,
            workspace_sid: "WS00000000000000000000000000000000".to_owned(),
            workflow_sid: "WW00000000000000000000000000000000".to_owned(),
            task_channel: "chat".to_owned(),
        }
    }
}

impl StudioEmulation {
    /// Whether `body` asks for a live agent: a keyword appears as whole words, ignoring case
    /// and punctuation ("Can I talk to a HUMAN?" matches `human`; "agenda" does not match `agent`).
    #[must_use]
    pub fn wants_live_agent(&self, body: &str) -> bool {
        let haystack = format!(" {} ", normalise_words(body));
        self.live_agent_keywords.iter().any(|kw| {
            let needle = normalise_words(kw);
            !needle.is_empty() && haystack.contains(&format!(" {needle} "))
        })
    }
}

/// Lower-cases and collapses everything that is not alphanumeric into single spaces.
fn normalise_words(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{StudioEmulation, TwilioFakeConfig};

    #[test]
    fn keywords_match_whole_words_only() {
        let studio = StudioEmulation::default();
        assert!(studio.wants_live_agent("Can I talk to a HUMAN?"));
        assert!(studio.wants_live_agent("live   agent please"));
        assert!(studio.wants_live_agent("I need a real-person"));
        assert!(!studio.wants_live_agent("what's on the agenda"));
        assert!(!studio.wants_live_agent("hello"));
    }

    #[test]
    fn debug_never_shows_the_auth_token() {
        let config = TwilioFakeConfig {
            auth_token: "s3cret".into(),
            ..Default::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
    }
}
