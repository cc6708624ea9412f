//! The outbox worker over the in-memory store: the depth gauge, what a failed delivery
//! teaches the router being recorded before the entry is settled, and handed-over entries
//! whose lease ran out while they waited.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use flexcord_core::content::{Announcement, GuildChannel, OutgoingMessage, ReportCard, Voice};
use flexcord_core::event::{DeliveryEvent, InteractionHandle};
use flexcord_core::ids::{ChannelId, ConversationSid, MessageId, UserId};
use flexcord_core::outbox::{HandedOver, OutboxMessage};
use flexcord_core::ports::{
    ChatError, ChatSurface, Commit, OutboxStore, Reply, SessionStore, StoreError,
};
use flexcord_core::router::{Handled, RouterError};
use flexcord_delivery::{
    AttemptOutcome, Deliverer, DeliveryMetrics, EventSink, MessageKind, OutboxWorker,
};
use flexcord_testkit::{
    EntryStatus, FakeChat, FakeContactCenter, InMemoryCases, InMemoryStore, ManualClock,
};
use tokio::sync::{Notify, Semaphore, mpsc, watch};

/// A Discord whose sends wait until the test lets them through (as behind a rate limit).
#[derive(Debug, Clone)]
struct GatedChat {
    inner: FakeChat,
    gate: Arc<Semaphore>,
}

#[async_trait]
impl ChatSurface for GatedChat {
    async fn open_dm(&self, user: UserId) -> Result<ChannelId, ChatError> {
        self.inner.open_dm(user).await
    }
    async fn send(
        &self,
        channel: ChannelId,
        message: &OutgoingMessage,
        nonce: Option<u64>,
    ) -> Result<Vec<MessageId>, ChatError> {
        let _permit = self
            .gate
            .acquire()
            .await
            .map_err(|e| ChatError::Transient(e.to_string()))?;
        self.inner.send(channel, message, nonce).await
    }
    async fn reply(&self, interaction: &InteractionHandle, reply: &Reply) -> Result<(), ChatError> {
        self.inner.reply(interaction, reply).await
    }
    async fn post_report(
        &self,
        channel: GuildChannel,
        card: &ReportCard,
        nonce: Option<u64>,
    ) -> Result<MessageId, ChatError> {
        self.inner.post_report(channel, card, nonce).await
    }
    async fn announce(&self, announcement: &Announcement) -> Result<MessageId, ChatError> {
        self.inner.announce(announcement).await
    }
    async fn typing(&self, channel: ChannelId) -> Result<(), ChatError> {
        self.inner.typing(channel).await
    }
}

#[derive(Debug, Default)]
struct Recorded {
    depth: Mutex<Option<u64>>,
}

