//! [`Harness`]: a [`Router`] over every fake, with helpers that read like user stories
//! ("user 1 DMs 'hello'", "the agent joins", "drain the outbox").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flexcord_core::Router;
use flexcord_core::case::Rating;
use flexcord_core::config::{RouterConfig, RoutingMode};
use flexcord_core::content::{AgentMedia, MessageContent};
use flexcord_core::event::{
    ButtonAction, Command, DeliveryEvent, DiscordEvent, FlexEvent, InteractionHandle, Member,
    MessageOrigin, Place, ReportForm, UserProfile,
};
use flexcord_core::ids::{
    CaseId, ChannelId, ConversationSid, Identity, MessageId, MessageSid, UserId,
};
use flexcord_core::ports::OutboxStore;
use flexcord_core::router::{Handled, Ports, RouterError};
use flexcord_core::session::{Session, SessionState};
use flexcord_delivery::{Decision, Deliverer, DeliveryError, after_attempt, report};

use crate::cases::InMemoryCases;
use crate::chat::FakeChat;
use crate::clock::ManualClock;
use crate::contact_center::FakeContactCenter;
use crate::store::InMemoryStore;
use crate::virtual_agent::FakeVirtualAgent;

/// The guild channel `/helpme` and reports are used in by default.
pub const GUILD_CHANNEL: ChannelId = ChannelId(42);

/// The served Discord server: staff-only commands count only from here (unless a test
/// configures another).
pub const GUILD: u64 = 4_200;

/// The agent identity the helpers use by default.
pub const AGENT: &str = "alice@example.com";

/// How long a drain's claims are leased.
const LEASE: Duration = Duration::from_secs(30);
/// How far a failed delivery is pushed back: beyond any drain, until the clock is advanced.
const RETRY_DELAY: Duration = Duration::from_secs(60);
/// A drain stops after this many rounds even if entries keep coming (a loop would be a bug).
const MAX_ROUNDS: usize = 100;

/// Builds a [`Harness`].
#[derive(Debug, Clone, Default)]
pub struct HarnessBuilder {
    config: RouterConfig,
}

impl HarnessBuilder {
    /// Studio or bridge.
    #[must_use]
    pub const fn routing(mut self, mode: RoutingMode) -> Self {
        self.config.routing = mode;
        self
    }

    /// The whole router configuration.
    #[must_use]
    pub fn config(mut self, config: RouterConfig) -> Self {
        self.config = config;
        self
    }

