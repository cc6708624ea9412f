//! `cases::Client` keeps the shared `CaseManagement` contract of
//! `flexcord_testkit::contract::case_management` against an in-test case server that implements
//! `docs/contracts/cases.md` as written: keyed idempotent create, numbers from 1, notes oldest
//! first (stamped when `at_ms` is 0), list filters newest first without notes (servers may
//! omit them), `PATCH` with exactly one of status or rating, and `{"error": …}` bodies.
//!
//! The server is written against the document with plain JSON values, not with `cases::wire`,
//! so a wire-type mistake in the client cannot hide behind the same mistake in the fake.

// Fixture helpers outside `#[test]` functions: a failed expectation there fails the test too.
#![expect(
    clippy::expect_used,
    reason = "helpers outside `#[test]` functions fail the test by panicking, like `assert!`"
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flexcord_core::ids::CaseId;
use flexcord_core::ports::{CaseError, CaseManagement};
use serde_json::{Value, json};

const API_KEY: &str = "contract-key";
const KINDS: &[&str] = &["bug", "feature", "support"];
const STATUSES: &[&str] = &["open", "in_progress", "resolved", "closed"];
const PRIORITIES: &[&str] = &["low", "normal", "high"];
const NOTE_KINDS: &[&str] = &["transcript", "rating", "comment"];
const DEFAULT_LIMIT: usize = 50;

/// The case server's memory: cases by number (oldest first) and which key created which.
#[derive(Debug, Default)]
struct Server {
    cases: Vec<Value>,
    keys: HashMap<String, usize>,
}

type Shared = Arc<Mutex<Server>>;

fn lock(state: &Shared) -> MutexGuard<'_, Server> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, axum::Json(body)).into_response()
}

fn invalid(message: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        message,
    )
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "no such case")
}

fn authorized(headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {API_KEY}");
    headers
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes() == expected.as_bytes())
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "unauthorized", "bad key")
}

fn one_of(value: &Value, allowed: &[&str]) -> bool {
    value.as_str().is_some_and(|s| allowed.contains(&s))
}

fn snowflake(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a create body as the contract describes it; the message says what is wrong.
fn validate_new_case(body: &Value) -> Result<(), &'static str> {
    if !one_of(&body["kind"], KINDS) {
        return Err("kind must be bug, feature or support");
    }
    if body["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
        return Err("title must not be empty");
    }
    if !body["description"].is_string() {
        return Err("description must be a string");
    }
    let fields_ok = match &body["fields"] {
        Value::Null => true,
        Value::Array(fields) => fields
            .iter()
            .all(|f| f["name"].is_string() && f["value"].is_string()),
        _ => false,
    };
    if !fields_ok {
        return Err("fields must be [{name, value}]");
    }
    if !snowflake(&body["reporter"]["discord_user_id"]) || !body["reporter"]["name"].is_string() {
        return Err("reporter must be {discord_user_id, name}");
    }
    if !snowflake(&body["source"]["discord_channel_id"])
        || !body["source"]["direct_message"].is_boolean()
    {
        return Err("source must be {discord_channel_id, direct_message}");
    }
    if !one_of(&body["priority"], PRIORITIES) {
        return Err("priority must be low, normal or high");
    }
    Ok(())
}

async fn create(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|k| k.to_str().ok())
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    let Some(key) = key else {
        return error(
            StatusCode::BAD_REQUEST,
            "missing_idempotency_key",
            "Idempotency-Key is required",
        );
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "bad_json", "body is not JSON");
    };
    let mut server = lock(&state);
    // A repeated key gets the first case, whatever the repeated body says.
    if let Some(&index) = server.keys.get(key) {
        return (StatusCode::OK, axum::Json(server.cases[index].clone())).into_response();
    }
    if let Err(message) = validate_new_case(&body) {
        return invalid(message);
    }
    let case = json!({
        "number": server.cases.len() + 1,
        "kind": body["kind"],
        "title": body["title"],
        "description": body["description"],
        "fields": if body["fields"].is_null() { json!([]) } else { body["fields"].clone() },
        "reporter": body["reporter"],
        "source": body["source"],
        "priority": body["priority"],
        "status": "open",
        "rating": null,
        "notes": [],
        "created_at_ms": now_ms(),
    });
    let index = server.cases.len();
    server.cases.push(case.clone());
    server.keys.insert(key.to_owned(), index);
    (StatusCode::CREATED, axum::Json(case)).into_response()
}

/// The index of case `number`, if it exists.
fn find(server: &Server, number: &str) -> Option<usize> {
    let number: usize = number.parse().ok()?;
    (1..=server.cases.len())
        .contains(&number)
        .then(|| number - 1)
}

async fn get_case(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let server = lock(&state);
    match find(&server, &number) {
        Some(index) => axum::Json(server.cases[index].clone()).into_response(),
        None => not_found(),
    }
}

