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

/// What the user said, one timestamped line per message (`[2026-12-07 13:09 UTC] text`, a
/// message's further lines indented below it): a case description that reads as the user's
/// problem (the bot's article suggestions stay in the full transcript).
pub(crate) fn render_user_lines(lines: &[TranscriptLine]) -> String {
    lines
        .iter()
        .filter(|l| l.speaker == Speaker::User && !l.text.trim().is_empty())
        .map(|l| {
            let text = l
                .text
                .trim()
                .lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n    ");
            format!("[{}] {text}", crate::utc::minute(l.at_ms))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The virtual agent's answer for the transcript the agent reads: plain text on one line, the
/// articles as their titles and links, no Markdown and no excerpts (the agent can open them).
pub(crate) fn plain_answer(items: &[AnswerItem]) -> String {
    items
        .iter()
        .map(|item| match item {
            AnswerItem::Text(t) => t.split_whitespace().collect::<Vec<_>>().join(" "),
            AnswerItem::Article(a) => match &a.url {
                Some(url) => format!("{} ({})", a.title.trim(), url.trim()),
                None => a.title.trim().to_owned(),
            },
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The virtual agent's answer as one Discord message: text items as they are, articles as a bold
/// title, the link on its own line (Discord previews it) and the excerpt quoted. An answer that
/// starts with an article gets `intro` (the `answer_intro` template, in the reader's language)
/// above it.
pub(crate) fn render_answer(items: &[AnswerItem], intro: &str) -> String {
    let intro = match items.first() {
        Some(AnswerItem::Article(_)) => Some(intro.trim().to_owned()),
        _ => None,
    };
    intro
        .into_iter()
        .chain(items.iter().map(|item| match item {
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
        }))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The first thing the user asked (for a case title), cut to `max` characters, skipping lines
/// for which `skip` is true (the hand-off phrase makes a poor title: "can I talk to a human?").
pub(crate) fn first_user_text(
    lines: &[TranscriptLine],
    max: usize,
    skip: impl Fn(&str) -> bool,
) -> Option<String> {
    let found = lines
        .iter()
        .find(|l| l.speaker == Speaker::User && !l.text.trim().is_empty() && !skip(&l.text));
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
        let article = AnswerItem::Article(Article {
            title: "Reset password".into(),
            url: Some("https://kb.example/reset".into()),
            excerpt: "Go to settings.".into(),
        });
        let s = render_answer(
            &[
                AnswerItem::Text("Maybe this helps:".into()),
                article.clone(),
            ],
            "Intro:",
        );
        assert_eq!(
            s,
            "Maybe this helps:\n\n**Reset password**\nhttps://kb.example/reset\n> Go to settings."
        );
        // Articles alone get the intro template above them.
        assert_eq!(
            render_answer(&[article], "यह मिला:"),
            "यह मिला:\n\n**Reset password**\nhttps://kb.example/reset\n> Go to settings."
        );
        assert_eq!(render_answer(&[], "Intro:"), "");
    }

    #[test]
    fn first_user_text_is_cut_and_skips() {
        let v = vec![
            line(Speaker::Bot, "b", "x".into(), 0),
            line(Speaker::User, "u", "human please".into(), 0),
            line(Speaker::User, "u", "a very long question".into(), 0),
            line(Speaker::User, "u", "later".into(), 0),
        ];
        let skip = |t: &str| t.contains("human");
        assert_eq!(first_user_text(&v, 6, skip).as_deref(), Some("a ver…"));
        assert_eq!(first_user_text(&[], 6, |_| false), None);
    }

    #[test]
    fn user_lines_are_timestamped_one_message_each() {
        let v = vec![
            line(Speaker::User, "u", "my game crashes\non start".into(), 0),
            line(Speaker::Bot, "b", "Try this".into(), 60_000),
            line(Speaker::User, "u", "still".into(), 120_000),
        ];
        assert_eq!(
            render_user_lines(&v),
            "[1970-01-01 00:00 UTC] my game crashes\n    on start\n[1970-01-01 00:02 UTC] still"
        );
    }

    #[test]
    fn the_agent_reads_answers_as_titles_and_links_without_markdown() {
        let s = plain_answer(&[
            AnswerItem::Text("Maybe   this\nhelps:".into()),
            AnswerItem::Article(Article {
                title: "Reset password".into(),
                url: Some("https://kb.example/reset".into()),
                excerpt: "**Go** to settings.".into(),
            }),
        ]);
        assert_eq!(
            s,
            "Maybe this helps:; Reset password (https://kb.example/reset)"
        );
        assert!(!s.contains("**") && !s.contains('>') && !s.contains('\n'));
    }
}
