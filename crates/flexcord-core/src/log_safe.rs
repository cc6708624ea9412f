//! Outside text made safe to put in a log line. Pure string work (core does no logging itself):
//! the binary and the adapters use it on every value that came from outside — file names,
//! custom ids, error bodies — so a value such as `a\r\nX-Injected: 1.png` cannot end a log line
//! and forge the next one, and a huge value cannot flood the log.

use std::fmt;

/// How many characters of one outside value a log line keeps; the rest is summarized.
pub const MAX_LOG_CHARS: usize = 200;

/// `value` with control characters (CR, LF, ESC…) and the Unicode characters that reorder or
/// break lines (bidi overrides, line/paragraph separators) escaped as `\n`, `\r`, `\t` or
/// `\u{…}`, cut to [`MAX_LOG_CHARS`] characters with the number of bytes left out.
#[must_use]
pub fn escape_for_log(value: &str) -> String {
    escape_truncated(value, MAX_LOG_CHARS)
}

/// [`escape_for_log`] with a chosen length.
#[must_use]
pub fn escape_truncated(value: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max_chars.saturating_mul(2)));
    for (taken, (at, c)) in value.char_indices().enumerate() {
        if taken == max_chars {
            // Writing into a String cannot fail.
            let _ = fmt::Write::write_fmt(&mut out, format_args!("…(+{} bytes)", value.len() - at));
            break;
        }
        let _ = push_escaped(&mut out, c);
    }
    out
}

/// Whether `c` could break or disguise a log line.
#[must_use]
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Writes `c`, escaped when [`needs_escape`] says so.
///
/// # Errors
///
/// Whatever the writer returns.
pub fn push_escaped(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if needs_escape(c) => write!(out, "\\u{{{:x}}}", u32::from(c)),
        c => out.write_char(c),
    }
}

/// A [`fmt::Write`] that escapes everything written through it (see [`push_escaped`]): a log
/// formatter wraps its output in one so no field can break the line.
#[derive(Debug)]
pub struct EscapingWriter<W>(pub W);

impl<W: fmt::Write> fmt::Write for EscapingWriter<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.chars().any(needs_escape) {
            return self.0.write_str(s);
        }
        s.chars().try_for_each(|c| push_escaped(&mut self.0, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_cannot_forge_a_line() {
        let got = escape_for_log("a\r\nX-Injected: 1.png");
        assert_eq!(got, "a\\r\\nX-Injected: 1.png");
        assert!(!got.contains(['\r', '\n']));
    }

    #[test]
    fn terminal_escapes_and_bidi_overrides_are_escaped() {
        assert_eq!(escape_for_log("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_for_log("gnp.\u{202e}exe"), "gnp.\\u{202e}exe");
        assert_eq!(escape_for_log("tab\there"), "tab\\there");
    }

    #[test]
    fn ordinary_text_is_kept() {
        assert_eq!(
            escape_for_log("crash.log — ünïcode ✓"),
            "crash.log — ünïcode ✓"
        );
    }

    #[test]
    fn long_values_are_cut_with_what_was_left_out() {
        let long = "x".repeat(MAX_LOG_CHARS + 50);
        let got = escape_for_log(&long);
        assert!(got.starts_with(&"x".repeat(MAX_LOG_CHARS)));
        assert!(got.ends_with("…(+50 bytes)"), "{got}");
        assert_eq!(escape_truncated("héllo", 2), "hé…(+3 bytes)");
    }

    #[test]
    fn the_writer_escapes_what_passes_through() {
        use std::fmt::Write as _;
        let mut out = String::new();
        let (kept, escaped) = ("ok", "a\nb");
        write!(EscapingWriter(&mut out), "{kept}|{escaped}").unwrap();
        assert_eq!(out, "ok|a\\nb");
    }
}
