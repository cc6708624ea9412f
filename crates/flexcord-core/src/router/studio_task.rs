//! Studio mode: the flow reports the task its Send to Flex created.
//!
//! In this mode the flow, not flexcord, creates the Flex Interaction, so flexcord learns it
//! only when the flow says so ([`FlexEvent::TaskCreated`]). Two things follow:
//! - "End chat" can close the interaction channel (the task completes, as in bridge mode)
//!   instead of closing the conversation underneath Flex;
//! - the flow is done with the conversation: its `Target=studio` webhook is removed, because
//!   Twilio leaves it in place and every later message would run the flow again — a hand-off
//!   word would create a second task for the same player.
//!
//! [`FlexEvent::TaskCreated`]: crate::event::FlexEvent::TaskCreated

use crate::session::{InteractionRef, Session, SessionState};

use super::step::Plan;
use super::{Incident, Outcome, Router};

impl Router {
    /// Records the interaction on the session and detaches the flow. A chat already over
    /// keeps nothing (its conversation is closed or forgotten).
    pub(crate) async fn decide_task_created(
        &self,
        mut s: Session,
        interaction: &InteractionRef,
    ) -> Plan {
        if s.state == SessionState::Ended {
            return Plan::outcome(Outcome::Ignored);
        }
        let key = Some(format!("tw:task:{}", interaction.interaction));
        let mut incidents = Vec::new();
        if let Some(conversation) = &s.conversation {
            // Without it the player can still talk to the agent; only a hand-off word would
            // reach the flow again. Reported, not a reason to forget the interaction.
            if let Err(e) = self.ports.contact_center.detach_flow(conversation).await {
                incidents.push(Incident::ContactCenter(e));
            }
        }
        s.interaction = Some(interaction.clone());
        let mut plan = Plan::with_session(key, s);
        plan.incidents = incidents;
        plan
    }
}
