//! REST surface: shapes, auth, errors, paging, and the request log.

mod common;

use common::{ACCOUNT, TOKEN, basic, call, call_as, conversation_with_customer, start};
use http::StatusCode;
use twilio_fake::{CLOSED_CONVERSATION_ERROR_CODE, ConversationState};

#[tokio::test]
async fn creating_a_conversation_returns_the_twilio_shape() {
    let fake = start().await;
    let (status, body) = call(
        &fake,
        "POST",
        "/v1/Conversations",
        &[
            ("FriendlyName", "Discord DM"),
            ("UniqueName", "discord/42/1"),
            ("Attributes", r#"{"channelType":"discord"}"#),
            ("Timers.Closed", "P3D"),
        ],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sid = body["sid"].as_str().unwrap_or_default();
    assert!(sid.starts_with("CH") && sid.len() == 34, "{body}");
    assert_eq!(body["account_sid"], ACCOUNT);
    assert_eq!(
        body["chat_service_sid"],
        fake.config().chat_service_sid.as_str()
    );
    assert_eq!(body["state"], "active");
    assert_eq!(body["friendly_name"], "Discord DM");
    assert_eq!(body["attributes"], r#"{"channelType":"discord"}"#);
    assert_eq!(body["timers"]["closed"], "P3D");
    assert_eq!(
        body["url"],
        format!("{}/v1/Conversations/{sid}", fake.base_url())
    );
    assert!(
        body["links"]["messages"]
            .as_str()
            .is_some_and(|l| l.ends_with("/Messages"))
    );

    // The unique name works in place of the SID, as on Twilio.
    let (status, fetched) = call(
        &fake,
        "GET",
        "/v1/Conversations/discord%2F42%2F1",
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["sid"], sid);
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_with_twilio_error_body() {
    let fake = start().await;
    for auth in [
        None,
        Some(basic(ACCOUNT, "wrong")),
        Some(basic("ACother", TOKEN)),
    ] {
        let (status, body) = call_as(
            &fake,
            "POST",
            "/v1/Conversations",
            &[("FriendlyName", "x")],
            false,
            auth,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], 20003);
        assert_eq!(body["status"], 401);
        assert!(body["message"].is_string() && body["more_info"].is_string());
    }
    assert!(
        fake.conversations().is_empty(),
        "rejected requests change nothing"
    );
    assert_eq!(
        fake.requests().len(),
        3,
        "rejected requests are still logged"
    );
    assert!(fake.requests().iter().all(|r| r.status == 401));
}

#[tokio::test]
async fn unknown_conversation_is_a_20404() {
    let fake = start().await;
    let (status, body) = call(
        &fake,
        "POST",
        "/v1/Conversations/CH00000000000000000000000000000099/Messages",
        &[("Body", "hi")],
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], 20404);
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn participant_conversations_lists_only_the_identitys_conversations() {
    let fake = start().await;
    let mine_closed = conversation_with_customer(&fake, "discord:1").await;
    let _other = conversation_with_customer(&fake, "discord:2").await;
    let mine_open = conversation_with_customer(&fake, "discord:1").await;
    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{mine_closed}"),
        &[("State", "closed")],
        false,
    )
    .await;

    let (status, body) = call(
        &fake,
        "GET",
        "/v1/ParticipantConversations?Identity=discord%3A1",
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let items = body["conversations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found: Vec<(&str, &str)> = items
        .iter()
        .map(|c| {
            (
                c["conversation_sid"].as_str().unwrap_or_default(),
                c["conversation_state"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (mine_closed.as_str(), "closed"),
            (mine_open.as_str(), "active")
        ]
    );
    assert!(
        items
            .iter()
            .all(|c| c["participant_identity"] == "discord:1")
    );
    assert!(
        items[0]["participant_sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("MB"))
    );
    assert_eq!(body["meta"]["key"], "conversations");
    assert!(body["meta"]["next_page_url"].is_null());
}

#[tokio::test]
async fn messages_page_newest_first_with_next_page_urls() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    for i in 0..5 {
        let (status, msg) = call(
            &fake,
            "POST",
            &format!("/v1/Conversations/{conv}/Messages"),
            &[("Author", "discord:1"), ("Body", &format!("m{i}"))],
            false,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(msg["index"], i);
        assert!(
            msg["participant_sid"]
                .as_str()
                .is_some_and(|s| s.starts_with("MB"))
        );
    }

    let mut path = format!("/v1/Conversations/{conv}/Messages?Order=desc&PageSize=2");
    let mut bodies = Vec::new();
    loop {
        let (status, page) = call(&fake, "GET", &path, &[], false).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["meta"]["key"], "messages");
        bodies.extend(
            page["messages"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|m| m["body"].as_str().unwrap_or_default().to_owned()),
        );
        match page["meta"]["next_page_url"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with(fake.base_url()),
                    "absolute URL on the fake: {next}"
                );
                path = next.trim_start_matches(fake.base_url()).to_owned();
            }
            None => break,
        }
    }
    assert_eq!(bodies, ["m4", "m3", "m2", "m1", "m0"]);
}

#[tokio::test]
async fn a_closed_conversation_refuses_messages() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let (status, body) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}"),
        &[("State", "closed")],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "closed");

    let (status, body) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Body", "late")],
        true,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], CLOSED_CONVERSATION_ERROR_CODE);
    assert!(fake.messages(&conv).is_empty());
}

