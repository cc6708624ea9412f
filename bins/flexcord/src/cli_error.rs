//! How a failed command reports itself: `error: …` once on stderr, no log timestamp, the
//! cause chain on one line with each cause shown once.
//!
//! **Why de-duplicate.** Many errors put their source's text into their own message *and*
//! return it as `source()` (sqlx, std::io wrapped by hyper, our own `OpenError::Connect`), so
//! printing the chain naively said "Address already in use (os error 98): Address already in
//! use (os error 98)". A cause whose text the message before it already contains adds nothing.

/// `error: what failed: why: why that` (a multi-line message, such as the configuration's list
/// of problems, keeps its lines).
#[must_use]
pub fn render(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if parts.iter().any(|before| before.contains(text)) {
            continue;
        }
        parts.push(text.to_owned());
    }
    format!("error: {}", parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot bind 0.0.0.0:8080: {0}")]
    struct Bind(#[source] std::io::Error);

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(98);
        let error = anyhow::Error::new(Bind(io)).context("cannot start the HTTP server");
        let text = render(&error);
        assert_eq!(text.matches("os error 98").count(), 1, "{text}");
        assert!(
            text.starts_with("error: cannot start the HTTP server: cannot bind 0.0.0.0:8080: "),
            "{text}"
        );
    }

    #[test]
    fn distinct_causes_are_all_kept_in_order() {
        let error = anyhow::anyhow!("connection refused")
            .context("cannot reach Twilio")
            .context("setup failed");
        assert_eq!(
            render(&error),
            "error: setup failed: cannot reach Twilio: connection refused"
        );
    }
}
