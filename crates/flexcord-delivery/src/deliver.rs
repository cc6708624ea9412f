//! One attempt at one entry: the only place outbox entries reach Discord or Flex.

use std::sync::Arc;

use flexcord_core::content::{AgentMedia, OutgoingFile, OutgoingMessage};
use flexcord_core::event::DeliveryEvent;
use flexcord_core::ids::ChannelId;
use flexcord_core::outbox::{ClaimedEntry, HandOffStep, OutboxMessage};
use flexcord_core::ports::{CaseManagement, ChatSurface, ContactCenter};

use crate::decision::{Decision, after_attempt};
use crate::error::DeliveryError;

/// Sends outbox entries through the chat surface and the contact center, and carries out
/// hand-off steps (which open cases too).
#[derive(Debug, Clone)]
pub struct Deliverer {
    chat: Arc<dyn ChatSurface>,
    contact_center: Arc<dyn ContactCenter>,
    cases: Arc<dyn CaseManagement>,
}

impl Deliverer {
    /// A deliverer over Discord (`chat`), Flex (`contact_center`) and the case system
    /// (`cases`, for hand-offs).
    #[must_use]
    pub fn new(
        chat: Arc<dyn ChatSurface>,
        contact_center: Arc<dyn ContactCenter>,
        cases: Arc<dyn CaseManagement>,
    ) -> Self {
        Self {
            chat,
            contact_center,
            cases,
        }
    }

    /// Tries to deliver `entry` once. A retried entry (`attempts > 0`) may have gone through
    /// before a crash: Twilio posts are told so (the adapter looks for the earlier post), and
    /// Discord sends carry the entry's nonce (unique per entry and database), so Discord drops a
    /// repeat.
    ///
    /// Returns what the delivery taught the router, if anything: a DM opened for a message
    /// queued for a user ([`DeliveryEvent::DmOpened`]).
    ///
    /// # Errors
    ///
    /// Why it was not delivered; [`crate::after_attempt`] decides what happens next and
    /// [`report`] what the router must hear about it.
    pub async fn deliver(
        &self,
        entry: &ClaimedEntry,
    ) -> Result<Option<DeliveryEvent>, DeliveryError> {
        let nonce = Some(entry.nonce);
        match &entry.message {
            OutboxMessage::ToConversation {
                conversation,
                author,
                source,
                content,
            } => self
                .contact_center
                .post_user_message(conversation, author, *source, content, entry.attempts > 0)
                .await
                // The text went; files the contact center could not take are reported, so the
                // router tells the user which (through the outbox, once per message).
                .map(|posted| {
                    (!posted.refused_files.is_empty()).then(|| DeliveryEvent::FilesRefused {
                        entry: entry.id,
                        conversation: conversation.clone(),
                        source: *source,
                        files: posted.refused_files,
                    })
                })
                .map_err(|e| DeliveryError::from(&e)),
            OutboxMessage::ToDiscord {
                channel,
                message,
                media,
                ..
            } => self
                .to_discord(*channel, message, media, nonce)
                .await
                .map(|()| None),
            OutboxMessage::ToUser { user, message } => {
                let channel = self
                    .chat
                    .open_dm(user.id)
                    .await
                    .map_err(|e| DeliveryError::from(&e))?;
                self.to_discord(channel, message, &[], nonce).await?;
                Ok(Some(DeliveryEvent::DmOpened {
                    entry: entry.id,
                    user: user.clone(),
                    channel,
                }))
            }
            OutboxMessage::NoticeToConversation { conversation, text } => self
                .contact_center
                .post_notice(conversation, text)
                .await
                .map(|()| None)
                .map_err(|e| DeliveryError::from(&e)),
            OutboxMessage::Announce { announcement } => self
                .chat
                .announce(announcement)
                .await
                .map(|_| None)
                .map_err(|e| DeliveryError::from(&e)),
            OutboxMessage::Report { channel, card } => self
                .chat
                .post_report(*channel, card, nonce)
                .await
                .map(|_| None)
                .map_err(|e| DeliveryError::from(&e)),
            OutboxMessage::HandOff { step } => self.hand_off(step).await,
        }
    }

