//! Load figures for BENCHMARKS.md: deliveries per second to a fast local receiver (SQLite file
//! and `:memory:`), event-to-first-attempt latency while 10,000 deliveries for a dead endpoint
//! are pending, memory over a long run, and bytes of database per delivery.
//!
//! `cargo run --release -p quo-emulator --example load -- [DELIVERIES] [PRODUCERS]`
//!
//! Events are triggered in process through the function behind `POST /emulator/events`
//! (no HTTP), first by one producer that waits for each commit (latency bound), then by
//! PRODUCERS (16) tasks at once, as concurrent POSTs would. The receiver only counts, so the
//! memory samples are the emulator's (and the tokio runtime's).
//!
//! `LOAD_HTTP=1`: the producers send real `POST /emulator/events` requests over HTTP/1.1
//! (one keep-alive client, the emulator on a socket), so request parsing and the key check
//! are in the figures too.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::{Router, body::Bytes, extract::State, routing::post};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use quo_api::NewWebhook;
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::EventType;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A receiver that records when each event first arrived (for the latency figure; it keeps
/// one entry per event, so it is used only for the 300 events measured).
async fn receiver(hang: bool) -> (String, Arrivals) {
    let arrivals: Arrivals = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                move |State(arrivals): State<Arrivals>, body: Bytes| async move {
                    if hang {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    if let Some(id) = value["id"].as_str() {
                        arrivals
                            .lock()
                            .unwrap()
                            .entry(id.to_owned())
                            .or_insert_with(Instant::now);
                    }
                    "ok"
                },
            ),
        )
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, arrivals)
}

/// A receiver that only counts requests: its bookkeeping is one counter, so the process's
/// memory over a long run is the emulator's.
async fn counting_receiver() -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(count): State<Arc<AtomicUsize>>, _body: Bytes| async move {
                    count.fetch_add(1, Ordering::Relaxed);
                    "ok"
                },
            ),
        )
        .with_state(count.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count)
}

/// `VmRSS` and `RssAnon` (heap and stacks, without mapped files) in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

