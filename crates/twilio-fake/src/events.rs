//! The change stream: every state change the fake makes, broadcast for tests and the sandbox UI.

use serde::Serialize;

use crate::delivery::DeliveryRecord;
use crate::model::{ConversationState, Message};
use crate::recorder::RecordedRequest;

/// One change in the fake, in the order it happened.
///
/// Subscribe with [`TwilioFake::subscribe`](crate::TwilioFake::subscribe). The channel is
/// bounded; a receiver that falls far behind gets `RecvError::Lagged` and should re-read state
/// through the inspection methods.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FakeEvent {
    /// A REST request was answered.
    Request(RecordedRequest),
    /// A conversation was created.
    ConversationCreated {
        /// `CH…`
        conversation_sid: String,
    },
    /// A conversation changed state.
    ConversationStateChanged {
        /// `CH…`
        conversation_sid: String,
        /// Previous state.
        from: ConversationState,
        /// New state.
        to: ConversationState,
    },
    /// A participant joined.
    ParticipantAdded {
        /// `CH…`
        conversation_sid: String,
        /// `MB…`
        participant_sid: String,
        /// Chat identity.
        identity: Option<String>,
    },
    /// A participant left.
    ParticipantRemoved {
        /// `CH…`
        conversation_sid: String,
        /// `MB…`
        participant_sid: String,
        /// Chat identity.
        identity: Option<String>,
    },
    /// A message was added.
    MessageAdded {
        /// `CH…`
        conversation_sid: String,
        /// The message.
        message: Message,
    },
    /// A scoped webhook, chatbot call or Send-to-Flex ran (one record per attempt).
    Delivered(DeliveryRecord),
    /// An interaction (a Flex task) was created.
    InteractionCreated {
        /// `KD…`
        interaction_sid: String,
        /// The conversation it routes, when known.
        conversation_sid: Option<String>,
    },
    /// An interaction channel or one of its participants changed.
    InteractionUpdated {
        /// `KD…`
        interaction_sid: String,
    },
    /// Media was uploaded.
    MediaUploaded {
        /// `ME…`
        media_sid: String,
    },
    /// A Studio flow was created or updated.
    FlowSaved {
        /// `FW…`
        flow_sid: String,
    },
}
