//! `POST /discord/interactions`: Discord's interactions over HTTP (on when `DISCORD_PUBLIC_KEY`
//! is set). Discord then sends every interaction here instead of over the gateway, so any
//! instance behind the load balancer answers them.
//!
//! Order of checks: body size (413) and read time (408, both in [`super::read_body_in_time`]),
//! signature and timestamp (401 — Discord probes a new endpoint URL with unsigned and wrongly
//! signed requests and keeps the URL only when they are refused), payload (400). Then:
//! - PING → PONG;
//! - the report form, or a click on a button flexcord does not know → answered at once, nothing
//!   recorded (as on the gateway path);
//! - everything else goes to the same router as the gateway path, and the answer waits until
//!   the router has **recorded** it (the dedupe key `dc:int:<id>`, in the step's commit): the
//!   router's reply, when it comes within [`ANSWER_BUDGET`], *is* the response (an ephemeral
//!   message); a step that needs longer (a slow case system or virtual agent) gets a deferral
//!   and its reply follows as on the gateway path (see [`crate::interaction_replies`]). While
//!   the store refuses writes, or when the step fails, the answer is 503 and nothing is done:
//!   Discord tells the user the interaction failed, and they can try again.
//!
//! The same interaction delivered twice (a replay within the timestamp window) is recorded
//! once: the second is a duplicate for the router, and only deferred.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flexcord_core::event::DiscordEvent;
use flexcord_core::ports::StoreError;
use flexcord_core::router::RouterError;
use flexcord_discord::chat::{ack_response, reply_response};
use flexcord_discord::http_interactions::{self, Decision, Incoming, handle_of};
use flexcord_discord::signature::Refused;
use flexcord_discord::translate::Ack;
use flexcord_discord::{DiscordChat, InteractionKey};

use super::{AppState, body_rejection, refuse};
use crate::interaction_replies::{PendingReplies, Stopped};
use crate::report;

/// Where Discord sends interactions (the Interactions Endpoint URL is the public URL + this).
pub const PATH: &str = "/discord/interactions";

/// How long after a request arrived its answer waits for the router before deferring: Discord wants the response within
/// 3 s of sending, and the request spent some of that on the way.
pub const ANSWER_BUDGET: Duration = Duration::from_millis(2200);

/// What the endpoint needs besides [`AppState`].
#[derive(Debug)]
pub struct DiscordInteractions {
    /// `DISCORD_PUBLIC_KEY`.
    pub key: InteractionKey,
    /// For the role look-up of `/case` and noting deferred updates.
    pub chat: DiscordChat,
    /// `FLEXCORD_STAFF_ROLE`.
    pub staff_role: Option<String>,
    /// `DISCORD_APPLICATION_ID`.
    pub application_id: u64,
    /// Replies the router gives while a request is open.
    pub pending: Arc<PendingReplies>,
}

