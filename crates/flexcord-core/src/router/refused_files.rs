//! Telling the user which files of a relayed message did not reach the agent. The contact
//! center reports them after posting the text (see [`crate::ports::Posted`]); the notice goes
//! through the outbox like any message owed to the user, once per Discord message.

use crate::content::{OutgoingMessage, Voice};
use crate::ids::{ConversationSid, MessageId, UserId};
use crate::outbox::OutboxMessage;
use crate::ports::{FileRefusal, RefusedFile};

use super::step::{Plan, run_step};
use super::{Handled, Outcome, Router, RouterError};

impl Router {
    /// Queues one notice per refused file for the user whose conversation this is.
    pub(crate) async fn files_refused(
        &self,
        conversation: &ConversationSid,
        source: MessageId,
        files: &[RefusedFile],
    ) -> Result<Handled, RouterError> {
        let Some(user) = self.owner_of(conversation).await? else {
            return Ok(Handled::unknown_conversation());
        };
        let _held = self.locks.lock(user).await;
        run_step!(self, self.decide_files_refused(user, source, files))
    }

    async fn decide_files_refused(
        &self,
        user: UserId,
        source: MessageId,
        files: &[RefusedFile],
    ) -> Result<Plan, RouterError> {
        let Some(s) = self.ports.store.session(user).await? else {
            return Ok(Plan::outcome(Outcome::UnknownConversation));
        };
        // Keyed by the Discord message, so a redelivered entry does not tell the user twice.
        let mut plan = Plan {
            dedupe_key: Some(format!("dc:refused:{source}")),
            ..Plan::default()
        };
        let t = self.t(s.locale.as_deref());
        for file in files {
            let reason = match file.reason {
                FileRefusal::Empty => &t.file_reason_empty,
                FileRefusal::TooLarge => &t.file_reason_too_large,
                FileRefusal::Unavailable => &t.file_reason_unavailable,
                FileRefusal::Refused => &t.file_reason_refused,
            };
            let text = self.text(
                &t.file_not_delivered,
                &[("file", &file.filename), ("reason", reason)],
            );
            plan.outbox.push(OutboxMessage::ToDiscord {
                channel: s.dm_channel,
                message: OutgoingMessage::new(Voice::System, text),
                media: Vec::new(),
                conversation: s.conversation.clone(),
            });
        }
        Ok(plan)
    }
}
