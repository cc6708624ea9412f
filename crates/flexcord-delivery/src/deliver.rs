//! One attempt at one entry: the only place outbox entries reach Discord or Flex.

use std::sync::Arc;

use flexcord_core::content::{AgentMedia, OutgoingFile, OutgoingMessage};
use flexcord_core::event::DeliveryEvent;
use flexcord_core::ids::ChannelId;
use flexcord_core::outbox::{ClaimedEntry, OutboxMessage};
use flexcord_core::ports::{ChatSurface, ContactCenter};

use crate::error::DeliveryError;

/// Sends outbox entries through the chat surface and the contact center.
#[derive(Debug, Clone)]
pub struct Deliverer {
    chat: Arc<dyn ChatSurface>,
    contact_center: Arc<dyn ContactCenter>,
}

impl Deliverer {
    /// A deliverer over Discord (`chat`) and Flex (`contact_center`).
    #[must_use]
    pub fn new(chat: Arc<dyn ChatSurface>, contact_center: Arc<dyn ContactCenter>) -> Self {
        Self {
            chat,
            contact_center,
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
        // Nobody to tell: the DM was never set up, or the notice was for the agent side.
        _ => None,
    }
}
