//! Twilio: the credentials, the Conversations service, the TaskRouter workspace, workflow and
//! `chat` task channel a hand-off routes through, and the Studio flow in studio mode. Read-only
//! requests; none is retried, so a closed port fails at once.

use flexcord_core::config::RoutingMode;
use twilio_flex::{Client, Error, ErrorKind, RetryPolicy};

use super::http_probe::causes;
use super::{Context, Line, Lines};
use crate::adapters;
use crate::config::Settings;

pub(super) fn run<'a>(cx: &'a Context<'a>) -> Lines<'a> {
    Box::pin(async move {
        let client = match adapters::twilio_client_builder(cx.settings)
            .and_then(|b| Ok(b.retry_policy(RetryPolicy::none()).build()?))
        {
            Ok(client) => client,
            Err(_)
                if [
                    "TWILIO_ACCOUNT_SID",
                    "TWILIO_AUTH_TOKEN",
                    "TWILIO_API_KEY",
                    "TWILIO_API_SECRET",
                ]
                .iter()
                .any(|v| cx.reported(v)) =>
            {
                return Vec::new();
            }
            Err(error) => {
                return vec![Line::fail(
                    "twilio",
                    format!("{error:#}"),
                    "see docs/configuration.md",
                )];
            }
        };
        check(cx.settings, &client).await
    })
}

async fn check(settings: &Settings, client: &Client) -> Vec<Line> {
    let t = &settings.twilio;
    let account = client.account_sid().to_owned();
    let auth = if t.api_key.is_some() {
        "API key"
    } else {
        "auth token"
    };
    let host = |default: &str| {
        t.api_base_url
            .clone()
            .unwrap_or_else(|| format!("https://{default}"))
    };
    let mut lines = Vec::new();

    let configuration = match client.conversations_configuration().await {
        Ok(configuration) => configuration,
        Err(error) => {
            let at = host("conversations.twilio.com");
            lines.push(if error.is_unauthorized() {
                Line::fail(
                    "twilio credentials",
                    format!(
                        "{at} refused the {auth} for account {account} ({})",
                        status_text(&error)
                    ),
                    if t.api_key.is_some() {
                        "check TWILIO_API_KEY and TWILIO_API_SECRET belong to TWILIO_ACCOUNT_SID (Console → Account → API keys)"
                    } else {
                        "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Console → Account Info)"
                    },
                )
            } else {
                Line::fail(
                    "twilio credentials",
                    format!("GET {at}/v1/Configuration failed: {}", describe(&error)),
                    reach_fix(t.api_base_url.is_some()),
                )
            });
            return lines;
        }
    };
    lines.push(Line::ok(
        "twilio credentials",
        format!("account {account} accepted the {auth}"),
    ));

    match &t.chat_service_sid {
        Some(sid) => lines.push(match client.fetch_conversation_service(sid).await {
            Ok(service) => Line::ok(
                "twilio conversations service",
                format!("{} exists ({})", service.sid, name(service.friendly_name.as_deref())),
            ),
            Err(error) => missing(
                "twilio conversations service",
                &format!("Conversations service {sid}"),
                &account,
                &error,
                "set TWILIO_CHAT_SERVICE_SID to the Flex Conversations service (Console → Conversations → Services), or unset it to use the account's default",
            ),
        }),
        None => lines.push(match configuration.default_chat_service_sid {
            Some(sid) => Line::ok(
                "twilio conversations service",
                format!("the account's default, {sid} (TWILIO_CHAT_SERVICE_SID unset)"),
            ),
            None => Line::fail(
                "twilio conversations service",
                format!("account {account} has no default Conversations service"),
                "set TWILIO_CHAT_SERVICE_SID to the Flex Conversations service",
            ),
        }),
    }

    // Bridge mode routes through TaskRouter itself; studio mode's flow uses the workflow too.
    if let Some(workspace) = &t.workspace_sid {
        lines.extend(taskrouter(client, &account, workspace, t.workflow_sid.as_deref()).await);
    }

    if settings.router.routing == RoutingMode::Studio
        && let Some(flow) = &t.studio_flow_sid
    {
        lines.push(match client.fetch_flow(flow).await {
            Ok(found) => {
                let status = found.status.as_ref().map_or("unknown", |s| s.as_str());
                if status == "published" {
                    Line::ok(
                        "twilio studio flow",
                        format!(
                            "{flow} is published (revision {})",
                            found.revision.unwrap_or(0)
                        ),
                    )
                } else {
                    Line::fail(
                        "twilio studio flow",
                        format!(
                            "{flow} is {status}, not published: Studio runs only published flows"
                        ),
                        "run `flexcord setup twilio` (it publishes the flow)",
                    )
                }
            }
            Err(error) => missing(
                "twilio studio flow",
                &format!("Studio flow {flow}"),
                &account,
                &error,
                "run `flexcord setup twilio` and set TWILIO_STUDIO_FLOW_SID to the FW… it prints",
            ),
        });
    }
    lines
}

