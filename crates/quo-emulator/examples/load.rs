//! Load figures for BENCHMARKS.md: deliveries per second to a fast local receiver (SQLite file
//! and `:memory:`), event-to-first-attempt latency while 10,000 deliveries for a dead endpoint
//! are pending, memory over a long run, and bytes of database per delivery.
//!
//! `cargo run --release -p quo-emulator --example load -- [DELIVERIES]`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::{Router, body::Bytes, extract::State, routing::post};
use quo_api::NewWebhook;
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::EventType;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

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

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
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

/// Fans `events` events out to `webhooks` webhooks; returns deliveries per second.
async fn throughput(db: &str, webhooks: usize, events: usize) -> (f64, Emulator) {
    let emu = Emulator::builder()
        .db(db)
        .rate_limit(0)
        .build()
        .await
        .unwrap();
    let (url, _) = receiver(false).await;
    for _ in 0..webhooks {
        emu.create_webhook(NewWebhook::new(&url, [EventType::CallCompleted]))
            .await
            .unwrap();
    }
    let started = Instant::now();
    for _ in 0..events {
        emu.trigger(TriggerRequest::new(EventType::CallCompleted))
            .await
            .unwrap();
    }
    drain(&emu).await;
    let rate = (webhooks * events) as f64 / started.elapsed().as_secs_f64();
    (rate, emu)
}

#[tokio::main]
async fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("load.sqlite");
    let file = file.to_str().unwrap().to_owned();

    // 1. Throughput, file store: 10 webhooks, total/10 events.
    let rss_before = rss_kib();
    let (rate, emu) = throughput(&file, 10, total / 10).await;
    let rss_after = rss_kib();
    let (count, _) = emu.delivery_counts().await.unwrap();
    emu.shutdown().await;
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{file}{s}")).ok())
        .map(|m| m.len())
        .sum();
    println!("file store: {rate:.0} deliveries/s ({count} deliveries, each with one attempt)");
    println!(
        "file store: {:.0} bytes per delivery (database + WAL)",
        size as f64 / count as f64
    );
    println!("rss: {rss_before} KiB before, {rss_after} KiB after {count} deliveries");

    // 2. Throughput, :memory:.
    let (rate, emu) = throughput(":memory:", 10, total / 10).await;
    println!(":memory: store: {rate:.0} deliveries/s");
    emu.shutdown().await;

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