async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let text = |name: &str| query.get(name).map(|v| Value::String(v.clone()));
    let (reporter, kind, status) = (text("reporter"), text("kind"), text("status"));
    if kind.as_ref().is_some_and(|k| !one_of(k, KINDS))
        || status.as_ref().is_some_and(|s| !one_of(s, STATUSES))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_filter",
            "unknown kind or status",
        );
    }
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(limit)) if limit >= 1 => limit,
        Some(_) => return error(StatusCode::BAD_REQUEST, "bad_limit", "limit must be ≥ 1"),
    };
    let server = lock(&state);
    let cases: Vec<Value> = server
        .cases
        .iter()
        .rev()
        .filter(|c| {
            reporter
                .as_ref()
                .is_none_or(|r| c["reporter"]["discord_user_id"] == *r)
        })
        .filter(|c| kind.as_ref().is_none_or(|k| c["kind"] == *k))
        .filter(|c| status.as_ref().is_none_or(|s| c["status"] == *s))
        .take(limit)
        .map(|c| {
            // The contract lets list results leave notes out; this server does.
            let mut c = c.clone();
            if let Some(object) = c.as_object_mut() {
                object.remove("notes");
            }
            c
        })
        .collect();
    axum::Json(json!({ "cases": cases })).into_response()
}

async fn add_note(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut server = lock(&state);
    let Some(index) = find(&server, &number) else {
        return not_found();
    };
    let Ok(note) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "bad_json", "body is not JSON");
    };
    if !one_of(&note["kind"], NOTE_KINDS)
        || !note["author"].is_string()
        || !note["body"].is_string()
    {
        return invalid("a note needs kind, author and body");
    }
    let Some(at_ms) = note["at_ms"].as_u64() else {
        return invalid("at_ms must be an integer");
    };
    // `0` leaves the time to the server.
    let at_ms = if at_ms == 0 { now_ms() } else { at_ms };
    let stored = json!({"kind": note["kind"], "author": note["author"], "body": note["body"], "at_ms": at_ms});
    let Some(notes) = server.cases[index]["notes"].as_array_mut() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "corrupt", "notes");
    };
    // Oldest first; notes with the same time keep their arrival order.
    let position = notes.partition_point(|n| n["at_ms"].as_u64().is_some_and(|t| t <= at_ms));
    notes.insert(position, stored);
    StatusCode::CREATED.into_response()
}

async fn patch(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let mut server = lock(&state);
    let Some(index) = find(&server, &number) else {
        return not_found();
    };
    let Ok(Value::Object(patch)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_json",
            "body is not a JSON object",
        );
    };
    let case = &mut server.cases[index];
    match (patch.get("status"), patch.get("rating"), patch.len()) {
        (Some(status), None, 1) if one_of(status, STATUSES) => case["status"] = status.clone(),
        (None, Some(rating), 1) if rating.as_u64().is_some_and(|r| (1..=5).contains(&r)) => {
            case["rating"] = rating.clone();
        }
        _ => return invalid("exactly one of status or rating (1–5)"),
    }
    axum::Json(case.clone()).into_response()
}

/// Starts an empty case server on 127.0.0.1 under the path prefix `/api` (as `CASES_URL` may
/// carry) and returns that base URL. The server lives as long as the test's runtime.
async fn start_fake_server() -> String {
    let app = Router::new()
        .route("/api/v1/cases", get(list).post(create))
        .route("/api/v1/cases/{number}", get(get_case).patch(patch))
        .route(
            "/api/v1/cases/{number}/notes",
            axum::routing::post(add_note),
        )
        .with_state(Shared::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/api")
}

fn client(base: &str, key: &str) -> Arc<dyn CaseManagement> {
    let config = cases::Config::new(base, key).expect("config");
    // Generous: tests run in parallel on a loaded machine.
    let config = config.with_timeout(Duration::from_secs(30));
    Arc::new(cases::Client::new(&config).expect("client"))
}

async fn client_for_fake_server() -> Arc<dyn CaseManagement> {
    client(&start_fake_server().await, API_KEY)
}

flexcord_testkit::case_management_contract! {
    #[tokio::test]
    setup: async { Some(client_for_fake_server().await) },
}

#[tokio::test]
async fn the_whole_suite_runs_on_one_server() {
    let cases = client_for_fake_server().await;
    flexcord_testkit::contract::case_management::run_all(cases.as_ref()).await;
}

#[tokio::test]
async fn the_fake_server_refuses_a_wrong_key() {
    // The fake checks what the contract asks of every request, so the suite above ran
    // authenticated; a wrong key is refused, not served.
    let base = start_fake_server().await;
    let result = client(&base, "wrong-key").get(CaseId(1)).await;
    assert!(matches!(result, Err(CaseError::Rejected(_))), "{result:?}");
}
