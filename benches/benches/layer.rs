//! `layer/`: an axum router answering a signed 1 KiB delivery in process (`oneshot`), in four
//! configurations measured in the same run: the bare handler, the verification layer,
//! verification + idempotency on a `MemoryStore`, and on a `RedisStore` backed by a
//! `redis-server` of our own on a free port.
//!
//! Each request carries a fresh `webhook-id` (signed outside the timed part), so the
//! idempotency configurations run the full claim + complete path every time; every answer is
//! checked to be 200.
// Benchmark set-up unwraps, and criterion's macros generate undocumented items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use axum::{Router, body::Body, http::Request};
use benches::{Config, Runs, bare, body, deduplicated, roomy_memory_store, secret, verified};
use bytes::Bytes;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use standard_webhooks::{Secret, Verifier};
use standard_webhooks_tower::RedisStore;
use test_support::RedisServer;
use tower::ServiceExt;

const SIZE: usize = 1024;
const PATH: &str = "/webhooks";

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn delivery(secret: &Secret, body: &Bytes) -> Request<Body> {
    let id = format!("msg_layer{:016}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let mut req = Request::post(PATH)
        .header("content-type", "application/json")
        .body(Body::from(body.clone()))
        .unwrap();
    for (name, value) in benches::signed_headers(secret, &id, body) {
        req.headers_mut().insert(name, value.parse().unwrap());
    }
    req
}

fn layer(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = RedisServer::start();
    let redis_store = rt.block_on(RedisStore::open(&redis.url())).unwrap();

    let secret = secret();
    let body = Bytes::from(body(SIZE));
    let runs = Runs::default();
    let verifier = Verifier::new(secret.clone());
    let routers: [(Config, Router); 4] = [
        (Config::Bare, bare(PATH, runs.clone())),
        (
            Config::Verify,
            verified(PATH, runs.clone(), verifier.clone()),
        ),
        (
            Config::Memory,
            deduplicated(PATH, runs.clone(), verifier.clone(), roomy_memory_store(0)),
        ),
        (
            Config::Redis,
            deduplicated(PATH, runs.clone(), verifier, redis_store),
        ),
    ];

    let mut group = c.benchmark_group("layer");
    group.throughput(Throughput::Bytes(SIZE as u64));
    for (config, router) in routers {
        let before = runs.load(Ordering::Relaxed);
        group.bench_function(
            BenchmarkId::new(config.name(), benches::size_label(SIZE)),
            |b| {
                b.to_async(&rt).iter_batched(
                    || delivery(&secret, &body),
                    |req| {
                        let router = router.clone();
                        async move {
                            let res = router.oneshot(req).await.unwrap();
                            assert_eq!(res.status(), 200, "{}", config.name());
                            res
                        }
                    },
                    BatchSize::SmallInput,
                );
            },
        );
        // Every delivery ran the handler: no rejections, no duplicates.
        assert!(runs.load(Ordering::Relaxed) > before);
    }
    group.finish();
    drop(redis);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = layer
}
criterion_main!(benches);
