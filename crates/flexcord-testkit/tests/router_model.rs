//! A model-based test of the router: random sequences of what the world can do to flexcord — DMs,
//! button clicks, agents joining, talking and closing, redeliveries of any of those, Flex echoing
//! back what the bridge posted, and crashes between commit and send — run against the in-memory
//! fakes, with the promises users notice checked after every step:
//!
//! - every user message reaches exactly one place (the virtual agent or the Flex conversation),
//!   once; the only exception is a message relayed to a conversation that has been closed since
//!   (the chat is over; nobody is left to read it);
//! - every agent message the router accepted reaches the user's DM exactly once (Discord drops a
//!   repeated nonce, as the real API does), and one it did not accept never does;
//! - per-user order holds in each place;
//! - no echo: nothing a user said ever comes back to Discord in an agent's voice;
//! - a hand-off posts one transcript and creates one task, whatever crashed when;
//! - the state machine never gets stuck: a live session always has a conversation (or the step
//!   opening it is in the outbox), and at the end
//!   every user can still reach an agent and, after the agent closes, the bot again.
//!
//! A crash is modelled as a worker that claims outbox entries, maybe sends some of them, and dies
//! before marking them done; the restarted process has a fresh router over the same store and
//! fakes, and delivers again once the dead worker's leases expire.
//!
//! 64 cases of at most 40 steps run in CI; `PROPTEST_CASES=5000 cargo test -p flexcord-testkit
//! --test router_model` runs more.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use flexcord_core::Router;
use flexcord_core::config::RouterConfig;
use flexcord_core::content::{MessageContent, Voice};
use flexcord_core::event::{ButtonAction, DiscordEvent, FlexEvent, MessageOrigin, UserProfile};
use flexcord_core::ids::{ConversationSid, Identity, MessageId};
use flexcord_core::outbox::{HandOffStep, OutboxMessage};
use flexcord_core::ports::OutboxStore;
use flexcord_core::router::{Outcome, Ports};
use flexcord_testkit::{CcCall, ChatCall, EntryStatus, Harness, user};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const USERS: usize = 2;
/// Longer than the harness's lease, so a dead worker's claims can be taken again.
const PAST_LEASE: u64 = 61_000;

/// One thing the world does.
#[derive(Debug, Clone)]
enum Step {
    /// The user DMs a new message.
    Dm(usize),
    /// The gateway hands flexcord an earlier DM again (a resume, a catch-up overlap).
    RedeliverDm(usize),
    /// `/helpme` in the guild.
    HelpMe(usize),
    /// "Talk to a live agent".
    TalkToAgent(usize),
    /// "End chat".
    EndChat(usize),
    /// The agent joins the user's latest conversation.
    AgentJoins(usize),
    /// The agent writes in the user's latest conversation.
    AgentSays(usize),
    /// Twilio sends an earlier agent message's webhook again.
    RedeliverAgent(usize),
    /// Flex reports a user message the bridge posted (as `Source=API`, or as the customer).
    Echo(usize, bool),
    /// The agent (or a timer) closes the user's latest conversation in Flex.
    AgentCloses(usize),
    /// The outbox worker delivers everything due.
    Drain,
    /// A worker claims up to `.0` entries, sends the first `.1` of them, and the process dies.
    Crash(usize, usize),
    /// Time passes beyond retry delays and leases.
    Later,
}

fn step() -> impl Strategy<Value = Step> {
    let u = 0..USERS;
    prop_oneof![
        6 => u.clone().prop_map(Step::Dm),
        2 => any::<usize>().prop_map(Step::RedeliverDm),
        2 => u.clone().prop_map(Step::HelpMe),
        3 => u.clone().prop_map(Step::TalkToAgent),
        1 => u.clone().prop_map(Step::EndChat),
        2 => u.clone().prop_map(Step::AgentJoins),
        4 => u.clone().prop_map(Step::AgentSays),
        2 => any::<usize>().prop_map(Step::RedeliverAgent),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(i, api)| Step::Echo(i, api)),
        1 => u.prop_map(Step::AgentCloses),
        4 => Just(Step::Drain),
        3 => (1..6_usize, 0..6_usize).prop_map(|(c, s)| Step::Crash(c, s)),
        1 => Just(Step::Later),
    ]
}

