//! Describing a failed HTTP request for a person: where it went and why it failed, each cause
//! once ("connection refused", not "could not connect: client error (Connect): tcp connect
//! error: Connection refused (os error 111)" with repeats).

/// The error's causes joined with `: `, each text once.
pub(super) fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = e.source();
    }
    parts.join(": ")
}

/// `host:port` of a URL, for "cannot reach …".
pub(super) fn host_of(url: &str) -> String {
    match flexcord_http::url::Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_carry_their_port() {
        assert_eq!(host_of("http://127.0.0.1:9"), "127.0.0.1:9");
        assert_eq!(host_of("https://api.twilio.com/x"), "api.twilio.com:443");
    }
}