/// Handles one request from Discord.
pub(super) async fn interactions(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // The budget counts from the request's arrival: a `/case` may spend some of it on roles.
    let deadline = tokio::time::Instant::now() + ANSWER_BUDGET;
    let Some(endpoint) = state.discord_interactions.clone() else {
        return (
            StatusCode::NOT_FOUND,
            "HTTP interactions are off (DISCORD_PUBLIC_KEY is not set)\n",
        )
            .into_response();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_rejection(&state, PATH, &rejection),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if let Err(refused) = endpoint.key.verify(
        headers.get("x-signature-ed25519").map(|v| v.as_bytes()),
        headers.get("x-signature-timestamp").map(|v| v.as_bytes()),
        &body,
        now,
    ) {
        let reason = match refused {
            Refused::Unsigned => "discord_unsigned",
            Refused::Malformed | Refused::Wrong => "discord_bad_signature",
            Refused::Stale => "discord_stale",
        };
        refuse(&state, reason, PATH, &refused.to_string());
        return (StatusCode::UNAUTHORIZED, "invalid request signature\n").into_response();
    }
    let interaction = match http_interactions::parse(&body) {
        Ok(Incoming::Ping) => return respond(&http_interactions::pong()),
        Ok(Incoming::Interaction(interaction)) => interaction,
        Err(error) => {
            refuse(&state, "malformed", PATH, &error.to_string());
            return (StatusCode::BAD_REQUEST, "not an interaction\n").into_response();
        }
    };
    let decision = http_interactions::decide(
        &endpoint.chat,
        &interaction,
        endpoint.staff_role.as_deref(),
        endpoint.application_id,
    )
    .await;
    match decision {
        Decision::Respond(response) => respond(&response),
        Decision::Unhandled => {
            tracing::debug!(
                interaction = interaction.id.get(),
                "HTTP interaction flexcord does not act on"
            );
            (StatusCode::BAD_REQUEST, "interaction not handled\n").into_response()
        }
        Decision::Route { ack, event } => route(&state, &endpoint, ack, event, deadline).await,
    }
}

/// Hands `event` to the router and answers once it is recorded (see the module docs).
async fn route(
    state: &AppState,
    endpoint: &Arc<DiscordInteractions>,
    ack: Ack,
    event: DiscordEvent,
    deadline: tokio::time::Instant,
) -> Response {
    let Some(id) = handle_of(&event).map(|h| h.id) else {
        return (StatusCode::BAD_REQUEST, "interaction not handled\n").into_response();
    };
    if state.metrics.store_writes_failing.get() > 0 {
        // Nothing can be recorded: refuse now rather than acknowledge what may be lost.
        refuse(state, "store_unavailable", PATH, "store refuses writes");
        return unavailable();
    }
    let mut reply = endpoint.pending.open(id);
    // The step runs on its own: a request Discord gives up on (or the deadline below) never
    // cancels a commit half-way.
    let mut step = tokio::spawn({
        let router = Arc::clone(&state.router);
        let metrics = Arc::clone(&state.metrics);
        let wake = Arc::clone(&state.outbox_wake);
        let pending = Arc::clone(&endpoint.pending);
        async move {
            let result = router.handle_discord(event).await;
            pending.close(id);
            report::handled(&metrics, "discord", &result);
            if result.as_ref().is_ok_and(|h| h.enqueued > 0) {
                wake.notify_one();
            }
            result
        }
    });
    let deadline = tokio::time::sleep_until(deadline);
    tokio::pin!(deadline);
    tokio::select! {
        Ok(reply) = &mut reply => respond(&reply_response(&reply)),
        joined = &mut step => match joined {
            // Done without a reply: recorded (or a duplicate, or nothing to record).
            Ok(Ok(_)) => {
                // A reply may have raced the step's end into the channel.
                match reply.try_recv() {
                    Ok(reply) => respond(&reply_response(&reply)),
                    Err(_) => acknowledge(endpoint, id, ack),
                }
            }
            Ok(Err(error)) => failed(&error),
            Err(join_error) => {
                tracing::error!(error = %join_error, "HTTP interaction step failed");
                unavailable()
            }
        },
        () = &mut deadline => match endpoint.pending.stop_waiting(id, &mut reply) {
            Stopped::Replied(reply) => respond(&reply_response(&reply)),
            Stopped::Deferred => {
                tracing::info!(
                    interaction = id,
                    "HTTP interaction still being handled after the answer budget; deferred"
                );
                acknowledge(endpoint, id, ack)
            }
        },
    }
}

/// The deferral: "thinking…" for commands and forms, a silent update for buttons (whose
/// reply, if any, is then an ephemeral follow-up).
fn acknowledge(endpoint: &DiscordInteractions, id: u64, ack: Ack) -> Response {
    if ack == Ack::DeferUpdate {
        endpoint.chat.note_deferred_update(id);
    }
    respond(&ack_response(ack))
}

fn failed(error: &RouterError) -> Response {
    if !matches!(error, RouterError::Store(StoreError::Unavailable(_))) {
        tracing::warn!(%error, "HTTP interaction could not be handled");
    }
    unavailable()
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response()
}

fn respond(response: &impl serde::Serialize) -> Response {
    (StatusCode::OK, Json(response)).into_response()
}