    /// Changes the configuration in place.
    #[must_use]
    pub fn tweak(mut self, f: impl FnOnce(&mut RouterConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// The harness.
    #[must_use]
    pub fn build(mut self) -> Harness {
        if self.config.staff.guild.is_none() {
            self.config.staff.guild = Some(GUILD);
        }
        let clock = Arc::new(ManualClock::default());
        let chat = FakeChat::new();
        let contact_center = FakeContactCenter::new();
        let bot = FakeVirtualAgent::new();
        let cases = InMemoryCases::with_clock(clock.clone());
        let store = InMemoryStore::with_clock(clock.clone());
        let ports = Ports {
            chat: Arc::new(chat.clone()),
            contact_center: Arc::new(contact_center.clone()),
            virtual_agent: Arc::new(bot.clone()),
            cases: Arc::new(cases.clone()),
            store: Arc::new(store.clone()),
            clock: clock.clone(),
        };
        Harness {
            deliverer: Deliverer::new(
                Arc::new(chat.clone()),
                Arc::new(contact_center.clone()),
                Arc::new(cases.clone()),
            ),
            router: Arc::new(Router::new(ports, self.config)),
            chat,
            contact_center,
            bot,
            cases,
            store,
            clock,
            ids: AtomicU64::new(10_000),
        }
    }
}

/// What a [`Harness::drain`] did.
#[derive(Debug, Default)]
pub struct Drained {
    /// Entries delivered.
    pub delivered: usize,
    /// Entries that asked for a retry, with the error (pushed back until the clock moves).
    pub retried: Vec<(i64, DeliveryError)>,
    /// Entries dead-lettered, with the reason.
    pub dead: Vec<(i64, String)>,
    /// What deliveries reported back to the router, in order.
    pub reported: Vec<DeliveryEvent>,
}

/// A router over in-memory fakes. All fakes are shared handles: script them before an event and
/// inspect them after.
#[derive(Debug)]
pub struct Harness {
    /// The router under test.
    pub router: Arc<Router>,
    /// Delivers outbox entries over the same fakes, as the binary's worker
    /// (`flexcord_delivery::OutboxWorker`) does.
    pub deliverer: Deliverer,
    /// Discord.
    pub chat: FakeChat,
    /// Flex.
    pub contact_center: FakeContactCenter,
    /// The virtual agent.
    pub bot: FakeVirtualAgent,
    /// Cases.
    pub cases: InMemoryCases,
    /// Sessions, dedupe, outbox.
    pub store: InMemoryStore,
    /// Time, shared by the router, the store and the cases.
    pub clock: Arc<ManualClock>,
    ids: AtomicU64,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// A user profile named `user<id>`.
#[must_use]
pub fn user(id: u64) -> UserProfile {
    UserProfile {
        id: UserId(id),
        name: format!("user{id}"),
        locale: None,
    }
}

impl Harness {
    /// Bridge mode with default texts.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Studio mode with default texts.
    #[must_use]
    pub fn studio() -> Self {
        Self::builder().routing(RoutingMode::Studio).build()
    }

    /// A builder.
    #[must_use]
    pub fn builder() -> HarnessBuilder {
        HarnessBuilder::default()
    }

    /// A fresh id (interactions, Discord messages, Twilio message SIDs).
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh interaction handle.
    pub fn interaction(&self) -> InteractionHandle {
        let id = self.next_id();
        InteractionHandle {
            id,
            token: format!("token-{id}"),
        }
    }

    /// A fresh Twilio message SID.
    #[expect(
        clippy::expect_used,
        reason = "`IM` followed by hex digits is always a valid SID"
    )]
    pub fn message_sid(&self) -> MessageSid {
        let n = self.next_id();
        MessageSid::parse(&format!("IM{n:032x}")).expect("valid SID")
    }

    /// The user's DM channel (as the fake Discord assigns it).
    #[must_use]
    pub fn dm_of(&self, user: &UserProfile) -> ChannelId {
        self.chat.dm_channel(user.id)
    }

    /// The user's session as stored.
    #[must_use]
    pub fn session(&self, user: &UserProfile) -> Option<Session> {
        self.store.session_now(user.id)
    }

    /// The user's state (`None` without a session).
    #[must_use]
    pub fn state(&self, user: &UserProfile) -> Option<SessionState> {
        self.session(user).map(|s| s.state)
    }

    /// The user's current (or last) conversation.
    #[must_use]
    pub fn conversation(&self, user: &UserProfile) -> Option<ConversationSid> {
        self.session(user).and_then(|s| s.conversation)
    }

    /// The user's current (or last) case.
    #[must_use]
    pub fn case_of(&self, user: &UserProfile) -> Option<CaseId> {
        self.session(user).and_then(|s| s.case_id)
    }

    /// Texts sent to the user's DM, in order (failed attempts included; everything reaches the
    /// DM through the outbox, so [`Harness::drain`] first).
    #[must_use]
    pub fn dm_texts(&self, user: &UserProfile) -> Vec<String> {
        self.chat.texts_to(self.dm_of(user))
    }

    /// Handles any Discord event.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn discord(&self, event: DiscordEvent) -> Result<Handled, RouterError> {
        self.router.handle_discord(event).await
    }

    /// Handles any Flex event.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_flex`].
    pub async fn flex(&self, event: FlexEvent) -> Result<Handled, RouterError> {
        self.router.handle_flex(event).await
    }

