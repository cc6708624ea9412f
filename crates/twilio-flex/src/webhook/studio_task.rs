//! The shipped Studio flow's report after Send to Flex created the task
//! (`POST /studio-task-created`, its HTTP Request widget on the `callComplete` transition).
//!
//! Form parameters: `ConversationSid`, `TaskSid` (`{{widgets.send_to_flex.TaskSid}}`) and
//! `TaskAttributes` (`{{widgets.send_to_flex.Attributes}}`): the task's attributes, in which
//! Flex records the Interaction it created — `flexInteractionSid` (`KD…`) and
//! `flexInteractionChannelSid` (`UO…`), the same attributes Flex's own plugins read to close
//! or transfer a chat through the Interactions API.

use serde_json::Value;

use super::payload::{PayloadError, parse_form_body};
use crate::sid::{ConversationSid, InteractionChannelSid, InteractionSid};

/// What the flow reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioTaskCreated {
    /// `ConversationSid`.
    pub conversation: ConversationSid,
    /// `TaskSid`, when sent.
    pub task: Option<String>,
    /// `flexInteractionSid` from the task's attributes, when present and well-formed.
    pub interaction: Option<InteractionSid>,
    /// `flexInteractionChannelSid` from the task's attributes, when present and well-formed.
    pub channel: Option<InteractionChannelSid>,
}

impl StudioTaskCreated {
    /// Parses the widget's form parameters. Attributes that are missing, not JSON, or without
    /// the interaction leave [`Self::interaction`] / [`Self::channel`] empty: the report is
    /// still well-formed, it just cannot say which interaction.
    ///
    /// # Errors
    ///
    /// [`PayloadError`] when `ConversationSid` is missing or malformed.
    pub fn from_params(params: &[(String, String)]) -> Result<Self, PayloadError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let raw = get("ConversationSid").ok_or(PayloadError::Missing("ConversationSid"))?;
        let conversation = ConversationSid::parse(raw).map_err(|e| PayloadError::Invalid {
            name: "ConversationSid",
            reason: e.to_string().chars().take(120).collect(),
        })?;
        let attributes = get("TaskAttributes")
            .map(task_attributes)
            .unwrap_or_default();
        let field = |name: &str| attributes.get(name).and_then(Value::as_str);
        Ok(Self {
            conversation,
            task: get("TaskSid").map(|t| t.chars().take(64).collect()),
            interaction: field("flexInteractionSid").and_then(|s| InteractionSid::parse(s).ok()),
            channel: field("flexInteractionChannelSid")
                .and_then(|s| InteractionChannelSid::parse(s).ok()),
        })
    }

    /// [`StudioTaskCreated::from_params`] on a raw form body.
    ///
    /// # Errors
    ///
    /// As for [`StudioTaskCreated::from_params`].
    pub fn from_form(body: &[u8]) -> Result<Self, PayloadError> {
        Self::from_params(&parse_form_body(body))
    }

    /// The core event, when the report names the interaction and its channel.
    #[cfg(feature = "flexcord")]
    #[must_use]
    pub fn to_core_event(&self) -> Option<flexcord_core::event::FlexEvent> {
        use crate::core_ids::to_core;
        Some(flexcord_core::event::FlexEvent::TaskCreated {
            conversation: to_core(&self.conversation)?,
            interaction: flexcord_core::session::InteractionRef {
                interaction: to_core(self.interaction.as_ref()?)?,
                channel: to_core(self.channel.as_ref()?)?,
            },
        })
    }
}

/// The task attributes as an object. Studio renders them as a JSON string; one rendered
/// through `to_json` arrives encoded twice, and is decoded twice.
fn task_attributes(raw: &str) -> serde_json::Map<String, Value> {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => map,
        Ok(Value::String(inner)) => match serde_json::from_str::<Value>(&inner) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        },
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::StudioTaskCreated;

    const CH: &str = "CH00000000000000000000000000000001";
    const KD: &str = "KD00000000000000000000000000000002";
    const UO: &str = "UO00000000000000000000000000000003";

    fn params(attributes: &str) -> Vec<(String, String)> {
        vec![
            ("ConversationSid".into(), CH.into()),
            ("TaskSid".into(), "WT1".into()),
            ("TaskAttributes".into(), attributes.into()),
        ]
    }

    #[test]
    fn reads_the_interaction_from_the_task_attributes() {
        let attributes = format!(
            r#"{{"from":"Mia","flexInteractionSid":"{KD}","flexInteractionChannelSid":"{UO}"}}"#
        );
        let report = StudioTaskCreated::from_params(&params(&attributes)).unwrap();
        assert_eq!(report.interaction.unwrap().as_str(), KD);
        assert_eq!(report.channel.unwrap().as_str(), UO);
        let twice = serde_json::to_string(&attributes).unwrap();
        let report = StudioTaskCreated::from_params(&params(&twice)).unwrap();
        assert_eq!(report.channel.unwrap().as_str(), UO);
    }

    #[test]
    fn attributes_without_the_interaction_are_not_an_error() {
        for attributes in ["", "not json", r#"{"flexInteractionSid":"XX1"}"#] {
            let report = StudioTaskCreated::from_params(&params(attributes)).unwrap();
            assert!(report.interaction.is_none(), "{attributes}");
        }
        assert!(StudioTaskCreated::from_params(&[]).is_err());
    }
}
