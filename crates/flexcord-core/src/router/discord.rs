//! Discord events: `/helpme`, `/case`, report modals, buttons and DMs.

use crate::case::{CaseKind, CaseSource, NewCase, Priority, Reporter};
use crate::config::{RoutingMode, Templates, render};
use crate::content::{Buttons, GuildChannel, MessageContent, OutgoingMessage, ReportCard, Voice};
use crate::event::{
    ButtonAction, Command, DiscordEvent, InteractionHandle, Malformed, Place, ReportForm,
    UserProfile,
};
use crate::ids::{CaseId, ChannelId, Identity, MessageId};
use crate::outbox::OutboxMessage;
use crate::ports::{CaseError, ChatError, Question, Reply, SmallTalk};
use crate::session::{Session, SessionState, Speaker};

use super::handoff::Trigger;
use super::step::{Plan, run_step};
use super::{Handled, Incident, Outcome, Router, RouterError, transcript};
use crate::agent_request;
use crate::limits::{LimitKind, Verdict};

/// The text shown for a missing case number in templates.
const NO_CASE: &str = "—";

/// `#N`, or a dash when there is no case.
pub(crate) fn case_label(case: Option<CaseId>) -> String {
    case.map_or_else(|| NO_CASE.to_owned(), |c| c.to_string())
}

/// Leaves a finished chat: back to the bot, forgetting the old conversation (so its late events
/// are unknown from now on) but keeping the case number for a late rating.
pub(crate) fn back_to_bot(s: &mut Session) {
    s.state = SessionState::Bot;
    s.conversation = None;
    s.interaction = None;
    s.agent_name = None;
    s.transcript.clear();
}

impl Router {
    pub(crate) async fn on_discord(&self, event: DiscordEvent) -> Result<Handled, RouterError> {
        if let Some(handled) = self.keep_out_if_blocked(&event).await? {
            return Ok(handled);
        }
        match event {
            DiscordEvent::Command {
                interaction,
                user,
                place,
                command,
            } => match command {
                Command::HelpMe => self.helpme(&interaction, &user, &place).await,
                Command::Case { id, member } => {
                    let staff = self.config.staff.is_staff(member.as_ref());
                    let locale = user.locale.as_deref();
                    Ok(self.case_lookup(&interaction, id, staff, locale).await)
                }
                Command::Block {
                    target,
                    reason,
                    member,
                } => {
                    let staff = self.config.staff.is_staff(member.as_ref());
                    self.block_command(&interaction, &user, target, &reason, staff)
                        .await
                }
                Command::Unblock { target, member } => {
                    let staff = self.config.staff.is_staff(member.as_ref());
                    self.unblock_command(&interaction, &user, target, staff)
                        .await
                }
            },
            DiscordEvent::ReportSubmitted {
                interaction,
                user,
                place,
                form,
            } => {
                // The report counts against the user's limit, kept with their session.
                let _held = self.locks.lock(user.id).await;
                run_step!(self, self.decide_report(&interaction, &user, &place, &form))
            }
            DiscordEvent::Button {
                interaction,
                user,
                place: _,
                action,
            } => {
                let _held = self.locks.lock(user.id).await;
                match action {
                    ButtonAction::TalkToAgent => {
                        run_step!(self, self.decide_button_handoff(&interaction, &user))
                    }
                    ButtonAction::EndChat => {
                        run_step!(self, self.decide_end_by_user(&interaction, &user))
                    }
                    ButtonAction::Rate { case, rating } => {
                        run_step!(self, self.decide_rate(&interaction, &user, case, rating))
                    }
                }
            }
            DiscordEvent::Malformed {
                interaction,
                user,
                place: _,
                problem,
            } => Ok(self.refuse(&interaction, &user, problem).await),
            DiscordEvent::DirectMessage {
                user,
                channel,
                message,
                content,
            } => {
                let _held = self.locks.lock(user.id).await;
                run_step!(self, self.decide_dm(&user, channel, message, &content))
            }
        }
    }

    /// Renders a template with the user's name and the given extra variables.
    pub(crate) fn text(&self, template: &str, vars: &[(&str, &str)]) -> String {
        render(template, vars)
    }

    /// The texts for a reader whose locale is `locale` (falling back by language, then to the
    /// default locale).
    pub(crate) fn t(&self, locale: Option<&str>) -> &Templates {
        self.config.templates_for(locale)
    }

