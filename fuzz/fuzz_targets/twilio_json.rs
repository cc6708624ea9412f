//! Twilio's JSON-body webhooks: the `bodySHA256` query parameter must be the SHA-256 of the raw
//! body and the signature covers the URL. A genuine request is accepted; any change to the body
//! is refused; a hostile URL or signature never panics the check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use twilio_flex::webhook::{SignatureError, SignatureValidator};

const TOKEN: &str = "fuzz-auth-token";
const BASE: &str = "https://bridge.example:443/twilio/forward-to-discord";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fuzz_target!(|data: &[u8]| {
    let v = SignatureValidator::new(TOKEN);

    // Layout: the first line is an attacker's URL (and signature, after a space), the rest a body.
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or_default();
    let (hostile_url, hostile_sig) = head.split_once(' ').unwrap_or((&head, ""));
    let _ = v.validate_json(hostile_url, body, Some(hostile_sig));
    let _ = v.validate_json(hostile_url, body, None);

    // Genuine: the hash in the URL, the URL signed.
    let hash = hex(&Sha256::digest(body));
    let url = format!("{BASE}?bodySHA256={hash}");
    let sig = v.sign(&url, &[]);
    assert_eq!(v.validate_json(&url, body, Some(&sig)), Ok(()));
    // Upper-case hex is the same hash.
    let upper = format!("{BASE}?bodySHA256={}", hash.to_ascii_uppercase());
    assert_eq!(
        v.validate_json(&upper, body, Some(&v.sign(&upper, &[]))),
        Ok(())
    );
    if hostile_sig != sig {
        assert_eq!(
            v.validate_json(&url, body, Some(hostile_sig)),
            Err(SignatureError::Mismatch)
        );
    }

    // Any modified body is refused, whatever the signature.
    let step = (body.len() / 16).max(1);
    for i in (0..body.len()).step_by(step) {
        let mut modified = body.to_vec();
        modified[i] ^= 0x01;
        assert_eq!(
            v.validate_json(&url, &modified, Some(&sig)),
            Err(SignatureError::BodyHashMismatch)
        );
    }
    let mut longer = body.to_vec();
    longer.push(b' ');
    assert_eq!(
        v.validate_json(&url, &longer, Some(&sig)),
        Err(SignatureError::BodyHashMismatch)
    );
    if let Some((_, shorter)) = body.split_last() {
        assert_eq!(
            v.validate_json(&url, shorter, Some(&sig)),
            Err(SignatureError::BodyHashMismatch)
        );
    }
});
