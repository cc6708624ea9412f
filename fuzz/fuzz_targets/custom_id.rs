//! Button and modal custom ids come back from Discord as user-controlled text (a modified client
//! can send anything). Properties: no panic; only ids flexcord makes are accepted, i.e. decoding
//! then encoding gives the input back; ratings stay 1–5 and case numbers non-zero.
#![no_main]

use flexcord_core::event::ButtonAction;
use flexcord_discord::custom_id::{decode_button, decode_form, encode_button, form_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(action) = decode_button(text) {
        assert_eq!(encode_button(action), text, "accepted a non-canonical id");
        assert_eq!(decode_button(&encode_button(action)), Some(action));
        if let ButtonAction::Rate { case, rating } = action {
            assert_ne!(case.0, 0);
            assert!((1..=5).contains(&rating.get()));
        }
    }
    if let Some(kind) = decode_form(text) {
        assert_eq!(form_id(kind), Some(text));
    }
});