/// A DM the model sent.
#[derive(Debug, Clone)]
struct SentDm {
    user: usize,
    id: MessageId,
    token: String,
}

/// An agent message the model sent, and whether the router took it on.
#[derive(Debug, Clone)]
struct SentAgent {
    user: usize,
    event: FlexEvent,
    token: String,
    accepted: bool,
}

struct World {
    h: Harness,
    users: Vec<UserProfile>,
    dms: Vec<SentDm>,
    agent: Vec<SentAgent>,
    /// Every conversation each user had, latest last.
    conversations: Vec<Vec<ConversationSid>>,
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

impl World {
    fn new() -> Self {
        Self {
            h: Harness::new(),
            users: (1..=USERS as u64).map(user).collect(),
            dms: Vec::new(),
            agent: Vec::new(),
            conversations: vec![Vec::new(); USERS],
        }
    }

    fn note_conversation(&mut self, u: usize) {
        if let Some(c) = self.h.conversation(&self.users[u])
            && self.conversations[u].last() != Some(&c)
        {
            self.conversations[u].push(c);
        }
    }

    fn latest_conversation(&self, u: usize) -> Option<ConversationSid> {
        self.conversations[u].last().cloned()
    }

    async fn dm_event(&self, dm: &SentDm) -> Result<(), TestCaseError> {
        let u = &self.users[dm.user];
        self.h
            .discord(DiscordEvent::DirectMessage {
                user: u.clone(),
                channel: self.h.dm_of(u),
                message: dm.id,
                content: MessageContent::text(&dm.token),
            })
            .await
            .map(|_| ())
            .map_err(|e| fail(format!("DM refused: {e}")))
    }

    async fn apply(&mut self, step: &Step) -> Result<(), TestCaseError> {
        let err = |what: &str, e: &dyn std::fmt::Display| fail(format!("{what}: {e}"));
        match *step {
            Step::Dm(u) => {
                let n = self.dms.len();
                let dm = SentDm {
                    user: u,
                    id: MessageId(self.h.next_id()),
                    token: format!("<m{u}.{n}>"),
                };
                // A distinct answer per question, so the user's view shows which DM it answers.
                self.h.bot.on_text(&dm.token, &answer_to(&dm.token));
                self.dms.push(dm.clone());
                self.dm_event(&dm).await?;
            }
            Step::RedeliverDm(i) => {
                if !self.dms.is_empty() {
                    let dm = self.dms[i % self.dms.len()].clone();
                    self.dm_event(&dm).await?;
                }
            }
            Step::HelpMe(u) => {
                self.h
                    .helpme(&self.users[u])
                    .await
                    .map_err(|e| err("/helpme", &e))?;
            }
            Step::TalkToAgent(u) => {
                self.h
                    .press(&self.users[u], ButtonAction::TalkToAgent)
                    .await
                    .map_err(|e| err("talk to agent", &e))?;
            }
            Step::EndChat(u) => {
                self.h
                    .press(&self.users[u], ButtonAction::EndChat)
                    .await
                    .map_err(|e| err("end chat", &e))?;
            }
            Step::AgentJoins(u) => {
                if let Some(c) = self.latest_conversation(u) {
                    self.h.agent_joins(&c).await.map_err(|e| err("join", &e))?;
                }
            }
            Step::AgentSays(u) => {
                if let Some(c) = self.latest_conversation(u) {
                    let token = format!("<a{u}.{}>", self.agent.len());
                    let event = self.h.agent_message(&c, &token, Vec::new());
                    let handled = self
                        .h
                        .flex(event.clone())
                        .await
                        .map_err(|e| err("agent message", &e))?;
                    self.agent.push(SentAgent {
                        user: u,
                        event,
                        token,
                        accepted: handled.outcome == Outcome::Done && handled.enqueued > 0,
                    });
                }
            }
            Step::RedeliverAgent(i) => {
                if !self.agent.is_empty() {
                    let event = self.agent[i % self.agent.len()].event.clone();
                    self.h
                        .flex(event)
                        .await
                        .map_err(|e| err("agent redelivery", &e))?;
                }
            }
            Step::Echo(i, as_api) => {
                if !self.dms.is_empty() {
                    let dm = self.dms[i % self.dms.len()].clone();
                    if let Some(c) = self.latest_conversation(dm.user) {
                        let customer = Identity::for_user(self.users[dm.user].id);
                        let event = FlexEvent::MessageAdded {
                            conversation: c,
                            message: self.h.message_sid(),
                            origin: if as_api {
                                MessageOrigin::Api
                            } else {
                                MessageOrigin::Sdk
                            },
                            author: customer,
                            body: dm.token.clone(),
                            media: Vec::new(),
                        };
                        self.h.flex(event).await.map_err(|e| err("echo", &e))?;
                    }
                }
            }
            Step::AgentCloses(u) => {
                if let Some(c) = self.latest_conversation(u) {
                    self.h.contact_center.close_conversation(&c);
                    self.h.closed(&c).await.map_err(|e| err("close", &e))?;
                }
            }
            Step::Drain => {
                self.h.drain().await.map_err(|e| err("drain", &e))?;
            }
            Step::Crash(claim, sent) => self.crash(claim, sent).await?,
            Step::Later => self.h.clock.advance(PAST_LEASE),
        }
        for u in 0..USERS {
            self.note_conversation(u);
        }
        Ok(())
    }

