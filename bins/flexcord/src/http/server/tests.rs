//! The accept loop against real sockets on 127.0.0.1 (small limits so nothing waits long).

use std::time::Duration;

use axum::routing::get;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

/// Bound on every wait in these tests (never reached when the server behaves).
const WAIT: Duration = Duration::from_secs(20);

async fn start(limits: Limits) -> (std::net::SocketAddr, Arc<Metrics>, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = HttpRouter::new().route("/healthz", get(|| async { "ok\n" }));
    let metrics = Arc::new(Metrics::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(serve(listener, app, limits, Arc::clone(&metrics), stop_rx));
    (addr, metrics, stop_tx)
}

/// One `GET /healthz` on a fresh connection; the status line.
async fn healthz(addr: std::net::SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Reads until the server closes the connection.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn idle_connections_beyond_the_cap_do_not_lock_requests_out() {
    let limits = Limits {
        header_read_timeout: Duration::from_secs(600),
        max_connections: 8,
    };
    let (addr, metrics, _stop) = start(limits).await;
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    let status = tokio::time::timeout(WAIT, healthz(addr)).await.unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    let rendered = metrics.render();
    assert!(
        rendered.contains("flexcord_http_connections_shed_total{reason=\"closed_idle\"}"),
        "{rendered}"
    );
    // The oldest idle sockets were the ones closed.
    assert!(
        tokio::time::timeout(WAIT, closed_by_server(&mut idle[0]))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_client_that_never_sends_its_request_head_is_disconnected() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(200),
        max_connections: 8,
    };
    let (addr, _metrics, _stop) = start(limits).await;
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(
        tokio::time::timeout(WAIT, closed_by_server(&mut silent))
            .await
            .unwrap()
    );
    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .unwrap();
    assert!(
        tokio::time::timeout(WAIT, closed_by_server(&mut partial))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_kept_alive_connection_left_idle_is_closed() {
    let limits = Limits {
        header_read_timeout: Duration::from_millis(200),
        max_connections: 8,
    };
    let (addr, _metrics, _stop) = start(limits).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(WAIT, stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    // The response kept the connection open; nothing more is sent, so the server closes it.
    assert!(
        tokio::time::timeout(WAIT, closed_by_server(&mut stream))
            .await
            .unwrap()
    );
}

#[test]
fn the_cap_leaves_descriptors_for_everything_else() {
    assert_eq!(
        Limits::for_open_files(Some(1_048_576)).max_connections,
        1024
    );
    assert_eq!(Limits::for_open_files(Some(1024)).max_connections, 896);
    assert_eq!(Limits::for_open_files(Some(64)).max_connections, 16);
    assert_eq!(Limits::for_open_files(None).max_connections, 1024);
}
