//! The operator's endpoints on their own listener (`FLEXCORD_ADMIN_LISTEN`): metrics, readiness,
//! health and `/announce` answer there and nowhere else, so the public address (what Twilio
//! reaches through the reverse proxy) exposes only the webhook paths.

use bytes::Bytes;

use crate::harness::{Options, World, free_port, request};

#[tokio::test]
async fn metrics_and_readiness_are_served_only_on_the_admin_listener() {
    let admin = format!("127.0.0.1:{}", free_port());
    let world = World::start_with(Options {
        env: vec![("FLEXCORD_ADMIN_LISTEN".to_owned(), admin.clone())],
        ..Options::default()
    })
    .await;
    let on_admin = |path: &str| format!("http://{admin}{path}");

    let (status, metrics) = request("GET", &on_admin("/metrics"), &[], Bytes::new()).await;
    assert_eq!(status, 200, "{metrics}");
    assert!(metrics.contains("flexcord_"), "{metrics}");
    assert_eq!(
        request("GET", &on_admin("/readyz"), &[], Bytes::new())
            .await
            .0,
        200
    );
    assert_eq!(
        request("GET", &on_admin("/healthz"), &[], Bytes::new())
            .await
            .0,
        200
    );

    for path in ["/metrics", "/readyz", "/healthz"] {
        assert_eq!(
            world.get(path).await.0,
            404,
            "{path} on the public listener"
        );
    }
    assert_eq!(
        world.post("/announce", &[], "{}").await.0,
        404,
        "/announce on the public listener"
    );
    // The webhook paths are the public listener's (a GET is the wrong method, not a missing
    // path), and not the admin listener's.
    assert_eq!(world.get("/forward-to-discord").await.0, 405);
    assert_eq!(
        request("GET", &on_admin("/forward-to-discord"), &[], Bytes::new())
            .await
            .0,
        404
    );
}
