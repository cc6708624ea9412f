//! Twilio's form-encoded webhooks (`/twilio/forward-to-discord`, `/twilio/chatbot-to-discord`,
//! `/studio-task-created`):
//! the body is parsed into an event and translated without panicking, and `X-Twilio-Signature`
//! accepts exactly the bodies whose decoded parameters give the signed text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twilio_flex::webhook::{
    SignatureError, SignatureValidator, StudioTaskCreated, StudioTurn, WebhookEvent, dedupe_key,
    parse_form_body, to_core_event,
};

const TOKEN: &str = "fuzz-auth-token";
const URL: &str = "https://bridge.example/twilio/forward-to-discord";

/// What Twilio's scheme signs: the parameters sorted, each as name then value, with no separator.
/// So `ab=` and `a=b` sign alike (found by this target): a limit of Twilio's algorithm, which
/// flexcord must follow to accept genuine requests, not a flaw of the check.
fn signed_text(mut params: Vec<(String, String)>) -> String {
    params.sort();
    params.into_iter().map(|(k, v)| k + &v).collect()
}

/// The signature check on `body` agrees with "same signed text as the signed parameters".
fn check_modified(v: &SignatureValidator, signed: &str, sig: &str, body: &[u8]) {
    let result = v.validate_form(URL, body, Some(sig));
    if signed_text(parse_form_body(body)) == signed {
        // Twilio signs decoded parameters: `%41` and `A` are the same request.
        assert_eq!(result, Ok(()), "equivalent body refused");
    } else {
        assert_eq!(
            result,
            Err(SignatureError::Mismatch),
            "modified body accepted"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let params = parse_form_body(data);
    if let Ok(event) = WebhookEvent::from_params(&params) {
        let _ = event.conversation();
        let _ = to_core_event(&event);
        let _ = dedupe_key(&event);
    }
    if let Ok(turn) = StudioTurn::from_params(&params) {
        let _ = to_core_event(&WebhookEvent::from(turn));
    }
    if let Ok(report) = StudioTaskCreated::from_params(&params) {
        let _ = report.to_core_event();
    }

    let v = SignatureValidator::new(TOKEN);
    let sig = v.sign(URL, &params);
    assert_eq!(
        v.validate_form(URL, data, Some(&sig)),
        Ok(()),
        "genuine body refused"
    );
    assert_eq!(
        v.validate_form(URL, data, None),
        Err(SignatureError::Missing)
    );
    let signed = signed_text(params.clone());

    // One-byte changes at a spread of positions, a cut, and an added parameter.
    let step = (data.len() / 16).max(1);
    for i in (0..data.len()).step_by(step) {
        for delta in [1u8, 0x20, 0x80] {
            let mut modified = data.to_vec();
            modified[i] = modified[i].wrapping_add(delta);
            check_modified(&v, &signed, &sig, &modified);
        }
    }
    if let Some((_, shorter)) = data.split_last() {
        check_modified(&v, &signed, &sig, shorter);
    }
    let mut longer = data.to_vec();
    longer.extend_from_slice(b"&Body=injected");
    check_modified(&v, &signed, &sig, &longer);

    // The same parameters signed for another URL or with another token are refused.
    let other_url = v.sign("https://bridge.example/twilio/chatbot-to-discord", &params);
    assert_eq!(
        v.validate(URL, &params, Some(&other_url)),
        Err(SignatureError::Mismatch)
    );
    let other_token = SignatureValidator::new("another-token").sign(URL, &params);
    assert_eq!(
        v.validate(URL, &params, Some(&other_token)),
        Err(SignatureError::Mismatch)
    );

    // The input as a URL and as a signature: port handling never panics, and a URL's own
    // signature is accepted.
    let text = String::from_utf8_lossy(data);
    let url = text.lines().next().unwrap_or_default();
    let own = v.sign(url, &[]);
    assert_eq!(v.validate(url, &[], Some(&own)), Ok(()));
    if text != sig {
        assert_eq!(
            v.validate(URL, &params, Some(&text)),
            Err(SignatureError::Mismatch)
        );
    }
});
