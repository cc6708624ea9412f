//! Studio v2 (`studio.twilio.com`): create and update a flow from a JSON definition
//! (`flexcord setup twilio` installs the shipped flow with these).

use serde::Deserialize;
use serde_json::Value;

use crate::client::{Client, Service, segment};
use crate::error::Error;
use crate::form::Form;

wire_enum! {
    /// `flow_enum_status`.
    pub enum FlowStatus {
        /// Saved, not live.
        Draft = "draft",
        /// Live.
        Published = "published",
    }
}

/// `studio.v2.flow`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Flow {
    /// `FW…`
    pub sid: String,
    /// Name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<FlowStatus>,
    /// Revision number.
    #[serde(default)]
    pub revision: Option<u64>,
    /// Whether the definition validated.
    #[serde(default)]
    pub valid: Option<bool>,
    /// Validation errors.
    #[serde(default)]
    pub errors: Option<Vec<Value>>,
    /// Validation warnings.
    #[serde(default)]
    pub warnings: Option<Vec<Value>>,
    /// The flow definition.
    #[serde(default)]
    pub definition: Option<Value>,
    /// The flow's webhook URL.
    #[serde(default)]
    pub webhook_url: Option<String>,
}

/// Fields of `POST /v2/Flows` and `POST /v2/Flows/{Sid}`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowParams {
    /// `FriendlyName` (required on create).
    pub friendly_name: Option<String>,
    /// `Status` (required).
    pub status: FlowStatus,
    /// `Definition` (JSON, required on create).
    pub definition: Option<Value>,
    /// `CommitMessage`.
    pub commit_message: Option<String>,
}

impl FlowParams {
    /// The form body.
    #[must_use]
    pub fn form(&self) -> Form {
        let mut f = Form::new();
        f.push_opt("FriendlyName", self.friendly_name.clone())
            .push("Status", self.status.as_str())
            .push_opt("Definition", self.definition.as_ref().map(Value::to_string))
            .push_opt("CommitMessage", self.commit_message.clone());
        f
    }
}

impl Client {
    /// `POST /v2/Flows`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_flow(&self, params: &FlowParams) -> Result<Flow, Error> {
        self.json(self.post(Service::Studio, "/v2/Flows").form(&params.form()))
            .await
    }

    /// `GET /v2/Flows/{Sid}`.
    ///
    /// # Errors
    ///
    /// Any [`Error`]; [`Error::is_not_found`] when there is no such flow.
    pub async fn fetch_flow(&self, flow_sid: &str) -> Result<Flow, Error> {
        let path = format!("/v2/Flows/{}", segment(flow_sid));
        self.json(self.get(Service::Studio, &path)).await
    }

    /// `POST /v2/Flows/{Sid}` (a new revision).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn update_flow(&self, flow_sid: &str, params: &FlowParams) -> Result<Flow, Error> {
        let path = format!("/v2/Flows/{}", segment(flow_sid));
        self.json(self.post(Service::Studio, &path).form(&params.form()))
            .await
    }
}