    /// The stored session, or a fresh one; the name and DM channel are refreshed either way.
    pub(crate) async fn load_or_new(
        &self,
        user: &UserProfile,
        dm: ChannelId,
    ) -> Result<Session, RouterError> {
        let mut s = self
            .ports
            .store
            .session(user.id)
            .await?
            .unwrap_or_else(|| Session::new(user.id, user.name.clone(), dm));
        s.user_name.clone_from(&user.name);
        s.dm_channel = dm;
        remember_locale(&mut s, user);
        Ok(s)
    }

    pub(crate) fn push(&self, s: &mut Session, speaker: Speaker, name: &str, text: String) {
        let line = transcript::line(speaker, name, text, self.ports.clock.now_ms());
        transcript::push_line(&mut s.transcript, line, self.config.transcript_limit);
    }

    async fn helpme(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
        place: &Place,
    ) -> Result<Handled, RouterError> {
        let t = self.t(user.locale.as_deref());
        let (dm, incident) = match self.ports.chat.open_dm(user.id).await {
            Ok(dm) => (Some(dm), None),
            // Discord is having a bad minute: the greeting is queued all the same and goes
            // out once a delivery can open the DM.
            Err(e) if e.is_transient() => (None, Some(Incident::Chat(e))),
            Err(e) => {
                let mut incidents = Vec::new();
                if e != ChatError::DmClosed {
                    incidents.push(Incident::Chat(e));
                }
                let reply = Reply::Text(self.text(&t.dm_failed, &[("user", &user.name)]));
                if let Err(e) = self.ports.chat.reply(interaction, &reply).await {
                    incidents.push(Incident::Chat(e));
                }
                return Ok(Handled {
                    outcome: Outcome::Done,
                    incidents,
                    enqueued: 0,
                });
            }
        };
        let _held = self.locks.lock(user.id).await;
        let stepped: Result<Handled, RouterError> =
            run_step!(self, self.decide_helpme(interaction, user, place, dm));
        let mut handled = stepped?;
        handled.incidents.extend(incident);
        Ok(handled)
    }

    /// `dm` is `None` when the DM could not be opened just now: the session's known channel is
    /// used, or, for a user without one, the greeting is queued for the user
    /// ([`OutboxMessage::ToUser`]) and the session is created when it is delivered
    /// ([`crate::event::DeliveryEvent::DmOpened`]) or by the user's first DM.
    async fn decide_helpme(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
        place: &Place,
        dm: Option<ChannelId>,
    ) -> Result<Plan, RouterError> {
        let key = Some(format!("dc:int:{}", interaction.id));
        let stored = match dm {
            Some(dm) => Some(self.load_or_new(user, dm).await?),
            None => self.ports.store.session(user.id).await?.map(|mut s| {
                s.user_name.clone_from(&user.name);
                remember_locale(&mut s, user);
                s
            }),
        };
        let locale = user.locale.as_deref();
        let t = self.t(locale);
        // Every deferred interaction gets an answer, or Discord shows "thinking…" forever.
        let answer = if place.direct_message {
            &t.here_in_dm
        } else {
            &t.check_dms
        };
        let greeting = OutgoingMessage::new(
            Voice::System,
            self.text(&t.greeting, &[("user", &user.name)]),
        )
        .with_buttons(Buttons::TalkToAgent)
        .with_locale(locale);
        let Some(mut s) = stored else {
            let mut plan = Plan {
                dedupe_key: key,
                ..Plan::default()
            };
            plan.reply(interaction, self.text(answer, &[("user", &user.name)]));
            plan.outbox.push(OutboxMessage::ToUser {
                user: user.clone(),
                message: greeting,
            });
            return Ok(plan);
        };
        if s.state.is_live() {
            let text = self.text(
                &t.already_with_agent,
                &[("user", &user.name), ("case", &case_label(s.case_id))],
            );
            let mut plan = Plan::with_session(key, s);
            plan.reply(interaction, text);
            return Ok(plan);
        }
        if let Verdict::Refused { retry_at_ms, .. } = self.spend(&mut s, LimitKind::HelpMe) {
            let mut plan = Plan::with_session(key, s);
            self.refuse_interaction(&mut plan, interaction, user, LimitKind::HelpMe, retry_at_ms);
            return Ok(plan);
        }
        if s.state == SessionState::Ended {
            back_to_bot(&mut s);
        }
        let dm = s.dm_channel;
        let mut plan = Plan::with_session(key, s);
        plan.reply(interaction, self.text(answer, &[("user", &user.name)]));
        plan.send(dm, greeting);
        Ok(plan)
    }

