//! `store/`: one idempotency record's life on the happy path, `claim` then `complete`, on the
//! `MemoryStore` and on a `RedisStore` (two round trips to a `redis-server` of our own on
//! loopback). Each iteration uses a fresh key.
// Benchmark set-up unwraps, and criterion's macros generate undocumented items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use benches::roomy_memory_store;
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use standard_webhooks_tower::{
    RedisStore,
    store::{Claim, Fenced, IdempotencyStore},
};
use test_support::RedisServer;

const LEASE: Duration = Duration::from_secs(60);
const RETENTION: Duration = Duration::from_secs(76 * 3600);

static NEXT_KEY: AtomicU64 = AtomicU64::new(0);

fn key() -> String {
    // Shaped like the layer's keys: a namespace and a Svix-style message id.
    format!(
        "webhooks:msg_2KWPBgLlAfxd{:016}",
        NEXT_KEY.fetch_add(1, Ordering::Relaxed)
    )
}

async fn claim_complete(store: &impl IdempotencyStore, key: String) {
    let Claim::Acquired(token) = store.claim(&key, LEASE).await.unwrap() else {
        panic!("a fresh key is free");
    };
    let fenced = store.complete(&key, &token, RETENTION).await.unwrap();
    assert_eq!(fenced, Fenced::Applied);
}

fn store(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = RedisServer::start();
    let redis_store = rt.block_on(RedisStore::open(&redis.url())).unwrap();
    let memory = roomy_memory_store(0);

    let mut group = c.benchmark_group("store");
    group.bench_function(BenchmarkId::new("memory", "claim-complete"), |b| {
        b.to_async(&rt)
            .iter_batched(key, |k| claim_complete(&memory, k), BatchSize::SmallInput);
    });
    group.bench_function(BenchmarkId::new("redis", "claim-complete"), |b| {
        b.to_async(&rt).iter_batched(
            key,
            |k| claim_complete(&redis_store, k),
            BatchSize::SmallInput,
        );
    });
    group.finish();
    drop(redis);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = store
}
criterion_main!(benches);
