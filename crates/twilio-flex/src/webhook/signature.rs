//! `X-Twilio-Signature`, computed exactly as Twilio's libraries do (twilio-python
//! `request_validator.py`): the full URL, then every form parameter sorted by name (a repeated
//! name contributes each of its values, sorted) as `name + value`, HMAC-SHA1 keyed with the auth
//! token, base64. JSON bodies are signed over the URL alone, which carries `bodySHA256`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The signature Twilio would send for a request to `url` with these form `params`.
/// Parameter order does not matter; repeated names are fine.
#[must_use]
pub fn compute_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Byte-order sort by name, then by value: equivalent to Twilio's "sort names, and each
    // name's values".
    sorted.sort();
    // HMAC takes keys of any length, so `new_from_slice` cannot fail; should it ever, the
    // empty string matches no signature (fail closed) instead of panicking.
    let Ok(mut mac) = <Hmac<Sha1> as Mac>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `X-Twilio-Signature` header.
    #[error("missing X-Twilio-Signature")]
    Missing,
    /// The signature does not match.
    #[error("invalid X-Twilio-Signature")]
    Mismatch,
    /// A JSON-body request without a `bodySHA256` query parameter.
    #[error("missing bodySHA256 query parameter")]
    MissingBodyHash,
    /// The body does not hash to `bodySHA256`.
    #[error("body does not match bodySHA256")]
    BodyHashMismatch,
}

/// Checks Twilio's signatures with the account's primary auth token (held as a secret).
#[derive(Clone)]
pub struct SignatureValidator {
    auth_token: SecretString,
}

impl std::fmt::Debug for SignatureValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureValidator")
            .field("auth_token", &"***")
            .finish()
    }
}

impl SignatureValidator {
    /// A validator keyed with `auth_token`.
    #[must_use]
    pub fn new(auth_token: impl Into<String>) -> Self {
        Self {
            auth_token: SecretString::from(auth_token.into()),
        }
    }

    /// What Twilio would send for this request (fakes use it to sign what they send).
    #[must_use]
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> String {
        compute_signature(self.auth_token.expose_secret(), url, params)
    }

