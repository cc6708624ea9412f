//! Turns what the router reports ([`Handled`], [`RouterError`]) into log lines and metrics, the
//! same way for every event source.

use flexcord_core::router::{Handled, Incident, Outcome, RouterError};

use crate::metrics::{LimitLabels, Metrics, ReasonLabels};

/// Logs and counts the result of handling one event from `source`.
pub fn handled(metrics: &Metrics, source: &'static str, result: &Result<Handled, RouterError>) {
    match result {
        Ok(handled) => {
            let outcome = match handled.outcome {
                Outcome::Done => "done",
                Outcome::Duplicate => {
                    tracing::debug!(source, "duplicate event dropped");
                    "duplicate"
                }
                Outcome::UnknownConversation => {
                    tracing::warn!(source, "event for an unknown conversation acknowledged");
                    "unknown_conversation"
                }
                Outcome::Ignored => "ignored",
            };
            metrics.event(source, outcome);
            for incident in &handled.incidents {
                // A refusal is the router doing its job, not a failure: counted, not warned.
                if let Incident::Refused(refusal) = incident {
                    let limit = refusal.as_str();
                    tracing::debug!(source, limit, "request refused");
                    metrics.refusals.get_or_create(&LimitLabels { limit }).inc();
                    continue;
                }
                let reason = incident_reason(incident);
                tracing::warn!(source, reason, detail = ?incident, "router worked around a failure");
                metrics
                    .incidents
                    .get_or_create(&ReasonLabels { reason })
                    .inc();
            }
        }
        Err(error) => {
            tracing::error!(source, %error, "event could not be recorded");
            metrics.event(source, "error");
        }
    }
}

const fn incident_reason(incident: &Incident) -> &'static str {
    match incident {
        Incident::CaseSystem(_) => "case_system",
        Incident::VirtualAgent(_) => "virtual_agent",
        Incident::ContactCenter(_) => "contact_center",
        Incident::Chat(_) => "chat",
        _ => "other",
    }
}