async fn drain(emu: &Emulator) {
    loop {
        let (_, waiting) = emu.delivery_counts().await.unwrap();
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Fans `events` events out to `webhooks` webhooks, triggered by `producers` tasks at once
/// (1: one after another, each waiting for its commit); returns deliveries per second and
/// the memory samples taken each time another tenth of the deliveries had arrived.
async fn throughput(
    db: &str,
    webhooks: usize,
    events: usize,
    producers: usize,
) -> (f64, Vec<(usize, (u64, u64))>, Emulator) {
    let http = std::env::var_os("LOAD_HTTP").is_some();
    let builder = Emulator::builder().db(db).rate_limit(0);
    let emu = Arc::new(if http {
        builder.start().await.unwrap()
    } else {
        builder.build().await.unwrap()
    });
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let (url, arrived) = counting_receiver().await;
    for _ in 0..webhooks {
        emu.create_webhook(NewWebhook::new(&url, [EventType::CallCompleted]))
            .await
            .unwrap();
    }
    let total = webhooks * events;
    let sampler = {
        let arrived = Arc::clone(&arrived);
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let step = (total / 10).max(1);
            let mut next = step;
            while next <= total {
                if arrived.load(Ordering::Relaxed) >= next {
                    samples.push((next, rss_kib()));
                    next += step;
                } else {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            samples
        })
    };
    let started = Instant::now();
    let left = Arc::new(AtomicUsize::new(events));
    let mut tasks = Vec::new();
    for _ in 0..producers.max(1) {
        let emu = Arc::clone(&emu);
        let left = Arc::clone(&left);
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            while left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                if http {
                    post_event(&client, &emu).await;
                } else {
                    emu.trigger(TriggerRequest::new(EventType::CallCompleted))
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    drain(&emu).await;
    let rate = total as f64 / started.elapsed().as_secs_f64();
    let samples = sampler.await.unwrap();
    let emu = Arc::into_inner(emu).unwrap();
    (rate, samples, emu)
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// One `POST /emulator/events`, as another language's test would send it; panics unless 200.
async fn post_event(client: &HttpClient, emu: &Emulator) {
    let request = http::Request::post(format!("{}/emulator/events", emu.base_url()))
        .header("authorization", emu.api_key().expose())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(
            br#"{"type":"call.completed"}"#,
        )))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let producers: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(16);
    let dir = tempfile::tempdir().unwrap();

    // 1. Throughput, file store: 10 webhooks, total/10 events; one producer, then
    // `producers` at once (a fresh database each time).
    // `LOAD_CONCURRENT_ONLY=1` skips the single producer (for a long memory run).
    let only_concurrent = std::env::var_os("LOAD_CONCURRENT_ONLY").is_some();
    let runs: &[usize] = if only_concurrent {
        &[producers]
    } else {
        &[1, producers]
    };
    for (i, &n) in runs.iter().enumerate() {
        let file = dir.path().join(format!("load-{i}.sqlite"));
        let file = file.to_str().unwrap().to_owned();
        let rss_before = rss_kib();
        let (rate, samples, emu) = throughput(&file, 10, total / 10, n).await;
        let (count, _) = emu.delivery_counts().await.unwrap();
        emu.shutdown().await;
        let size: u64 = ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{file}{s}")).ok())
            .map(|m| m.len())
            .sum();
        println!(
            "file store, {n} producer(s): {rate:.0} deliveries/s ({count} deliveries, each with one attempt)"
        );
        println!(
            "file store, {n} producer(s): {:.0} bytes per delivery (database + WAL)",
            size as f64 / count as f64
        );
        let shown: Vec<String> = samples
            .iter()
            .map(|(at, (rss, anon))| format!("{}k {}/{}", at / 1000, rss / 1024, anon / 1024))
            .collect();
        println!(
            "file store, {n} producer(s): rss/anon MiB at deliveries: before {}/{}, {}",
            rss_before.0 / 1024,
            rss_before.1 / 1024,
            shown.join(", ")
        );
    }

    // 2. Throughput, :memory:.
    for &n in runs {
        let (rate, _, emu) = throughput(":memory:", 10, total / 10, n).await;
        println!(":memory: store, {n} producer(s): {rate:.0} deliveries/s");
        emu.shutdown().await;
    }

    // 3. Latency with 10,000 pending for a dead (hanging) endpoint.
    let file2 = dir.path().join("latency.sqlite");
    let emu = Emulator::builder()
        .db(file2.to_str().unwrap())
        .rate_limit(0)
        .build()
        .await
        .unwrap();
    let (dead, _) = receiver(true).await;
    let (live, arrivals) = receiver(false).await;
    emu.create_webhook(NewWebhook::new(&dead, [EventType::CallMissed]))
        .await
        .unwrap();
    emu.create_webhook(NewWebhook::new(&live, [EventType::CallCompleted]))
        .await
        .unwrap();
    for _ in 0..10_000 {
        emu.trigger(TriggerRequest::new(EventType::CallMissed))
            .await
            .unwrap();
    }
    let (_, waiting) = emu.delivery_counts().await.unwrap();
    let mut sent = Vec::new();
    for _ in 0..300 {
        let t0 = Instant::now();
        let t = emu
            .trigger(TriggerRequest::new(EventType::CallCompleted))
            .await
            .unwrap();
        sent.push((t.event.id, t0));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let arrivals = arrivals.lock().unwrap().clone();
    let mut latencies: Vec<f64> = sent
        .iter()
        .filter_map(|(id, t0)| {
            arrivals
                .get(id)
                .map(|t| t.duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "event -> first attempt with {waiting} pending for a dead endpoint: {} of 300 arrived, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        p(0.5),
        p(0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    std::process::exit(0);
}
