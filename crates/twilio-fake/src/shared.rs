//! State shared by the HTTP handlers, the webhook queues and the [`TwilioFake`](crate::TwilioFake) handle.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use tokio::sync::{Notify, broadcast, mpsc};

use crate::config::TwilioFakeConfig;
use crate::delivery::{DeliveryRecord, HttpClient, Job, LastEvent};
use crate::events::FakeEvent;
use crate::model::{Conversation, Flow, Interaction, Media, User};
use crate::recorder::RecordedRequest;
use crate::sid::SidGen;

/// Capacity of the change stream; slow subscribers lag rather than slow the fake down.
const EVENT_CAPACITY: usize = 4096;

/// Everything the fake knows. Guarded by one mutex that is never held across an `.await`.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) sids: SidGen,
    /// Keyed by SID; SIDs sort in creation order.
    pub(crate) conversations: BTreeMap<String, Conversation>,
    /// Keyed by identity.
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) interactions: BTreeMap<String, Interaction>,
    pub(crate) flows: BTreeMap<String, Flow>,
    pub(crate) media: BTreeMap<String, Media>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) deliveries: Vec<DeliveryRecord>,
    /// One ordered delivery queue per conversation.
    pub(crate) queues: HashMap<String, mpsc::UnboundedSender<Job>>,
    /// The last event queued per conversation, for simulated retries.
    pub(crate) last_events: HashMap<String, LastEvent>,
    /// Error codes for the next interactions' set-up to fail with, in order (see
    /// [`crate::TwilioFake::fail_next_interaction_setup`]).
    pub(crate) failing_setups: Vec<i64>,
    /// Requests to hold unanswered, as `(method, route)` (see
    /// [`crate::TwilioFake::hold_next`]); each is used once.
    pub(crate) holds: Vec<(String, String)>,
    /// The requests held so far, never answered.
    pub(crate) held: Vec<RecordedRequest>,
}

impl Store {
    /// Looks a conversation up by SID or unique name, as Twilio's `{Sid}` path segment allows.
    pub(crate) fn conversation_key(&self, sid_or_name: &str) -> Option<String> {
        if self.conversations.contains_key(sid_or_name) {
            return Some(sid_or_name.to_owned());
        }
        self.conversations
            .values()
            .find(|c| c.unique_name.as_deref() == Some(sid_or_name))
            .map(|c| c.sid.clone())
    }
}

/// The fake's shared core.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: TwilioFakeConfig,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub(crate) base_url: String,
    store: Mutex<Store>,
    /// Woken on every change; waiters re-check their condition.
    pub(crate) changed: Notify,
    pub(crate) events: broadcast::Sender<FakeEvent>,
    pub(crate) client: HttpClient,
    /// A weak self-reference handed to delivery workers so they do not keep the fake alive.
    pub(crate) me: Weak<Shared>,
}

impl Shared {
    pub(crate) fn new(config: TwilioFakeConfig, base_url: String) -> Arc<Self> {
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        Arc::new_cyclic(|me| Self {
            config,
            base_url,
            store: Mutex::new(Store::default()),
            changed: Notify::new(),
            events,
            client: crate::delivery::http_client(),
            me: me.clone(),
        })
    }

    /// Locks the store. A panic while holding the lock cannot leave it half-updated in a way
    /// that matters to a fake, so poisoning is ignored rather than propagated.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Broadcasts `event` and wakes waiters.
    pub(crate) fn publish(&self, event: FakeEvent) {
        // No subscribers is normal; the event is then simply dropped.
        let _ = self.events.send(event);
        self.changed.notify_waiters();
    }

    /// Whether `request` is to be held (using up the hold); if so it is noted as held.
    pub(crate) fn take_hold(&self, request: &RecordedRequest) -> bool {
        let held = {
            let mut store = self.lock();
            let found = store
                .holds
                .iter()
                .position(|(method, route)| request.is(method, route));
            if let Some(at) = found {
                store.holds.remove(at);
                store.held.push(request.clone());
            }
            found.is_some()
        };
        if held {
            self.changed.notify_waiters();
        }
        held
    }

    pub(crate) fn record_request(&self, mut request: RecordedRequest) {
        {
            let mut store = self.lock();
            request.seq = store.requests.len();
            store.requests.push(request.clone());
        }
        self.publish(FakeEvent::Request(request));
    }

    pub(crate) fn record_delivery(&self, mut record: DeliveryRecord) -> DeliveryRecord {
        {
            let mut store = self.lock();
            record.seq = store.deliveries.len();
            store.deliveries.push(record.clone());
        }
        self.publish(FakeEvent::Delivered(record.clone()));
        record
    }

    /// Absolute URL on the fake for `path` (which starts with `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
