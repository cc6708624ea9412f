//! Prometheus metrics (`GET /metrics`): relays by direction and outcome, webhook rejections by
//! reason, latencies, outbox depth, router incidents, Discord and Twilio errors, storage faults
//! (writes failing, events held, dispatcher back-pressure), HTTP connections and those shed at
//! the connection cap.

use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels: a direction and an outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RelayLabels {
    /// `to_flex`, `to_discord`, `notice_to_flex`, `announcement`, `report_card`.
    pub direction: &'static str,
    /// `delivered`, `retried`, `dead`.
    pub outcome: &'static str,
}

/// Labels: one reason.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    /// Why.
    pub reason: &'static str,
}

/// Labels: an event source and what handling came to.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// `discord`, `flex`, `studio`, `announce`, `feed`.
    pub source: &'static str,
    /// `done`, `duplicate`, `unknown_conversation`, `ignored`, `error`.
    pub outcome: &'static str,
}

/// Labels: a direction.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabels {
    /// As in [`RelayLabels`].
    pub direction: &'static str,
}

/// Every metric flexcord exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Outbox deliveries.
    pub relays: Family<RelayLabels, Counter>,
    /// Time one delivery attempt took (the remote call), seconds.
    pub relay_latency: Family<DirectionLabels, Histogram>,
    /// Requests refused before reaching the router.
    pub webhook_rejections: Family<ReasonLabels, Counter>,
    /// Inbound events handled.
    pub events: Family<EventLabels, Counter>,
    /// Failures the router worked around (case system down, virtual agent timeout…).
    pub incidents: Family<ReasonLabels, Counter>,
    /// Discord errors seen while delivering.
    pub discord_errors: Family<ReasonLabels, Counter>,
    /// Twilio errors seen while delivering.
    pub twilio_errors: Family<ReasonLabels, Counter>,
    /// Case-system errors seen while delivering (a hand-off's case opened after the chat).
    pub case_system_errors: Family<ReasonLabels, Counter>,
    /// Queued outbox entries (in flight or waiting), sampled every second.
    pub outbox_depth: Gauge<i64, AtomicI64>,
    /// The Twilio request limit now (adaptive: it grows with successes and halves on a 429).
    pub twilio_concurrency_limit: Gauge<i64, AtomicI64>,
    /// Twilio requests answered 429 (too many at once for the account).
    pub twilio_overloaded: Counter,
    /// 1 while the store's writes fail (disk full, read-only, unreachable), else 0.
    pub store_writes_failing: Gauge<i64, AtomicI64>,
    /// Discord events the store could not record at first, held and retried.
    pub store_held_events: Counter,
    /// Tries of held Discord events that failed again.
    pub store_retries: Counter,
    /// Discord events that found their dispatcher queue full (the gateway reader waited).
    pub dispatch_backpressure: Counter,
    /// HTTP connections open now.
    pub http_connections: Gauge<i64, AtomicI64>,
    /// Connections closed or refused at the connection cap: `closed_idle` (an idle one closed
    /// to make room), `refused_busy` (all busy; the new one closed).
    pub http_connections_shed: Family<ReasonLabels, Counter>,
    /// 1 while this instance holds the Discord gateway, else 0.
    pub gateway_held: Gauge<i64, AtomicI64>,
    /// Always 1, labelled with this instance's id and the gateway's holder (empty: nobody).
    pub gateway_owner: Family<OwnerLabels, Gauge<i64, AtomicI64>>,
    /// Requests refused on purpose, by limit (`handoff`, `report`, `helpme`, `bot_dm`,
    /// `agent_dm`) or `blocked`.
    pub refusals: Family<LimitLabels, Counter>,
}

/// Labels: which limit refused (or `blocked`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    /// The limit's name.
    pub limit: &'static str,
}

/// Labels: this instance and the instance holding the Discord gateway.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OwnerLabels {
    /// This instance's id.
    pub instance: String,
    /// The holder's id; empty when nobody holds it.
    pub owner: String,
}

fn latency_histogram() -> Histogram {
    // 50 µs … ~3 s: relays are meant to add well under a millisecond; Discord's rate limits can
    // push deliveries into seconds.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.000_05, 3.0, 11,
    ))
}