#[tokio::test]
async fn scoped_webhooks_keep_repeated_filters_and_can_be_deleted() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let hook = common::add_webhook(
        &fake,
        &conv,
        "http://127.0.0.1:9/hook",
        &["onMessageAdded", "onParticipantAdded"],
    )
    .await;
    assert!(hook["sid"].as_str().is_some_and(|s| s.starts_with("WH")));
    assert_eq!(hook["target"], "webhook");
    assert_eq!(
        hook["configuration"]["filters"],
        serde_json::json!(["onMessageAdded", "onParticipantAdded"])
    );
    let (status, studio) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[
            ("Target", "studio"),
            (
                "Configuration.FlowSid",
                "FW00000000000000000000000000000001",
            ),
        ],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        studio["configuration"]["flow_sid"],
        "FW00000000000000000000000000000001"
    );

    let (_, list) = call(
        &fake,
        "GET",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[],
        false,
    )
    .await;
    assert_eq!(list["webhooks"].as_array().map(Vec::len), Some(2));

    let hook_sid = hook["sid"].as_str().unwrap_or_default();
    let (status, _) = call(
        &fake,
        "DELETE",
        &format!("/v1/Conversations/{conv}/Webhooks/{hook_sid}"),
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fake.conversation(&conv).map(|c| c.webhooks.len()), Some(1));

    let (status, body) = call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Webhooks"),
        &[("Target", "webhook")],
        false,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_u64()),
        (StatusCode::BAD_REQUEST, Some(20001))
    );
}

#[tokio::test]
async fn users_get_friendly_names_after_joining() {
    let fake = start().await;
    let (status, _) = call(
        &fake,
        "POST",
        "/v1/Users/discord%3A1",
        &[("FriendlyName", "Ann")],
        false,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no user before the participant exists"
    );
    conversation_with_customer(&fake, "discord:1").await;
    let (status, user) = call(
        &fake,
        "POST",
        "/v1/Users/discord%3A1",
        &[("FriendlyName", "Ann")],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["friendly_name"], "Ann");
    assert!(user["sid"].as_str().is_some_and(|s| s.starts_with("US")));
}

