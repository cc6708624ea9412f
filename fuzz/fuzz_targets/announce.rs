//! `POST /announce` bodies: parsing and validation never panic, and whatever is accepted keeps
//! the documented limits (non-empty title ≤ 256 characters, body ≤ 4,000, http(s) links only).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((key, announcement)) = flexcord::http::announce::parse_request(data) else {
        return;
    };
    assert!(!key.is_empty() && key.len() <= 200, "key {key:?}");
    assert!(!announcement.title.trim().is_empty());
    assert!(announcement.title.chars().count() <= 256);
    assert!(announcement.body.chars().count() <= 4_000);
    if let Some(url) = &announcement.url {
        assert!(url.starts_with("https://") || url.starts_with("http://"));
    }
    // The same body always gives the same key: that is what deduplicates redeliveries.
    let again = flexcord::http::announce::parse_request(data).map(|(k, _)| k);
    assert_eq!(again.as_deref(), Ok(key.as_str()));
});
