//! The adaptive concurrency limit against a local wiremock server that, like Twilio, answers
//! `429` to requests beyond its own concurrency: the limit shrinks on the `429`s, grows back on
//! successes, and settles near the server's capacity without a storm of `429`s.

// Helpers outside `#[test]` functions: a failed expectation there is a test failure too.
#![allow(clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use flexcord_http::url::Url;
use flexcord_http::{Aimd, ConcurrencyLimit, HttpClient, Request, RetryPolicy, endpoint};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

/// Answers every request `hold` later, and `429` to a request arriving while `capacity`
/// others are still being held. Counting arrivals within the last `hold` never counts more than
/// the client really has in flight (an answer reaches the client no sooner than `hold`), so a
/// client that keeps its own in-flight count at or under `capacity` never sees a `429`.
struct Capacity {
    capacity: usize,
    hold: Duration,
    arrivals: Mutex<VecDeque<Instant>>,
}

impl Respond for Capacity {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let now = Instant::now();
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        while arrivals
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.hold)
        {
            arrivals.pop_front();
        }
        if arrivals.len() >= self.capacity {
            return ResponseTemplate::new(429).set_body_string(r#"{"code":20429}"#);
        }
        arrivals.push_back(now);
        ResponseTemplate::new(204).set_delay(self.hold)
    }
}

fn client(limit: ConcurrencyLimit) -> HttpClient {
    HttpClient::builder()
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::new(
            20,
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
        .concurrency(limit)
        .build()
        .expect("client builds")
}

fn url(server: &MockServer, segment: &str) -> Url {
    endpoint(&Url::parse(&server.uri()).expect("mock uri"), &[segment]).expect("endpoint")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_settles_below_the_servers_capacity_without_a_storm_of_429s() {
    const CAPACITY: usize = 8;
    const REQUESTS: usize = 400;
    let server = MockServer::start().await;
    Mock::given(path("/send"))
        .respond_with(Capacity {
            capacity: CAPACITY,
            hold: Duration::from_millis(20),
            arrivals: Mutex::new(VecDeque::new()),
        })
        .mount(&server)
        .await;
    let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 100).starting_at(4));
    let client = client(limit.clone());
    // Far more callers than the server takes at once, as on launch day.
    let failed = load(&client, &url(&server, "send"), 32, REQUESTS).await;
    let overloaded = limit.overloaded_total();
    let found = limit.max().expect("a limit");
    assert_eq!(failed, 0, "every request went through in the end");
    assert!(
        overloaded > 0,
        "the limit never reached the server's capacity"
    );
    // A fixed limit of 32 here gets most attempts answered 429; AIMD probes past the capacity
    // by one request once per cycle.
    let share = overloaded as f64 / (REQUESTS as f64 + overloaded as f64);
    assert!(share < 0.15, "{overloaded} 429s for {REQUESTS} requests");
    assert!(found <= 2 * CAPACITY, "the limit ended at {found}");
}

/// Sends `total` requests to `target` from `callers` concurrent callers; returns how many
/// failed.
async fn load(client: &HttpClient, target: &Url, callers: usize, total: usize) -> usize {
    let next = Arc::new(Mutex::new(0_usize));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..callers {
        let (client, target, next) = (client.clone(), target.clone(), Arc::clone(&next));
        tasks.spawn(async move {
            let mut failed = 0;
            loop {
                {
                    let mut n = next.lock().unwrap_or_else(PoisonError::into_inner);
                    if *n == total {
                        return failed;
                    }
                    *n += 1;
                }
                if client.send(Request::get(target.clone())).await.is_err() {
                    failed += 1;
                }
            }
        });
    }
    let mut failed = 0;
    while let Some(done) = tasks.join_next().await {
        failed += done.expect("task ran");
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limit_shrinks_on_429s_and_grows_back_under_load() {
    let server = MockServer::start().await;
    Mock::given(path("/send"))
        .respond_with(ResponseTemplate::new(429).set_body_string(r#"{"code":20429}"#))
        .up_to_n_times(3)
        .with_priority(1)
        .mount(&server)
        .await;
    // Answers take a moment, so concurrent callers really are in flight together.
    Mock::given(path("/send"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_millis(5)))
        .with_priority(2)
        .mount(&server)
        .await;
    let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 100).starting_at(16));
    let client = client(limit.clone());
    let target = url(&server, "send");
    // Three 429s (each retry starts after the previous decrease): 16 → 8 → 4 → 2.
    assert!(client.send(Request::get(target.clone())).await.is_ok());
    assert_eq!(limit.max(), Some(2));
    assert_eq!(limit.overloaded_total(), 3);
    // Sixteen callers keep the limit full: every window of successes adds one request
    // (2 → 8 takes 2 + 3 + … + 7 = 27 successes).
    assert_eq!(load(&client, &target, 16, 200).await, 0);
    let grown = limit.max().expect("a limit");
    assert!(grown >= 8, "the limit only grew back to {grown}");
    assert!(
        grown <= 32,
        "{grown}: grew past twice what was ever in flight"
    );
}

#[tokio::test]
async fn a_limit_that_is_not_the_bottleneck_does_not_grow() {
    let server = MockServer::start().await;
    Mock::given(path("/send"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let limit = ConcurrencyLimit::adaptive(Aimd::new(1, 100).starting_at(16));
    let client = client(limit.clone());
    // A quiet hour: one request at a time never tests whether the server takes 17 at once.
    for _ in 0..100 {
        assert!(
            client
                .send(Request::get(url(&server, "send")))
                .await
                .is_ok()
        );
    }
    assert_eq!(limit.max(), Some(16));
}
