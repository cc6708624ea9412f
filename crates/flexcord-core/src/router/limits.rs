//! Per-user limits in the router's decisions. The counting itself is pure
//! ([`crate::limits::Usage`]); the usage rides in the session, so a step reads it with the
//! session and writes it in the same commit, under the session's version check.

use crate::content::{OutgoingMessage, Voice};
use crate::event::{InteractionHandle, UserProfile};
use crate::limits::{LimitKind, Refusal, Verdict, retry_timestamp};
use crate::session::Session;

use super::handoff::Trigger;
use super::step::Plan;
use super::{Incident, Router, RouterError};

impl Router {
    /// Checks (and, when allowed, counts) one `kind` event for `s`. Old windows are tidied
    /// first so the stored usage stays small.
    pub(crate) fn spend(&self, s: &mut Session, kind: LimitKind) -> Verdict {
        let now = self.ports.clock.now_ms();
        s.usage.tidy(&self.config.limits, now);
        s.usage.check(kind, &self.config.limits, now)
    }

    /// Whether one more `kind` event is allowed for `s`, without counting it (see
    /// [`Router::count`]): for what may still fail after the check (a report the case system
    /// refuses must not use up the allowance).
    pub(crate) fn peek(&self, s: &mut Session, kind: LimitKind) -> Verdict {
        let now = self.ports.clock.now_ms();
        s.usage.tidy(&self.config.limits, now);
        s.usage.peek(kind, &self.config.limits, now)
    }

    /// Counts one `kind` event for `s`, after [`Router::peek`] allowed it and it happened.
    pub(crate) fn count(&self, s: &mut Session, kind: LimitKind) {
        s.usage
            .record(kind, &self.config.limits, self.ports.clock.now_ms());
    }

    /// The notice for a refusal over `kind`, retrying at `retry_at_ms`.
    pub(crate) fn limit_text(&self, kind: LimitKind, user: &str, retry_at_ms: u64) -> String {
        let t = &self.config.templates;
        let template = match kind {
            LimitKind::Handoff => &t.limit_handoff,
            LimitKind::Report => &t.limit_report,
            LimitKind::HelpMe => &t.limit_helpme,
            LimitKind::BotDm => &t.limit_bot_dm,
            LimitKind::AgentDm => &t.limit_agent_dm,
        };
        self.text(
            template,
            &[("user", user), ("retry", &retry_timestamp(retry_at_ms))],
        )
    }

    /// A DM refused over `kind`: the DM is recorded (with the usage), and the user is told once
    /// per stretch of refusals, in the DM.
    pub(crate) fn refuse_dm(
        &self,
        key: String,
        s: Session,
        kind: LimitKind,
        retry_at_ms: u64,
        notify: bool,
    ) -> Plan {
        let (dm, name) = (s.dm_channel, s.user_name.clone());
        let mut plan = Plan::with_session(Some(key), s);
        plan.incidents.push(Incident::Refused(Refusal::Limit(kind)));
        if notify {
            let text = self.limit_text(kind, &name, retry_at_ms);
            plan.send(dm, OutgoingMessage::new(Voice::System, text));
        }
        plan
    }

    /// An interaction refused over `kind`: it is answered (Discord needs an answer to every
    /// deferred interaction, and the user must learn their form or command did nothing).
    pub(crate) fn refuse_interaction(
        &self,
        plan: &mut Plan,
        interaction: &InteractionHandle,
        user: &UserProfile,
        kind: LimitKind,
        retry_at_ms: u64,
    ) {
        plan.incidents.push(Incident::Refused(Refusal::Limit(kind)));
        plan.reply(interaction, self.limit_text(kind, &user.name, retry_at_ms));
    }

    /// The reporter's session, whose usage holds their report limit: the stored one, or —
    /// while reports are limited — a new one on their DM channel, opened now (a report can be
    /// the first thing a user does). `None` when there is no session and the DM cannot be
    /// opened: that one report is then not counted (it is still filed).
    pub(crate) async fn reporter_session(
        &self,
        user: &UserProfile,
        plan: &mut Plan,
    ) -> Result<Option<Session>, RouterError> {
        if let Some(mut s) = self.ports.store.session(user.id).await? {
            s.user_name.clone_from(&user.name);
            return Ok(Some(s));
        }
        let limits = &self.config.limits;
        if !limits.enabled || limits.reports.max == 0 {
            return Ok(None);
        }
        match self.ports.chat.open_dm(user.id).await {
            Ok(dm) => Ok(Some(Session::new(user.id, user.name.clone(), dm))),
            Err(e) => {
                plan.incidents.push(Incident::Chat(e));
                Ok(None)
            }
        }
    }

    /// [`Router::hand_off`] within the hand-off limit: a session that is not live yet may start
    /// a new live chat only while under it (a live one just hears `already_with_agent`, as
    /// before). Over it, the user is told once and stays with the bot. The hand-off is counted
    /// only when it went through, so a failed attempt (Flex down) does not use it up. Returns
    /// false when refused.
    pub(crate) async fn limited_hand_off(
        &self,
        plan: &mut Plan,
        user: &UserProfile,
        key: &str,
        trigger: Trigger,
    ) -> bool {
        let now = self.ports.clock.now_ms();
        let limits = &self.config.limits;
        let Some(s) = plan.session.as_mut() else {
            return false;
        };
        let was_live = s.state.is_live();
        if !was_live
            && let Verdict::Refused {
                retry_at_ms,
                notify,
            } = s.usage.peek(LimitKind::Handoff, limits, now)
        {
            let dm = s.dm_channel;
            plan.incidents
                .push(Incident::Refused(Refusal::Limit(LimitKind::Handoff)));
            if notify {
                let text = self.limit_text(LimitKind::Handoff, &user.name, retry_at_ms);
                plan.send(dm, OutgoingMessage::new(Voice::System, text));
            }
            return false;
        }
        self.hand_off(plan, user, key, trigger).await;
        if let Some(s) = plan.session.as_mut()
            && !was_live
            && s.state.is_live()
        {
            s.usage.record(LimitKind::Handoff, limits, now);
        }
        true
    }
}
