//! What deliveries learn: a conversation gone, a DM closed. The outbox worker reports these as
//! [`DeliveryEvent`]s; each is one recorded step like any other event, so a report repeated after
//! a crash is a no-op and nothing here ever calls another system directly: what the router owes
//! anyone in return goes into the outbox.

use crate::event::{DeliveryEvent, UserProfile};
use crate::ids::{ChannelId, ConversationSid, UserId};
use crate::outbox::OutboxMessage;
use crate::session::Session;

use super::flex::CloseCause;
use super::step::{Plan, run_step};
use super::{Handled, Outcome, Router, RouterError};

impl Router {
    pub(crate) async fn on_delivery(&self, event: DeliveryEvent) -> Result<Handled, RouterError> {
        let key = event.dedupe_key();
        match event {
            DeliveryEvent::ConversationGone { conversation, .. } => {
                let Some(user) = self.owner_of(&conversation).await? else {
                    return Ok(Handled::unknown_conversation());
                };
                let _held = self.locks.lock(user).await;
                run_step!(self, self.decide_gone(user, &conversation))
            }
            DeliveryEvent::DmClosed { conversation, .. } => {
                // The agent is told through the outbox, in order after what they wrote before.
                let mut plan = Plan {
                    dedupe_key: Some(key),
                    ..Plan::default()
                };
                match conversation {
                    Some(conversation) => plan.outbox.push(OutboxMessage::NoticeToConversation {
                        conversation,
                        // For the agent: the deployment's default language.
                        text: self.config.default_templates().dm_closed_notice.clone(),
                    }),
                    None => plan.outcome = Outcome::Ignored,
                }
                // No session is written, so this cannot conflict: one attempt.
                let handled = self.settle(plan, super::step::MAX_ATTEMPTS).await?;
                Ok(handled.unwrap_or_default())
            }
            DeliveryEvent::DmOpened { user, channel, .. } => {
                let _held = self.locks.lock(user.id).await;
                run_step!(self, self.decide_dm_opened(&user, channel, &key))
            }
            DeliveryEvent::FilesRefused {
                conversation,
                source,
                files,
                ..
            } => self.files_refused(&conversation, source, &files).await,
            DeliveryEvent::HandOffOpened {
                user,
                key: handoff,
                case,
                conversation,
            } => {
                self.on_handoff_opened(user, key, &handoff, case, &conversation)
                    .await
            }
            DeliveryEvent::HandOffRouted {
                user,
                conversation,
                interaction,
                ..
            } => {
                self.on_handoff_routed(user, key, &conversation, &interaction)
                    .await
            }
            DeliveryEvent::HandOffCaseOpened {
                user,
                conversation,
                case,
                ..
            } => {
                self.on_handoff_case_opened(user, key, &conversation, case)
                    .await
            }
            DeliveryEvent::HandOffFailed {
                user, conversation, ..
            } => {
                self.on_handoff_failed(user, key, conversation.as_ref())
                    .await
            }
        }
    }

    /// A user without a session gets one on the DM a delivery opened (the greeting's button
    /// then works); a user with one already has their channel.
    async fn decide_dm_opened(
        &self,
        user: &UserProfile,
        channel: ChannelId,
        key: &str,
    ) -> Result<Plan, RouterError> {
        if self.ports.store.session(user.id).await?.is_some() {
            return Ok(Plan::outcome(Outcome::Ignored));
        }
        let mut session = Session::new(user.id, user.name.clone(), channel);
        session.locale.clone_from(&user.locale);
        Ok(Plan::with_session(Some(key.to_owned()), session))
    }

    async fn decide_gone(
        &self,
        user: UserId,
        conversation: &ConversationSid,
    ) -> Result<Plan, RouterError> {
        // Recorded as the conversation's close (`tw:closed:<sid>`, see
        // `DeliveryEvent::dedupe_key`): Twilio's own webhook for it, if it comes, is a repeat.
        match self.ports.store.session(user).await? {
            Some(s) if s.conversation.as_ref() == Some(conversation) => {
                Ok(self.decide_closed(s, CloseCause::Gone))
            }
            _ => Ok(Plan::outcome(Outcome::UnknownConversation)),
        }
    }
}
