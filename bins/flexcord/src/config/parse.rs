//! Parsers (`Raw -> T`) and checks (`&T -> ok or a problem`) the setting rows are built from.
//! Problems are message tails; the merge puts the setting's name in front. Every parser returns
//! a `Result`, even one that cannot fail, so that any of them fits a row.

use std::net::SocketAddr;
use std::path::PathBuf;

use flexcord_core::config::RoutingMode;

use super::redact_url;
use super::secret::Secret;
use super::table::{Problems, Raw};

/// The text as given.
pub(crate) fn text(raw: Raw) -> Result<String, Problems> {
    Ok(raw.into_text())
}

/// A URL without its trailing slashes (paths are appended to it).
pub(crate) fn base_url(raw: Raw) -> Result<String, Problems> {
    Ok(raw.into_text().trim_end_matches('/').to_owned())
}

/// A token, password or API key.
pub(crate) fn secret(raw: Raw) -> Result<Secret, Problems> {
    Ok(Secret::new(raw.into_text()))
}

/// A list of texts.
pub(crate) fn list(raw: Raw) -> Result<Vec<String>, Problems> {
    Ok(raw.into_list())
}

/// A folder or file.
pub(crate) fn path(raw: Raw) -> Result<PathBuf, Problems> {
    Ok(PathBuf::from(raw.into_text()))
}

/// A non-negative whole number.
pub(crate) fn number(raw: Raw) -> Result<u64, Problems> {
    let value = raw.into_text();
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("must be a number, got {value:?}").into())
}

/// The application's Ed25519 public key, as the Developer Portal shows it (hex).
pub(crate) fn interaction_key(raw: Raw) -> Result<flexcord_discord::InteractionKey, Problems> {
    flexcord_discord::InteractionKey::from_hex(&raw.into_text())
        .map_err(|e| Problems::from(e.to_string()))
}

/// A rate in requests per second: a whole number from 1 to 65,535.
pub(crate) fn requests_per_second(raw: Raw) -> Result<std::num::NonZeroU16, Problems> {
    let value = raw.into_text();
    value
        .trim()
        .parse::<std::num::NonZeroU16>()
        .map_err(|_| format!("must be a number from 1 to 65535, got {value:?}").into())
}

/// `N` (an adaptive limit up to N) or `fixed:N`, N at least 1.
pub(crate) fn twilio_concurrency(raw: Raw) -> Result<super::TwilioConcurrency, Problems> {
    let value = raw.into_text();
    let text = value.trim();
    let (fixed, n) = match text.strip_prefix("fixed:") {
        Some(n) => (true, n.trim()),
        None => (false, text),
    };
    match n.parse::<usize>() {
        Ok(n) if n > 0 && fixed => Ok(super::TwilioConcurrency::Fixed(n)),
        Ok(n) if n > 0 => Ok(super::TwilioConcurrency::Adaptive { ceiling: n }),
        _ => Err(format!(
            "must be a ceiling like 100 or a fixed limit like fixed:20 (at least 1), got {value:?}"
        )
        .into()),
    }
}

/// `ip:port`.
pub(crate) fn socket_addr(raw: Raw) -> Result<SocketAddr, Problems> {
    let value = raw.into_text();
    value
        .parse()
        .map_err(|_| format!("must be an address like 0.0.0.0:8080, got {value:?}").into())
}

/// `bridge` or `studio`, in any case.
pub(crate) fn routing_mode(raw: Raw) -> Result<RoutingMode, Problems> {
    let value = raw.into_text();
    match value.trim().to_ascii_lowercase().as_str() {
        "bridge" => Ok(RoutingMode::Bridge),
        "studio" => Ok(RoutingMode::Studio),
        other => Err(format!("must be bridge or studio, got {other:?}").into()),
    }
}

/// `http://…` or `https://…`.
pub(crate) fn http_url(value: &str) -> Result<(), Problems> {
    if (value.starts_with("http://") || value.starts_with("https://")) && value.len() >= 10 {
        Ok(())
    } else {
        Err(format!("must be an http(s) URL, got {value:?}").into())
    }
}

/// Every item an http(s) URL; one problem per bad item.
pub(crate) fn http_urls(values: &[String]) -> Result<(), Problems> {
    let problems: Vec<String> = values
        .iter()
        .filter_map(|v| http_url(v).err())
        .flat_map(|p| p.0)
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Problems(problems))
    }
}

/// `ws://…` or `wss://…`.
pub(crate) fn ws_url(value: &str) -> Result<(), Problems> {
    if value.starts_with("ws://") || value.starts_with("wss://") {
        Ok(())
    } else {
        Err(format!("must start with ws:// or wss://, got {value:?}").into())
    }
}

/// `host:port`, which twilight's proxy setting takes: a scheme or a path would break it.
pub(crate) fn host_port(value: &str) -> Result<(), Problems> {
    if value.contains("://") || value.contains('/') {
        Err(format!("must be host:port without a scheme, got {value:?}").into())
    } else {
        Ok(())
    }
}

/// A database URL flexcord has a store for; the message hides the password.
pub(crate) fn database_url(value: &str) -> Result<(), Problems> {
    if value.starts_with("sqlite:")
        || value.starts_with("postgres://")
        || value.starts_with("postgresql://")
    {
        Ok(())
    } else {
        Err(format!(
            "must start with sqlite: or postgres://, got {:?}",
            redact_url(value)
        )
        .into())
    }
}

/// At least 1.
pub(crate) fn positive(value: &u64) -> Result<(), Problems> {
    if *value == 0 {
        Err("must be at least 1".into())
    } else {
        Ok(())
    }
}

/// A Twilio SID: this two-letter prefix and 32 hexadecimal digits, as Twilio issues them. A
/// truncated or mistyped one (`AC1`) is refused here rather than by Twilio in front of a player.
pub(crate) fn sid(value: &str, prefix: &str) -> Result<(), Problems> {
    let ok = value.len() == 34
        && value.starts_with(prefix)
        && value.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be a Twilio SID: {prefix} and 32 hexadecimal digits (34 characters), got {:?}",
            crate::config::parse::clipped(value)
        )
        .into())
    }
}

/// A value quoted in a message, cut to 40 characters (a secret pasted in the wrong variable
/// must not be printed in full).
pub(crate) fn clipped(value: &str) -> String {
    if value.chars().count() <= 40 {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(39).collect();
        cut.push('…');
        cut
    }
}
