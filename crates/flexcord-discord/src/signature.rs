//! Discord's request signatures for HTTP interactions: `X-Signature-Ed25519` (hex) over
//! `X-Signature-Timestamp` + body, with the application's public key (hex, from the Developer
//! Portal). Discord probes a new Interactions Endpoint URL with unsigned and wrongly signed
//! requests and accepts the URL only when those are refused, so everything here fails closed.

use std::fmt;

use ed25519_dalek::{Signature, VerifyingKey};

/// How far a signed timestamp may be from our clock, either way: older is a replay, newer a
/// forgery or a broken clock. Discord sends the request the moment it signs it.
pub const MAX_SKEW_SECS: u64 = 5 * 60;

/// The application's Ed25519 public key (`DISCORD_PUBLIC_KEY`).
#[derive(Clone, PartialEq, Eq)]
pub struct InteractionKey(VerifyingKey);

impl fmt::Debug for InteractionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Public, but long: the first bytes are enough to tell two keys apart.
        let hex = encode_hex(self.0.as_bytes());
        write!(f, "InteractionKey({}…)", hex.get(..8).unwrap_or_default())
    }
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not 64 hex digits.
    #[error("must be 64 hex digits (the application's public key in the Developer Portal)")]
    NotHex,
    /// 32 bytes that are not a point on the curve: not a public key.
    #[error("is not a valid Ed25519 public key")]
    NotAKey,
}

/// Why a request's signature was refused. Every variant means: answer 401, do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// A header is missing.
    #[error("unsigned request (X-Signature-Ed25519 or X-Signature-Timestamp missing)")]
    Unsigned,
    /// A header is not what Discord sends (the signature not 128 hex digits, the timestamp
    /// not a number of seconds).
    #[error("malformed signature headers")]
    Malformed,
    /// The signature does not match the timestamp and body.
    #[error("wrong signature")]
    Wrong,
    /// The timestamp is more than [`MAX_SKEW_SECS`] from now.
    #[error("timestamp too far from now")]
    Stale,
}

impl InteractionKey {
    /// Reads the hex key the Developer Portal shows ("Public Key"), surrounding blanks ignored.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when it is not 32 bytes of hex or not a valid key.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes: [u8; 32] = decode_hex(text.trim().as_bytes())
            .and_then(|b| b.try_into().ok())
            .ok_or(KeyError::NotHex)?;
        VerifyingKey::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| KeyError::NotAKey)
    }

    /// The key as 64 lowercase hex digits.
    #[must_use]
    pub fn to_hex(&self) -> String {
        encode_hex(self.0.as_bytes())
    }

    /// Checks a request: both headers present and well-formed, the timestamp within
    /// [`MAX_SKEW_SECS`] of `now_secs` (seconds since the Unix epoch), and the signature
    /// Discord's over timestamp + body. The signature is checked before the timestamp, so a
    /// forged request learns nothing about our clock.
    ///
    /// # Errors
    ///
    /// [`Refused`] saying why.
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now_secs: u64,
    ) -> Result<(), Refused> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(Refused::Unsigned);
        };
        let signature: [u8; 64] = decode_hex(signature)
            .and_then(|b| b.try_into().ok())
            .ok_or(Refused::Malformed)?;
        let signed_at = std::str::from_utf8(timestamp)
            .ok()
            .filter(|t| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or(Refused::Malformed)?;
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp);
        message.extend_from_slice(body);
        self.0
            .verify_strict(&message, &Signature::from_bytes(&signature))
            .map_err(|_| Refused::Wrong)?;
        if signed_at.abs_diff(now_secs) > MAX_SKEW_SECS {
            return Err(Refused::Stale);
        }
        Ok(())
    }
}

