//! TaskRouter v1 (`taskrouter.twilio.com`), read only: tasks read back by their attributes, so a
//! Flex task whose creation may have gone through before a crash is found instead of created
//! twice (the Interactions API takes no idempotency key); and the workspace, workflow and task
//! channels a hand-off routes through, so `flexcord check` can say which one is missing before
//! a player asks for an agent.

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

/// `taskrouter.v1.workspace` (the fields a check needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Workspace {
    /// `WS…`
    pub sid: String,
    /// Name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// `taskrouter.v1.workspace.workflow` (the fields a check needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Workflow {
    /// `WW…`
    pub sid: String,
    /// Name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// `taskrouter.v1.workspace.task_channel`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TaskChannel {
    /// `TC…`
    pub sid: String,
    /// `chat`, `voice`, `default`, …
    pub unique_name: String,
    /// Name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

impl Client {
    /// `GET /v1/Workspaces/{Sid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; [`Error::is_not_found`] when there is no such workspace.
    pub async fn fetch_workspace(&self, sid: &str) -> Result<Workspace, Error> {
        let path = format!("/v1/Workspaces/{}", segment(sid));
        self.json(self.get(Service::TaskRouter, &path)).await
    }

    /// `GET /v1/Workspaces/{WorkspaceSid}/Workflows/{Sid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; [`Error::is_not_found`] when there is no such workflow in the workspace.
    pub async fn fetch_workflow(&self, workspace: &str, sid: &str) -> Result<Workflow, Error> {
        let path = format!(
            "/v1/Workspaces/{}/Workflows/{}",
            segment(workspace),
            segment(sid)
        );
        self.json(self.get(Service::TaskRouter, &path)).await
    }

    /// `GET /v1/Workspaces/{WorkspaceSid}/TaskChannels` (the first page: a workspace has a
    /// handful).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn list_task_channels(&self, workspace: &str) -> Result<Vec<TaskChannel>, Error> {
        let path = format!(
            "/v1/Workspaces/{}/TaskChannels?PageSize=100",
            segment(workspace)
        );
        let page = self
            .page(Service::TaskRouter, self.get(Service::TaskRouter, &path))
            .await?;
        Ok(page.items)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_channels_decode_from_twilios_list_shape() {
        let body = br#"{"channels":[{"sid":"TCaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","unique_name":"chat","friendly_name":"Chat"}],
            "meta":{"key":"channels","page":0,"page_size":100,"next_page_url":null}}"#;
        let page: crate::page::Page<TaskChannel> =
            crate::page::Page::decode(body, Service::TaskRouter).unwrap();
        assert_eq!(page.items[0].unique_name, "chat");
    }
}
