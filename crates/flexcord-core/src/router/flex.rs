//! Flex events: agent messages, agents joining and leaving, closes, and Studio bot turns.

use crate::case::CaseStatus;
use crate::content::{AgentMedia, Buttons, OutgoingMessage, Voice};
use crate::event::{FlexEvent, MessageOrigin, UserProfile};
use crate::ids::{ConversationSid, Identity, MessageSid, UserId};
use crate::outbox::OutboxMessage;
use crate::session::{Session, SessionState, Speaker};

use super::handoff::Trigger;
use super::step::{Effect, Plan, run_step};
use super::{Handled, Outcome, Router, RouterError, intent};

/// Why a conversation is treated as closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseCause {
    /// Twilio said so (agent closed it, or the inactivity timer).
    Webhook,
    /// A relay to it failed with "conversation gone".
    Gone,
}

impl Router {
    /// The user whose chat `conversation` is, if a session holds it. Events about a conversation
    /// are decided under that user's lock, like the user's own.
    pub(crate) async fn owner_of(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Option<UserId>, RouterError> {
        Ok(self
            .ports
            .store
            .session_by_conversation(conversation)
            .await?
            .map(|s| s.user))
    }

    pub(crate) async fn on_flex(&self, event: FlexEvent) -> Result<Handled, RouterError> {
        if let FlexEvent::MessageAdded {
            origin: MessageOrigin::Api | MessageOrigin::Other,
            ..
        } = &event
        {
            // What the bridge posted itself comes back as API: never relay it (no echo).
            return Ok(Handled {
                outcome: Outcome::Ignored,
                ..Handled::default()
            });
        }
        let conversation = event.conversation().clone();
        let Some(user) = self.owner_of(&conversation).await? else {
            return Ok(Handled::unknown_conversation());
        };
        let _held = self.locks.lock(user).await;
        run_step!(self, self.decide_flex(&event, user, &conversation))
    }

    async fn decide_flex(
        &self,
        event: &FlexEvent,
        user: UserId,
        conversation: &ConversationSid,
    ) -> Result<Plan, RouterError> {
        // Reload under the lock: the session may have moved on since the lookup.
        let s = match self.ports.store.session(user).await? {
            Some(s) if s.conversation.as_ref() == Some(conversation) => s,
            _ => return Ok(Plan::outcome(Outcome::UnknownConversation)),
        };
        match event {
            FlexEvent::MessageAdded {
                message,
                author,
                body,
                media,
                ..
            } => Ok(self.decide_agent_message(s, message, author, body, media)),
            FlexEvent::ParticipantAdded { identity, name, .. } => {
                Ok(self.decide_participant_added(s, identity, name.as_deref()))
            }
            FlexEvent::ParticipantRemoved { identity, .. } => {
                Ok(self.decide_participant_removed(s, identity))
            }
            FlexEvent::ConversationClosed { .. } => Ok(self.decide_closed(s, CloseCause::Webhook)),
            FlexEvent::BotTurn { body, request, .. } => {
                Ok(self.decide_bot_turn(s, body, request.as_deref()).await)
            }
            FlexEvent::TaskCreated { interaction, .. } => {
                Ok(self.decide_task_created(s, interaction).await)
            }
        }
    }

    /// Plans "agent joined": `WithAgent`, the notice with an "End chat" button, case in progress.
    fn join(&self, s: &mut Session, plan: &mut Plan, agent: String) {
        let t = self.t(s.locale.as_deref());
        s.state = SessionState::WithAgent;
        let text = self.text(
            &t.agent_joined,
            &[("agent", &agent), ("user", &s.user_name)],
        );
        self.push(s, Speaker::System, "flexcord", text.clone());
        s.agent_name = Some(agent);
        plan.outbox.push(OutboxMessage::ToDiscord {
            channel: s.dm_channel,
            message: OutgoingMessage::new(Voice::System, text)
                .with_buttons(Buttons::EndChat)
                .with_locale(s.locale.as_deref()),
            media: Vec::new(),
            conversation: s.conversation.clone(),
        });
        if let Some(case) = s.case_id {
            plan.effects
                .push(Effect::SetStatus(case, CaseStatus::InProgress));
        }
    }

    fn decide_agent_message(
        &self,
        mut s: Session,
        message: &MessageSid,
        author: &Identity,
        body: &str,
        media: &[AgentMedia],
    ) -> Plan {
        if intent::is_customer(author) || (body.trim().is_empty() && media.is_empty()) {
            return Plan::outcome(Outcome::Ignored);
        }
        let mut plan = Plan::default();
        let agent = intent::agent_display_name(author, None);
        // An agent's first message can overtake the "joined" webhook: it counts as the join.
        if matches!(s.state, SessionState::AwaitingAgent | SessionState::Bot) {
            self.join(&mut s, &mut plan, agent.clone());
        }
        let mut line = body.trim().to_owned();
        for m in media {
            line.push_str(&format!(
                "\n[media] {}",
                m.filename.as_deref().unwrap_or(m.sid.as_str())
            ));
        }
        let name = s.agent_name.clone().unwrap_or(agent);
        self.push(&mut s, Speaker::Agent, &name, line);
        // Who is speaking, on every message: the chat surface shows the name with the
        // `agent_message` template, so the player can tell a person from the virtual agent.
        plan.outbox.push(OutboxMessage::ToDiscord {
            channel: s.dm_channel,
            message: OutgoingMessage::new(Voice::Agent, body)
                .by(&name)
                .with_locale(s.locale.as_deref()),
            media: media.to_vec(),
            conversation: s.conversation.clone(),
        });
        plan.dedupe_key = Some(format!("tw:msg:{message}"));
        plan.session = Some(s);
        plan
    }

    fn decide_participant_added(
        &self,
        mut s: Session,
        identity: &Identity,
        name: Option<&str>,
    ) -> Plan {
        if intent::is_customer(identity) {
            return Plan::outcome(Outcome::Ignored);
        }
        let agent = intent::agent_display_name(identity, name);
        let announce = match s.state {
            SessionState::Bot | SessionState::AwaitingAgent => true,
            // A second agent (a transfer): tell the user who they talk to now.
            SessionState::WithAgent => s.agent_name.as_deref() != Some(agent.as_str()),
            SessionState::Ended => false,
        };
        if !announce {
            return Plan::outcome(Outcome::Ignored);
        }
        let key = Some(format!("tw:padd:{}:{identity}", conversation_of(&s)));
        let mut plan = Plan::default();
        self.join(&mut s, &mut plan, agent);
        plan.dedupe_key = key;
        plan.session = Some(s);
        plan
    }

    fn decide_participant_removed(&self, mut s: Session, identity: &Identity) -> Plan {
        if intent::is_customer(identity) || s.state != SessionState::WithAgent {
            return Plan::outcome(Outcome::Ignored);
        }
        let t = self.t(s.locale.as_deref());
        let agent = intent::agent_display_name(identity, None);
        let key = Some(format!("tw:prem:{}:{identity}", conversation_of(&s)));
        // The agent we announced left: wait for the next one (and announce them).
        let was_current = s.agent_name.is_none() || s.agent_name.as_deref() == Some(agent.as_str());
        let shown = if was_current {
            s.agent_name.clone().unwrap_or(agent)
        } else {
            agent
        };
        if was_current {
            s.state = SessionState::AwaitingAgent;
            s.agent_name = None;
        }
        let text = self.text(&t.agent_left, &[("agent", &shown), ("user", &s.user_name)]);
        self.push(&mut s, Speaker::System, "flexcord", text.clone());
        let mut plan = Plan::default();
        plan.outbox.push(OutboxMessage::ToDiscord {
            channel: s.dm_channel,
            message: OutgoingMessage::new(Voice::System, text),
            media: Vec::new(),
            conversation: s.conversation.clone(),
        });
        plan.dedupe_key = key;
        plan.session = Some(s);
        plan
    }

    pub(crate) fn decide_closed(&self, mut s: Session, cause: CloseCause) -> Plan {
        let key = Some(format!("tw:closed:{}", conversation_of(&s)));
        match s.state {
            SessionState::AwaitingAgent | SessionState::WithAgent => {
                let mut plan = Plan::default();
                self.end_chat(&mut s, &mut plan);
                plan.dedupe_key = key;
                plan.session = Some(s);
                plan
            }
            SessionState::Bot => {
                // Studio mode keeps a conversation while with the bot: forget it so the next DM
                // opens a fresh one. When a relay found it gone, that message was lost: say so.
                // An interaction the flow reported for it (Send to Flex before any agent
                // joined) goes with it.
                s.conversation = None;
                s.interaction = None;
                let dm = s.dm_channel;
                let name = s.user_name.clone();
                let mut plan = Plan::with_session(key, s);
                plan.outcome = Outcome::Ignored;
                if cause == CloseCause::Gone {
                    let t = self.t(plan.session.as_ref().and_then(|s| s.locale.as_deref()));
                    let text = self.text(&t.relay_failed, &[("user", &name)]);
                    plan.outbox.push(OutboxMessage::ToDiscord {
                        channel: dm,
                        message: OutgoingMessage::new(Voice::System, text),
                        media: Vec::new(),
                        conversation: None,
                    });
                }
                plan
            }
            // Already ended ("End chat" first, then Twilio's webhook): nothing more to say.
            SessionState::Ended => Plan::outcome(Outcome::Ignored),
        }
    }

    async fn decide_bot_turn(&self, s: Session, body: &str, request: Option<&str>) -> Plan {
        if s.state != SessionState::Bot {
            return Plan::outcome(Outcome::Ignored);
        }
        let user = UserProfile {
            id: s.user,
            name: s.user_name.clone(),
            locale: s.locale.clone(),
        };
        let key = format!("tw:bot:{}", conversation_of(&s));
        // Keyed by the request's identity, so the same request again (a retry, a replay) is a
        // duplicate and answers nothing; the hand-off keeps its per-conversation key.
        let mut plan = Plan::with_session(request.map(|r| format!("tw:bot:req:{r}")), s);
        if self.bot_answer(&mut plan, &user, body).await {
            self.limited_hand_off(&mut plan, &user, &key, Trigger::StudioBotTurn)
                .await;
        }
        plan
    }
}

fn conversation_of(s: &Session) -> String {
    s.conversation
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}
