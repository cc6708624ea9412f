//! The bridge-mode hand-off as durable steps. Asking for an agent records the hand-off and its
//! first step in the event's commit; the outbox worker carries each step out and reports it
//! back; each report is one recorded step here that enqueues the next ones. Nothing in this
//! file calls another system: a crash at any point leaves either a step in the outbox (run
//! again, and the adapters find what an earlier run created) or a report to make again.
//!
//! 1. The request: the session goes to `AwaitingAgent` with no conversation yet (the hand-off
//!    is under way) and [`HandOffStep::Open`] is queued.
//! 2. Opened ([`DeliveryEvent::HandOffOpened`]): the case and the conversation exist. The
//!    user is told (`case_created`, or `transferring_without_case` when the case system
//!    failed) and [`HandOffStep::Transcript`] and [`HandOffStep::Task`] are queued on the
//!    conversation's ordering key, so they reach Flex before anything the user writes next.
//! 3. Routed ([`DeliveryEvent::HandOffRouted`]): the Flex interaction is kept for "End chat".
//!
//! When the case system failed in step 1, the chat goes on without a case and
//! [`HandOffStep::Case`] is queued on a key of its own, retried from the outbox until the case
//! system answers (the same idempotency key, so never two cases). Opened
//! ([`DeliveryEvent::HandOffCaseOpened`]) while the chat is still on, the case is kept for it
//! (the rating and the transcript are filed on it at the end) and the user and the agent are
//! told its number.
//!
//! A step that fails for good ([`DeliveryEvent::HandOffFailed`]) sends the user back to the
//! bot with `relay_failed`, as the inline hand-off did; they can ask again.
//!
//! While step 1 is under way the user has no conversation: what they write is kept in the
//! transcript (which the agent gets once the conversation is open), the bot is not asked, and
//! another request for an agent is answered `already_with_agent`.
//!
//! [`DeliveryEvent::HandOffOpened`]: crate::event::DeliveryEvent::HandOffOpened
//! [`DeliveryEvent::HandOffRouted`]: crate::event::DeliveryEvent::HandOffRouted
//! [`DeliveryEvent::HandOffFailed`]: crate::event::DeliveryEvent::HandOffFailed
//! [`DeliveryEvent::HandOffCaseOpened`]: crate::event::DeliveryEvent::HandOffCaseOpened

use crate::case::NewCase;
use crate::content::{OutgoingMessage, Voice};
use crate::event::UserProfile;
use crate::ids::{CaseId, ConversationSid, UserId};
use crate::outbox::{HandOffStep, OutboxMessage};
use crate::ports::TaskRequest;
use crate::session::{InteractionRef, Session, SessionState};

use super::step::{Plan, run_step};
use super::{Handled, Outcome, Router, RouterError, transcript};

/// Case titles and task summaries are cut to this many characters.
const SUMMARY_MAX: usize = 100;

/// True while a hand-off's first step is under way: routed to the agent side, but no
/// conversation yet.
pub(crate) fn opening(s: &Session) -> bool {
    s.state == SessionState::AwaitingAgent && s.conversation.is_none()
}

impl Router {
    /// Records a bridge-mode hand-off for the session in `plan`: the rest happens in steps,
    /// from the outbox.
    pub(crate) fn plan_handoff(
        &self,
        plan: &mut Plan,
        user: &UserProfile,
        key: &str,
        case: NewCase,
    ) {
        let Some(s) = plan.session.as_mut() else {
            return;
        };
        s.state = SessionState::AwaitingAgent;
        s.conversation = None;
        s.interaction = None;
        // The last chat's case is not this one's (ending before the hand-off is open must
        // not rate or resolve it); it stays rateable as a case the user reported.
        s.case_id = None;
        s.agent_name = None;
        // A DM carries no locale: the one the session remembers goes into the conversation's
        // attributes (`language`), for routing by language.
        let mut user = user.clone();
        if user.locale.is_none() {
            user.locale.clone_from(&s.locale);
        }
        plan.outbox.push(OutboxMessage::HandOff {
            step: HandOffStep::Open {
                key: key.to_owned(),
                user,
                dm: s.dm_channel,
                case,
            },
        });
    }

    /// The case and the conversation exist: tell the user, queue the transcript and the task.
    pub(crate) async fn on_handoff_opened(
        &self,
        user: UserId,
        dedupe: String,
        key: &str,
        case: Option<CaseId>,
        conversation: &ConversationSid,
    ) -> Result<Handled, RouterError> {
        let _held = self.locks.lock(user).await;
        run_step!(
            self,
            self.decide_handoff_opened(user, &dedupe, key, case, conversation)
        )
    }

