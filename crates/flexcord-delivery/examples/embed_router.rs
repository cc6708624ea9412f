//! Embedding the flexcord router in your own tokio service, with your own chat surface.
//!
//! The router is a library: give it one implementation of each port and feed it events. Here the
//! chat surface is a console that prints what it would send to Discord; the contact center,
//! virtual agent, case system and store are `flexcord-testkit`'s in-memory fakes (in production
//! they would be `twilio-flex`, `flexcord-kb` or `seachat`, and `flexcord-store`).
//!
//! The story: a user runs `/helpme`, asks a question, asks for a human, an agent joins and
//! answers. After each event the outbox is drained the way the `flexcord` binary's worker
//! (`flexcord_delivery::OutboxWorker`) does it: claim, [`Deliverer::deliver`], complete — or
//! [`after_attempt`] decides between a retry and a dead letter, and what the failure taught goes
//! back through the router as an event.
//!
//! Run it with `cargo run -p flexcord-delivery --example embed_router`.

// An example's job is to show what happens, on stdout.
#![expect(
    clippy::print_stdout,
    reason = "an example: it tells the reader what it is doing"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use flexcord_core::Router;
use flexcord_core::config::RouterConfig;
use flexcord_core::content::{
    Announcement, Buttons, GuildChannel, MessageContent, OutgoingMessage, ReportCard,
};
use flexcord_core::event::{
    Command, DiscordEvent, FlexEvent, InteractionHandle, MessageOrigin, Place, UserProfile,
};
use flexcord_core::ids::{ChannelId, Identity, MessageId, MessageSid, UserId};
use flexcord_core::ports::{ChatError, ChatSurface, OutboxStore, Reply, SessionStore};
use flexcord_core::router::{Handled, Ports};
use flexcord_delivery::{Decision, Deliverer, after_attempt, report};
use flexcord_testkit::{
    FakeContactCenter, FakeVirtualAgent, FixedClock, InMemoryCases, InMemoryStore,
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A chat surface that prints instead of calling Discord. A real one would call your chat
/// platform's API and map its failures into [`ChatError`] (closed DMs, rate limits…).
#[derive(Debug, Default)]
struct ConsoleChat {
    next_message: AtomicU64,
}

impl ConsoleChat {
    fn message_id(&self) -> MessageId {
        MessageId(1 + self.next_message.fetch_add(1, Ordering::Relaxed))
    }
}

#[async_trait]
impl ChatSurface for ConsoleChat {
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError> {
        // One DM channel per user; a real adapter asks the platform.
        Ok(ChannelId(user.get() + 1_000_000))
    }

    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        _nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError> {
        let mut lines = message.text.lines();
        let first = lines.next().unwrap_or_default();
        println!("  [discord] DM {channel} ({:?}): {first}", message.voice);
        for line in lines {
            println!("  [discord]   {line}");
        }
        for file in &message.files {
            println!("  [discord]   file {} <{}>", file.filename, file.url);
        }
        for buttons in &message.buttons {
            let label = match buttons {
                Buttons::TalkToAgent => "[Talk to a live agent]".to_owned(),
                Buttons::EndChat => "[End chat]".to_owned(),
                Buttons::Rating(case) => format!("[1] [2] [3] [4] [5] for case {case}"),
            };
            println!("  [discord]   buttons {label}");
        }
        Ok(vec![self.message_id()])
    }

    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError> {
        match reply {
            Reply::Text(text) => {
                println!("  [discord] ephemeral reply to {}: {text}", interaction.id);
            }
            Reply::Case(case) => {
                println!(
                    "  [discord] ephemeral case card to {}: {} {}",
                    interaction.id, case.id, case.title
                );
            }
        }
        Ok(())
    }

    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        _nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        println!(
            "  [discord] #{}: {} {}",
            channel.name(),
            card.case_id,
            card.title
        );
        Ok(self.message_id())
    }

    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError> {
        println!("  [discord] #announcements: {}", announcement.title);
        Ok(self.message_id())
    }

    async fn typing(&self, _channel: ChannelId) -> Result<(), ChatError> {
        Ok(())
    }
}

/// Delivers every due outbox entry, like the `flexcord` binary's outbox worker (which also runs
/// this on a timer, with leases shared between instances, many deliveries at once and batched
/// settling).
async fn drain(
    router: &Router,
    deliverer: &Deliverer,
    outbox: &dyn OutboxStore,
) -> Result<usize, BoxError> {
    let mut delivered = 0;
    loop {
        let batch = outbox.claim("example", Duration::from_secs(30), 16).await?;
        if batch.is_empty() {
            return Ok(delivered);
        }
        for entry in batch {
            let error = match deliverer.deliver(&entry).await {
                Ok(learned) => {
                    // A message queued for a user opened their DM: the router keeps it.
                    if let Some(event) = learned {
                        router.handle_delivery(event).await?;
                    }
                    outbox.complete(entry.id).await?;
                    delivered += 1;
                    continue;
                }
                Err(error) => error,
            };
            // A closed DM or a vanished conversation is the router's to act on.
            if let Some(event) = report(&entry, &error) {
                router.handle_delivery(event).await?;
            }
            match after_attempt(entry.attempts, &error) {
                Decision::Retry { delay } => {
                    println!("  (entry {} will be retried: {error})", entry.id);
                    outbox
                        .retry_later(entry.id, &error.to_string(), delay)
                        .await?;
                }
                Decision::DeadLetter { reason } => {
                    println!("  (entry {} dead-lettered: {reason})", entry.id);
                    outbox.dead_letter(entry.id, &reason).await?;
                }
            }
        }
    }
}