#[tokio::test]
async fn interactions_are_created_and_closing_the_channel_closes_the_conversation() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let channel = format!(
        r#"{{"type":"chat","initiated_by":"customer","properties":{{"media_channel_sid":"{conv}"}}}}"#
    );
    let routing = r#"{"properties":{"workspace_sid":"WS1","workflow_sid":"WW1","task_channel_unique_name":"chat","attributes":{"from":"Ann"}}}"#;
    let (status, body) = call(
        &fake,
        "POST",
        "/v1/Interactions",
        &[("Channel", &channel), ("Routing", routing)],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kd = body["sid"].as_str().unwrap_or_default().to_owned();
    let uo = body["channel"]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(kd.starts_with("KD") && uo.starts_with("UO"), "{body}");
    assert_eq!(body["channel"]["type"], "chat");
    assert_eq!(body["routing"]["properties"]["workflow_sid"], "WW1");

    let interaction = fake
        .interaction_for(&conv)
        .unwrap_or_else(|| unreachable!("stored"));
    assert_eq!(interaction.task_attributes()["from"], "Ann");

    let (_, participants) = call(
        &fake,
        "GET",
        &format!("/v1/Interactions/{kd}/Channels/{uo}/Participants"),
        &[],
        false,
    )
    .await;
    let ut = participants["participants"][0]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, p) = call(
        &fake,
        "POST",
        &format!("/v1/Interactions/{kd}/Channels/{uo}/Participants/{ut}"),
        &[("Status", "closed")],
        false,
    )
    .await;
    assert_eq!(
        (status, p["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );

    let (status, ch) = call(
        &fake,
        "POST",
        &format!("/v1/Interactions/{kd}/Channels/{uo}"),
        &[("Status", "closed"), ("Routing", r#"{"status":"closed"}"#)],
        false,
    )
    .await;
    assert_eq!(
        (status, ch["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    assert_eq!(
        fake.conversation(&conv).map(|c| c.state),
        Some(ConversationState::Closed)
    );

    let (status, _) = call(
        &fake,
        "POST",
        "/v1/Interactions",
        &[("Channel", "not json")],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Twilio accepts an interaction with 200 and sets its channel up afterwards; a failed set-up
/// shows only when the channel is read back.
#[tokio::test]
async fn a_failed_interaction_set_up_is_accepted_and_reads_back_failed() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    fake.fail_next_interaction_setup(45001);
    let channel = format!(
        r#"{{"type":"chat","initiated_by":"customer","properties":{{"media_channel_sid":"{conv}"}}}}"#
    );
    let routing = r#"{"properties":{"workspace_sid":"WS1","workflow_sid":"WW1","task_channel_unique_name":"chat","attributes":{"from":"Ann"}}}"#;
    let (status, body) = call(
        &fake,
        "POST",
        "/v1/Interactions",
        &[("Channel", &channel), ("Routing", routing)],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kd = body["sid"].as_str().unwrap_or_default().to_owned();
    let uo = body["channel"]["sid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (status, ch) = call(
        &fake,
        "GET",
        &format!("/v1/Interactions/{kd}/Channels/{uo}"),
        &[],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (ch["status"].as_str(), ch["error_code"].as_i64()),
        (Some("failed"), Some(45001))
    );
    // Only the next set-up fails: a second try goes through.
    let (_, again) = call(
        &fake,
        "POST",
        "/v1/Interactions",
        &[("Channel", &channel), ("Routing", routing)],
        false,
    )
    .await;
    let (kd, uo) = (
        again["sid"].as_str().unwrap_or_default(),
        again["channel"]["sid"].as_str().unwrap_or_default(),
    );
    let (_, ch) = call(
        &fake,
        "GET",
        &format!("/v1/Interactions/{kd}/Channels/{uo}"),
        &[],
        false,
    )
    .await;
    assert_eq!(ch["status"], "active");
}

#[tokio::test]
async fn studio_flows_are_stored_and_revised() {
    let fake = start().await;
    let (status, flow) = call(
        &fake,
        "POST",
        "/v2/Flows",
        &[
            ("FriendlyName", "flexcord"),
            ("Status", "published"),
            ("Definition", r#"{"states":[]}"#),
            ("CommitMessage", "v1"),
        ],
        false,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let fw = flow["sid"].as_str().unwrap_or_default().to_owned();
    assert!(fw.starts_with("FW"));
    assert_eq!(
        (
            flow["revision"].as_u64(),
            flow["definition"]["states"].is_array()
        ),
        (Some(1), true)
    );

    let (status, flow) = call(
        &fake,
        "POST",
        &format!("/v2/Flows/{fw}"),
        &[("Status", "published"), ("CommitMessage", "v2")],
        false,
    )
    .await;
    assert_eq!(
        (status, flow["revision"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let (_, fetched) = call(&fake, "GET", &format!("/v2/Flows/{fw}"), &[], false).await;
    assert_eq!(fetched["commit_message"], "v2");
}

#[tokio::test]
async fn the_request_log_counts_routes_and_supports_marks() {
    let fake = start().await;
    let conv = conversation_with_customer(&fake, "discord:1").await;
    let mark = fake.mark();
    call(
        &fake,
        "POST",
        &format!("/v1/Conversations/{conv}/Messages"),
        &[("Author", "discord:1"), ("Body", "hi")],
        true,
    )
    .await;
    let since = fake.requests_since(mark);
    assert_eq!(since.len(), 1);
    assert_eq!(
        since[0].route.as_deref(),
        Some("/v1/Conversations/{sid}/Messages")
    );
    assert_eq!(since[0].form_value("Body"), Some("hi"));
    assert!(since[0].webhook_enabled);
    assert_eq!(since[0].status, 201);
    assert_eq!(fake.request_count("POST", "/v1/Conversations"), 1);
    assert_eq!(
        fake.request_count("POST", "/v1/Conversations/{sid}/Participants"),
        1
    );
}

/// One request over a real socket, including the unauthenticated temporary media URL.
#[tokio::test]
async fn media_round_trips_over_a_real_socket() {
    use http_body_util::{BodyExt as _, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let fake = start().await;
    let client: Client<_, Full<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let upload = http::Request::post(format!(
        "{}/v1/Services/{}/Media?Filename=cat.png",
        fake.base_url(),
        fake.config().chat_service_sid
    ))
    .header("authorization", basic(ACCOUNT, TOKEN))
    .header("content-type", "image/png")
    .body(Full::new(bytes::Bytes::from_static(b"\x89PNG fake")))
    .unwrap_or_default();
    let response = client
        .request(upload)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(response.status(), StatusCode::CREATED);
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let media: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert!(media["sid"].as_str().is_some_and(|s| s.starts_with("ME")));
    assert_eq!(
        (media["filename"].as_str(), media["size"].as_u64()),
        (Some("cat.png"), Some(9))
    );
    assert_eq!(media["content_type"], "image/png");

    let temporary = media["links"]["content_direct_temporary"]
        .as_str()
        .unwrap_or_default();
    assert!(temporary.starts_with(fake.base_url()));
    let get = http::Request::get(temporary)
        .body(Full::default())
        .unwrap_or_default();
    let response = client
        .request(get)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    assert_eq!(&bytes[..], b"\x89PNG fake");
}

#[tokio::test]
async fn large_media_uploads_are_accepted_in_process() {
    use tower::ServiceExt as _;

    let fake = start().await;
    let three_megabytes = vec![7_u8; 3 * 1024 * 1024];
    let request = http::Request::post(format!(
        "/v1/Services/{}/Media",
        fake.config().chat_service_sid
    ))
    .header("authorization", basic(ACCOUNT, TOKEN))
    .header("content-type", "video/mp4")
    .header("content-disposition", "attachment; filename=\"clip.mp4\"")
    .body(axum::body::Body::from(three_megabytes))
    .unwrap_or_default();
    let response = fake
        .router()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored = fake.media();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].bytes.len(), 3 * 1024 * 1024);
    assert_eq!(stored[0].filename.as_deref(), Some("clip.mp4"));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let fake = start().await;
    let addr = fake.addr();
    fake.shutdown(common::WAIT)
        .await
        .unwrap_or_else(|e| unreachable!("{e}"));
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
