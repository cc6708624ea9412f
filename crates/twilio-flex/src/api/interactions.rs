//! Flex Interactions API v1 (`flex-api.twilio.com`): create an interaction (a task routed to an
//! agent), close its channel, update a participant. `Channel` and `Routing` are JSON objects
//! sent as JSON strings inside the form, as `twilio_flex_v1.json` specifies.

use crate::sid::{ConversationSid, InteractionChannelSid, InteractionSid};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{Client, Service, segment};
use crate::error::Error;
use crate::form::Form;

wire_enum! {
    /// `interaction_channel_enum_type`.
    pub enum InteractionChannelType {
        /// Voice.
        Voice = "voice",
        /// SMS.
        Sms = "sms",
        /// Email.
        Email = "email",
        /// Web chat.
        Web = "web",
        /// WhatsApp.
        Whatsapp = "whatsapp",
        /// Chat (custom chat channels, flexcord's choice).
        Chat = "chat",
        /// Facebook Messenger.
        Messenger = "messenger",
        /// Google Business Messages.
        Gbm = "gbm",
    }
}

wire_enum! {
    /// `interaction_channel_enum_channel_status`.
    pub enum InteractionChannelStatus {
        /// Being set up.
        Setup = "setup",
        /// Live.
        Active = "active",
        /// Failed to set up.
        Failed = "failed",
        /// Closed.
        Closed = "closed",
        /// Inactive.
        Inactive = "inactive",
        /// Paused.
        Pause = "pause",
        /// Being transferred.
        Transfer = "transfer",
    }
}

wire_enum! {
    /// `interaction_channel_participant_enum_status` (and the channel close statuses).
    pub enum ParticipantStatus {
        /// Leave for good.
        Closed = "closed",
        /// Go to wrap-up.
        Wrapup = "wrapup",
    }
}

/// The `channel` object of an interaction response.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InteractionChannelRef {
    /// `UO…`
    #[serde(default)]
    pub sid: Option<InteractionChannelSid>,
    /// Channel type.
    #[serde(default, rename = "type")]
    pub kind: Option<InteractionChannelType>,
}

/// `flex.v1.interaction`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Interaction {
    /// `KD…`
    pub sid: InteractionSid,
    /// The channel Twilio created (its `sid` is the `UO…` needed to close it).
    #[serde(default)]
    pub channel: Option<InteractionChannelRef>,
    /// The routing object as accepted.
    #[serde(default)]
    pub routing: Option<Value>,
    /// Resource URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// `flex.v1.interaction.interaction_channel`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InteractionChannel {
    /// `UO…`
    pub sid: InteractionChannelSid,
    /// `KD…`
    #[serde(default)]
    pub interaction_sid: Option<InteractionSid>,
    /// Channel type.
    #[serde(default, rename = "type")]
    pub kind: Option<InteractionChannelType>,
    /// Status.
    #[serde(default)]
    pub status: Option<InteractionChannelStatus>,
    /// Error code when the channel failed.
    #[serde(default)]
    pub error_code: Option<i64>,
    /// Error message when the channel failed.
    #[serde(default)]
    pub error_message: Option<String>,
}

/// `flex.v1.interaction.interaction_channel.interaction_channel_participant`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct InteractionParticipant {
    /// `UT…`
    pub sid: String,
    /// `UO…`
    #[serde(default)]
    pub channel_sid: Option<InteractionChannelSid>,
    /// `KD…`
    #[serde(default)]
    pub interaction_sid: Option<InteractionSid>,
    /// `customer`, `agent`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `POST /v1/Interactions`. `channel` and `routing` are sent as JSON strings.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateInteraction {
    /// The `Channel` object.
    pub channel: Value,
    /// The `Routing` object.
    pub routing: Option<Value>,
}

/// What to route: the TaskRouter side of a customer-initiated chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRouting {
    /// `WS…`
    pub workspace_sid: String,
    /// `WW…`
    pub workflow_sid: String,
    /// Task channel unique name (`chat`).
    pub task_channel_unique_name: String,
    /// Task attributes, copied onto the task as they are.
    pub attributes: Value,
}

