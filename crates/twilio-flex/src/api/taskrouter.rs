//! TaskRouter v1 (`taskrouter.twilio.com`): reading tasks back by their attributes, so a Flex
//! task whose creation may have gone through before a crash is found instead of created twice
//! (the Interactions API takes no idempotency key).

use serde::Deserialize;

use crate::client::{Client, Service, segment, with_query};
use crate::error::Error;
use crate::page::Page;

/// `taskrouter.v1.workspace.task`, as far as flexcord reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Task {
    /// `WT…`
    pub sid: String,
    /// The task's attributes, a JSON string.
    #[serde(default)]
    pub attributes: Option<String>,
    /// `pending|reserved|assigned|canceled|completed|wrapping`.
    #[serde(default)]
    pub assignment_status: Option<String>,
}

impl Task {
    /// The attributes, parsed; `None` when absent or not a JSON object.
    #[must_use]
    pub fn attributes_json(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        serde_json::from_str(self.attributes.as_deref()?).ok()
    }
}

impl Client {
    /// `GET /v1/Workspaces/{WorkspaceSid}/Tasks?EvaluateTaskAttributes=…`: the tasks whose
    /// attributes match `expression` (TaskRouter's expression language, e.g.
    /// `flexcord_handoff == "dc:msg:1"`), first page.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn tasks_matching(
        &self,
        workspace_sid: &str,
        expression: &str,
    ) -> Result<Page<Task>, Error> {
        let path = with_query(
            &format!("/v1/Workspaces/{}/Tasks", segment(workspace_sid)),
            &[
                ("EvaluateTaskAttributes", expression.to_owned()),
                ("PageSize", "20".to_owned()),
            ],
        );
        self.page(Service::TaskRouter, self.get(Service::TaskRouter, &path))
            .await
    }
}