    /// `/helpme` in the guild channel.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn helpme(&self, user: &UserProfile) -> Result<Handled, RouterError> {
        self.helpme_with(user, &self.interaction(), false).await
    }

    /// `/helpme` with a given interaction, in the DM or the guild.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn helpme_with(
        &self,
        user: &UserProfile,
        interaction: &InteractionHandle,
        in_dm: bool,
    ) -> Result<Handled, RouterError> {
        let place = self.place(user, in_dm);
        self.discord(DiscordEvent::Command {
            interaction: interaction.clone(),
            user: user.clone(),
            place,
            command: Command::HelpMe,
        })
        .await
    }

    /// `/case <id>`.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn case_command(
        &self,
        user: &UserProfile,
        interaction: &InteractionHandle,
        id: CaseId,
        staff: bool,
    ) -> Result<Handled, RouterError> {
        let member = Member {
            guild: GUILD,
            manages_server: staff,
            roles: Vec::new(),
        };
        self.case_command_by(user, interaction, id, Some(member))
            .await
    }

    /// `/case <id>` by a caller the adapter described as `member` (`None`: outside a server).
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn case_command_by(
        &self,
        user: &UserProfile,
        interaction: &InteractionHandle,
        id: CaseId,
        member: Option<Member>,
    ) -> Result<Handled, RouterError> {
        self.discord(DiscordEvent::Command {
            interaction: interaction.clone(),
            user: user.clone(),
            place: self.place(user, false),
            command: Command::Case { id, member },
        })
        .await
    }

    /// A report modal submitted in the guild.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn report(
        &self,
        user: &UserProfile,
        interaction: &InteractionHandle,
        form: ReportForm,
    ) -> Result<Handled, RouterError> {
        self.discord(DiscordEvent::ReportSubmitted {
            interaction: interaction.clone(),
            user: user.clone(),
            place: self.place(user, false),
            form,
        })
        .await
    }

    /// A DM with text; returns the outcome and the message id used.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn dm(&self, user: &UserProfile, text: &str) -> Result<Handled, RouterError> {
        let id = MessageId(self.next_id());
        self.dm_with(user, id, MessageContent::text(text)).await
    }

    /// A DM with a given message id and content (for duplicates and attachments).
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn dm_with(
        &self,
        user: &UserProfile,
        message: MessageId,
        content: MessageContent,
    ) -> Result<Handled, RouterError> {
        self.discord(DiscordEvent::DirectMessage {
            user: user.clone(),
            channel: self.dm_of(user),
            message,
            content,
        })
        .await
    }

    /// A button press in the DM with a fresh interaction.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn press(
        &self,
        user: &UserProfile,
        action: ButtonAction,
    ) -> Result<Handled, RouterError> {
        self.press_with(user, &self.interaction(), action).await
    }

    /// A button press with a given interaction (for duplicates).
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    pub async fn press_with(
        &self,
        user: &UserProfile,
        interaction: &InteractionHandle,
        action: ButtonAction,
    ) -> Result<Handled, RouterError> {
        self.discord(DiscordEvent::Button {
            interaction: interaction.clone(),
            user: user.clone(),
            place: self.place(user, true),
            action,
        })
        .await
    }

    /// The rating button.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_discord`].
    ///
    /// # Panics
    ///
    /// When `stars` is outside 1–5: that is a bug in the test.
    #[expect(
        clippy::expect_used,
        reason = "a rating outside 1-5 is a bug in the calling test"
    )]
    pub async fn rate(
        &self,
        user: &UserProfile,
        case: CaseId,
        stars: u8,
    ) -> Result<Handled, RouterError> {
        let rating = Rating::new(stars).expect("tests rate 1 to 5");
        self.press(user, ButtonAction::Rate { case, rating }).await
    }

    /// The agent ([`AGENT`]) joins the conversation.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_flex`].
    pub async fn agent_joins(
        &self,
        conversation: &ConversationSid,
    ) -> Result<Handled, RouterError> {
        self.flex(FlexEvent::ParticipantAdded {
            conversation: conversation.clone(),
            identity: Identity::new(AGENT),
            name: None,
        })
        .await
    }

    /// The agent ([`AGENT`]) says `text` from the Flex UI (`Source=SDK`), with a fresh SID.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_flex`].
    pub async fn agent_says(
        &self,
        conversation: &ConversationSid,
        text: &str,
    ) -> Result<Handled, RouterError> {
        self.flex(self.agent_message(conversation, text, Vec::new()))
            .await
    }

    /// An agent message event (not handled): for duplicates and media.
    pub fn agent_message(
        &self,
        conversation: &ConversationSid,
        text: &str,
        media: Vec<AgentMedia>,
    ) -> FlexEvent {
        FlexEvent::MessageAdded {
            conversation: conversation.clone(),
            message: self.message_sid(),
            origin: MessageOrigin::Sdk,
            author: Identity::new(AGENT),
            body: text.to_owned(),
            media,
        }
    }

    /// Twilio says the conversation closed.
    ///
    /// # Errors
    ///
    /// As [`Router::handle_flex`].
    pub async fn closed(&self, conversation: &ConversationSid) -> Result<Handled, RouterError> {
        self.flex(FlexEvent::ConversationClosed {
            conversation: conversation.clone(),
        })
        .await
    }

    /// Delivers everything deliverable, like the binary's worker: success completes; a failure
    /// first reports what it taught to the router ([`report`], [`Router::handle_delivery`]),
    /// then [`after_attempt`] decides — a retry is pushed back 60 s (so it waits
    /// until the clock is advanced), a dead letter is recorded.
    ///
    /// # Errors
    ///
    /// The store's error, if it fails.
    pub async fn drain(&self) -> Result<Drained, flexcord_core::ports::StoreError> {
        let mut out = Drained::default();
        for _ in 0..MAX_ROUNDS {
            let batch = self.store.claim("harness", LEASE, 16).await?;
            if batch.is_empty() {
                break;
            }
            for entry in batch {
                let e = match self.deliverer.deliver(&entry).await {
                    Ok(learned) => {
                        if let Some(event) = learned {
                            self.tell_router(event, &mut out).await?;
                        }
                        self.store.complete(entry.id).await?;
                        out.delivered += 1;
                        continue;
                    }
                    Err(e) => e,
                };
                if let Some(event) = report(&entry, &e) {
                    self.tell_router(event, &mut out).await?;
                }
                match after_attempt(entry.attempts, &e) {
                    Decision::Retry { .. } => {
                        self.store
                            .retry_later(entry.id, &e.to_string(), RETRY_DELAY)
                            .await?;
                        out.retried.push((entry.id, e));
                    }
                    Decision::DeadLetter { reason } => {
                        self.store.dead_letter(entry.id, &reason).await?;
                        out.dead.push((entry.id, reason));
                    }
                }
            }
        }
        Ok(out)
    }

    async fn tell_router(
        &self,
        event: DeliveryEvent,
        out: &mut Drained,
    ) -> Result<(), flexcord_core::ports::StoreError> {
        out.reported.push(event.clone());
        match self.router.handle_delivery(event).await {
            Ok(_) => Ok(()),
            Err(RouterError::Store(e)) => Err(e),
            Err(other) => Err(flexcord_core::ports::StoreError::Unavailable(
                other.to_string(),
            )),
        }
    }

    /// Moves the clock past any retry delay the drain set.
    pub fn advance_past_retries(&self) {
        self.clock
            .advance(u64::try_from(RETRY_DELAY.as_millis()).unwrap_or(u64::MAX) + 1);
    }

    /// Runs the usual path to a live agent: `/helpme`, the button, drain. Returns the
    /// conversation.
    ///
    /// # Errors
    ///
    /// As the router's, or [`RouterError::Store`] with `NotFound` when no conversation resulted.
    pub async fn to_agent(&self, user: &UserProfile) -> Result<ConversationSid, RouterError> {
        self.helpme(user).await?;
        self.press(user, ButtonAction::TalkToAgent).await?;
        self.drain().await?;
        self.conversation(user).ok_or_else(|| {
            RouterError::Store(flexcord_core::ports::StoreError::NotFound(
                "conversation".into(),
            ))
        })
    }

    /// [`Harness::to_agent`], then the agent joins and the notice is delivered.
    ///
    /// # Errors
    ///
    /// As [`Harness::to_agent`].
    pub async fn with_agent(&self, user: &UserProfile) -> Result<ConversationSid, RouterError> {
        let conversation = self.to_agent(user).await?;
        self.agent_joins(&conversation).await?;
        self.drain().await?;
        Ok(conversation)
    }

    fn place(&self, user: &UserProfile, in_dm: bool) -> Place {
        if in_dm {
            Place {
                channel: self.dm_of(user),
                direct_message: true,
            }
        } else {
            Place {
                channel: GUILD_CHANNEL,
                direct_message: false,
            }
        }
    }
}