impl CreateInteraction {
    /// A customer-initiated `chat` interaction for an existing conversation (the customer
    /// participant must already be in it).
    #[must_use]
    pub fn customer_chat(conversation: &ConversationSid, routing: &ChatRouting) -> Self {
        Self {
            channel: json!({
                "type": "chat",
                "initiated_by": "customer",
                "properties": { "media_channel_sid": conversation.as_str() },
            }),
            routing: Some(json!({
                "properties": {
                    "workspace_sid": routing.workspace_sid,
                    "workflow_sid": routing.workflow_sid,
                    "task_channel_unique_name": routing.task_channel_unique_name,
                    "attributes": routing.attributes,
                }
            })),
        }
    }

    /// The form body.
    #[must_use]
    pub fn form(&self) -> Form {
        let mut f = Form::new();
        f.push("Channel", self.channel.to_string())
            .push_opt("Routing", self.routing.as_ref().map(Value::to_string));
        f
    }
}

impl Client {
    /// `POST /v1/Interactions`. Never retried on 5xx/timeouts: it may have created a task.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn create_interaction(
        &self,
        request: &CreateInteraction,
    ) -> Result<Interaction, Error> {
        let call = self
            .post(Service::Flex, "/v1/Interactions")
            .form(&request.form());
        self.json(call).await
    }

    /// `GET /v1/Interactions/{KD}/Channels/{UO}`: whether the channel was set up. Creating an
    /// interaction answers 200 once it is accepted; set-up runs afterwards and may end
    /// `failed` (with `error_code`), which only this read tells.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn fetch_interaction_channel(
        &self,
        interaction: &InteractionSid,
        channel: &InteractionChannelSid,
    ) -> Result<InteractionChannel, Error> {
        let path = format!(
            "/v1/Interactions/{}/Channels/{}",
            interaction.as_str(),
            channel.as_str()
        );
        self.json(self.get(Service::Flex, &path)).await
    }

    /// `POST /v1/Interactions/{KD}/Channels/{UO}` with `Status=closed` and
    /// `Routing={"status":"closed"}`: the customer side ends the chat and its tasks complete
    /// (without `Routing` they would go to wrapping).
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn close_interaction_channel(
        &self,
        interaction: &InteractionSid,
        channel: &InteractionChannelSid,
    ) -> Result<InteractionChannel, Error> {
        let mut form = Form::new();
        form.push("Status", "closed")
            .push("Routing", json!({ "status": "closed" }).to_string());
        let path = format!(
            "/v1/Interactions/{}/Channels/{}",
            interaction.as_str(),
            channel.as_str()
        );
        self.json(self.post(Service::Flex, &path).form(&form).repeatable())
            .await
    }

    /// `POST /v1/Interactions/{KD}/Channels/{UO}/Participants/{UT}` with `Status`.
    ///
    /// # Errors
    ///
    /// Any [`Error`].
    pub async fn update_interaction_participant(
        &self,
        interaction: &InteractionSid,
        channel: &InteractionChannelSid,
        participant_sid: &str,
        status: &ParticipantStatus,
    ) -> Result<InteractionParticipant, Error> {
        let mut form = Form::new();
        form.push("Status", status.as_str());
        let path = format!(
            "/v1/Interactions/{}/Channels/{}/Participants/{}",
            interaction.as_str(),
            channel.as_str(),
            segment(participant_sid)
        );
        self.json(self.post(Service::Flex, &path).form(&form).repeatable())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_chat_interaction_form_carries_json_strings() {
        let conv = ConversationSid::parse("CH1").unwrap();
        let req = CreateInteraction::customer_chat(
            &conv,
            &ChatRouting {
                workspace_sid: "WS1".into(),
                workflow_sid: "WW1".into(),
                task_channel_unique_name: "chat".into(),
                attributes: json!({"from": "Ann"}),
            },
        );
        let f = req.form();
        let channel: Value = serde_json::from_str(f.get("Channel").unwrap()).unwrap();
        assert_eq!(channel["initiated_by"], "customer");
        assert_eq!(channel["properties"]["media_channel_sid"], "CH1");
        let routing: Value = serde_json::from_str(f.get("Routing").unwrap()).unwrap();
        assert_eq!(routing["properties"]["workflow_sid"], "WW1");
        assert_eq!(routing["properties"]["attributes"]["from"], "Ann");
    }
}
