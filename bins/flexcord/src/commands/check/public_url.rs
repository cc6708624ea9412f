//! Whether `FLEXCORD_PUBLIC_URL` answers `/healthz` from here: the address Twilio posts
//! webhooks to and Discord posts interactions to. Before the first `flexcord run` nothing
//! answers, so a failure here is a warning.

use std::time::Duration;

use flexcord_http::{HttpClient, Request, RetryPolicy};

use super::http_probe::{causes, host_of};
use super::{Context, Line, Lines};

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        let Some(base) = &cx.settings.public_url else {
            return Vec::new();
        };
        let url = format!("{}/healthz", base.trim_end_matches('/'));
        let client = HttpClient::builder()
            .timeout(Duration::from_secs(5))
            .retry(RetryPolicy::none())
            .build();
        let request = Request::parse(flexcord_http::http::Method::GET, &url);
        let outcome = match (client, request) {
            (Ok(client), Ok(request)) => client.send(request).await,
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let fix = "start `flexcord run`, then check the reverse proxy forwards FLEXCORD_PUBLIC_URL to it (docs/deployment.md)";
        vec![match outcome {
            Ok(_) => Line::ok("public url", format!("GET {url} answered 200")),
            Err(error) => match error.kind() {
                flexcord_http::ErrorKind::Status { status, .. } => Line::warn(
                    "public url",
                    format!("GET {url} answered {status}, not flexcord's 200"),
                    fix,
                ),
                _ => Line::warn(
                    "public url",
                    format!(
                        "cannot reach {} (GET {url}): {}",
                        host_of(&url),
                        causes(&error)
                    ),
                    fix,
                ),
            },
        }]
    })
}