    /// Validates a form-encoded request. `url` is the public URL Twilio called, query string
    /// included; it is tried as given, without its port, and with the default port, since
    /// Twilio signs some callbacks one way and some the other.
    ///
    /// # Errors
    ///
    /// [`SignatureError::Missing`] / [`SignatureError::Mismatch`].
    pub fn validate(
        &self,
        url: &str,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let signature = signature.ok_or(SignatureError::Missing)?;
        let matches = url_variants(url).iter().any(|candidate| {
            let expected = self.sign(candidate, params);
            !expected.is_empty() && constant_time_eq(&expected, signature)
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }

    /// [`SignatureValidator::validate`] on a raw `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    ///
    /// [`SignatureError::Missing`] / [`SignatureError::Mismatch`].
    pub fn validate_form(
        &self,
        url: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        self.validate(url, &super::parse_form_body(body), signature)
    }

    /// Validates a JSON-body request: the URL carries `bodySHA256` (lower-case hex SHA-256 of
    /// the raw body) and the signature covers the URL only.
    ///
    /// # Errors
    ///
    /// Any [`SignatureError`].
    pub fn validate_json(
        &self,
        url: &str,
        raw_body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let signature = signature.ok_or(SignatureError::Missing)?;
        let expected = body_sha256(url).ok_or(SignatureError::MissingBodyHash)?;
        let actual = hex(&Sha256::digest(raw_body));
        if !constant_time_eq(&actual, &expected.to_ascii_lowercase()) {
            return Err(SignatureError::BodyHashMismatch);
        }
        self.validate(url, &[], Some(signature))
    }
}

impl SignatureValidator {
    /// Validates a request in whichever variant Twilio used: when the URL carries `bodySHA256`
    /// the body is JSON (or anything else) signed through its hash
    /// ([`SignatureValidator::validate_json`]), otherwise it is a signed form
    /// ([`SignatureValidator::validate_form`]). Twilio's own validators decide the same way.
    ///
    /// # Errors
    ///
    /// Any [`SignatureError`].
    pub fn validate_request(
        &self,
        url: &str,
        raw_body: &[u8],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        if body_sha256(url).is_some() {
            self.validate_json(url, raw_body, signature)
        } else {
            self.validate_form(url, raw_body, signature)
        }
    }
}

/// Whether the URL carries Twilio's `bodySHA256` parameter (the body is then signed by hash,
/// not as form parameters).
#[must_use]
pub fn signs_body_by_hash(url: &str) -> bool {
    body_sha256(url).is_some()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn body_sha256(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "bodySHA256")
        .map(|(_, v)| v.into_owned())
}

/// The URL as given, without an explicit port, and with the scheme's default port.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    // A port follows the last ':' unless that colon is inside an IPv6 literal.
    let host = match hostport.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => hostport,
    };
    for candidate in [
        format!("{scheme}://{userinfo}{host}{tail}"),
        format!("{scheme}://{userinfo}{host}:{default_port}{tail}"),
    ] {
        if !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://example.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "L/OH5YylLD5NRKLltdqwSvS0BnU=";

    fn params(caller: &str) -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    #[test]
    fn matches_twilios_documented_vector() {
        // Twilio's security docs and libraries use this vector. The issue text quotes the
        // numbers as +12349013030, but the documented expected signature is computed over
        // +14158675310 (see reference/twilio.md §4.1, recomputed there with Python's hmac).
        assert_eq!(
            compute_signature("12345", URL, &params("+14158675310")),
            EXPECTED
        );
    }

    #[test]
    fn issue_numbers_give_their_own_signature() {
        // The same vector with the +12349013030 numbers (cross-checked with Python's hmac).
        assert_eq!(
            compute_signature("12345", URL, &params("+12349013030")),
            "vNe7KK2kJwCsxc9K3OLkkKB3qqI="
        );
        assert_ne!(
            compute_signature("12345", URL, &params("+12349013030")),
            EXPECTED
        );
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut p = params("+14158675310");
        p.reverse();
        assert_eq!(compute_signature("12345", URL, &p), EXPECTED);
    }

    #[test]
    fn validator_accepts_the_vector_and_refuses_tampering() {
        let v = SignatureValidator::new("12345");
        let p = params("+14158675310");
        assert_eq!(v.validate(URL, &p, Some(EXPECTED)), Ok(()));
        assert_eq!(v.validate(URL, &p, None), Err(SignatureError::Missing));
        // Tampered parameter value.
        let mut tampered = p.clone();
        tampered[2].1 = "9999".into();
        assert_eq!(
            v.validate(URL, &tampered, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
        // Extra parameter.
        let mut extra = p.clone();
        extra.push(("Body".into(), "hi".into()));
        assert_eq!(
            v.validate(URL, &extra, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
        // Tampered URL.
        let other = "https://example.com/myapp.php?foo=1&bar=3";
        assert_eq!(
            v.validate(other, &p, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
        // Wrong key.
        let wrong = SignatureValidator::new("54321");
        assert_eq!(
            wrong.validate(URL, &p, Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn repeated_keys_sign_each_value_sorted() {
        let a = vec![
            ("Configuration.Filters".to_owned(), "b".to_owned()),
            ("Configuration.Filters".to_owned(), "a".to_owned()),
        ];
        let b: Vec<_> = a.iter().rev().cloned().collect();
        assert_eq!(
            compute_signature("t", "https://x/", &a),
            compute_signature("t", "https://x/", &b)
        );
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(b"t").unwrap();
        mac.update(b"https://x/Configuration.FiltersaConfiguration.Filtersb");
        let manual = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(compute_signature("t", "https://x/", &a), manual);
    }

    #[test]
    fn port_variants_are_accepted_both_ways() {
        let v = SignatureValidator::new("12345");
        let p = params("+14158675310");
        let with_port = "https://example.com:443/myapp.php?foo=1&bar=2";
        // Twilio signed without the port; we see it with one.
        assert_eq!(v.validate(with_port, &p, Some(EXPECTED)), Ok(()));
        // Twilio signed with the port; we see it without.
        let sig = v.sign(with_port, &p);
        assert_eq!(v.validate(URL, &p, Some(&sig)), Ok(()));
        // A different port is not a variant.
        let sig = v.sign("https://example.com:8443/myapp.php?foo=1&bar=2", &p);
        assert_eq!(
            v.validate(URL, &p, Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            url_variants("http://h:80/p"),
            vec!["http://h:80/p".to_owned(), "http://h/p".to_owned()]
        );
    }

    #[test]
    fn json_body_variant_checks_hash_then_url_signature() {
        let body = br#"{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}"#;
        let hash = "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9";
        assert_eq!(hex(&Sha256::digest(body)), hash);
        let url = format!("https://example.com/myapp?bodySHA256={hash}");
        let v = SignatureValidator::new("12345");
        let sig = v.sign(&url, &[]);
        assert_eq!(v.validate_json(&url, body, Some(&sig)), Ok(()));
        assert_eq!(
            v.validate_json(&url, b"{\"CallSid\":\"CA0\"}", Some(&sig)),
            Err(SignatureError::BodyHashMismatch)
        );
        assert_eq!(
            v.validate_json("https://example.com/myapp", body, Some(&sig)),
            Err(SignatureError::MissingBodyHash)
        );
        let other = format!("https://evil.example/myapp?bodySHA256={hash}");
        assert_eq!(
            v.validate_json(&other, body, Some(&sig)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn json_body_signed_as_twilios_validator_does_is_accepted() {
        // Signed with Python's hmac/hashlib exactly as twilio-python's RequestValidator
        // expects: bodySHA256 = hex SHA-256 of the raw body, the HMAC over the full URL
        // (bodySHA256 included) with no parameters.
        let body = br#"{"ConversationSid":"CH11111111111111111111111111111111","Body":"hello","MessageSid":"IM22222222222222222222222222222222"}"#;
        let url = "https://bridge.example.com/chatbot-to-discord?bodySHA256=d021105554a9efe2d2ba736eead0ec791fffb5470731629b1fdabff4de021ef3";
        let signature = "/nucze43sdRL7MC4K0nQ34QWDFY=";
        let v = SignatureValidator::new("12345");
        assert_eq!(v.validate_request(url, body, Some(signature)), Ok(()));
        assert_eq!(
            v.validate_request(
                "https://bridge.example.com:443/chatbot-to-discord?bodySHA256=d021105554a9efe2d2ba736eead0ec791fffb5470731629b1fdabff4de021ef3",
                body,
                Some(signature)
            ),
            Ok(())
        );
        // One changed byte in the body, or a form variant check of the same request, fails.
        let mut tampered = body.to_vec();
        tampered[60] ^= 1;
        assert_eq!(
            v.validate_request(url, &tampered, Some(signature)),
            Err(SignatureError::BodyHashMismatch)
        );
        assert_eq!(
            v.validate_form(url, body, Some(signature)),
            Err(SignatureError::Mismatch)
        );
        assert!(signs_body_by_hash(url));
        assert!(!signs_body_by_hash(
            "https://bridge.example.com/chatbot-to-discord"
        ));
    }

    #[test]
    fn validate_request_falls_back_to_the_form_variant() {
        let v = SignatureValidator::new("12345");
        let body = b"To=%2B18005551212&From=%2B14158675310&Caller=%2B14158675310&Digits=1234&CallSid=CA1234567890ABCDE";
        assert_eq!(v.validate_request(URL, body, Some(EXPECTED)), Ok(()));
    }

    #[test]
    fn validate_form_decodes_the_body() {
        let v = SignatureValidator::new("12345");
        let body = b"To=%2B18005551212&From=%2B14158675310&Caller=%2B14158675310&Digits=1234&CallSid=CA1234567890ABCDE";
        assert_eq!(v.validate_form(URL, body, Some(EXPECTED)), Ok(()));
        assert_eq!(
            v.validate_form(URL, b"To=%2B18005551213", Some(EXPECTED)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn debug_hides_token() {
        assert!(!format!("{:?}", SignatureValidator::new("supersecret")).contains("supersecret"));
    }
}