/// Hex digits to bytes (either case); `None` for an odd length or a non-hex digit.
fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| {
            let high = char::from(pair[0]).to_digit(16)?;
            let low = char::from(pair[1]).to_digit(16)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

fn encode_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer as _, SigningKey};

    use super::*;

    const NOW: u64 = 1_765_000_000;

    fn keys() -> (SigningKey, InteractionKey) {
        let signing = SigningKey::from_bytes(&[7; 32]);
        let public = InteractionKey::from_hex(&encode_hex(signing.verifying_key().as_bytes()))
            .unwrap_or_else(|e| panic!("{e}"));
        (signing, public)
    }

    fn sign(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
        let mut message = timestamp.as_bytes().to_vec();
        message.extend_from_slice(body);
        encode_hex(&key.sign(&message).to_bytes())
    }

    #[test]
    fn a_genuine_request_passes_and_any_change_fails() {
        let (signing, key) = keys();
        let body = br#"{"type":1}"#;
        let ts = NOW.to_string();
        let sig = sign(&signing, &ts, body);
        assert_eq!(
            key.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), body, NOW),
            Ok(())
        );
        let upper = sig.to_uppercase();
        assert_eq!(
            key.verify(Some(upper.as_bytes()), Some(ts.as_bytes()), body, NOW),
            Ok(())
        );
        assert_eq!(
            key.verify(
                Some(sig.as_bytes()),
                Some(ts.as_bytes()),
                br#"{"type":2}"#,
                NOW
            ),
            Err(Refused::Wrong)
        );
        let later = (NOW + 1).to_string();
        assert_eq!(
            key.verify(Some(sig.as_bytes()), Some(later.as_bytes()), body, NOW),
            Err(Refused::Wrong)
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        let forged = sign(&other, &ts, body);
        assert_eq!(
            key.verify(Some(forged.as_bytes()), Some(ts.as_bytes()), body, NOW),
            Err(Refused::Wrong)
        );
    }

    #[test]
    fn missing_or_malformed_headers_are_refused() {
        let (signing, key) = keys();
        let ts = NOW.to_string();
        let sig = sign(&signing, &ts, b"{}");
        assert_eq!(
            key.verify(None, Some(ts.as_bytes()), b"{}", NOW),
            Err(Refused::Unsigned)
        );
        assert_eq!(
            key.verify(Some(sig.as_bytes()), None, b"{}", NOW),
            Err(Refused::Unsigned)
        );
        for bad in ["", "zz", &sig[..126], &format!("{sig}00")] {
            assert_eq!(
                key.verify(Some(bad.as_bytes()), Some(ts.as_bytes()), b"{}", NOW),
                Err(Refused::Malformed),
                "{bad:?}"
            );
        }
        for bad in ["", "-1", "1e9", " 1765000000", "99999999999999999999999"] {
            assert_eq!(
                key.verify(Some(sig.as_bytes()), Some(bad.as_bytes()), b"{}", NOW),
                Err(Refused::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn old_and_far_future_timestamps_are_refused_even_when_signed() {
        let (signing, key) = keys();
        for (at, ok) in [
            (NOW - MAX_SKEW_SECS, true),
            (NOW - MAX_SKEW_SECS - 1, false),
            (NOW + MAX_SKEW_SECS, true),
            (NOW + MAX_SKEW_SECS + 1, false),
            (0, false),
        ] {
            let ts = at.to_string();
            let sig = sign(&signing, &ts, b"{}");
            let got = key.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), b"{}", NOW);
            assert_eq!(got.is_ok(), ok, "{at}: {got:?}");
            if !ok {
                assert_eq!(got, Err(Refused::Stale));
            }
        }
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex_on_the_curve() {
        assert_eq!(InteractionKey::from_hex(""), Err(KeyError::NotHex));
        assert_eq!(InteractionKey::from_hex("abc"), Err(KeyError::NotHex));
        assert_eq!(
            InteractionKey::from_hex(&"g".repeat(64)),
            Err(KeyError::NotHex)
        );
        assert_eq!(
            InteractionKey::from_hex(&"00".repeat(33)),
            Err(KeyError::NotHex)
        );
        let (_, key) = keys();
        let hex = key.to_hex();
        assert_eq!(
            InteractionKey::from_hex(&format!(" {} \n", hex.to_uppercase())),
            Ok(key.clone())
        );
        assert!(format!("{key:?}").len() < 40);
    }
}
