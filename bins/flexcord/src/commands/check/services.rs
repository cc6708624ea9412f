//! The optional remote services, when configured: SeaChat (`SEACHAT_URL`) and the case system
//! (`CASES_URL`), each asked with its API key (docs/contracts/).

use flexcord_http::{Error, ErrorKind, Request, RetryPolicy, endpoint};
use secrecy::SecretString;

use super::http_probe::{causes, host_of};
use super::{Context, Line, Lines};
use crate::config::RemoteService;

fn key(remote: &RemoteService) -> SecretString {
    SecretString::from(
        remote
            .api_key
            .as_ref()
            .map(|k| k.expose().to_owned())
            .unwrap_or_default(),
    )
}

/// The case system: `GET /v1/cases?limit=1`, the contract's read.
pub(super) fn cases<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        let Some(remote) = &cx.settings.cases else {
            return Vec::new();
        };
        let url = format!("{}/v1/cases?limit=1", remote.url.trim_end_matches('/'));
        let client = cases::Config::new(&remote.url, key(remote))
            .and_then(|config| cases::Client::new(&config));
        let outcome = match client {
            Ok(client) => {
                let query = cases::wire::ListQuery {
                    limit: Some(1),
                    ..cases::wire::ListQuery::default()
                };
                client.list_cases(&query).await.map(drop)
            }
            Err(error) => Err(error),
        };
        vec![match outcome {
            Ok(()) => Line::ok("cases", format!("GET {url} answered with a case list")),
            Err(error) => failure("cases", "CASES", &url, &error),
        }]
    })
}

/// SeaChat. Its contract has one call, `POST /v1/turns`, which is a user's turn and not to be
/// made up by a check; so the check sends `GET /v1/turns` with the key: any answer proves the
/// bot is reachable at that address, and a 401/403 proves the key wrong. A bot that checks the
/// method before the key cannot show a wrong key this way: the line says so.
pub(super) fn seachat<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        let Some(remote) = &cx.settings.seachat else {
            return Vec::new();
        };
        let url = format!("{}/v1/turns", remote.url.trim_end_matches('/'));
        let outcome = async {
            let config = seachat::Config::new(&remote.url, key(remote))?;
            let client = config.http_client(RetryPolicy::none())?;
            let turns = endpoint(&config.url, &["v1", "turns"])?;
            client.send(Request::get(turns)).await.map(drop)
        }
        .await;
        let line = match outcome {
            Ok(()) => Line::ok("seachat", format!("GET {url} answered")),
            Err(error) => match error.kind() {
                ErrorKind::Status { status, .. }
                    if !matches!(status.as_u16(), 401 | 403 | 407) && status.as_u16() < 500 =>
                {
                    Line::ok(
                        "seachat",
                        format!(
                            "{} answered GET {url} ({status}: the contract's only call is a POST); \
                             the API key is first used by a player's turn",
                            host_of(&url)
                        ),
                    )
                }
                _ => failure("seachat", "SEACHAT", &url, &error),
            },
        };
        vec![line]
    })
}

/// A refused key, an error answer or no answer at all, with the variables to look at.
fn failure(name: &str, prefix: &str, url: &str, error: &Error) -> Line {
    match error.kind() {
        ErrorKind::Status { status, .. } if matches!(status.as_u16(), 401 | 403) => Line::fail(
            name,
            format!("GET {url} answered {status}: the API key was refused"),
            format!("set {prefix}_API_KEY to the key the service issued"),
        ),
        ErrorKind::Status { status, .. } => Line::fail(
            name,
            format!("GET {url} answered {status}"),
            format!(
                "check {prefix}_URL points at the service (its contract is in docs/contracts/)"
            ),
        ),
        _ => Line::fail(
            name,
            format!(
                "cannot reach {} (GET {url}): {}",
                host_of(url),
                causes(error)
            ),
            format!("check {prefix}_URL and that the service is running"),
        ),
    }
}
