//! `POST /discord/interactions`: the signature headers and the body come from the network, and
//! only the signature check stands between them and the router. The input is
//! `<timestamp>\n<signature hex>\n<body>`. Properties: no panic; a forged signature is never
//! accepted; a genuine signature passes exactly when the timestamp is fresh, and stops passing
//! when one byte of the body changes; whatever parses translates without panicking.
#![no_main]

use std::collections::HashMap;

use ed25519_dalek::{Signer as _, SigningKey};
use flexcord_discord::InteractionKey;
use flexcord_discord::http_interactions::{Incoming, decision, parse};
use flexcord_discord::signature::{MAX_SKEW_SECS, Refused};
use flexcord_discord::translate::{Context, translate_interaction};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_765_000_000;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let signing = SigningKey::from_bytes(&[42; 32]);
    let Ok(key) = InteractionKey::from_hex(&hex(signing.verifying_key().as_bytes())) else {
        panic!("the test key must read");
    };
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let timestamp = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();

    // Whatever the fuzzer sends as a signature is a forgery unless it happens to be genuine.
    let mut message = timestamp.to_vec();
    message.extend_from_slice(body);
    let genuine = hex(&signing.sign(&message).to_bytes());
    if key.verify(Some(signature), Some(timestamp), body, NOW).is_ok() {
        assert_eq!(signature.to_ascii_lowercase(), genuine.as_bytes(), "forgery accepted");
    }
    // The genuine signature passes exactly when the timestamp is a fresh number of seconds.
    let fresh = std::str::from_utf8(timestamp)
        .ok()
        .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|t| t.parse::<u64>().ok())
        .map(|at| at.abs_diff(NOW) <= MAX_SKEW_SECS);
    let verdict = key.verify(Some(genuine.as_bytes()), Some(timestamp), body, NOW);
    match fresh {
        Some(true) => assert_eq!(verdict, Ok(())),
        Some(false) => assert_eq!(verdict, Err(Refused::Stale)),
        None => assert_eq!(verdict, Err(Refused::Malformed)),
    }
    if verdict.is_ok() {
        let mut changed = body.to_vec();
        changed.push(b' ');
        assert_eq!(
            key.verify(Some(genuine.as_bytes()), Some(timestamp), &changed, NOW),
            Err(Refused::Wrong)
        );
    }

    if let Ok(Incoming::Interaction(interaction)) = parse(body) {
        let roles = HashMap::new();
        let ctx = Context {
            bot_user: None,
            role_names: &roles,
        };
        let _ = decision(
            translate_interaction(&interaction, &ctx),
            &flexcord_core::locale::Locales::default(),
        );
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = InteractionKey::from_hex(text);
    }
});