/// Prints what handling an event came to, then delivers what it enqueued.
async fn settle(
    router: &Router,
    deliverer: &Deliverer,
    store: &dyn OutboxStore,
    handled: &Handled,
) -> Result<(), BoxError> {
    println!(
        "  -> {:?}, {} outbox entr{}{}",
        handled.outcome,
        handled.enqueued,
        if handled.enqueued == 1 { "y" } else { "ies" },
        if handled.incidents.is_empty() {
            String::new()
        } else {
            format!(", incidents: {:?}", handled.incidents)
        }
    );
    let delivered = drain(router, deliverer, store).await?;
    if delivered > 0 {
        println!("  -> delivered {delivered} from the outbox");
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    // The ports. Keep handles to the fakes to show what reached the Flex side at the end.
    let contact_center = FakeContactCenter::new();
    let virtual_agent = FakeVirtualAgent::new();
    virtual_agent.on_article(
        "How do I reset my password?",
        "Account recovery",
        "https://support.example.com/kb/account-recovery",
        "Open Settings → Account → Reset password and follow the e-mail link.",
    );
    let store = InMemoryStore::new();
    let chat = Arc::new(ConsoleChat::default());
    let cases = Arc::new(InMemoryCases::new());
    let deliverer = Deliverer::new(
        chat.clone(),
        Arc::new(contact_center.clone()),
        cases.clone(),
    );
    let router = Router::new(
        Ports {
            chat,
            contact_center: Arc::new(contact_center.clone()),
            virtual_agent: Arc::new(virtual_agent),
            cases,
            store: Arc::new(store.clone()),
            clock: Arc::new(FixedClock::default()),
        },
        RouterConfig::default(),
    );

    let ann = UserProfile {
        id: UserId(7),
        name: "Ann".to_owned(),
        locale: None,
    };
    let dm = ChannelId(ann.id.get() + 1_000_000);

    println!("1. Ann runs /helpme in the server");
    let handled = router
        .handle_discord(DiscordEvent::Command {
            interaction: InteractionHandle {
                id: 101,
                token: "interaction-token".to_owned(),
            },
            user: ann.clone(),
            place: Place {
                channel: ChannelId(42),
                direct_message: false,
            },
            command: Command::HelpMe,
        })
        .await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!("2. Ann asks the virtual agent a question in the DM");
    let handled = router
        .handle_discord(DiscordEvent::DirectMessage {
            user: ann.clone(),
            channel: dm,
            message: MessageId(201),
            content: MessageContent::text("How do I reset my password?"),
        })
        .await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!("3. Ann asks for a human (a hand-off keyword)");
    let handled = router
        .handle_discord(DiscordEvent::DirectMessage {
            user: ann.clone(),
            channel: dm,
            message: MessageId(202),
            content: MessageContent::text("That didn't work, can I talk to a human?"),
        })
        .await?;
    settle(&router, &deliverer, &store, &handled).await?;

    let session = store.session(ann.id).await?.ok_or("Ann has no session")?;
    let conversation = session
        .conversation
        .ok_or("the hand-off opened no conversation")?;
    println!(
        "   Ann is now {:?}, case {}, conversation {conversation}",
        session.state,
        session
            .case_id
            .map_or_else(|| "none".to_owned(), |c| c.to_string())
    );

    println!("4. The agent joins in Flex");
    let handled = router
        .handle_flex(FlexEvent::ParticipantAdded {
            conversation: conversation.clone(),
            identity: Identity::new("alice@example.com"),
            name: Some("Alice".to_owned()),
        })
        .await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!("5. The agent answers from the Flex UI (Source=SDK)");
    let agent_message = FlexEvent::MessageAdded {
        conversation: conversation.clone(),
        message: MessageSid::parse("IM00000000000000000000000000000001")?,
        origin: MessageOrigin::Sdk,
        author: Identity::new("alice@example.com"),
        body: "Hi Ann, I've sent you a new reset link.".to_owned(),
        media: Vec::new(),
    };
    let handled = router.handle_flex(agent_message.clone()).await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!("6. Twilio retries the same webhook: nothing is sent twice");
    let handled = router.handle_flex(agent_message).await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!("7. Ann replies; the message goes to the agent through the outbox");
    let handled = router
        .handle_discord(DiscordEvent::DirectMessage {
            user: ann.clone(),
            channel: dm,
            message: MessageId(203),
            content: MessageContent::text("Got it, thanks!"),
        })
        .await?;
    settle(&router, &deliverer, &store, &handled).await?;

    println!();
    println!("What the Flex side received:");
    for (conversation, text) in contact_center.user_messages() {
        println!("  [flex] {conversation} user message: {text}");
    }
    for (conversation, lines) in contact_center.transcripts() {
        println!(
            "  [flex] {conversation} bot transcript, {} lines",
            lines.len()
        );
    }
    for (conversation, task) in contact_center.tasks() {
        println!(
            "  [flex] {conversation} task for {} (case {})",
            task.user.name,
            task.case_id
                .map_or_else(|| "none".to_owned(), |c| c.to_string())
        );
    }
    let session = store.session(ann.id).await?.ok_or("Ann has no session")?;
    println!("Ann's session ends in state {:?}.", session.state);
    Ok(())
}