impl Recorded {
    fn depth(&self) -> Option<u64> {
        *self.depth.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl DeliveryMetrics for Recorded {
    fn attempt(&self, _: MessageKind, _: AttemptOutcome, _: Duration) {}
    fn depth(&self, depth: u64) {
        *self.depth.lock().unwrap_or_else(PoisonError::into_inner) = Some(depth);
    }
}

/// Records reports, or fails them all while `down`.
#[derive(Debug, Default)]
struct Reports {
    seen: Mutex<Vec<DeliveryEvent>>,
    down: Mutex<bool>,
}

impl Reports {
    fn seen(&self) -> Vec<DeliveryEvent> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl EventSink for Reports {
    async fn report(&self, event: DeliveryEvent) -> Result<Handled, RouterError> {
        if *self.down.lock().unwrap_or_else(PoisonError::into_inner) {
            return Err(RouterError::Store(StoreError::Unavailable("down".into())));
        }
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        Ok(Handled::default())
    }
}

fn to_dm(text: &str, conversation: Option<ConversationSid>) -> OutboxMessage {
    OutboxMessage::ToDiscord {
        channel: ChannelId(900_000),
        message: OutgoingMessage::new(Voice::System, text),
        media: Vec::new(),
        conversation,
    }
}

struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn start(
    chat: Arc<dyn ChatSurface>,
    store: &InMemoryStore,
    events: Arc<dyn EventSink>,
    metrics: Arc<dyn DeliveryMetrics>,
) -> Running {
    start_with(chat, store, events, metrics, None)
}

/// As [`start`], with entries handed over on `leased` (as SQLite's direct delivery does).
fn start_with(
    chat: Arc<dyn ChatSurface>,
    store: &InMemoryStore,
    events: Arc<dyn EventSink>,
    metrics: Arc<dyn DeliveryMetrics>,
    leased: Option<mpsc::UnboundedReceiver<HandedOver>>,
) -> Running {
    let (stop, stopped) = watch::channel(false);
    let worker = OutboxWorker {
        deliverer: Deliverer::new(
            chat,
            Arc::new(FakeContactCenter::new()),
            Arc::new(InMemoryCases::new()),
        ),
        outbox: Arc::new(store.clone()),
        events,
        wake: Arc::new(Notify::new()),
        metrics,
        worker_id: "test".into(),
        leased,
    };
    Running {
        stop,
        task: tokio::spawn(worker.run(stopped)),
    }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Polls `done` until it holds, for at most a minute of (paused, auto-advancing) test time;
/// whether it came to hold.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..600 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(start_paused = true)]
async fn the_depth_counts_answers_waiting_on_discord() {
    let store = InMemoryStore::new();
    let fake = FakeChat::new();
    let chat = GatedChat {
        inner: fake.clone(),
        gate: Arc::new(Semaphore::new(0)),
    };
    let metrics = Arc::new(Recorded::default());
    store
        .commit(&Commit {
            outbox: vec![to_dm("one", None), to_dm("two", None)],
            ..Commit::default()
        })
        .await
        .unwrap();
    let worker = start(
        Arc::new(chat.clone()),
        &store,
        Arc::new(Reports::default()),
        metrics.clone(),
    );
    assert!(
        eventually(|| store.entries().iter().any(|e| e.claims > 0)).await,
        "the first answer is in flight"
    );
    assert!(
        eventually(|| metrics.depth() == Some(2)).await,
        "the gauge shows both queued answers"
    );
    chat.gate.add_permits(2);
    assert!(
        eventually(|| fake.shown_texts(ChannelId(900_000)).len() == 2).await,
        "both answers went out"
    );
    assert!(
        eventually(|| metrics.depth() == Some(0)).await,
        "the gauge drops to zero"
    );
    worker.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_closed_dm_is_reported_before_the_entry_is_dead_lettered() {
    let clock = Arc::new(ManualClock::default());
    let store = InMemoryStore::with_clock(clock.clone());
    let chat = FakeChat::new();
    let user = UserId(1);
    let channel = chat.dm_channel(user);
    assert_eq!(channel, ChannelId(900_000));
    chat.close_dms(user);
    let conversation = ConversationSid::parse("CH00000000000000000000000000000001").unwrap();
    store
        .commit(&Commit {
            outbox: vec![to_dm("are you there?", Some(conversation.clone()))],
            ..Commit::default()
        })
        .await
        .unwrap();
    let reports = Arc::new(Reports::default());
    *reports.down.lock().unwrap_or_else(PoisonError::into_inner) = true;
    let worker = start(
        Arc::new(chat),
        &store,
        reports.clone(),
        Arc::new(Recorded::default()),
    );
    assert!(
        eventually(|| store.entries().iter().any(|e| e.last_error.is_some())).await,
        "the delivery failed once"
    );
    assert_eq!(
        store.entries()[0].status,
        EntryStatus::Pending,
        "not settled while the router could not record what it taught"
    );
    *reports.down.lock().unwrap_or_else(PoisonError::into_inner) = false;
    clock.advance(60_000);
    assert!(
        eventually(|| matches!(store.entries()[0].status, EntryStatus::Dead(_))).await,
        "dead-lettered"
    );
    assert_eq!(
        reports.seen(),
        [DeliveryEvent::DmClosed {
            entry: store.entries()[0].id,
            channel: Some(channel),
            conversation: Some(conversation),
        }]
    );
    worker.stop().await;
}

/// A surge queued behind a slow Twilio can keep a handed-over entry waiting for room longer
/// than its lease; by then the poll may have claimed and delivered it. The worker must not
/// send that copy a second time, while an entry whose lease still holds goes out at once.
#[tokio::test(start_paused = true)]
async fn a_handed_over_entry_whose_lease_ran_out_is_left_to_the_claims() {
    let store = InMemoryStore::new();
    let chat = FakeChat::new();
    let (hand, leased) = mpsc::unbounded_channel();
    store
        .commit(&Commit {
            outbox: vec![to_dm("one", None)],
            ..Commit::default()
        })
        .await
        .unwrap();
    let worker = start_with(
        Arc::new(chat.clone()),
        &store,
        Arc::new(Reports::default()),
        Arc::new(Recorded::default()),
        Some(leased),
    );
    // The poll claims and delivers "one"; its stale hand-over copy arrives afterwards.
    assert!(
        eventually(|| matches!(store.entries()[0].status, EntryStatus::Delivered)).await,
        "the claim delivered the entry"
    );
    let stale = store.entries()[0].clone();
    let copy = flexcord_core::outbox::ClaimedEntry {
        id: stale.id,
        message: to_dm("one", None),
        attempts: 0,
        nonce: 1,
    };
    hand.send(HandedOver {
        entry: copy,
        lease_ends: Instant::now(),
    })
    .unwrap();
    // A second entry, leased to this worker and handed over with its lease still running.
    store
        .commit(&Commit {
            outbox: vec![to_dm("two", None)],
            ..Commit::default()
        })
        .await
        .unwrap();
    let fresh = store
        .claim("test", Duration::from_secs(30), 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    hand.send(HandedOver {
        entry: fresh,
        lease_ends: Instant::now() + Duration::from_secs(30),
    })
    .unwrap();
    assert!(
        eventually(|| chat.texts_to(ChannelId(900_000)).len() >= 2).await,
        "the fresh entry went out"
    );
    worker.stop().await;
    assert_eq!(
        chat.texts_to(ChannelId(900_000)),
        ["one", "two"],
        "each sent once: the stale copy was not delivered again"
    );
}