impl Metrics {
    /// A fresh registry with every metric registered.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("flexcord");
        let relays = Family::<RelayLabels, Counter>::default();
        let relay_latency = Family::<DirectionLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let webhook_rejections = Family::<ReasonLabels, Counter>::default();
        let events = Family::<EventLabels, Counter>::default();
        let incidents = Family::<ReasonLabels, Counter>::default();
        let discord_errors = Family::<ReasonLabels, Counter>::default();
        let twilio_errors = Family::<ReasonLabels, Counter>::default();
        let case_system_errors = Family::<ReasonLabels, Counter>::default();
        let outbox_depth = Gauge::<i64, AtomicI64>::default();
        let twilio_concurrency_limit = Gauge::<i64, AtomicI64>::default();
        let twilio_overloaded = Counter::default();
        let store_writes_failing = Gauge::<i64, AtomicI64>::default();
        let store_held_events = Counter::default();
        let store_retries = Counter::default();
        let dispatch_backpressure = Counter::default();
        let http_connections = Gauge::<i64, AtomicI64>::default();
        let http_connections_shed = Family::<ReasonLabels, Counter>::default();
        let gateway_held = Gauge::<i64, AtomicI64>::default();
        let gateway_owner = Family::<OwnerLabels, Gauge<i64, AtomicI64>>::default();
        let refusals = Family::<LimitLabels, Counter>::default();
        registry.register(
            "refusals",
            "Requests refused on purpose: a per-user limit, or a blocked user",
            refusals.clone(),
        );
        registry.register(
            "relays",
            "Outbox deliveries by direction and outcome",
            relays.clone(),
        );
        registry.register(
            "relay_latency_seconds",
            "Time one delivery attempt took (the call to Discord or Twilio)",
            relay_latency.clone(),
        );
        registry.register(
            "webhook_rejections",
            "Inbound requests refused (bad signature, too large, malformed, unauthorized)",
            webhook_rejections.clone(),
        );
        registry.register(
            "events",
            "Inbound events by source and outcome",
            events.clone(),
        );
        registry.register(
            "incidents",
            "Failures the router worked around",
            incidents.clone(),
        );
        registry.register(
            "discord_errors",
            "Failed deliveries to Discord, by outcome (retried, dead)",
            discord_errors.clone(),
        );
        registry.register(
            "twilio_errors",
            "Failed deliveries to Twilio, by outcome (retried, dead)",
            twilio_errors.clone(),
        );
        registry.register(
            "case_system_errors",
            "Failed deliveries to the case system, by outcome (retried, dead)",
            case_system_errors.clone(),
        );
        registry.register(
            "outbox_depth",
            "Undelivered outbox entries",
            outbox_depth.clone(),
        );
        registry.register(
            "twilio_concurrency_limit",
            "Twilio requests allowed in flight now (adaptive: grows with successes, halves on a 429)",
            twilio_concurrency_limit.clone(),
        );
        registry.register(
            "twilio_overloaded",
            "Twilio requests answered 429 (too many at once for the account)",
            twilio_overloaded.clone(),
        );
        registry.register(
            "store_writes_failing",
            "1 while the database refuses writes (disk full, read-only, unreachable)",
            store_writes_failing.clone(),
        );
        registry.register(
            "store_held_events",
            "Discord events the database could not record at first, held and retried",
            store_held_events.clone(),
        );
        registry.register(
            "store_retries",
            "Tries of held Discord events that the database refused again",
            store_retries.clone(),
        );
        registry.register(
            "dispatch_backpressure",
            "Discord events that found their queue full, so the gateway reader waited",
            dispatch_backpressure.clone(),
        );
        registry.register(
            "http_connections",
            "HTTP connections open",
            http_connections.clone(),
        );
        registry.register(
            "http_connections_shed",
            "Connections closed at the connection cap (closed_idle: an idle one made room; refused_busy: all were busy)",
            http_connections_shed.clone(),
        );
        registry.register(
            "gateway_held",
            "1 while this instance holds the Discord gateway (exactly one instance does)",
            gateway_held.clone(),
        );
        registry.register(
            "gateway_owner",
            "Which instance holds the Discord gateway, as seen by this instance (owner empty: nobody)",
            gateway_owner.clone(),
        );
        Self {
            registry,
            relays,
            relay_latency,
            webhook_rejections,
            events,
            incidents,
            discord_errors,
            twilio_errors,
            case_system_errors,
            outbox_depth,
            twilio_concurrency_limit,
            twilio_overloaded,
            store_writes_failing,
            store_held_events,
            store_retries,
            dispatch_backpressure,
            http_connections,
            http_connections_shed,
            gateway_held,
            gateway_owner,
            refusals,
        }
    }

    /// Shows `owner` as the gateway's holder (one series: the previous one is removed).
    pub fn set_gateway_owner(&self, instance: &str, owner: &str) {
        let labels = OwnerLabels {
            instance: instance.to_owned(),
            owner: owner.to_owned(),
        };
        if self.gateway_owner.get(&labels).is_some() {
            return;
        }
        self.gateway_owner.clear();
        self.gateway_owner.get_or_create(&labels).set(1);
    }

    /// Counts a refused request.
    pub fn reject(&self, reason: &'static str) {
        self.webhook_rejections
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Counts a connection shed at the connection cap.
    pub fn shed(&self, reason: &'static str) {
        self.http_connections_shed
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Counts an inbound event.
    pub fn event(&self, source: &'static str, outcome: &'static str) {
        self.events
            .get_or_create(&EventLabels { source, outcome })
            .inc();
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Encoding into a String cannot fail (fmt::Write for String is infallible).
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
