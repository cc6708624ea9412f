//! The blocklist in the router: a blocked user's DMs, commands, buttons and forms do nothing
//! (no virtual-agent query, no case, no Twilio call) except, at most once a day, a notice that
//! support is unavailable to them; `/block` and `/unblock` for staff.

use crate::case::{CaseNote, NoteKind};
use crate::content::{Buttons, OutgoingMessage, Voice};
use crate::event::{Command, DiscordEvent, InteractionHandle, UserProfile};
use crate::ids::UserId;
use crate::limits::{BLOCK_NOTICE_EVERY_MS, Block, Refusal};
use crate::outbox::OutboxMessage;
use crate::session::Session;

use super::step::{Effect, MAX_ATTEMPTS, Plan, run_step};
use super::{Handled, Incident, Outcome, Router, RouterError};

/// Reasons are kept to this many characters.
const REASON_MAX: usize = 500;

impl Router {
    /// `Some` when `event` comes from a blocked user and was dealt with here; `None` to handle
    /// it as usual. `/block` and `/unblock` always go through: whether the caller may use them
    /// is the staff check's decision.
    pub(crate) async fn keep_out_if_blocked(
        &self,
        event: &DiscordEvent,
    ) -> Result<Option<Handled>, RouterError> {
        let (user, interaction, dm) = match event {
            DiscordEvent::Command {
                command: Command::Block { .. } | Command::Unblock { .. },
                ..
            } => return Ok(None),
            DiscordEvent::Command {
                interaction, user, ..
            }
            | DiscordEvent::ReportSubmitted {
                interaction, user, ..
            }
            | DiscordEvent::Button {
                interaction, user, ..
            }
            | DiscordEvent::Malformed {
                interaction, user, ..
            } => (user, Some(interaction), None),
            DiscordEvent::DirectMessage {
                user,
                channel,
                message,
                ..
            } => (user, None, Some((*channel, *message))),
        };
        let Some(block) = self.ports.store.blocked(user.id).await? else {
            return Ok(None);
        };
        let _held = self.locks.lock(user.id).await;
        // Blocked from the command line while with an agent: the chat ends now.
        let ended = self.end_blocked_chat(user.id, &block).await?;
        let now = self.ports.clock.now_ms();
        let tell = self
            .ports
            .store
            .claim_block_notice(user.id, now, BLOCK_NOTICE_EVERY_MS)
            .await?;
        let mut plan = Plan::outcome(Outcome::Ignored);
        plan.incidents.push(Incident::Refused(Refusal::Blocked));
        if tell {
            let text = self.text(
                &self.config.templates.blocked_notice,
                &[("user", &user.name)],
            );
            match (interaction, dm) {
                (Some(interaction), _) => plan.reply(interaction, text),
                (None, Some((channel, message))) => {
                    plan.dedupe_key = Some(format!("dc:msg:{message}"));
                    plan.send(channel, OutgoingMessage::new(Voice::System, text));
                }
                (None, None) => {}
            }
        }
        let mut handled = self.settle(plan, MAX_ATTEMPTS).await?.unwrap_or_default();
        handled.incidents.extend(ended.incidents);
        handled.enqueued += ended.enqueued;
        Ok(Some(handled))
    }

    /// `/block user reason`.
    pub(crate) async fn block_command(
        &self,
        interaction: &InteractionHandle,
        caller: &UserProfile,
        target: UserId,
        reason: &str,
        staff: bool,
    ) -> Result<Handled, RouterError> {
        let t = &self.config.templates;
        let target_text = format!("<@{target}>");
        if !staff {
            return Ok(self
                .answer(
                    interaction,
                    self.text(&t.block_forbidden, &[("user", &caller.name)]),
                )
                .await);
        }
        let block = Block {
            user: target,
            reason: reason.trim().chars().take(REASON_MAX).collect(),
            by: format!("discord:{}", caller.id),
            at_ms: self.ports.clock.now_ms(),
        };
        self.ports.store.block(&block).await?;
        let ended = {
            let _held = self.locks.lock(target).await;
            self.end_blocked_chat(target, &block).await?
        };
        let text = self.text(
            &t.block_done,
            &[("user", &caller.name), ("target", &target_text)],
        );
        let mut handled = self.answer(interaction, text).await;
        handled.incidents.extend(ended.incidents);
        handled.enqueued = ended.enqueued;
        Ok(handled)
    }

    /// `/unblock user`.
    pub(crate) async fn unblock_command(
        &self,
        interaction: &InteractionHandle,
        caller: &UserProfile,
        target: UserId,
        staff: bool,
    ) -> Result<Handled, RouterError> {
        let t = &self.config.templates;
        if !staff {
            return Ok(self
                .answer(
                    interaction,
                    self.text(&t.block_forbidden, &[("user", &caller.name)]),
                )
                .await);
        }
        self.ports.store.unblock(target).await?;
        let text = self.text(
            &t.unblock_done,
            &[("user", &caller.name), ("target", &format!("<@{target}>"))],
        );
        Ok(self.answer(interaction, text).await)
    }

    /// Answers an interaction; nothing is recorded.
    async fn answer(&self, interaction: &InteractionHandle, text: String) -> Handled {
        let mut plan = Plan::default();
        plan.reply(interaction, text);
        // Writes nothing, so it cannot conflict.
        match self.settle(plan, MAX_ATTEMPTS).await {
            Ok(handled) => handled.unwrap_or_default(),
            Err(_) => Handled::default(),
        }
    }

    /// Ends a blocked user's live chat, if they are in one: the Flex side is closed, the user
    /// hears the usual polite `chat_ended` (without a rating prompt: their buttons do nothing
    /// now), and the case gets the transcript and a note saying why. Call with the user's
    /// lock held.
    async fn end_blocked_chat(&self, user: UserId, block: &Block) -> Result<Handled, RouterError> {
        run_step!(self, self.decide_end_blocked(user, block))
    }

    async fn decide_end_blocked(&self, user: UserId, block: &Block) -> Result<Plan, RouterError> {
        let Some(mut s) = self.ports.store.session(user).await? else {
            return Ok(Plan::outcome(Outcome::Ignored));
        };
        if !s.state.is_live() {
            return Ok(Plan::outcome(Outcome::Ignored));
        }
        let mut plan = Plan::default();
        self.close_flex_side(&mut plan, &s).await;
        let case = s.case_id;
        self.end_chat(&mut s, &mut plan);
        plan.outbox.retain(|m| !is_rating_prompt(m));
        if let Some(case) = case {
            plan.effects
                .push(Effect::AddNote(case, self.block_note(&s, block)));
        }
        plan.session = Some(s);
        Ok(plan)
    }

    fn block_note(&self, s: &Session, block: &Block) -> CaseNote {
        let mut body = self.text(
            &self.config.templates.blocked_chat_ended,
            &[("user", &s.user_name)],
        );
        body.push_str(&format!(" Blocked by {}: {}", block.by, block.reason));
        CaseNote {
            kind: NoteKind::Comment,
            author: "flexcord".to_owned(),
            body,
            at_ms: self.ports.clock.now_ms(),
        }
    }
}

fn is_rating_prompt(message: &OutboxMessage) -> bool {
    matches!(
        message,
        OutboxMessage::ToDiscord { message, .. }
            if message.buttons.iter().any(|b| matches!(b, Buttons::Rating(_)))
    )
}
