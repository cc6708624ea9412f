//! Whether `FLEXCORD_PUBLIC_URL` answers `/healthz` from here: the address Twilio posts
//! webhooks to and Discord posts interactions to. Before the first `flexcord run` nothing
//! answers, so a failure here is a warning. Behind a proxy that passes only the webhook paths
//! (docs/deployment.md), or with an admin listener, `/healthz` is not public: then a `GET` of a
//! webhook path answered `405` (flexcord's "use POST") proves the address reaches flexcord.

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
        let client = match client {
            Ok(client) => client,
            Err(error) => {
                return vec![Line::fail(
                    "public url",
                    format!("cannot build an HTTP client: {}", causes(&error)),
                    "report this as a bug",
                )];
            }
        };
        let get = |url: String| {
            let client = client.clone();
            async move {
                let request = Request::parse(flexcord_http::http::Method::GET, &url)?;
                client.send(request).await
            }
        };
        let outcome = get(url.clone()).await;
        if let Err(error) = &outcome
            && let flexcord_http::ErrorKind::Status { status, .. } = error.kind()
            && status.as_u16() == 404
        {
            let webhook = format!(
                "{}{}",
                base.trim_end_matches('/'),
                crate::http::WEBHOOK_PATHS[0]
            );
            if let Err(error) = get(webhook.clone()).await
                && let flexcord_http::ErrorKind::Status { status, .. } = error.kind()
                && status.as_u16() == 405
            {
                return vec![Line::ok(
                    "public url",
                    format!(
                        "GET {webhook} reached flexcord (405: webhooks are POSTed); /healthz is not public"
                    ),
                )];
            }
        }
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
