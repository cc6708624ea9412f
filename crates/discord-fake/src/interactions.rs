//! Discord's HTTP interactions, played to a bot's Interactions Endpoint URL: the interaction JSON
//! (see [`crate::fixtures::InteractionFixture`]) signed the way Discord signs it (Ed25519 over
//! `X-Signature-Timestamp` + body, with a fixed test key whose public half the bot is given as
//! `DISCORD_PUBLIC_KEY`), POSTed over plain HTTP/1.1 to `127.0.0.1`, and every answer — the
//! initial interaction response — recorded. Follow-ups go to the REST API as on the gateway
//! path (the wiremock helpers in `rest` record those).
//!
//! Deliberately wrong requests are one [`Signing`] away: unsigned, signed with another key,
//! signed too long ago, a body changed after signing.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signer as _, SigningKey};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The test application's private key seed. A fixed, public value: never a real key.
const TEST_SEED: [u8; 32] = *b"discord-fake test interactions!!";
/// Another key, for forged signatures.
const OTHER_SEED: [u8; 32] = *b"discord-fake: not the app's key!";
/// The most a response may be; more is a broken bot.
const MAX_RESPONSE: usize = 1024 * 1024;

/// How to sign one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signing {
    /// As Discord does, timestamped now.
    Valid,
    /// As Discord does, with this timestamp (seconds since the Unix epoch).
    At(u64),
    /// Signed with a key that is not the application's.
    OtherKey,
    /// No signature headers at all (Discord's first probe of a new URL).
    Unsigned,
    /// Signed, then the body replaced with this one.
    Tampered(Vec<u8>),
}

/// One answer the bot gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response body (the interaction response JSON on success).
    pub body: String,
}

impl Answer {
    /// The body as JSON, when it is.
    #[must_use]
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Plays Discord delivering interactions over HTTP.
#[derive(Debug, Clone)]
pub struct InteractionSender {
    key: Arc<SigningKey>,
    answers: Arc<Mutex<Vec<Answer>>>,
}

impl Default for InteractionSender {
    fn default() -> Self {
        Self::new()
    }
}

impl InteractionSender {
    /// A sender with the fixed test key.
    #[must_use]
    pub fn new() -> Self {
        Self {
            key: Arc::new(SigningKey::from_bytes(&TEST_SEED)),
            answers: Arc::default(),
        }
    }

    /// The application's public key, as the Developer Portal shows it (`DISCORD_PUBLIC_KEY`).
    #[must_use]
    pub fn public_key_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    /// `X-Signature-Ed25519` for `timestamp` + `body`.
    #[must_use]
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        sign_with(&self.key, timestamp, body)
    }

    /// POSTs `interaction` (the JSON Discord would send) to `url` (`http://127.0.0.1:…/path`),
    /// signed as `signing` says; records and returns the answer.
    ///
    /// # Errors
    ///
    /// The connection failed or the answer is not HTTP.
    pub async fn post(
        &self,
        url: &str,
        interaction: &serde_json::Value,
        signing: Signing,
    ) -> std::io::Result<Answer> {
        let body = serde_json::to_vec(interaction).map_err(std::io::Error::other)?;
        self.post_bytes(url, &body, signing).await
    }

    /// Like [`InteractionSender::post`] with a raw body (oversized, not JSON, …).
    ///
    /// # Errors
    ///
    /// As for [`InteractionSender::post`].
    pub async fn post_bytes(
        &self,
        url: &str,
        body: &[u8],
        signing: Signing,
    ) -> std::io::Result<Answer> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (headers, sent) = match signing {
            Signing::Valid => (
                Some((now, sign_with(&self.key, &now.to_string(), body))),
                body.to_vec(),
            ),
            Signing::At(at) => (
                Some((at, sign_with(&self.key, &at.to_string(), body))),
                body.to_vec(),
            ),
            Signing::OtherKey => {
                let other = SigningKey::from_bytes(&OTHER_SEED);
                (
                    Some((now, sign_with(&other, &now.to_string(), body))),
                    body.to_vec(),
                )
            }
            Signing::Unsigned => (None, body.to_vec()),
            Signing::Tampered(replacement) => (
                Some((now, sign_with(&self.key, &now.to_string(), body))),
                replacement,
            ),
        };
        let mut extra = String::new();
        if let Some((timestamp, signature)) = headers {
            extra = format!(
                "x-signature-ed25519: {signature}\r\nx-signature-timestamp: {timestamp}\r\n"
            );
        }
        let answer = post_http(url, &extra, &sent).await?;
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(answer.clone());
        Ok(answer)
    }

    /// Every answer so far, in order.
    #[must_use]
    pub fn answers(&self) -> Vec<Answer> {
        self.answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn sign_with(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    hex(&key.sign(&message).to_bytes())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// One HTTP/1.1 POST on a fresh connection (`Connection: close`), plain HTTP to a local bot.
async fn post_http(url: &str, extra_headers: &str, body: &[u8]) -> std::io::Result<Answer> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, what.to_owned());
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// URLs"))?;
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut stream = TcpStream::connect(authority).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n{extra_headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    // The bot may answer (413) before reading all of a large body and close: a failed write
    // then is not a failed request.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    stream
        .take(u64::try_from(MAX_RESPONSE).unwrap_or(u64::MAX))
        .read_to_end(&mut raw)
        .await?;
    parse_response(&raw).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP/1.1 response")
    })
}

fn parse_response(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(raw.get(..split)?).ok()?;
    let payload = raw.get(split + 4..)?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(payload)?
    } else {
        payload.to_vec()
    };
    Some(Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut payload: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = payload.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(payload.get(..line_end)?).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        payload = payload.get(line_end + 2..)?;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(payload.get(..size)?);
        payload = payload.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_read_plain_or_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{\"type\":1}";
        assert_eq!(
            parse_response(plain),
            Some(Answer {
                status: 200,
                body: "{\"type\":1}".to_owned()
            })
        );
        let chunked =
            b"HTTP/1.1 401 Unauthorized\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).map(|a| (a.status, a.body)),
            Some((401, "abcde".to_owned()))
        );
        assert_eq!(parse_response(b"garbage"), None);
    }

    #[test]
    fn the_public_key_is_64_hex_digits() {
        let key = InteractionSender::new().public_key_hex();
        assert_eq!(key.len(), 64);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
