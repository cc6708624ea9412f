//! Errors: the adapter's own ([`DiscordError`]) and the mapping of twilight's HTTP errors into the
//! core's [`ChatError`] (which says whether a retry can help).

use flexcord_core::ports::ChatError;
use thiserror::Error;
use twilight_http::api_error::ApiError;
use twilight_http::error::ErrorType;

/// Discord's "Cannot send messages to this user": the user closed their DMs to the bot.
pub const CODE_DM_CLOSED: u64 = 50007;
/// "Cannot send messages to this user due to having no mutual guilds": the user left the server
/// (or was removed), so the bot can no longer reach them. For the agent it is the same as a
/// closed DM.
pub const CODE_NO_MUTUAL_GUILDS: u64 = 50278;
/// "You are opening direct messages too fast": a limit on opening DMs, with no `retry_after`.
/// Waiting helps; it is not a refusal of the message.
pub const CODE_OPENING_DMS_TOO_FAST: u64 = 40003;
/// How long to back off after [`CODE_OPENING_DMS_TOO_FAST`], which names no wait of its own.
const OPENING_DMS_BACKOFF_MS: u64 = 10_000;
/// Unknown Channel.
pub const CODE_UNKNOWN_CHANNEL: u64 = 10003;
/// Unknown Message.
pub const CODE_UNKNOWN_MESSAGE: u64 = 10008;
/// Unknown Webhook (an interaction token that expired).
pub const CODE_UNKNOWN_WEBHOOK: u64 = 10015;
/// Unknown Interaction (answered too late, or twice).
pub const CODE_UNKNOWN_INTERACTION: u64 = 10062;

/// What can go wrong in set-up, start-up and the gateway loop.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DiscordError {
    /// The configuration cannot work (for example a REST proxy given with a scheme).
    #[error("invalid Discord configuration: {0}")]
    Config(String),
    /// An id that must be a non-zero snowflake is zero.
    #[error("{0} must be a non-zero Discord id")]
    InvalidId(&'static str),
    /// Discord (or the network) refused a REST call.
    #[error("Discord request failed: {0}")]
    Api(#[from] ChatError),
    /// The gateway closed the session for good (bad token, disallowed intents).
    #[error("the Discord gateway closed the session for good: {0}")]
    GatewayFatal(String),
}

/// Classifies a twilight HTTP error for the router.
///
/// 50007 and 50278 → `DmClosed`; 429 and 40003 → `RateLimited`; 404 and Unknown
/// Channel/Message/Webhook/Interaction → `NotFound`; 5xx, unreadable error answers, time-outs and
/// network errors → `Transient`; everything else → `Rejected`.
#[must_use]
pub fn chat_error(error: &twilight_http::Error) -> ChatError {
    match error.kind() {
        ErrorType::Response {
            error: api, status, ..
        } => {
            let status = status.get();
            let text = bounded(&format!("HTTP {status}: {api}"));
            match api {
                ApiError::Ratelimited(limit) => ChatError::RateLimited {
                    retry_after_ms: secs_to_ms(limit.retry_after),
                },
                ApiError::General(general) => by_code(general.code, status, text),
                _ => by_status(status, text),
            }
        }
        // An error answer whose body is not Discord's JSON comes from a proxy or load balancer in
        // trouble (a 502 page, say): worth retrying.
        ErrorType::Parsing { .. }
        | ErrorType::RequestTimedOut
        | ErrorType::RequestError
        | ErrorType::RequestCanceled => ChatError::Transient(bounded(&error.to_string())),
        _ => ChatError::Rejected(bounded(&error.to_string())),
    }
}

/// Classifies a JSON error answer by Discord's error code, then by its status.
fn by_code(code: u64, status: u16, text: String) -> ChatError {
    match code {
        CODE_DM_CLOSED | CODE_NO_MUTUAL_GUILDS => ChatError::DmClosed,
        CODE_OPENING_DMS_TOO_FAST => ChatError::RateLimited {
            retry_after_ms: OPENING_DMS_BACKOFF_MS,
        },
        CODE_UNKNOWN_CHANNEL
        | CODE_UNKNOWN_MESSAGE
        | CODE_UNKNOWN_WEBHOOK
        | CODE_UNKNOWN_INTERACTION => ChatError::NotFound(text),
        _ => by_status(status, text),
    }
}

fn by_status(status: u16, text: String) -> ChatError {
    match status {
        429 => ChatError::RateLimited {
            retry_after_ms: 1000,
        },
        404 => ChatError::NotFound(text),
        500..=599 => ChatError::Transient(text),
        _ => ChatError::Rejected(text),
    }
}

fn secs_to_ms(secs: f64) -> u64 {
    if secs.is_finite() && secs > 0.0 {
        // Bounded to a day: a hostile or broken header must not become a week-long pause.
        let ms = (secs * 1000.0).ceil().min(86_400_000.0);
        // `ms` is finite, positive and at most 86.4 million, so the cast is exact.
        ms as u64
    } else {
        1000
    }
}

/// Error texts may quote what Discord sent; keep them short for logs.
fn bounded(text: &str) -> String {
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_rounded_up_and_bounded() {
        assert_eq!(secs_to_ms(0.25), 250);
        assert_eq!(secs_to_ms(0.0001), 1);
        assert_eq!(secs_to_ms(f64::NAN), 1000);
        assert_eq!(secs_to_ms(-3.0), 1000);
        assert_eq!(secs_to_ms(1e12), 86_400_000);
    }

    #[test]
    fn codes_classify() {
        // A closed DM and a user who left every shared server are the same for the agent.
        assert!(matches!(
            by_code(50007, 403, String::new()),
            ChatError::DmClosed
        ));
        assert!(matches!(
            by_code(50278, 403, String::new()),
            ChatError::DmClosed
        ));
        // Opening DMs too fast is a limit to wait out, not a refusal.
        assert!(matches!(
            by_code(40003, 403, String::new()),
            ChatError::RateLimited {
                retry_after_ms: OPENING_DMS_BACKOFF_MS
            }
        ));
        assert!(matches!(
            by_code(10003, 404, String::new()),
            ChatError::NotFound(_)
        ));
        assert!(matches!(
            by_code(50035, 400, String::new()),
            ChatError::Rejected(_)
        ));
        assert!(matches!(
            by_code(0, 502, String::new()),
            ChatError::Transient(_)
        ));
    }

    #[test]
    fn statuses_classify() {
        assert!(matches!(
            by_status(503, String::new()),
            ChatError::Transient(_)
        ));
        assert!(matches!(
            by_status(404, String::new()),
            ChatError::NotFound(_)
        ));
        assert!(matches!(
            by_status(403, String::new()),
            ChatError::Rejected(_)
        ));
        assert!(matches!(
            by_status(429, String::new()),
            ChatError::RateLimited { .. }
        ));
    }
}