async fn taskrouter(
    client: &Client,
    account: &str,
    workspace: &str,
    workflow: Option<&str>,
) -> Vec<Line> {
    let mut lines = Vec::new();
    match client.fetch_workspace(workspace).await {
        Ok(found) => lines.push(Line::ok(
            "twilio workspace",
            format!(
                "{workspace} exists ({})",
                name(found.friendly_name.as_deref())
            ),
        )),
        Err(error) => {
            lines.push(missing(
                "twilio workspace",
                &format!("TaskRouter workspace {workspace}"),
                account,
                &error,
                "set TWILIO_WORKSPACE_SID to the Flex workspace (Console → TaskRouter → Workspaces)",
            ));
            return lines;
        }
    }
    if let Some(workflow) = workflow {
        lines.push(match client.fetch_workflow(workspace, workflow).await {
            Ok(found) => Line::ok(
                "twilio workflow",
                format!(
                    "{workflow} exists in {workspace} ({})",
                    name(found.friendly_name.as_deref())
                ),
            ),
            Err(error) => missing(
                "twilio workflow",
                &format!("workflow {workflow} in workspace {workspace}"),
                account,
                &error,
                "set TWILIO_WORKFLOW_SID to a workflow of that workspace (Console → TaskRouter → Workspaces → Workflows)",
            ),
        });
    }
    lines.push(match client.list_task_channels(workspace).await {
        Ok(channels) => match channels.iter().find(|c| c.unique_name == "chat") {
            Some(chat) => Line::ok(
                "twilio task channel",
                format!("workspace {workspace} has the chat task channel {}", chat.sid),
            ),
            None => Line::fail(
                "twilio task channel",
                format!(
                    "workspace {workspace} has no task channel named chat (it has: {})",
                    if channels.is_empty() {
                        "none".to_owned()
                    } else {
                        channels
                            .iter()
                            .map(|c| c.unique_name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
                "create one with unique name chat (Console → TaskRouter → Workspaces → Task Channels)",
            ),
        },
        Err(error) => Line::fail(
            "twilio task channel",
            format!("cannot list the task channels of {workspace}: {}", describe(&error)),
            "check the credentials may read TaskRouter",
        ),
    });
    lines
}

/// A resource that could not be fetched: not found, or the request failed.
fn missing(name: &str, what: &str, account: &str, error: &Error, fix: &str) -> Line {
    if error.is_not_found() {
        Line::fail(
            name,
            format!("{what} does not exist in account {account}"),
            fix,
        )
    } else {
        Line::fail(
            name,
            format!("cannot read {what}: {}", describe(error)),
            fix,
        )
    }
}

fn describe(error: &Error) -> String {
    match error.kind() {
        ErrorKind::Api { .. } => status_text(error),
        _ => causes(error),
    }
}

/// `401, Twilio error 20003: Authenticate`.
fn status_text(error: &Error) -> String {
    match (error.status(), error.twilio()) {
        (Some(status), Some(body)) if !body.message.is_empty() => {
            format!("HTTP {status}, {body}")
        }
        (Some(status), _) => format!("HTTP {status}"),
        _ => causes(error),
    }
}

fn reach_fix(custom_base: bool) -> &'static str {
    if custom_base {
        "check TWILIO_API_BASE_URL: nothing usable answers there"
    } else {
        "check this machine's network, DNS and any HTTPS proxy towards *.twilio.com"
    }
}

fn name(friendly: Option<&str>) -> String {
    friendly.map_or_else(|| "no name".to_owned(), |n| format!("\"{n}\""))
}
