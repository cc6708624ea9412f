//! The hand-off's steps, each safe to run again after a crash (feature `flexcord`). Twilio takes
//! no idempotency key on these creates, so each one is looked for before it is made:
//!
//! - the conversation by its `UniqueName`, made from the hand-off's key (Twilio refuses a
//!   second conversation with the name: 409, code 50353), then the participant (409, code
//!   50433, when it is there) and the scoped webhooks (listed first);
//! - the transcript by the key in its message's attributes (`flexcord_handoff`);
//! - the Flex task by the key in its attributes, read back through TaskRouter
//!   (`EvaluateTaskAttributes`), whose `flexInteractionSid` / `flexInteractionChannelSid` name
//!   the interaction Flex created for it.

use flexcord_core::event::UserProfile;
use flexcord_core::ids::{self as core, ChannelId};
use flexcord_core::ports::ContactCenterError;
use flexcord_core::session::{InteractionRef, TranscriptLine};
use serde_json::json;

use crate::adapter::FlexContactCenter;
use crate::api::conversations::MessageOrder;
use crate::core_ids::{customer_identity, to_core, to_twilio};
use crate::sid::{ConversationSid, InteractionChannelSid, InteractionSid};

/// The attribute (of the transcript message and of the task) carrying the hand-off's key.
pub const HANDOFF_ATTR: &str = "flexcord_handoff";

/// The conversation's unique name for the hand-off `key`.
#[must_use]
pub fn unique_name(key: &str) -> String {
    format!("flexcord:handoff:{key}")
}

/// Keys are the router's event identities (`dc:msg:<id>`, `dc:int:<id>`): only these
/// characters ever, which keeps them safe inside a TaskRouter expression's quotes.
fn checked_key(key: &str) -> Result<&str, ContactCenterError> {
    let safe = !key.is_empty()
        && key.len() <= 200
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'));
    if safe {
        Ok(key)
    } else {
        Err(ContactCenterError::Rejected(format!(
            "unusable hand-off key {}",
            flexcord_core::log_safe::escape_for_log(key)
        )))
    }
}

impl FlexContactCenter {
    /// The hand-off's conversation: found by unique name, or created under it; either way set
    /// up (participant, webhooks), completing what an interrupted try left undone.
    pub(crate) async fn handoff_conversation(
        &self,
        user: &UserProfile,
        dm: ChannelId,
        key: &str,
    ) -> Result<core::ConversationSid, ContactCenterError> {
        let name = unique_name(checked_key(key)?);
        let identity = customer_identity(user.id);
        let client = self.client();
        let found = client
            .find_conversation_by_unique_name(&name)
            .await
            .map_err(ContactCenterError::from)?;
        let sid = match found {
            Some(conversation) => conversation.sid,
            None => match self.create_conversation_named(user, dm, name.clone()).await {
                Ok(sid) => sid,
                // Created meanwhile (an earlier try whose answer was lost): take that one.
                Err(e) if e.status() == Some(409) => {
                    client
                        .find_conversation_by_unique_name(&name)
                        .await
                        .map_err(ContactCenterError::from)?
                        .ok_or_else(|| ContactCenterError::from(e))?
                        .sid
                }
                Err(e) => return Err(ContactCenterError::from(e)),
            },
        };
        self.set_up_conversation(&sid, user, &identity, true)
            .await?;
        to_core(&sid).ok_or_else(|| ContactCenterError::Rejected(format!("unusable sid {sid}")))
    }

    /// Posts the transcript carrying `key`, unless a message carrying it is there already.
    pub(crate) async fn handoff_transcript(
        &self,
        conversation: &core::ConversationSid,
        key: &str,
        body: String,
    ) -> Result<(), ContactCenterError> {
        let key = checked_key(key)?;
        let sid: ConversationSid = to_twilio(conversation)?;
        let latest = self
            .client()
            .list_messages(
                &sid,
                Some(MessageOrder::Desc),
                Some(self.config().dedupe_window),
            )
            .await
            .map_err(ContactCenterError::from)?;
        let posted = latest.items.iter().any(|m| {
            m.attributes
                .as_deref()
                .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
                .is_some_and(|a| a.get(HANDOFF_ATTR).and_then(|v| v.as_str()) == Some(key))
        });
        if posted {
            return Ok(());
        }
        let attributes = json!({ HANDOFF_ATTR: key }).to_string();
        self.post_as_bridge(conversation, body, Some(attributes))
            .await
    }

    /// The task an earlier try created for `key`, if TaskRouter has one.
    pub(crate) async fn handoff_task_found(
        &self,
        workspace_sid: &str,
        key: &str,
    ) -> Result<Option<InteractionRef>, ContactCenterError> {
        let key = checked_key(key)?;
        let expression = format!("{HANDOFF_ATTR} == \"{key}\"");
        let page = self
            .client()
            .tasks_matching(workspace_sid, &expression)
            .await
            .map_err(ContactCenterError::from)?;
        for task in page.items {
            let Some(attributes) = task.attributes_json() else {
                continue;
            };
            if attributes.get(HANDOFF_ATTR).and_then(|v| v.as_str()) != Some(key) {
                continue;
            }
            let sid = |name: &str| attributes.get(name).and_then(|v| v.as_str());
            let (Some(interaction), Some(channel)) =
                (sid("flexInteractionSid"), sid("flexInteractionChannelSid"))
            else {
                continue;
            };
            let (Ok(interaction), Ok(channel)) = (
                InteractionSid::parse(interaction),
                InteractionChannelSid::parse(channel),
            ) else {
                continue;
            };
            let (Some(interaction), Some(channel)) = (to_core(&interaction), to_core(&channel))
            else {
                continue;
            };
            return Ok(Some(InteractionRef {
                interaction,
                channel,
            }));
        }
        Ok(None)
    }
}

/// The transcript's body: one `name: text` line each, the newest kept when too long.
pub(crate) fn transcript_body(lines: &[TranscriptLine], max_bytes: usize) -> String {
    let body: String = lines
        .iter()
        // One turn per line, so the agent reads who said what at a glance: a message's own
        // line breaks become " / ".
        .map(|line| {
            let text = line
                .text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" / ");
            format!("{}: {text}", line.name)
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "Conversation so far:\n{}",
        crate::adapter::keep_tail(body, max_bytes)
    )
}
