//! One step of the router: decide (a [`Plan`]), write it with one atomic commit, then carry out
//! the side effects that must only happen once the step is recorded.

use crate::case::{CaseNote, CaseStatus, Rating};
use crate::content::OutgoingMessage;
use crate::event::InteractionHandle;
use crate::ids::{CaseId, ChannelId};
use crate::outbox::OutboxMessage;
use crate::ports::{Commit, CommitOutcome, Reply, StoreError};
use crate::session::Session;

use super::{Handled, Incident, Outcome, Router, RouterError};

/// How many times a step is decided again after [`StoreError::Conflict`] before giving up.
pub(crate) const MAX_ATTEMPTS: usize = 4;

/// A side effect carried out after the step's commit succeeded (never for a duplicate). None of
/// them is owed to a person for good: those are outbox entries, committed with the step.
#[derive(Debug)]
pub(crate) enum Effect {
    /// An ephemeral answer to an interaction (Discord wants it within the interaction's life).
    Reply(InteractionHandle, Reply),
    /// Best-effort case updates.
    AddNote(CaseId, CaseNote),
    SetStatus(CaseId, CaseStatus),
    SetRating(CaseId, Rating),
}

/// What one step decided.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The event's dedupe key, if it has one.
    pub(crate) dedupe_key: Option<String>,
    /// The session to save, if it changed.
    pub(crate) session: Option<Session>,
    /// Sends to enqueue, in order, committed with the step.
    pub(crate) outbox: Vec<OutboxMessage>,
    /// Done after the commit.
    pub(crate) effects: Vec<Effect>,
    /// What it came to.
    pub(crate) outcome: Outcome,
    /// What went wrong on the way.
    pub(crate) incidents: Vec<Incident>,
}

impl Plan {
    /// A plan that writes nothing and does nothing.
    pub(crate) fn outcome(outcome: Outcome) -> Self {
        Self {
            outcome,
            ..Self::default()
        }
    }

    /// A plan keyed by `key` that will save `session`.
    pub(crate) fn with_session(key: Option<String>, session: Session) -> Self {
        Self {
            dedupe_key: key,
            session: Some(session),
            ..Self::default()
        }
    }

    /// Queues a message for a DM (greetings, bot answers, hand-off notices), in order with the
    /// channel's relays.
    pub(crate) fn send(&mut self, channel: ChannelId, message: OutgoingMessage) {
        self.outbox.push(OutboxMessage::ToDiscord {
            channel,
            message,
            media: Vec::new(),
            conversation: None,
        });
    }

    pub(crate) fn reply(&mut self, interaction: &InteractionHandle, text: String) {
        self.effects
            .push(Effect::Reply(interaction.clone(), Reply::Text(text)));
    }

    fn writes_anything(&self) -> bool {
        self.dedupe_key.is_some() || self.session.is_some() || !self.outbox.is_empty()
    }
}

/// Runs one step: evaluates `$decide` (an expression giving a future of
/// `Result<Plan, RouterError>`) and commits the plan; on a version conflict (another task or
/// instance wrote the session in between) evaluates it again from fresh state, up to
/// [`MAX_ATTEMPTS`] times. Side effects run only after a successful commit, so a duplicate or a
/// lost race sends nothing.
///
/// A macro rather than a function taking an async closure: futures of async closures that
/// borrow their arguments are not `Send` today, and the binary spawns the router's futures.
macro_rules! run_step {
    ($router:expr, $decide:expr) => {{
        let mut attempt = 0;
        loop {
            attempt += 1;
            let plan = $decide.await?;
            if let Some(handled) = $router.settle(plan, attempt).await? {
                break Ok(handled);
            }
        }
    }};
}
pub(crate) use run_step;

impl Router {
    /// Commits `plan` and carries out its effects. `Ok(None)` asks the caller to decide again
    /// (a conflict on an attempt below [`MAX_ATTEMPTS`]).
    pub(crate) async fn settle(
        &self,
        mut plan: Plan,
        attempt: usize,
    ) -> Result<Option<Handled>, RouterError> {
        let enqueued = plan.outbox.len();
        if plan.writes_anything() {
            let commit = Commit {
                dedupe_key: plan.dedupe_key.take(),
                session: plan.session.take(),
                outbox: std::mem::take(&mut plan.outbox),
            };
            match self.ports.store.commit(&commit).await {
                Ok(CommitOutcome::Committed { .. }) => {}
                Ok(CommitOutcome::Duplicate) => {
                    return Ok(Some(Handled {
                        outcome: Outcome::Duplicate,
                        incidents: plan.incidents,
                        enqueued: 0,
                    }));
                }
                Err(StoreError::Conflict) if attempt < MAX_ATTEMPTS => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        let mut incidents = plan.incidents;
        for effect in plan.effects {
            if let Err(incident) = self.apply(effect).await {
                incidents.push(incident);
            }
        }
        Ok(Some(Handled {
            outcome: plan.outcome,
            incidents,
            enqueued,
        }))
    }

    async fn apply(&self, effect: Effect) -> Result<(), Incident> {
        let p = &self.ports;
        match effect {
            Effect::Reply(interaction, reply) => p
                .chat
                .reply(&interaction, &reply)
                .await
                .map_err(Incident::Chat),
            Effect::AddNote(case, note) => p
                .cases
                .add_note(case, &note)
                .await
                .map_err(Incident::CaseSystem),
            Effect::SetStatus(case, status) => p
                .cases
                .set_status(case, status)
                .await
                .map_err(Incident::CaseSystem),
            Effect::SetRating(case, rating) => p
                .cases
                .set_rating(case, rating)
                .await
                .map_err(Incident::CaseSystem),
        }
    }
}
