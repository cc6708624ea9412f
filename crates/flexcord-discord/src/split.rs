//! Splitting long text into Discord-sized messages: at most [`MESSAGE_LIMIT`] characters each,
//! cut at a line break if there is one, else at a space, else (a single huge word) anywhere — but
//! never inside a UTF-8 character, and never reordering anything.

/// Discord's limit on message content, counted in characters (`chars()`), as twilight validates it.
pub const MESSAGE_LIMIT: usize = 2000;

/// Splits `text` into chunks of at most `limit` characters, in order.
///
/// A chunk ends at the last line break that fits, else the last whitespace that fits; that one
/// separator is dropped (Discord trims it anyway). A run without whitespace longer than `limit`
/// is cut at exactly `limit` characters. Chunks that would be empty or only whitespace are
/// skipped, so the result is empty for blank text. A `limit` of 0 is treated as 1.
#[must_use]
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut chunks = Vec::new();
    let mut rest = text;
    loop {
        // Byte offset just past the first `limit` characters, or None when all of `rest` fits.
        let Some((cut_at, _)) = rest.char_indices().nth(limit) else {
            push_chunk(&mut chunks, rest);
            return chunks;
        };
        let window = &rest[..cut_at];
        // `rfind` on a char returns the byte index of that char, always a char boundary.
        let (end, next) = match window
            .rfind('\n')
            .or_else(|| window.rfind(char::is_whitespace))
        {
            // A separator at 0 yields an empty (skipped) chunk and still makes progress.
            Some(sep) => {
                let sep_len = window[sep..].chars().next().map_or(1, char::len_utf8);
                (sep, sep + sep_len)
            }
            None => (cut_at, cut_at),
        };
        push_chunk(&mut chunks, &rest[..end]);
        rest = &rest[next..];
    }
}

fn push_chunk(chunks: &mut Vec<String>, chunk: &str) {
    let chunk = chunk.trim_end();
    if !chunk.trim().is_empty() {
        chunks.push(chunk.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn short_text_is_one_chunk() {
        assert_eq!(split_message("hello", MESSAGE_LIMIT), vec!["hello"]);
    }

    #[test]
    fn blank_text_is_no_chunk() {
        assert!(split_message("", MESSAGE_LIMIT).is_empty());
        assert!(split_message("  \n ", MESSAGE_LIMIT).is_empty());
    }

    #[test]
    fn prefers_line_breaks_over_spaces() {
        let text = "first line here\nsecond line";
        assert_eq!(
            split_message(text, 20),
            vec!["first line here", "second line"]
        );
    }

    #[test]
    fn falls_back_to_word_boundaries() {
        let text = "alpha beta gamma delta";
        let chunks = split_message(text, 11);
        assert_eq!(chunks, vec!["alpha beta", "gamma delta"]);
    }

    #[test]
    fn a_5000_char_word_is_cut_hard_in_order() {
        let word: String = ('a'..='z').cycle().take(5000).collect();
        let chunks = split_message(&word, MESSAGE_LIMIT);
        assert_eq!(
            chunks.iter().map(|c| chars(c)).collect::<Vec<_>>(),
            vec![2000, 2000, 1000]
        );
        assert_eq!(chunks.concat(), word);
    }

    #[test]
    fn never_breaks_a_multibyte_character() {
        // 3-byte and 4-byte characters, no spaces: the cut falls between characters.
        let text = "日本語🎉".repeat(700);
        let chunks = split_message(&text, MESSAGE_LIMIT);
        assert!(chunks.iter().all(|c| chars(c) <= MESSAGE_LIMIT));
        assert_eq!(chunks.concat(), text);
    }

    #[test]
    fn long_prose_keeps_every_word_in_order() {
        let text: Vec<String> = (0..1500).map(|i| format!("word{i}")).collect();
        let joined = text.join(" ");
        let chunks = split_message(&joined, MESSAGE_LIMIT);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| chars(c) <= MESSAGE_LIMIT));
        let words: Vec<&str> = chunks.iter().flat_map(|c| c.split_whitespace()).collect();
        assert_eq!(words, text.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn exactly_the_limit_is_one_chunk() {
        let text = "x".repeat(MESSAGE_LIMIT);
        assert_eq!(split_message(&text, MESSAGE_LIMIT), vec![text]);
    }
}
