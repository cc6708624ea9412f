//! Ending a chat (agent close, timeout, "End chat", conversation gone) and rating it.

use crate::case::{CaseNote, CaseStatus, NoteKind, Rating};
use crate::content::{Buttons, OutgoingMessage, Voice};
use crate::event::{InteractionHandle, UserProfile};
use crate::ids::CaseId;
use crate::outbox::OutboxMessage;
use crate::ports::{CaseError, ContactCenterError};
use crate::session::{Session, SessionState};

use super::discord::back_to_bot;
use super::step::{Effect, Plan};
use super::{Incident, Outcome, Router, RouterError, transcript};

impl Router {
    /// Moves a live session to `Ended`: the user is told and asked for a rating (through the
    /// outbox, after anything the agent said before), and the transcript goes to the case.
    /// The conversation stays in the session so late events still match.
    pub(crate) fn end_chat(&self, s: &mut Session, plan: &mut Plan) {
        let locale = s.locale.clone();
        let t = self.t(locale.as_deref());
        let lines = std::mem::take(&mut s.transcript);
        s.state = SessionState::Ended;
        s.interaction = None;
        let agent = s.agent_name.take().unwrap_or_default();
        let case = s.case_id.map(|c| c.to_string()).unwrap_or_default();
        let vars = [
            ("user", s.user_name.as_str()),
            ("agent", agent.as_str()),
            ("case", case.as_str()),
        ];
        let mut notice = |message: OutgoingMessage| {
            plan.outbox.push(OutboxMessage::ToDiscord {
                channel: s.dm_channel,
                message,
                media: Vec::new(),
                conversation: s.conversation.clone(),
            });
        };
        notice(OutgoingMessage::new(
            Voice::System,
            self.text(&t.chat_ended, &vars),
        ));
        if let Some(case_id) = s.case_id {
            let prompt = OutgoingMessage::new(Voice::System, self.text(&t.rating_prompt, &vars))
                .with_buttons(Buttons::Rating(case_id))
                .with_locale(locale.as_deref());
            notice(prompt);
            if !lines.is_empty() {
                let note = CaseNote {
                    kind: NoteKind::Transcript,
                    author: "flexcord".to_owned(),
                    body: transcript::render(&lines),
                    at_ms: self.ports.clock.now_ms(),
                };
                plan.effects.push(Effect::AddNote(case_id, note));
            }
            // The chat is over; staff can reopen the case if the problem is not solved.
            plan.effects
                .push(Effect::SetStatus(case_id, CaseStatus::Resolved));
        }
    }

    /// Closes the session's conversation (and interaction) on the Flex side, for a chat ended
    /// from our side: one already gone is fine; any other failure is reported as an incident
    /// and the chat ends here all the same.
    pub(super) async fn close_flex_side(&self, plan: &mut Plan, s: &Session) {
        let Some(conversation) = &s.conversation else {
            return;
        };
        match self
            .ports
            .contact_center
            .close(conversation, s.interaction.as_ref())
            .await
        {
            Ok(()) | Err(ContactCenterError::ConversationGone(_)) => {}
            Err(e) => plan.incidents.push(Incident::ContactCenter(e)),
        }
    }

    /// "End chat": closes the Flex side (an already closed conversation is fine) and ends.
    /// Pressed outside a live chat (a stale button), it does nothing.
    pub(crate) async fn decide_end_by_user(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
    ) -> Result<Plan, RouterError> {
        let Some(mut s) = self.ports.store.session(user.id).await? else {
            return Ok(Plan::outcome(Outcome::Ignored));
        };
        // While a hand-off is being opened there is no chat to end yet (any "End chat" button
        // is a stale one): ending then would let a new hand-off start while the old one's
        // steps still report back.
        if !s.state.is_live() || super::handoff_steps::opening(&s) {
            return Ok(Plan::outcome(Outcome::Ignored));
        }
        super::discord::remember_locale(&mut s, user);
        let mut plan = Plan::default();
        // The user asked to leave: a close that fails ends on our side anyway.
        self.close_flex_side(&mut plan, &s).await;
        self.end_chat(&mut s, &mut plan);
        plan.dedupe_key = Some(format!("dc:int:{}", interaction.id));
        plan.session = Some(s);
        Ok(plan)
    }

    /// A rating button. Accepted for the session's case or any case the user reported, once: a
    /// second rating changes nothing. Returns the session to the bot when it was `Ended`.
    pub(crate) async fn decide_rate(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
        case: CaseId,
        rating: Rating,
    ) -> Result<Plan, RouterError> {
        let t = self.t(user.locale.as_deref());
        let session = self.ports.store.session(user.id).await?;
        let mut plan = Plan {
            dedupe_key: Some(format!("dc:int:{}", interaction.id)),
            ..Plan::default()
        };
        let own = session.as_ref().is_some_and(|s| s.case_id == Some(case));
        // One rating per chat: a case already rated keeps its rating and gets no second note
        // (a second click only changes the choice shown under the prompt).
        match self.ports.cases.get(case).await {
            Ok(c) if c.rating.is_some() && (own || c.reporter.user_id == user.id) => {
                return Ok(Plan::outcome(Outcome::Ignored));
            }
            Ok(c) if own || c.reporter.user_id == user.id => {}
            // The case system is down: the user's own chat is still rated (best effort).
            Err(e) if own && !matches!(e, CaseError::NotFound(_)) => {
                plan.incidents.push(Incident::CaseSystem(e));
            }
            Err(CaseError::NotFound(_)) if own => {}
            Ok(_) | Err(CaseError::NotFound(_)) => return Ok(Plan::outcome(Outcome::Ignored)),
            Err(e) => {
                let mut plan = Plan::outcome(Outcome::Ignored);
                plan.incidents.push(Incident::CaseSystem(e));
                plan.reply(
                    interaction,
                    self.text(&t.relay_failed, &[("user", &user.name)]),
                );
                return Ok(plan);
            }
        }
        if let Some(mut s) = session
            && s.state == SessionState::Ended
        {
            back_to_bot(&mut s);
            plan.session = Some(s);
        }
        plan.effects.push(Effect::SetRating(case, rating));
        plan.effects.push(Effect::AddNote(
            case,
            CaseNote {
                kind: NoteKind::Rating,
                author: user.name.clone(),
                body: format!("Rating: {}/5", rating.get()),
                at_ms: self.ports.clock.now_ms(),
            },
        ));
        let text = self.text(
            &t.rating_thanks,
            &[
                ("user", &user.name),
                ("case", &case.to_string()),
                ("rating", &rating.get().to_string()),
            ],
        );
        plan.reply(interaction, text);
        Ok(plan)
    }
}
