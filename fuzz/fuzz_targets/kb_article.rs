//! Knowledge-base articles: front matter and Markdown from files anyone with write access to the
//! folder can edit. Properties: no panic; a title is always one non-empty line; only http(s)
//! links are kept; parsing is deterministic.
#![no_main]

use flexcord_kb::fuzzing::parse_article;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files that are not UTF-8 are skipped before parsing; the first line doubles as a file name.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let stem = text.lines().next().unwrap_or_default();
    let article = parse_article(stem, text);
    assert!(!article.title.trim().is_empty(), "empty title");
    assert!(
        !article.title.contains('\n'),
        "multi-line title {:?}",
        article.title
    );
    if let Some(url) = &article.url {
        assert!(url.starts_with("https://") || url.starts_with("http://"));
    }
    assert_eq!(parse_article(stem, text), article);
});