    async fn decide_handoff_opened(
        &self,
        user: UserId,
        dedupe: &str,
        key: &str,
        case: Option<CaseId>,
        conversation: &ConversationSid,
    ) -> Result<Plan, RouterError> {
        let Some(mut s) = self.ports.store.session(user).await? else {
            return Ok(recorded(dedupe));
        };
        let t = self.t(s.locale.as_deref());
        if !opening(&s) {
            // The user ended the chat meanwhile: nothing to route. (The conversation closes by
            // its timer.)
            return Ok(recorded(dedupe));
        }
        s.case_id = case;
        s.conversation = Some(conversation.clone());
        let profile = UserProfile {
            id: user,
            name: s.user_name.clone(),
            locale: s.locale.clone(),
        };
        let text = match case {
            Some(c) => self.text(
                &t.case_created,
                &[("user", &profile.name), ("case", &c.to_string())],
            ),
            None => self.text(&t.transferring_without_case, &[("user", &profile.name)]),
        };
        let keywords = &self.config.handoff_keywords;
        // The task's summary is what the user asked, as the case's title is.
        let summary = transcript::first_user_text(&s.transcript, SUMMARY_MAX, |t| {
            crate::agent_request::is_agent_request(t, keywords)
        })
        .unwrap_or_else(|| format!("Live chat with {}", profile.name));
        let lines = s.transcript.clone();
        let dm = s.dm_channel;
        // The case system failed: the chat goes on, and the case is opened once it answers.
        let case_later = case.is_none().then(|| self.handoff_case(&s, &profile, key));
        let mut plan = Plan::with_session(Some(dedupe.to_owned()), s);
        plan.send(dm, OutgoingMessage::new(Voice::System, text));
        if let Some(new_case) = case_later {
            plan.outbox.push(OutboxMessage::HandOff {
                step: HandOffStep::Case {
                    key: key.to_owned(),
                    user,
                    conversation: conversation.clone(),
                    case: new_case,
                },
            });
        }
        if !lines.is_empty() {
            plan.outbox.push(OutboxMessage::HandOff {
                step: HandOffStep::Transcript {
                    key: key.to_owned(),
                    conversation: conversation.clone(),
                    lines,
                },
            });
        }
        plan.outbox.push(OutboxMessage::HandOff {
            step: HandOffStep::Task {
                key: key.to_owned(),
                conversation: conversation.clone(),
                task: TaskRequest {
                    // For a TaskRouter workflow that routes by language.
                    language: profile.locale.clone(),
                    user: profile,
                    case_id: case,
                    summary,
                },
            },
        });
        Ok(plan)
    }

    /// The Flex task exists: keep its interaction (how "End chat" closes it).
    pub(crate) async fn on_handoff_routed(
        &self,
        user: UserId,
        dedupe: String,
        conversation: &ConversationSid,
        interaction: &InteractionRef,
    ) -> Result<Handled, RouterError> {
        let _held = self.locks.lock(user).await;
        run_step!(self, async {
            let Some(mut s) = self.ports.store.session(user).await? else {
                return Ok(recorded(&dedupe));
            };
            // The agent may have joined already (`WithAgent`): the interaction is kept anyway.
            if !(s.state.is_live()
                && s.conversation.as_ref() == Some(conversation)
                && s.interaction.is_none())
            {
                return Ok(recorded(&dedupe));
            }
            s.interaction = Some(interaction.clone());
            Ok::<_, RouterError>(Plan::with_session(Some(dedupe.clone()), s))
        })
    }

    /// The case a hand-off went on without is open: kept for the chat (its rating and
    /// transcript go on it at the end), and the user and the agent are told its number. A chat
    /// that has ended, or moved on to another conversation, is left as it is: the case exists
    /// with what was said before the hand-off.
    pub(crate) async fn on_handoff_case_opened(
        &self,
        user: UserId,
        dedupe: String,
        conversation: &ConversationSid,
        case: CaseId,
    ) -> Result<Handled, RouterError> {
        let _held = self.locks.lock(user).await;
        run_step!(self, async {
            let Some(mut s) = self.ports.store.session(user).await? else {
                return Ok(recorded(&dedupe));
            };
            if !(s.state.is_live()
                && s.conversation.as_ref() == Some(conversation)
                && s.case_id.is_none())
            {
                return Ok(recorded(&dedupe));
            }
            s.case_id = Some(case);
            let t = self.t(s.locale.as_deref());
            let number = case.to_string();
            let text = self.text(
                &t.case_opened_later,
                &[("user", &s.user_name), ("case", &number)],
            );
            let notice = self.text(
                &self.config.default_templates().case_opened_notice,
                &[("case", &number)],
            );
            let dm = s.dm_channel;
            let mut plan = Plan::with_session(Some(dedupe.clone()), s);
            plan.send(dm, OutgoingMessage::new(Voice::System, text));
            plan.outbox.push(OutboxMessage::NoticeToConversation {
                conversation: conversation.clone(),
                text: notice,
            });
            Ok::<_, RouterError>(plan)
        })
    }

    /// A step failed for good: back to the bot, and the user is told to try again.
    pub(crate) async fn on_handoff_failed(
        &self,
        user: UserId,
        dedupe: String,
        conversation: Option<&ConversationSid>,
    ) -> Result<Handled, RouterError> {
        let _held = self.locks.lock(user).await;
        run_step!(self, async {
            let Some(mut s) = self.ports.store.session(user).await? else {
                return Ok(recorded(&dedupe));
            };
            let this_handoff = s.state == SessionState::AwaitingAgent
                && s.interaction.is_none()
                && s.conversation.as_ref() == conversation;
            if !this_handoff {
                return Ok(recorded(&dedupe));
            }
            // The transcript stays: what the user told the bot is still the bot's context.
            s.state = SessionState::Bot;
            s.conversation = None;
            let text = self.text(
                &self.t(s.locale.as_deref()).relay_failed,
                &[("user", &s.user_name)],
            );
            let dm = s.dm_channel;
            let mut plan = Plan::with_session(Some(dedupe.clone()), s);
            plan.send(dm, OutgoingMessage::new(Voice::System, text));
            Ok::<_, RouterError>(plan)
        })
    }
}

/// A report that changes nothing, recorded so its repeat is a duplicate.
fn recorded(dedupe: &str) -> Plan {
    Plan {
        dedupe_key: Some(dedupe.to_owned()),
        outcome: Outcome::Ignored,
        ..Plan::default()
    }
}
