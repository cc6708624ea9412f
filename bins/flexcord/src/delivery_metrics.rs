//! The outbox worker's measurements (`flexcord_delivery::DeliveryMetrics`) into the Prometheus
//! registry: relays by direction and outcome, their latency, Discord/Twilio/case-system errors, and the
//! outbox depth.

use std::time::Duration;

use flexcord_delivery::{AttemptOutcome, DeliveryMetrics, MessageKind, Side};

use crate::metrics::{DirectionLabels, Metrics, ReasonLabels, RelayLabels};

impl DeliveryMetrics for Metrics {
    fn attempt(&self, kind: MessageKind, outcome: AttemptOutcome, elapsed: Duration) {
        let direction = kind.label();
        self.relay_latency
            .get_or_create(&DirectionLabels { direction })
            .observe(elapsed.as_secs_f64());
        let reason = outcome.label();
        self.relays
            .get_or_create(&RelayLabels {
                direction,
                outcome: reason,
            })
            .inc();
        if outcome != AttemptOutcome::Delivered {
            // Which side failed follows from where the entry was going.
            let errors = match kind.side() {
                Side::Discord => &self.discord_errors,
                Side::Twilio => &self.twilio_errors,
                Side::CaseSystem => &self.case_system_errors,
            };
            errors.get_or_create(&ReasonLabels { reason }).inc();
        }
    }

    fn depth(&self, depth: u64) {
        self.outbox_depth
            .set(i64::try_from(depth).unwrap_or(i64::MAX));
    }
}
