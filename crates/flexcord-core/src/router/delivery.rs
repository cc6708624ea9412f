//! Delivering outbox entries: the only place relays reach Discord or Flex.

use crate::content::{AgentMedia, OutgoingFile, OutgoingMessage};
use crate::ids::{ChannelId, ConversationSid};
use crate::outbox::{ClaimedEntry, OutboxMessage};
use crate::ports::{ChatError, ContactCenterError};

use super::{DeliveryError, Router};

fn chat_error(e: &ChatError) -> DeliveryError {
    match e {
        ChatError::RateLimited { retry_after_ms } => DeliveryError::Retry {
            reason: e.to_string(),
            after_ms: Some(*retry_after_ms),
        },
        ChatError::Transient(_) => DeliveryError::Retry {
            reason: e.to_string(),
            after_ms: None,
        },
        _ => DeliveryError::Permanent(e.to_string()),
    }
}

fn cc_error(e: &ContactCenterError) -> DeliveryError {
    if e.is_transient() {
        DeliveryError::Retry {
            reason: e.to_string(),
            after_ms: None,
        }
    } else {
        DeliveryError::Permanent(e.to_string())
    }
}

impl Router {
    pub(crate) async fn deliver_entry(&self, entry: &ClaimedEntry) -> Result<(), DeliveryError> {
        let p = &self.ports;
        match &entry.message {
            OutboxMessage::ToConversation {
                conversation,
                author,
                source,
                content,
            } => {
                let sent = p
                    .contact_center
                    .post_user_message(conversation, author, *source, content, entry.attempts > 0)
                    .await;
                match sent {
                    Ok(posted) if !posted.refused_files.is_empty() => {
                        // The text went; the user learns which files did not. If that notice
                        // cannot be queued the relay still counts as delivered.
                        let _ = self
                            .files_refused(conversation, *source, &posted.refused_files)
                            .await;
                        Ok(())
                    }
                    Ok(_) => Ok(()),
                    Err(e @ ContactCenterError::ConversationGone(_)) => {
                        // The chat is over on Twilio's side (maybe a missed webhook): end it here
                        // too, so the user is told and their next message starts afresh. If
                        // that fails, the entry is dead anyway and a later event will catch up.
                        let _ = self.conversation_gone(conversation).await;
                        Err(DeliveryError::Permanent(e.to_string()))
                    }
                    Err(e) => Err(cc_error(&e)),
                }
            }
            OutboxMessage::ToDiscord {
                channel,
                message,
                media,
                conversation,
            } => {
                self.deliver_to_discord(entry.id, *channel, message, media, conversation.as_ref())
                    .await
            }
            OutboxMessage::NoticeToConversation { conversation, text } => p
                .contact_center
                .post_notice(conversation, text)
                .await
                .map_err(|e| cc_error(&e)),
            OutboxMessage::Announce { announcement } => p
                .chat
                .announce(announcement)
                .await
                .map(drop)
                .map_err(|e| chat_error(&e)),
        }
    }

    async fn deliver_to_discord(
        &self,
        id: i64,
        channel: ChannelId,
        message: &OutgoingMessage,
        media: &[AgentMedia],
        conversation: Option<&ConversationSid>,
    ) -> Result<(), DeliveryError> {
        let p = &self.ports;
        let mut message = message.clone();
        for m in media {
            // Resolved as late as possible: Twilio's media URLs expire.
            match p.contact_center.media_url(&m.sid).await {
                Ok(url) => message.files.push(OutgoingFile {
                    url,
                    filename: m.filename.clone().unwrap_or_else(|| m.sid.to_string()),
                    content_type: m.content_type.clone(),
                }),
                Err(e) if e.is_transient() => return Err(cc_error(&e)),
                // Gone for good: send the rest rather than lose the text too.
                Err(_) => {}
            }
        }
        // The entry id is unique, so it is a safe nonce: a repeat after a crash is dropped.
        let nonce = u64::try_from(id).ok();
        match p.chat.send(channel, &message, nonce).await {
            Ok(_) => Ok(()),
            Err(ChatError::DmClosed) => {
                let mut reason = ChatError::DmClosed.to_string();
                if let Some(conversation) = conversation {
                    let text = &self.config.templates.dm_closed_notice;
                    if let Err(e) = p.contact_center.post_notice(conversation, text).await {
                        reason = format!("{reason}; telling the agent failed: {e}");
                    }
                }
                Err(DeliveryError::Permanent(reason))
            }
            Err(e) => Err(chat_error(&e)),
        }
    }
}
