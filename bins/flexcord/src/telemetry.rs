//! Structured logs with tracing: human-readable by default, JSON with `--log-format json`.
//! The level comes from `RUST_LOG` (default `info`, with chatty dependencies held at `warn`).
//!
//! In text mode every field and message is written through
//! [`flexcord_core::log_safe::EscapingWriter`]: whatever a value holds (a file name with
//! `\r\n`, a terminal escape), it cannot end the line or forge the next one. JSON mode escapes
//! by its nature. Call sites still escape and cut outside values themselves
//! ([`flexcord_core::log_safe::escape_for_log`]) so they stay short.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use flexcord_core::log_safe::EscapingWriter;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt as _;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

use crate::cli::LogFormat;

/// The filter when `RUST_LOG` is unset, for the long-running `run` and `sandbox`.
pub const SERVICE_FILTER: &str =
    "info,sqlx=warn,twilight_gateway=warn,twilight_http=warn,hyper=warn";
/// The filter when `RUST_LOG` is unset, for one-shot commands: they print what they did on
/// stdout and their error once on stderr, so progress logs would only repeat it with timestamps.
pub const COMMAND_FILTER: &str = "warn,sqlx=error";

/// Installs the global subscriber. Logs go to stderr, so commands' output on stdout stays clean.
pub fn init(format: LogFormat) {
    init_with(format, SERVICE_FILTER);
}

/// [`init`] with another filter for when `RUST_LOG` is unset.
pub fn init_with(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (tests) is harmless; ignore "already set".
    let _ = match format {
        LogFormat::Text => builder
            .with_target(false)
            .fmt_fields(escaped_fields())
            .try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Text-mode fields (`name=value`, the message bare), each escaped so it stays on its line.
#[must_use]
pub fn escaped_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    debug_fn(
        |writer: &mut Writer<'_>, field: &tracing::field::Field, value: &dyn std::fmt::Debug| {
            let mut out = EscapingWriter(writer);
            if field.name() == "message" {
                write!(out, "{value:?}")
            } else {
                write!(out, "{}={value:?}", field.name())
            }
        },
    )
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_attachment_name_cannot_forge_a_log_line() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_target(false)
            .fmt_fields(escaped_fields())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let name = "a\r\nX-Injected: 1.png";
            tracing::warn!(file = %name, "attachment not copied");
            tracing::warn!(error = ?name, "debug values too");
            tracing::warn!("message {name}");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(!text.contains('\r'), "{text}");
        assert!(lines.iter().all(|l| !l.starts_with("X-Injected")), "{text}");
        assert!(lines[0].contains("file=a\\r\\nX-Injected: 1.png"), "{text}");
        assert!(
            lines[2].contains("message a\\r\\nX-Injected: 1.png"),
            "{text}"
        );
    }

    #[test]
    fn ordinary_fields_read_as_before() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_target(false)
            .fmt_fields(escaped_fields())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(listen = %"127.0.0.1:8080", count = 3, "flexcord is running");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("flexcord is running listen=127.0.0.1:8080 count=3"),
            "{text}"
        );
    }
}