    /// A worker claims, sends some, and dies before completing any; the process restarts.
    async fn crash(&mut self, claim: usize, sent: usize) -> Result<(), TestCaseError> {
        let batch = self
            .h
            .store
            .claim("doomed-worker", Duration::from_secs(30), claim)
            .await
            .map_err(|e| fail(format!("claim: {e}")))?;
        for entry in batch.iter().take(sent) {
            // Whatever the outcome, the worker dies before recording it.
            let _ = self.h.deliverer.deliver(entry).await;
        }
        self.restart();
        Ok(())
    }

    /// A new process: a fresh router (no in-memory state) over the same store and world.
    fn restart(&mut self) {
        let h = &self.h;
        let ports = Ports {
            chat: Arc::new(h.chat.clone()),
            contact_center: Arc::new(h.contact_center.clone()),
            virtual_agent: Arc::new(h.bot.clone()),
            cases: Arc::new(h.cases.clone()),
            store: Arc::new(h.store.clone()),
            clock: h.clock.clone(),
        };
        self.h.router = Arc::new(Router::new(ports, RouterConfig::default()));
    }

    /// Lets time pass and delivers until the outbox is empty.
    async fn settle(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..20 {
            self.h.clock.advance(PAST_LEASE);
            self.h
                .drain()
                .await
                .map_err(|e| fail(format!("drain: {e}")))?;
            if self.h.store.pending().is_empty() {
                return Ok(());
            }
        }
        Err(fail(format!(
            "outbox never empties: {:?}",
            self.h.store.pending()
        )))
    }

    /// Texts sent to a user's DM, each Discord message once: a repeated nonce is dropped by
    /// Discord, so a resend after a crash shows once.
    fn discord_texts(&self, u: usize) -> Vec<(Voice, String)> {
        let dm = self.h.dm_of(&self.users[u]);
        let mut nonces = HashSet::new();
        self.h
            .chat
            .calls()
            .into_iter()
            .filter_map(|call| match call {
                ChatCall::Send {
                    channel,
                    message,
                    nonce,
                } if channel == dm && nonce.is_none_or(|n| nonces.insert(n)) => {
                    Some((message.voice, message.text))
                }
                _ => None,
            })
            .collect()
    }

