//! A short one-line excerpt of an article's body around the words of the question.
//!
//! Done here in one linear pass rather than with FTS5's `snippet()`, whose cost grows with the
//! square of the matches in a document: a large article repeating a common word took tens of
//! seconds per answer.

/// Excerpts are at most this many characters, plus the ellipses.
pub(crate) const MAX_EXCERPT_CHARS: usize = 200;
/// The stretch of words scored when looking for the best place to quote.
const WINDOW_WORDS: usize = 24;
/// Words of context shown before the first matching word…
const LEAD_WORDS: usize = 4;
/// …unless its line (paragraph, list item) starts at most this many words earlier: then the
/// excerpt starts with the line.
const LINE_START_REACH: usize = 12;
const ELLIPSIS: &str = "…";

/// A word of the body.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    /// First word of a line (block) of the body.
    line_start: bool,
    /// Index of the first query term this word matches.
    term: Option<usize>,
}

/// The ~200-character stretch of `body` (whole words, one line) where the most distinct
/// `terms` (lower-case query words) are, with `…` where text was cut. The beginning of the body
/// when no word matches.
pub(crate) fn excerpt(body: &str, terms: &[String]) -> String {
    let keys: Vec<String> = terms.iter().map(|t| match_key(t)).collect();
    let words: Vec<Word<'_>> = body
        .lines()
        .flat_map(|line| {
            line.split_whitespace().enumerate().map(|(i, text)| Word {
                text,
                line_start: i == 0,
                term: matching_term(text, &keys),
            })
        })
        .collect();
    if words.is_empty() {
        return String::new();
    }
    render(&words, best_start(&words, keys.len()))
}

