//! Transcript keeping and the text renderings the router produces itself (answer items, the
//! transcript note, a user message as a transcript line).

use crate::content::MessageContent;
use crate::ports::AnswerItem;
use crate::session::{Speaker, TranscriptLine};

/// Appends a line, dropping the oldest ones beyond `limit`.
pub(crate) fn push_line(lines: &mut Vec<TranscriptLine>, line: TranscriptLine, limit: usize) {
    lines.push(line);
    if lines.len() > limit {
        let excess = lines.len() - limit;
        lines.drain(..excess);
    }
}

/// A line of the transcript.
pub(crate) fn line(speaker: Speaker, name: &str, text: String, at_ms: u64) -> TranscriptLine {
    TranscriptLine {
        speaker,
        name: name.to_owned(),
        text,
        at_ms,
    }
}

/// A user message as transcript text: the text, then one `[attachment] name url` per file.
pub(crate) fn content_text(content: &MessageContent) -> String {
    let mut out = content.text.trim().to_owned();
    for a in &content.attachments {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("[attachment] {} {}", a.filename, a.url));
    }
    out
}

/// The transcript as one text, `name: text` per line, for the case note.
pub(crate) fn render(lines: &[TranscriptLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{}: {}", l.name, l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the user said, one timestamped line per message: a case description that reads as
/// the user's problem, in order (the bot's article suggestions stay in the full transcript).
/// A message of several lines keeps them, indented under its time.
pub(crate) fn render_user_lines(lines: &[TranscriptLine]) -> String {
    lines
        .iter()
        .filter(|l| l.speaker == Speaker::User && !l.text.trim().is_empty())
        .map(|l| {
            format!(
                "[{}] {}",
                utc_minute(l.at_ms),
                indent_continuation(l.text.trim())
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Lines after the first indented, so each message still reads as one entry.
fn indent_continuation(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join("\n    ")
}

/// `2026-12-07 13:40 UTC` for a Unix time in milliseconds.
pub(crate) fn utc_minute(at_ms: u64) -> String {
    let minutes = at_ms / 60_000;
    let (hour, minute) = ((minutes / 60) % 24, minutes % 60);
    let days = i64::try_from(minutes / (60 * 24)).unwrap_or(i64::MAX);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`), so core needs no date library for one timestamp format.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// The virtual agent's answer as plain text for the transcript the agent reads in Flex: text
/// items as they are, each article as its title and link on one line. No Markdown: Flex shows
/// it raw, and the excerpts the player saw add nothing for an agent who can open the link.
pub(crate) fn render_answer_plain(items: &[AnswerItem]) -> String {
    items
        .iter()
        .map(|item| match item {
            AnswerItem::Text(t) => t.trim().to_owned(),
            AnswerItem::Article(a) => match a.url.as_deref().map(str::trim) {
                Some(url) if !url.is_empty() => format!("• {} — {url}", a.title.trim()),
                _ => format!("• {}", a.title.trim()),
            },
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The virtual agent's answer as one Discord message: text items as they are, articles as a bold
/// title, the link on its own line (Discord previews it) and the excerpt quoted.
pub(crate) fn render_answer(items: &[AnswerItem]) -> String {
    items
        .iter()
        .map(|item| match item {
            AnswerItem::Text(t) => t.trim().to_owned(),
            AnswerItem::Article(a) => {
                let mut s = format!("**{}**", a.title.trim());
                if let Some(url) = &a.url {
                    s.push('\n');
                    s.push_str(url.trim());
                }
                let excerpt = a.excerpt.trim();
                if !excerpt.is_empty() {
                    for l in excerpt.lines() {
                        s.push_str("\n> ");
                        s.push_str(l);
                    }
                }
                s
            }
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// What the user asked (for a case title): the first message of this chat for which `skip` is
/// false (a hand-off request — "can I talk to a human please?" — makes a poor title), and of
/// those the first with at least three words when there is one (so "hi" before the real
/// question is passed over). Cut to its first line and `max` characters.
pub(crate) fn first_question(
    lines: &[TranscriptLine],
    max: usize,
    skip: impl Fn(&str) -> bool,
) -> Option<String> {
    let candidates: Vec<&TranscriptLine> = lines
        .iter()
        .filter(|l| l.speaker == Speaker::User && !l.text.trim().is_empty() && !skip(&l.text))
        .collect();
    let found = candidates
        .iter()
        .find(|l| l.text.split_whitespace().count() >= 3)
        .or_else(|| candidates.first());
    found.map(|l| {
        let t = l.text.trim();
        let first = t.lines().next().unwrap_or(t);
        if first.chars().count() > max {
            let mut s: String = first.chars().take(max.saturating_sub(1)).collect();
            s.push('…');
            s
        } else {
            first.to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Article;

    #[test]
    fn push_line_keeps_the_newest() {
        let mut v = Vec::new();
        for i in 0..5 {
            push_line(&mut v, line(Speaker::User, "u", i.to_string(), 0), 3);
        }
        assert_eq!(
            v.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["2", "3", "4"]
        );
    }

    #[test]
    fn articles_render_title_link_excerpt() {
        let s = render_answer(&[
            AnswerItem::Text("Maybe this helps:".into()),
            AnswerItem::Article(Article {
                title: "Reset password".into(),
                url: Some("https://kb.example/reset".into()),
                excerpt: "Go to settings.".into(),
            }),
        ]);
        assert_eq!(
            s,
            "Maybe this helps:\n\n**Reset password**\nhttps://kb.example/reset\n> Go to settings."
        );
    }

    #[test]
    fn first_question_is_cut() {
        let v = vec![
            line(Speaker::User, "u", "a very long question".into(), 0),
            line(Speaker::Bot, "b", "x".into(), 0),
        ];
        assert_eq!(first_question(&v, 6, |_| false).as_deref(), Some("a ver…"));
        assert_eq!(first_question(&[], 6, |_| false), None);
    }

    #[test]
    fn the_title_is_the_first_real_question_not_a_greeting_or_the_hand_off_request() {
        let v = vec![
            line(Speaker::User, "Sam", "hi".into(), 0),
            line(Speaker::Bot, "Virtual agent", "Hi!".into(), 0),
            line(
                Speaker::User,
                "Sam",
                "my gems never arrived after I paid".into(),
                0,
            ),
            line(Speaker::Bot, "Virtual agent", "• Purchases".into(), 0),
            line(
                Speaker::User,
                "Sam",
                "still missing, second purchase too".into(),
                0,
            ),
            line(
                Speaker::User,
                "Sam",
                "can I talk to a human please?".into(),
                0,
            ),
        ];
        let asks = |t: &str| t.contains("human");
        assert_eq!(
            first_question(&v, 100, asks).as_deref(),
            Some("my gems never arrived after I paid")
        );
        // Only short messages: the first one that is not the request.
        let short = vec![
            line(Speaker::User, "Sam", "refund".into(), 0),
            line(Speaker::User, "Sam", "human".into(), 0),
        ];
        assert_eq!(first_question(&short, 100, asks).as_deref(), Some("refund"));
    }

    #[test]
    fn the_case_description_is_one_timestamped_line_per_message() {
        // 2026-12-07 13:40:30 UTC
        let at = 1_796_650_830_000;
        let v = vec![
            line(Speaker::User, "Sam", "my gems are gone".into(), at),
            line(Speaker::Bot, "Virtual agent", "• Purchases".into(), at),
            line(
                Speaker::User,
                "Sam",
                "first line\nsecond line".into(),
                at + 60_000,
            ),
        ];
        assert_eq!(
            render_user_lines(&v),
            "[2026-12-07 13:40 UTC] my gems are gone\n[2026-12-07 13:41 UTC] first line\n    second line"
        );
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_minute(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(utc_minute(4_102_444_799_000), "2099-12-31 23:59 UTC");
    }

    #[test]
    fn the_agent_reads_articles_as_titles_and_links_without_markdown() {
        let s = render_answer_plain(&[
            AnswerItem::Text("Here's what I found:".into()),
            AnswerItem::Article(Article {
                title: "Reset password".into(),
                url: Some("https://kb.example/reset".into()),
                excerpt: "Go to **settings**.".into(),
            }),
            AnswerItem::Article(Article {
                title: "Offline article".into(),
                url: None,
                excerpt: String::new(),
            }),
        ]);
        assert_eq!(
            s,
            "Here's what I found:\n• Reset password — https://kb.example/reset\n• Offline article"
        );
        assert!(!s.contains("**") && !s.contains("\n>"));
    }
}
