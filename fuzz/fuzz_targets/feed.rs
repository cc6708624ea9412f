//! RSS and Atom feeds polled for `#announcements` (feed-rs, then flexcord's summary cleaning).
//! Properties: no panic; every item has a non-empty title and a body of at most 600 characters
//! plus the ellipsis, without markup line breaks.
#![no_main]

use flexcord::feeds::parse_feed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(items) = parse_feed(data) else {
        return;
    };
    for item in &items {
        let a = &item.announcement;
        assert!(!a.title.trim().is_empty(), "empty title");
        assert!(!a.body.contains('\n'), "multi-line summary {:?}", a.body);
        assert!(
            a.body.chars().count() <= 601,
            "summary of {} chars",
            a.body.chars().count()
        );
    }
});