fn render(words: &[Word<'_>], start: usize) -> String {
    let mut out = String::new();
    if start > 0 {
        out.push_str(ELLIPSIS);
    }
    let mut used = 0;
    let mut end = start;
    for (i, word) in words.iter().enumerate().skip(start) {
        // Lines of the body were blocks: a heading or table row has no full stop of its own,
        // so mark the break instead of running "Seasons A ranked season" together.
        let sep = match words.get(i.wrapping_sub(1)) {
            _ if i == start => "",
            Some(prev)
                if word.line_start && !prev.text.ends_with(['.', '!', '?', ':', ';', '…', ')']) =>
            {
                " — "
            }
            _ => " ",
        };
        let len = sep.chars().count() + word.text.chars().count();
        if used + len > MAX_EXCERPT_CHARS {
            if i == start {
                // One enormous "word": cut it rather than show nothing.
                out.extend(word.text.chars().take(MAX_EXCERPT_CHARS));
            }
            break;
        }
        out.push_str(sep);
        out.push_str(word.text);
        used += len;
        end = i + 1;
    }
    if end < words.len() {
        out.push_str(ELLIPSIS);
    }
    out
}

/// The word to start at: shortly before the first hit of the earliest window holding the most
/// distinct terms (ties go to windows holding the terms that are rarest in this body: "laggy"
/// says more than "game"), or 0 when nothing matches. One pass, whatever the number of hits.
fn best_start(words: &[Word<'_>], term_count: usize) -> usize {
    let mut freq = vec![0_u64; term_count];
    for t in words.iter().filter_map(|w| w.term) {
        freq[t] += 1;
    }
    // Rarity weight: 1/frequency, scaled to integers so scores compare exactly.
    let weight: Vec<u64> = freq.iter().map(|f| 1_000_000 / (*f).max(1)).collect();
    let window = WINDOW_WORDS.min(words.len());
    let mut in_window = vec![0_usize; term_count];
    let mut score = (0_usize, 0_u64); // (distinct terms, rarity)
    let enter = |term: Option<usize>, in_window: &mut [usize], score: &mut (usize, u64)| {
        if let Some(t) = term {
            in_window[t] += 1;
            if in_window[t] == 1 {
                score.0 += 1;
                score.1 += weight[t];
            }
        }
    };
    for word in &words[..window] {
        enter(word.term, &mut in_window, &mut score);
    }
    let (mut best, mut best_score) = (0, score);
    for start in 1..=words.len() - window {
        if let Some(t) = words[start - 1].term {
            in_window[t] -= 1;
            if in_window[t] == 0 {
                score.0 -= 1;
                score.1 -= weight[t];
            }
        }
        enter(words[start + window - 1].term, &mut in_window, &mut score);
        if score > best_score {
            (best, best_score) = (start, score);
        }
    }
    if best_score.0 == 0 {
        return 0;
    }
    let first_hit = words[best..]
        .iter()
        .position(|w| w.term.is_some())
        .map_or(best, |p| best + p);
    // Near the top anyway: quote from the beginning, which reads best.
    let chars_to_hit: usize = words[..=first_hit]
        .iter()
        .map(|w| w.text.chars().count() + 1)
        .sum();
    if chars_to_hit <= MAX_EXCERPT_CHARS / 2 {
        return 0;
    }
    let line_start = (first_hit.saturating_sub(LINE_START_REACH)..=first_hit)
        .rev()
        .find(|&i| words[i].line_start);
    line_start.unwrap_or_else(|| first_hit.saturating_sub(LEAD_WORDS))
}

/// A crude stem, enough to find "refunded" for "refunds" and "lag" for "laggy": FTS5 already
/// did the real matching, this only chooses where to quote.
fn match_key(term: &str) -> String {
    let mut key = term.to_owned();
    for suffix in ["ing", "ed", "es", "s", "y"] {
        if key.chars().count() > suffix.len() + 2 && key.ends_with(suffix) {
            key.truncate(key.len() - suffix.len());
            break;
        }
    }
    // "lagg" → "lag", "runn" → "run".
    let mut tail = key.chars().rev();
    if let (Some(a), Some(b)) = (tail.next(), tail.next())
        && a == b
        && a.is_ascii_alphabetic()
        && !"aeiouls".contains(a)
        && key.len() > 3
    {
        key.pop();
    }
    key
}

fn matching_term(word: &str, keys: &[String]) -> Option<usize> {
    let word = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if word.is_empty() {
        return None;
    }
    keys.iter().position(|k| word.starts_with(k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn short_body_is_shown_whole_on_one_line() {
        assert_eq!(
            excerpt("Open the  Store.\nThen tap **Buy**.", &terms(&["buy"])),
            "Open the Store. Then tap **Buy**."
        );
        assert_eq!(excerpt("", &terms(&["x"])), "");
        assert_eq!(excerpt("  \n ", &[]), "");
    }

    #[test]
    fn quotes_around_the_densest_match_with_ellipses() {
        let body = format!(
            "{} Ask Google for a refund of refunded purchases today. {}",
            "filler ".repeat(100),
            "tail ".repeat(100)
        );
        let out = excerpt(&body, &terms(&["refunds", "purchases"]));
        assert!(
            out.starts_with("…Ask Google for a refund of refunded"),
            "{out}"
        );
        assert!(out.ends_with('…'), "{out}");
        assert!(out.chars().count() <= MAX_EXCERPT_CHARS + 2, "{out}");
    }

    #[test]
    fn starts_at_the_line_and_marks_breaks_after_headings() {
        let body = format!(
            "{}\nSeasons\nA ranked season lasts eight weeks and ends on a Monday.",
            "Intro words here. ".repeat(10)
        );
        assert_eq!(
            excerpt(&body, &terms(&["season", "end"])),
            "…Seasons — A ranked season lasts eight weeks and ends on a Monday."
        );
    }

    #[test]
    fn distinct_terms_beat_repeats_of_one_term() {
        let body = format!(
            "game game game game. {} the laggy game stutters",
            "x ".repeat(40)
        );
        let out = excerpt(&body, &terms(&["game", "laggy"]));
        assert!(out.contains("laggy"), "{out}");
    }

    #[test]
    fn rare_terms_beat_common_ones() {
        let body = format!("game game. {} the laggy bit", "x ".repeat(60));
        let out = excerpt(&body, &terms(&["game", "laggy"]));
        assert!(out.contains("laggy"), "{out}");
    }

    #[test]
    fn crude_stems() {
        assert_eq!(match_key("laggy"), "lag");
        assert_eq!(match_key("refunds"), "refund");
        assert_eq!(match_key("spelling"), "spell");
        assert_eq!(match_key("gem"), "gem");
    }

    #[test]
    fn no_match_quotes_the_beginning() {
        let body = "word ".repeat(100);
        let out = excerpt(&body, &terms(&["zebra"]));
        assert!(
            out.starts_with("word word") && out.ends_with("word…"),
            "{out}"
        );
    }

    #[test]
    fn one_huge_word_is_cut() {
        let out = excerpt(&"🎮".repeat(500), &[]);
        assert_eq!(out.chars().count(), MAX_EXCERPT_CHARS + 1);
    }

    #[test]
    fn many_hits_stay_linear() {
        let body = "lemming ".repeat(200_000);
        let out = excerpt(&body, &terms(&["lemming"]));
        assert!(out.starts_with("lemming"));
    }
}
