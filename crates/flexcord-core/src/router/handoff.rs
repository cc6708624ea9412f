//! Hand-off to a live agent: open a case, route the conversation to Flex, tell the user.

use crate::case::{CaseKind, CaseSource, NewCase, Priority, Reporter};
use crate::content::{MessageContent, OutgoingMessage, Voice};
use crate::event::UserProfile;
use crate::ids::{ConversationSid, Identity, MessageId};
use crate::outbox::OutboxMessage;
use crate::ports::{Commit, CommitOutcome};
use crate::session::{Session, SessionState};

use super::discord::case_label;
use super::step::Plan;
use super::{Incident, Router, transcript};

/// Case titles are cut to this many characters.
const TITLE_MAX: usize = 100;

/// What asked for the hand-off, which decides how the conversation reaches Flex.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trigger {
    /// Bridge mode: the case, the conversation, the transcript and the Flex task are durable
    /// steps from the outbox (`handoff_steps`).
    Bridge,
    /// Studio mode, a user message: the message itself is posted (by the caller) and the
    /// flow's split routes it.
    StudioMessage,
    /// Studio mode, the button: there is no message, so the first hand-off keyword is posted in
    /// the user's name (keyed by the interaction id) for the flow's split to route.
    StudioButton(MessageId),
    /// Studio mode, the virtual agent asked for a hand-off during a bot turn: like the button,
    /// a keyword is posted for the flow to route (its bot-turn branch has ended).
    StudioBotTurn,
}

impl Router {
    /// The case a hand-off opens for the session `s`: titled with the first real question,
    /// described with what the user said; `key` (the event that asked for the agent) is its
    /// idempotency key, so opening it again finds the same case.
    pub(crate) fn handoff_case(&self, s: &Session, user: &UserProfile, key: &str) -> NewCase {
        let keywords = &self.config.handoff_keywords;
        let title = transcript::first_user_text(&s.transcript, TITLE_MAX, |t| {
            crate::agent_request::is_agent_request(t, keywords)
        })
        .unwrap_or_else(|| format!("Live chat with {}", user.name));
        let said = transcript::render_user_lines(&s.transcript);
        let description = if said.trim().is_empty() {
            title.clone()
        } else {
            said
        };
        NewCase {
            kind: CaseKind::Support,
            title,
            description,
            fields: Vec::new(),
            reporter: Reporter {
                user_id: user.id,
                name: user.name.clone(),
            },
            source: CaseSource {
                channel: s.dm_channel,
                direct_message: true,
            },
            priority: Priority::Normal,
            idempotency_key: key.to_owned(),
        }
    }

    /// Plans a hand-off for the session in `plan`. `key` identifies the triggering event and
    /// becomes the case's idempotency key.
    pub(crate) async fn hand_off(
        &self,
        plan: &mut Plan,
        user: &UserProfile,
        key: &str,
        trigger: Trigger,
    ) {
        let Some(s) = plan.session.as_ref() else {
            return;
        };
        let locale = s.locale.clone();
        let t = self.t(locale.as_deref());
        let dm = s.dm_channel;
        if s.state.is_live() {
            let text = self.text(
                &t.already_with_agent,
                &[("user", &user.name), ("case", &case_label(s.case_id))],
            );
            plan.send(dm, OutgoingMessage::new(Voice::System, text));
            return;
        }

        let new_case = self.handoff_case(s, user, key);
        if let Trigger::Bridge = trigger {
            // Every remote step runs from the outbox, keyed: see `handoff_steps`.
            self.plan_handoff(plan, user, key, new_case);
            return;
        }
        let case_id = match self.ports.cases.create(&new_case).await {
            Ok(case) => Some(case.id),
            Err(e) => {
                plan.incidents.push(Incident::CaseSystem(e));
                None
            }
        };

        let Some(conversation) = self.ensure_conversation(plan, user).await else {
            return;
        };
        let Some(s) = plan.session.as_mut() else {
            return;
        };
        s.state = SessionState::AwaitingAgent;
        s.case_id = case_id;
        s.interaction = None;
        s.agent_name = None;
        let text = match case_id {
            Some(c) => self.text(
                &t.case_created,
                &[("user", &user.name), ("case", &c.to_string())],
            ),
            None => self.text(&t.transferring_without_case, &[("user", &user.name)]),
        };
        plan.send(dm, OutgoingMessage::new(Voice::System, text));
        // Studio routes on what the user says: without a user message (the button, or the bot's
        // own hand-off signal) the first hand-off keyword is posted in the user's name so the
        // flow's split sends the conversation to Flex.
        let keyword_source = match trigger {
            Trigger::StudioButton(source) => Some(source),
            // A bot turn has no Discord message: the clock's milliseconds stand in as the
            // source id (never a real snowflake, which is far larger), unique enough to let
            // a retried delivery recognise its own earlier post.
            Trigger::StudioBotTurn => Some(MessageId(self.ports.clock.now_ms())),
            Trigger::Bridge | Trigger::StudioMessage => None,
        };
        if let Some(source) = keyword_source {
            let words = self
                .config
                .handoff_keywords
                .first()
                .map_or("live agent", String::as_str);
            plan.outbox.push(OutboxMessage::ToConversation {
                conversation,
                author: Identity::for_user(user.id),
                source,
                content: MessageContent::text(words),
            });
        }
    }

    /// The session's conversation, opened (find-or-open) and stored when there is none yet.
    /// On failure the user is told `relay_failed` and `None` is returned.
    ///
    /// The new mapping is committed at once, before the step goes on: Flex may call back about
    /// the conversation (the agent accepting the task, say) while the hand-off is still being
    /// decided, and such a webhook must find its user — it then waits on the user's lock until
    /// the step is done — instead of being dropped as an unknown conversation.
    pub(crate) async fn ensure_conversation(
        &self,
        plan: &mut Plan,
        user: &UserProfile,
    ) -> Option<ConversationSid> {
        let s = plan.session.as_ref()?;
        if let Some(c) = &s.conversation {
            return Some(c.clone());
        }
        let dm = s.dm_channel;
        // The conversation's attributes carry the user's language (DMs do not say it).
        let mut user = user.clone();
        if user.locale.is_none() {
            user.locale.clone_from(&s.locale);
        }
        let t = self.t(user.locale.as_deref());
        match self.ports.contact_center.open_conversation(&user, dm).await {
            Ok(c) => {
                if let Some(s) = plan.session.as_mut() {
                    s.conversation = Some(c.clone());
                    self.publish_mapping(s).await;
                }
                Some(c)
            }
            Err(e) => {
                plan.incidents.push(Incident::ContactCenter(e));
                let text = self.text(&t.relay_failed, &[("user", &user.name)]);
                plan.send(dm, OutgoingMessage::new(Voice::System, text));
                None
            }
        }
    }

    /// Saves the session alone (no dedupe key, no sends) and adopts the new version. A failure
    /// is left for the step's own commit to meet again (a conflict re-decides the step; an
    /// outage fails it).
    async fn publish_mapping(&self, session: &mut crate::session::Session) {
        let commit = Commit {
            session: Some(session.clone()),
            ..Commit::default()
        };
        if let Ok(CommitOutcome::Committed {
            session_version: Some(v),
            ..
        }) = self.ports.store.commit(&commit).await
        {
            session.version = v;
        }
    }
}