    /// Tells the user what was wrong with an interaction; nothing else changes, so there is no
    /// session to lock and nothing to record.
    async fn refuse(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
        problem: Malformed,
    ) -> Handled {
        let t = self.t(user.locale.as_deref());
        let template = match problem {
            Malformed::CaseNumber => &t.invalid_case_number,
            Malformed::UnknownCommand => &t.unknown_command,
            Malformed::UnknownForm => &t.unknown_form,
            Malformed::MissingFields => &t.report_incomplete,
        };
        let reply = Reply::Text(self.text(template, &[("user", &user.name)]));
        let incidents = match self.ports.chat.reply(interaction, &reply).await {
            Ok(()) => Vec::new(),
            Err(e) => vec![Incident::Chat(e)],
        };
        Handled {
            outcome: Outcome::Done,
            incidents,
            enqueued: 0,
        }
    }

    async fn case_lookup(
        &self,
        interaction: &InteractionHandle,
        id: CaseId,
        staff: bool,
        locale: Option<&str>,
    ) -> Handled {
        let t = self.t(locale);
        let mut incidents = Vec::new();
        let reply = if staff {
            match self.ports.cases.get(id).await {
                Ok(case) => Reply::Case(Box::new(case)),
                Err(CaseError::NotFound(_)) => {
                    Reply::Text(self.text(&t.case_not_found, &[("case", &id.to_string())]))
                }
                Err(e) => {
                    incidents.push(Incident::CaseSystem(e));
                    Reply::Text(self.text(&t.relay_failed, &[("case", &id.to_string())]))
                }
            }
        } else {
            Reply::Text(self.text(&t.case_forbidden, &[("case", &id.to_string())]))
        };
        if let Err(e) = self.ports.chat.reply(interaction, &reply).await {
            incidents.push(Incident::Chat(e));
        }
        Handled {
            outcome: Outcome::Done,
            incidents,
            enqueued: 0,
        }
    }

