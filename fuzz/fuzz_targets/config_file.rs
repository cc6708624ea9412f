//! `flexcord.toml`: TOML parsing into the file schema, then merging and validation for every
//! command with an empty environment. Properties: no panic, and a problem list is never empty
//! when loading fails.
#![no_main]

use flexcord::config::{FileConfig, Needs, Settings, redact_url};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Whatever the file says, showing a database URL from it must not panic either.
    let _ = redact_url(text);
    if FileConfig::parse(text).is_err() {
        return;
    }
    let env: [(&str, &str); 0] = [];
    for needs in [Needs::Run, Needs::Discord, Needs::Twilio, Needs::Local] {
        let Ok(file) = FileConfig::parse(text) else {
            panic!("the same text parsed once and then failed");
        };
        if let Err(error) = Settings::load(file, &env, needs) {
            assert!(!error.problems.is_empty());
        }
    }
});
