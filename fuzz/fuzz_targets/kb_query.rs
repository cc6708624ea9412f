//! Questions users type to the FAQ bot become an FTS5 `MATCH` expression and an excerpt.
//! Properties: no panic; user text never escapes the quoted terms (no `"` inside a term, so no
//! FTS5 syntax); at most 24 terms; excerpts stay one line of bounded length.
#![no_main]

use flexcord_kb::fuzzing::{MAX_EXCERPT_CHARS, excerpt, fts_query, terms};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the question; the rest: an article body.
    let (question, body) = text.split_once('\n').unwrap_or((text, text));
    let terms = terms(question);
    assert!(terms.len() <= 24);
    for term in &terms {
        assert!(!term.is_empty());
        assert!(!term.contains('"'), "quote in term {term:?}");
        assert!(
            term.chars().all(|c| !c.is_whitespace()),
            "space in term {term:?}"
        );
    }
    match fts_query(question) {
        None => assert!(terms.is_empty()),
        Some(query) => {
            // Exactly the terms, each quoted, OR-ed: nothing else from the user.
            let expected: Vec<String> = terms.iter().map(|t| format!("\"{t}\"")).collect();
            let parts: Vec<&str> = query.split(" OR ").collect();
            assert_eq!(parts.len(), expected.len(), "{query:?}");
            for (part, quoted) in parts.iter().zip(&expected) {
                let bare = part.strip_suffix('*').unwrap_or(part);
                assert_eq!(bare, quoted, "{query:?}");
            }
        }
    }
    let quote = excerpt(body, question);
    assert!(!quote.contains('\n'), "multi-line excerpt");
    assert!(
        quote.chars().count() <= MAX_EXCERPT_CHARS + 2,
        "excerpt of {} characters",
        quote.chars().count()
    );
});
