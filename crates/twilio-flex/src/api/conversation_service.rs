//! A Conversations service (`IS…`), read only: `flexcord check` confirms the configured one
//! exists before media uploads to it fail.

use serde::Deserialize;

use crate::client::{Client, Service, segment};
use crate::error::Error;

/// `conversations.v1.service` (the fields a check needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConversationService {
    /// `IS…`
    pub sid: String,
    /// Name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

impl Client {
    /// `GET /v1/Services/{Sid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; [`Error::is_not_found`] when there is no such service.
    pub async fn fetch_conversation_service(
        &self,
        sid: &str,
    ) -> Result<ConversationService, Error> {
        let path = format!("/v1/Services/{}", segment(sid));
        self.json(self.get(Service::Conversations, &path)).await
    }
}