    /// One hand-off step. Every call is keyed by the hand-off, so running a step again (a
    /// crash before it was settled) finds what the earlier run created.
    async fn hand_off(&self, step: &HandOffStep) -> Result<Option<DeliveryEvent>, DeliveryError> {
        match step {
            HandOffStep::Open {
                key,
                user,
                dm,
                case,
            } => {
                // A case system that fails does not keep the user from an agent: routed
                // without a case, as the user is told. (Creation is idempotent by key, so a
                // run after a crash finds the case an earlier run opened.)
                let case = match self.cases.create(case).await {
                    Ok(created) => Some(created.id),
                    Err(error) => {
                        tracing::warn!(%error, "could not open the hand-off's case; routing without one");
                        None
                    }
                };
                let conversation = self
                    .contact_center
                    .open_handoff_conversation(user, *dm, key)
                    .await
                    .map_err(|e| DeliveryError::from(&e))?;
                Ok(Some(DeliveryEvent::HandOffOpened {
                    user: user.id,
                    key: key.clone(),
                    case,
                    conversation,
                }))
            }
            HandOffStep::Transcript {
                key,
                conversation,
                lines,
            } => self
                .contact_center
                .post_handoff_transcript(conversation, key, lines)
                .await
                .map(|()| None)
                .map_err(|e| DeliveryError::from(&e)),
            HandOffStep::Task {
                key,
                conversation,
                task,
            } => {
                let interaction = self
                    .contact_center
                    .create_handoff_task(conversation, key, task)
                    .await
                    .map_err(|e| DeliveryError::from(&e))?;
                Ok(Some(DeliveryEvent::HandOffRouted {
                    user: task.user.id,
                    key: key.clone(),
                    conversation: conversation.clone(),
                    interaction,
                }))
            }
            // The case the hand-off went on without. Failures are retried with the outbox's
            // backoff (a case system down for minutes), and never end the chat: a dead letter
            // here is the operator's (`flexcord outbox retry`), not the user's.
            HandOffStep::Case {
                key,
                user,
                conversation,
                case,
            } => {
                let created = self
                    .cases
                    .create(case)
                    .await
                    .map_err(|e| DeliveryError::from(&e))?;
                Ok(Some(DeliveryEvent::HandOffCaseOpened {
                    user: *user,
                    key: key.clone(),
                    conversation: conversation.clone(),
                    case: created.id,
                }))
            }
        }
    }

    async fn to_discord(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        media: &[AgentMedia],
        nonce: Option<u64>,
    ) -> Result<(), DeliveryError> {
        let mut message = message.clone();
        for m in media {
            // Resolved as late as possible: Twilio's media URLs expire.
            match self.contact_center.media_url(&m.sid).await {
                Ok(url) => message.files.push(OutgoingFile {
                    url,
                    filename: crate::file_name::agent_file_name(m),
                    content_type: m.content_type.clone(),
                }),
                Err(e) if e.is_transient() => return Err(DeliveryError::from(&e)),
                // Gone for good: send the rest rather than lose the text too.
                Err(_) => {}
            }
        }
        // The entry's nonce is unique per entry and database: a repeat after a crash is dropped,
        // another deployment's entry with the same id is not.
        self.chat
            .send(channel, &message, nonce)
            .await
            .map(drop)
            .map_err(|e| DeliveryError::from(&e))
    }
}

/// What the router must hear about `entry` failing with `error`, if anything: its conversation
/// is gone (the chat ends), or the user's DMs are closed (the agent is told).
#[must_use]
pub fn report(entry: &ClaimedEntry, error: &DeliveryError) -> Option<DeliveryEvent> {
    match (error, &entry.message) {
        (
            DeliveryError::ConversationGone(_),
            OutboxMessage::ToConversation { conversation, .. },
        ) => Some(DeliveryEvent::ConversationGone {
            entry: entry.id,
            conversation: conversation.clone(),
        }),
        (
            DeliveryError::DmClosed,
            OutboxMessage::ToDiscord {
                channel,
                conversation,
                ..
            },
        ) => Some(DeliveryEvent::DmClosed {
            entry: entry.id,
            channel: Some(*channel),
            conversation: conversation.clone(),
        }),
        // A hand-off step that will not be tried again: the user is told and back with the
        // bot. (A transcript that did not go only costs the agent context.)
        (
            _,
            OutboxMessage::HandOff {
                step: step @ (HandOffStep::Open { .. } | HandOffStep::Task { .. }),
            },
        ) if matches!(
            after_attempt(entry.attempts, error),
            Decision::DeadLetter { .. }
        ) =>
        {
            let (user, conversation) = match step {
                HandOffStep::Open { user, .. } => (user.id, None),
                HandOffStep::Task {
                    task, conversation, ..
                } => (task.user.id, Some(conversation.clone())),
                HandOffStep::Transcript { .. } | HandOffStep::Case { .. } => return None,
            };
            Some(DeliveryEvent::HandOffFailed {
                user,
                key: step.key().to_owned(),
                conversation,
            })
        }
        // Nobody to tell: the DM was never set up, or the notice was for the agent side.
        _ => None,
    }
}
