//! scratch: commit latency under background checkpoints
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]
use sqlx::{
    Connection, Executor, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};
use std::str::FromStr;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let sync = if mode.contains("full") {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    let opts = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .pragma(
            "wal_autocheckpoint",
            if mode.contains("auto") { "1000" } else { "0" },
        );
    let mut c = SqliteConnection::connect_with(&opts).await.unwrap();
    c.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, t TEXT NOT NULL); CREATE TABLE d (k TEXT PRIMARY KEY, at INTEGER); CREATE TABLE o (id INTEGER PRIMARY KEY AUTOINCREMENT, k TEXT, p TEXT, st TEXT)").await.unwrap();
    for i in 0..1000i64 {
        sqlx::query("INSERT INTO s VALUES ($1, 1, 'x')")
            .bind(i)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let mut ck = SqliteConnection::connect_with(&opts).await.unwrap();
    let ckmode = if mode.contains("trunc") {
        "TRUNCATE"
    } else {
        "PASSIVE"
    };
    let every = if mode.contains("fast") { 100 } else { 1000 };
    let nock = mode.contains("nock");
    let h = tokio::spawn(async move {
        let mut worst = Duration::ZERO;
        let mut n = 0;
        let end = Instant::now() + Duration::from_secs(6);
        while Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(every)).await;
            if nock {
                continue;
            }
            let t = Instant::now();
            let q = format!("PRAGMA wal_checkpoint({ckmode})");
            let f: std::pin::Pin<
                Box<
                    dyn std::future::Future<
                            Output = Result<sqlx::sqlite::SqliteQueryResult, sqlx::Error>,
                        > + Send
                        + '_,
                >,
            > = Box::pin(ck.execute(q.as_str()));
            f.await.unwrap();
            worst = worst.max(t.elapsed());
            n += 1;
        }
        (worst, n)
    });
    let readers = mode.contains("read");
    let mut rc = SqliteConnection::connect_with(&opts).await.unwrap();
    let rh = tokio::spawn(async move {
        let end = Instant::now() + Duration::from_secs(5);
        let mut i = 0i64;
        while readers && Instant::now() < end {
            tokio::time::sleep(Duration::from_micros(1500)).await;
            let q = format!("SELECT v, t FROM s WHERE id = {}", i % 1000);
            i += 1;
            let f: std::pin::Pin<
                Box<
                    dyn std::future::Future<
                            Output = Result<Option<sqlx::sqlite::SqliteRow>, sqlx::Error>,
                        > + Send
                        + '_,
                >,
            > = Box::pin(rc.fetch_optional(q.as_str()));
            f.await.unwrap();
        }
    });
    let payload = "x".repeat(300);
    let mut lat = Vec::new();
    let start = Instant::now();
    for i in 0..2500i64 {
        let due = start + Duration::from_micros(2000 * i as u64);
        if due > Instant::now() {
            tokio::time::sleep_until(due.into()).await;
        }
        let t = Instant::now();
        let sql = format!(
            "BEGIN IMMEDIATE; INSERT INTO d VALUES ('k{i}', 0) ON CONFLICT DO NOTHING; UPDATE s SET v = v + 1, t = '{payload}' WHERE id = {}; INSERT INTO o (k, p, st) VALUES ('k', '{payload}', 'pending'); COMMIT",
            i % 1000
        );
        sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
        lat.push(t.elapsed().as_micros() as u64);
    }
    lat.sort();
    rh.await.unwrap();
    let (w, n) = h.await.unwrap();
    println!(
        "{mode:12} commit p50={} p99={} p999={} max={} us; checkpoints {n}, worst {:?}",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat[lat.len() * 999 / 1000],
        lat[lat.len() - 1],
        w
    );
}
