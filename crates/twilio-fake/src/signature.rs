//! `X-Twilio-Signature` computation, written independently of flexcord's client-side validator.
//!
//! Twilio signs a form-encoded webhook as `base64(HMAC-SHA1(auth_token, url + sorted params))`,
//! where every parameter contributes `name + value` with no delimiter. Parameters are sorted by
//! name in byte order; a repeated name contributes each of its values, values sorted too (the
//! order twilio-python's `RequestValidator` uses). Keeping this a separate implementation from
//! the bridge's validator is deliberate: a shared bug could not cancel itself out in tests.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Computes the `X-Twilio-Signature` header value Twilio would send for a POST of `params`
/// (form-encoded) to `url`, signed with `auth_token`.
///
/// `url` must be the exact URL the request is sent to, query string included. For a GET
/// webhook pass the full URL (with its query) and no params.
#[must_use]
pub fn twilio_signature<K, V>(auth_token: &str, url: &str, params: &[(K, V)]) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    pairs.sort_unstable();

    let mut signed = String::with_capacity(
        url.len() + pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>(),
    );
    signed.push_str(url);
    for (key, value) in pairs {
        signed.push_str(key);
        signed.push_str(value);
    }

    // HMAC accepts keys of any length, so this cannot fail; the fallback keeps us panic-free.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(signed.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::twilio_signature;

    /// Twilio's documented vector (webhooks-security page; recomputed in reference/twilio.md §4.1).
    #[test]
    fn matches_twilio_documented_vector() {
        let params = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ];
        let sig = twilio_signature(
            "12345",
            "https://example.com/myapp.php?foo=1&bar=2",
            &params,
        );
        assert_eq!(sig, "L/OH5YylLD5NRKLltdqwSvS0BnU=");
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let a = [("To", "+18005551212"), ("CallSid", "CA1"), ("Digits", "1")];
        let b = [("Digits", "1"), ("CallSid", "CA1"), ("To", "+18005551212")];
        assert_eq!(
            twilio_signature("tok", "http://h/x", &a),
            twilio_signature("tok", "http://h/x", &b)
        );
    }

    #[test]
    fn repeated_keys_contribute_every_value_sorted() {
        let a = [("Filter", "b"), ("Filter", "a")];
        let b = [("Filter", "a"), ("Filter", "b")];
        let sig = twilio_signature("tok", "http://h/x", &a);
        assert_eq!(sig, twilio_signature("tok", "http://h/x", &b));
        assert_ne!(
            sig,
            twilio_signature("tok", "http://h/x", &[("Filter", "a")])
        );
    }

    #[test]
    fn different_token_gives_different_signature() {
        let p = [("Body", "hi")];
        assert_ne!(
            twilio_signature("one", "http://h/x", &p),
            twilio_signature("two", "http://h/x", &p)
        );
    }
}