    async fn decide_report(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
        place: &Place,
        form: &ReportForm,
    ) -> Result<Plan, RouterError> {
        let t = self.t(user.locale.as_deref());
        // The card's field names are for staff: the deployment's default language.
        let staff = self.config.default_templates();
        let key = format!("dc:int:{}", interaction.id);
        let mut fields = Vec::new();
        if let Some(steps) = form
            .steps
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            fields.push((staff.form_steps.clone(), steps.to_owned()));
        }
        if let Some(p) = form
            .platform
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            fields.push((staff.form_platform.clone(), p.to_owned()));
        }
        // Creation is idempotent by key, so deciding again (or a redelivery) finds the same case.
        let new_case = NewCase {
            kind: form.kind,
            title: form.title.trim().to_owned(),
            description: form.description.trim().to_owned(),
            fields: fields.clone(),
            reporter: Reporter {
                user_id: user.id,
                name: user.name.clone(),
            },
            source: CaseSource {
                channel: place.channel,
                direct_message: place.direct_message,
            },
            priority: Priority::Low,
            idempotency_key: key.clone(),
        };
        let mut plan = Plan {
            dedupe_key: Some(key),
            ..Plan::default()
        };
        let mut session = self.reporter_session(user, &mut plan).await?;
        if let Some(s) = session.as_mut()
            && let Verdict::Refused { retry_at_ms, .. } = self.peek(s, LimitKind::Report)
        {
            plan.session = session;
            self.refuse_interaction(&mut plan, interaction, user, LimitKind::Report, retry_at_ms);
            return Ok(plan);
        }
        let dm = session.as_ref().map(|s| s.dm_channel);
        plan.session = session;
        match self.ports.cases.create(&new_case).await {
            Ok(case) => {
                if let Some(s) = plan.session.as_mut() {
                    self.count(s, LimitKind::Report);
                }
                let (channel, template) = match form.kind {
                    CaseKind::Feature => (GuildChannel::FeatureRequest, &t.feature_filed),
                    CaseKind::Bug | CaseKind::Support => (GuildChannel::BugReport, &t.bug_filed),
                };
                let card = ReportCard {
                    case_id: case.id,
                    kind: form.kind,
                    title: new_case.title,
                    description: new_case.description,
                    fields,
                    reporter_name: user.name.clone(),
                    reporter: user.id,
                };
                plan.outbox.push(OutboxMessage::Report { channel, card });
                let text = self.text(
                    template,
                    &[
                        ("user", &user.name),
                        ("case", &case.id.to_string()),
                        ("title", &case.title),
                    ],
                );
                // The ephemeral reply answers the modal at once; the reporter's copy of the case
                // number goes out durably too, as a DM (in order with their chat when the DM
                // is known), because a lost reply is gone for good.
                let copy = OutgoingMessage::new(Voice::System, text.clone())
                    .with_locale(user.locale.as_deref());
                match dm {
                    Some(dm) => plan.send(dm, copy),
                    None => plan.outbox.push(OutboxMessage::ToUser {
                        user: user.clone(),
                        message: copy,
                    }),
                }
                plan.reply(interaction, text);
            }
            Err(e) => {
                plan.incidents.push(Incident::CaseSystem(e));
                plan.reply(
                    interaction,
                    self.text(&t.report_failed, &[("user", &user.name)]),
                );
            }
        }
        Ok(plan)
    }

    async fn decide_button_handoff(
        &self,
        interaction: &InteractionHandle,
        user: &UserProfile,
    ) -> Result<Plan, RouterError> {
        let Some(mut s) = self.ports.store.session(user.id).await? else {
            // A button without a session: the DM was never set up through flexcord. Nothing
            // to route; the adapter only shows the button in flexcord's own DMs. (A greeting
            // queued for a user whose DM could not be opened gets its session when delivered:
            // `DeliveryEvent::DmOpened`.)
            return Ok(Plan::outcome(Outcome::Ignored));
        };
        s.user_name.clone_from(&user.name);
        remember_locale(&mut s, user);
        let key = format!("dc:int:{}", interaction.id);
        if s.state == SessionState::Ended {
            back_to_bot(&mut s);
        }
        let mut plan = Plan::with_session(Some(key.clone()), s);
        let trigger = match self.config.routing {
            RoutingMode::Bridge => Trigger::Bridge,
            RoutingMode::Studio => Trigger::StudioButton(MessageId(interaction.id)),
        };
        self.limited_hand_off(&mut plan, user, &key, trigger).await;
        Ok(plan)
    }

    async fn decide_dm(
        &self,
        user: &UserProfile,
        channel: ChannelId,
        message: MessageId,
        content: &MessageContent,
    ) -> Result<Plan, RouterError> {
        if content.is_empty() {
            return Ok(Plan::outcome(Outcome::Ignored));
        }
        let mut s = self.load_or_new(user, channel).await?;
        let key = format!("dc:msg:{message}");
        if s.state == SessionState::Ended {
            back_to_bot(&mut s);
        }
        let line_text = transcript::content_text(content);
        if s.state.is_live() {
            if let Some(conversation) = s.conversation.clone() {
                if let Verdict::Refused {
                    retry_at_ms,
                    notify,
                } = self.spend(&mut s, LimitKind::AgentDm)
                {
                    return Ok(self.refuse_dm(key, s, LimitKind::AgentDm, retry_at_ms, notify));
                }
                self.push(&mut s, Speaker::User, &user.name, line_text);
                let mut plan = Plan::with_session(Some(key), s);
                plan.outbox.push(OutboxMessage::ToConversation {
                    conversation,
                    author: Identity::for_user(user.id),
                    source: message,
                    content: content.clone(),
                });
                return Ok(plan);
            }
            if super::handoff_steps::opening(&s) {
                // The hand-off is under way: kept for the agent's transcript, not for the bot.
                self.push(&mut s, Speaker::User, &user.name, line_text);
                return Ok(Plan::with_session(Some(key), s));
            }
            // Live without a conversation otherwise cannot happen; recover to the bot.
            back_to_bot(&mut s);
        }
        if let Verdict::Refused {
            retry_at_ms,
            notify,
        } = self.spend(&mut s, LimitKind::BotDm)
        {
            return Ok(self.refuse_dm(key, s, LimitKind::BotDm, retry_at_ms, notify));
        }
        self.push(&mut s, Speaker::User, &user.name, line_text);
        let wants_agent =
            agent_request::is_agent_request(&content.text, &self.config.handoff_keywords);
        let mut plan = Plan::with_session(Some(key.clone()), s);
        match self.config.routing {
            RoutingMode::Studio => {
                self.studio_dm(&mut plan, user, message, content, wants_agent, &key)
                    .await;
            }
            RoutingMode::Bridge if wants_agent => {
                self.limited_hand_off(&mut plan, user, &key, Trigger::Bridge)
                    .await;
            }
            RoutingMode::Bridge => {
                let text = content.text.clone();
                if self.bot_answer(&mut plan, user, &text).await {
                    self.limited_hand_off(&mut plan, user, &key, Trigger::Bridge)
                        .await;
                }
            }
        }
        Ok(plan)
    }

    /// Asks the virtual agent and plans its answer into the DM. Returns true when it asks for a
    /// hand-off.
    pub(crate) async fn bot_answer(&self, plan: &mut Plan, user: &UserProfile, text: &str) -> bool {
        let Some(s) = plan.session.as_mut() else {
            return false;
        };
        let locale = s.locale.clone();
        let t = self.t(locale.as_deref());
        let question = Question {
            session_id: format!("discord:{}", user.id),
            user: user.clone(),
            text: text.to_owned(),
            reply_in: Some(s.dm_channel),
            locale: locale.clone(),
        };
        let dm = s.dm_channel;
        match self.ports.virtual_agent.answer(&question).await {
            Ok(answer) => {
                let rendered = transcript::render_answer(&answer.items, &t.answer_intro);
                let (text, hand_off) = if rendered.is_empty() {
                    if answer.hand_off {
                        return true;
                    }
                    // Small talk is answered in kind; anything else found nothing.
                    let template = match answer.small_talk {
                        Some(SmallTalk::Greeting) => &t.greeting_reply,
                        Some(SmallTalk::Thanks) => &t.thanks_reply,
                        None => &t.no_answer,
                    };
                    (self.text(template, &[("user", &user.name)]), false)
                } else {
                    (rendered, answer.hand_off)
                };
                // The agent reads titles and links, not the Markdown the player sees.
                let plain = if rendered_plain_is_empty(&answer.items) {
                    text.clone()
                } else {
                    transcript::plain_answer(&answer.items)
                };
                let line = transcript::line(
                    Speaker::Bot,
                    "Virtual agent",
                    plain,
                    self.ports.clock.now_ms(),
                );
                transcript::push_line(&mut s.transcript, line, self.config.transcript_limit);
                // Marked as the virtual agent's by the chat surface (`bot_message`).
                let mut msg =
                    OutgoingMessage::new(Voice::VirtualAgent, text).with_locale(locale.as_deref());
                if !hand_off {
                    msg = msg.with_buttons(Buttons::TalkToAgent);
                }
                plan.send(dm, msg);
                hand_off
            }
            Err(e) => {
                plan.incidents.push(Incident::VirtualAgent(e));
                let text = self.text(&t.bot_unavailable, &[("user", &user.name)]);
                plan.send(
                    dm,
                    OutgoingMessage::new(Voice::System, text)
                        .with_buttons(Buttons::TalkToAgent)
                        .with_locale(locale.as_deref()),
                );
                false
            }
        }
    }

    /// Studio mode, `Bot` state: the message goes into the conversation (opened on demand) and
    /// the flow answers through a bot turn; a hand-off keyword also opens the case.
    async fn studio_dm(
        &self,
        plan: &mut Plan,
        user: &UserProfile,
        message: MessageId,
        content: &MessageContent,
        wants_agent: bool,
        key: &str,
    ) {
        let Some(conversation) = self.ensure_conversation(plan, user).await else {
            return;
        };
        // Over the hand-off limit the request is not posted either: the flow would route it.
        if wants_agent
            && !self
                .limited_hand_off(plan, user, key, Trigger::StudioMessage)
                .await
        {
            return;
        }
        plan.outbox.push(OutboxMessage::ToConversation {
            conversation,
            author: Identity::for_user(user.id),
            source: message,
            content: content.clone(),
        });
    }
}

/// Keeps the locale of the user's latest interaction in their session: their DMs carry none,
/// and they are answered in it.
pub(crate) fn remember_locale(s: &mut Session, user: &UserProfile) {
    if let Some(locale) = &user.locale {
        s.locale = Some(locale.clone());
    }
}

/// True when an answer has nothing of its own to show (the `no_answer` text stands in).
fn rendered_plain_is_empty(items: &[crate::ports::AnswerItem]) -> bool {
    transcript::plain_answer(items).is_empty()
}