    /// The invariants; `settled` adds the ones that hold once the outbox is empty.
    fn check(&self, settled: bool) -> Result<(), TestCaseError> {
        let asked: Vec<String> = self.h.bot.questions().into_iter().map(|q| q.text).collect();
        let relayed: Vec<(ConversationSid, String)> = self.h.contact_center.user_messages();
        let transcripts = self.h.contact_center.transcripts();
        let entries = self.h.store.entries();

        // Exactly one place, exactly once. The bot side counts answers the user got: a
        // redelivered DM is currently put to the virtual agent again before the commit finds the
        // duplicate (its second answer is dropped), so questions may repeat; answers must not.
        let shown: Vec<Vec<(Voice, String)>> = (0..USERS).map(|u| self.discord_texts(u)).collect();
        for dm in &self.dms {
            let asked_bot = asked.contains(&dm.token);
            let answer = answer_to(&dm.token);
            let answers = shown[dm.user]
                .iter()
                .filter(|(voice, t)| *voice == Voice::VirtualAgent && t.contains(&answer))
                .count();
            let to_flex = relayed.iter().filter(|(_, t)| *t == dm.token).count();
            if answers > 1 || (answers == 1 && !asked_bot) {
                return Err(fail(format!("{} answered {answers} times", dm.token)));
            }
            let to_bot = answers;
            if to_bot + to_flex > 1 {
                return Err(fail(format!(
                    "{} reached the bot {to_bot} and Flex {to_flex} times",
                    dm.token
                )));
            }
            if settled && to_bot + to_flex == 0 {
                let open = self
                    .h
                    .contact_center
                    .conversation_of(self.users[dm.user].id);
                let to_closed = entries.iter().any(|e| match &e.message {
                    OutboxMessage::ToConversation {
                        conversation,
                        source,
                        ..
                    } => *source == dm.id && open.as_ref() != Some(conversation),
                    _ => false,
                });
                // Written while the hand-off was being opened: the agent reads it in the
                // transcript.
                let in_transcript = transcripts
                    .iter()
                    .any(|(_, lines)| lines.iter().any(|l| l.text == dm.token));
                if !to_closed && !in_transcript {
                    return Err(fail(format!("{} was lost", dm.token)));
                }
            }
        }
        // Every post of a message already posted says it may be a repeat, so the adapter checks.
        let mut posted = HashSet::new();
        for call in self.h.contact_center.calls() {
            if let CcCall::PostUserMessage {
                conversation,
                source,
                maybe_sent,
                ..
            } = call
                && !posted.insert((conversation, source))
                && !maybe_sent
            {
                return Err(fail(format!(
                    "message {source} posted again without maybe_sent"
                )));
            }
        }

        // Per-user order in each place.
        let order: HashMap<&str, (usize, usize)> = self
            .dms
            .iter()
            .enumerate()
            .map(|(i, d)| (d.token.as_str(), (d.user, i)))
            .collect();
        let in_order = |texts: Vec<&str>| -> Result<(), TestCaseError> {
            let mut last = [None; USERS];
            for t in texts {
                if let Some(&(u, i)) = order.get(t) {
                    if last[u].is_some_and(|l| l > i) {
                        return Err(fail(format!("{t} overtook an earlier message of user {u}")));
                    }
                    last[u] = Some(i);
                }
            }
            Ok(())
        };
        // The bot side in the order the user saw the answers (questions may repeat, see above).
        let answered: Vec<&str> = shown
            .iter()
            .flatten()
            .filter(|(voice, _)| *voice == Voice::VirtualAgent)
            .filter_map(|(_, text)| {
                self.dms
                    .iter()
                    .find(|d| text.contains(&answer_to(&d.token)))
                    .map(|d| d.token.as_str())
            })
            .collect();
        in_order(answered)?;
        in_order(relayed.iter().map(|(_, t)| t.as_str()).collect())?;

        for (u, texts) in shown.iter().enumerate() {
            // No echo: a user's own words never come back in an agent's (or anyone's relayed)
            // voice.
            for (voice, text) in texts {
                if *voice == Voice::Agent
                    && let Some(dm) = self.dms.iter().find(|d| text.contains(&d.token))
                {
                    return Err(fail(format!("{} echoed back to Discord", dm.token)));
                }
            }
            // Agent messages: at most once, in order; exactly once when accepted, once settled.
            let mut last = None;
            for (i, sent) in self.agent.iter().enumerate().filter(|(_, a)| a.user == u) {
                let shown: Vec<usize> = texts
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, t))| t.contains(&sent.token))
                    .map(|(at, _)| at)
                    .collect();
                if shown.len() > 1 || (!sent.accepted && !shown.is_empty()) {
                    return Err(fail(format!(
                        "{} shown {} times (accepted: {})",
                        sent.token,
                        shown.len(),
                        sent.accepted
                    )));
                }
                if settled && sent.accepted && shown.is_empty() {
                    return Err(fail(format!("agent message {} was lost", sent.token)));
                }
                if let Some(&at) = shown.first() {
                    if last.is_some_and(|(l, _)| l > at) {
                        return Err(fail(format!("agent message {i} overtook an earlier one")));
                    }
                    last = Some((at, i));
                }
            }
            // A live session always has a conversation to talk to, or the step opening it is
            // in the outbox.
            let opening = entries.iter().any(|e| {
                matches!(
                    &e.message,
                    OutboxMessage::HandOff {
                        step: HandOffStep::Open { user, .. }
                    } if user.id == self.users[u].id
                ) && e.status == EntryStatus::Pending
            });
            if let Some(s) = self.h.session(&self.users[u])
                && s.state.is_live()
                && s.conversation.is_none()
                && (settled || !opening)
            {
                return Err(fail(format!("user {u} live without a conversation")));
            }
        }
        // Exactly-once hand-off, whatever crashed when: one transcript and one task per
        // conversation.
        let mut per_conversation: HashMap<ConversationSid, (usize, usize)> = HashMap::new();
        for (c, _) in &transcripts {
            per_conversation.entry(c.clone()).or_default().0 += 1;
        }
        for (c, _) in self.h.contact_center.tasks() {
            per_conversation.entry(c).or_default().1 += 1;
        }
        if let Some((c, n)) = per_conversation.iter().find(|(_, (t, k))| *t > 1 || *k > 1) {
            return Err(fail(format!("{c}: {n:?} transcripts and tasks")));
        }
        Ok(())
    }

    /// Not stuck: every user can reach an agent now, and the bot again after the agent closes.
    async fn probe_liveness(&mut self) -> Result<(), TestCaseError> {
        for u in 0..USERS {
            let who = self.users[u].clone();
            self.h
                .helpme(&who)
                .await
                .map_err(|e| fail(format!("probe /helpme: {e}")))?;
            self.h
                .press(&who, ButtonAction::TalkToAgent)
                .await
                .map_err(|e| fail(format!("probe button: {e}")))?;
            self.settle().await?;
            let session = self.h.session(&who);
            let open = self.h.contact_center.conversation_of(who.id);
            let reached = session.as_ref().is_some_and(|s| {
                s.state.is_live() && s.conversation.is_some() && s.conversation == open
            });
            if !reached {
                return Err(fail(format!(
                    "user {u} cannot reach an agent: session {session:?}, open conversation {open:?}"
                )));
            }
            let Some(c) = open else { continue };
            self.h.contact_center.close_conversation(&c);
            self.h
                .closed(&c)
                .await
                .map_err(|e| fail(format!("probe close: {e}")))?;
            self.settle().await?;
            let probe = format!("<probe{u}>");
            self.h
                .dm(&who, &probe)
                .await
                .map_err(|e| fail(format!("probe DM: {e}")))?;
            if !self.h.bot.questions().iter().any(|q| q.text == probe) {
                return Err(fail(format!(
                    "user {u} does not get back to the bot: state {:?}",
                    self.h.state(&who)
                )));
            }
        }
        Ok(())
    }
}

/// The fake bot's answer to a DM token: `<m0.3>` → `(re m0.3)`.
fn answer_to(token: &str) -> String {
    format!("(re {})", token.trim_matches(['<', '>']))
}

async fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for (n, step) in steps.iter().enumerate() {
        world.apply(step).await?;
        world
            .check(false)
            .map_err(|e| fail(format!("after step {n} ({step:?}): {e}")))?;
    }
    world.restart();
    world.settle().await?;
    world
        .check(true)
        .map_err(|e| fail(format!("once settled: {e}")))?;
    world.probe_liveness().await?;
    world
        .check(true)
        .map_err(|e| fail(format!("after the liveness probe: {e}")))
}

/// 64 by default (CI time); `PROPTEST_CASES` raises it locally.
fn cases() -> u32 {
    #[allow(clippy::disallowed_methods, reason = "a test knob, not configuration")]
    let from_env = std::env::var("PROPTEST_CASES").ok();
    from_env.and_then(|v| v.parse().ok()).unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_router_keeps_its_promises_whatever_happens(
        steps in prop::collection::vec(step(), 1..=40)
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| fail(format!("runtime: {e}")))?;
        runtime.block_on(run(steps))?;
    }
}
