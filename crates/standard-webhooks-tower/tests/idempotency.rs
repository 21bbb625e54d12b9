//! The idempotency contract (SPEC section 4) through a real axum app, against every store:
//! memory, a Redis server the test starts, and (for the cross-replica cases) a 3-node cluster.
#![cfg(all(feature = "axum", feature = "redis-cluster"))]
#![allow(clippy::unwrap_used)]

mod common;

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use common::*;
use futures_util::future::join_all;
use standard_webhooks_tower::{
    IdempotencyOutcome, IdempotencyStore, MemoryStore, RedisStore, Rejection,
    idempotency::REPLAYED_HEADER,
    store::{Claim, ClaimToken, Fenced, StoreFuture},
};
use test_support::{RedisCluster, RedisServer};
use tower::ServiceExt;

type Store = Arc<dyn IdempotencyStore>;

fn memory() -> Store {
    Arc::new(MemoryStore::new())
}

async fn redis(server: &RedisServer) -> Store {
    Arc::new(RedisStore::open(&server.url()).await.unwrap())
}

/// Runs one scenario against the memory store and against a fresh Redis server.
macro_rules! against_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::memory()).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let server = test_support::RedisServer::start();
                    super::$name(super::redis(&server).await).await;
                }
            )*
        }
    };
}

against_every_store!(
    fifty_concurrent_deliveries_run_the_handler_once,
    handler_500_then_retry_is_processed,
    handler_panic_then_retry_is_processed,
    client_disconnect_mid_handler_then_retry_is_processed,
    completed_duplicate_gets_200_without_running_handler,
    handler_slower_than_the_lease_keeps_its_claim,
    completion_survives_a_future_dropped_while_it_is_recorded,
    run_to_completion_finishes_the_handler_after_the_client_left,
    legacy_deliveries_are_deduplicated_on_the_body_id,
    namespaces_keep_endpoints_apart,
);

async fn fifty_concurrent_deliveries_run_the_handler_once(store: Store) {
    let (app, calls) = app(store, |l| l);
    let body = br#"{"id":"EV1","type":"message.received"}"#;
    let responses = join_all((0..50).map(|_| {
        let req = with_behaviour(delivery("msg_concurrent", &body[..]), "ok", 300);
        tokio::spawn(app.clone().oneshot(req))
    }))
    .await;
    assert_eq!(calls.get(), 1, "the handler ran more than once");
    let (mut processed, mut in_flight, mut duplicates) = (0, 0, 0);
    for res in responses {
        let res = res.unwrap().unwrap();
        match (res.status(), res.headers().contains_key(REPLAYED_HEADER)) {
            (StatusCode::OK, false) => processed += 1,
            (StatusCode::OK, true) => duplicates += 1,
            (StatusCode::CONFLICT, _) => {
                assert!(res.headers().contains_key("retry-after"));
                in_flight += 1;
            }
            (other, _) => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(processed, 1);
    assert_eq!(processed + in_flight + duplicates, 50);
}

async fn handler_500_then_retry_is_processed(store: Store) {
    let (app, calls) = app(store, |l| l);
    let first = app
        .clone()
        .oneshot(with_behaviour(delivery("msg_500", "{}"), "fail", 0))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        first.extensions().get(),
        Some(&IdempotencyOutcome::Released)
    );
    let retry = app
        .clone()
        .oneshot(delivery("msg_500", "{}"))
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(
        retry.extensions().get(),
        Some(&IdempotencyOutcome::Processed)
    );
    assert_eq!(calls.get(), 2);
    let again = app.oneshot(delivery("msg_500", "{}")).await.unwrap();
    assert_eq!(again.headers()[REPLAYED_HEADER], "true");
    assert_eq!(calls.get(), 2);
}

async fn handler_panic_then_retry_is_processed(store: Store) {
    let (app, calls) = app(store, |l| l);
    let attempt = tokio::spawn(app.clone().oneshot(with_behaviour(
        delivery("msg_panic", "{}"),
        "panic",
        0,
    )))
    .await;
    assert!(attempt.unwrap_err().is_panic());
    // The release runs on a task spawned by the guard; the retry succeeds once it has.
    retry_is_processed(&app, "msg_panic").await;
    assert_eq!(calls.get(), 2);
}

async fn client_disconnect_mid_handler_then_retry_is_processed(store: Store) {
    let (app, calls) = app(store, |l| l);
    let attempt = tokio::spawn(app.clone().oneshot(with_behaviour(
        delivery("msg_gone", "{}"),
        "ok",
        5_000,
    )));
    eventually(Duration::from_secs(5), || async {
        (calls.get() == 1).then_some(())
    })
    .await;
    attempt.abort(); // the connection closed: hyper drops the response future
    assert!(attempt.await.unwrap_err().is_cancelled());
    retry_is_processed(&app, "msg_gone").await;
    assert_eq!(calls.get(), 2);
}

/// The sender's retry of `id`, repeated until the release (run by a spawned task) has landed:
/// it must be processed, not answered as a duplicate.
async fn retry_is_processed(app: &axum::Router, id: &str) {
    let res = eventually(Duration::from_secs(5), || {
        let app = app.clone();
        async move {
            let res = app.oneshot(delivery(id, "{}")).await.unwrap();
            (res.status() == StatusCode::OK).then_some(res)
        }
    })
    .await;
    assert!(!res.headers().contains_key(REPLAYED_HEADER));
}

async fn completed_duplicate_gets_200_without_running_handler(store: Store) {
    let (app, calls) = app(store, |l| l);
    let first = app
        .clone()
        .oneshot(delivery("msg_dup", "{}"))
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    // Each retry is signed anew (new timestamp); the id stays.
    let second = app.oneshot(delivery("msg_dup", "{}")).await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.headers()[REPLAYED_HEADER], "true");
    assert_eq!(
        second.extensions().get(),
        Some(&IdempotencyOutcome::Duplicate)
    );
    assert_eq!(body_json(second).await["status"], "duplicate");
    assert_eq!(calls.get(), 1);
}

async fn handler_slower_than_the_lease_keeps_its_claim(store: Store) {
    // The defect: a forward slower than the (then fixed) lease lost its claim, the sender's
    // retry ran the handler a second time, and the first attempt's completion was refused.
    // Lease 1 s; attempt A runs 2.5 s. Its lease is renewed while it runs, so a retry at 1.5 s
    // (past the first lease) finds it in flight, and once A completes the key is done.
    let (app, calls) = app(store, |l| {
        l.lease(Duration::from_secs(1))
            .store_timeout(Duration::from_millis(300))
    });
    let a = tokio::spawn(app.clone().oneshot(with_behaviour(
        delivery("msg_lease", "{}"),
        "ok",
        2_500,
    )));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let retry = app
        .clone()
        .oneshot(delivery("msg_lease", "{}"))
        .await
        .unwrap();
    assert_eq!(
        retry.status(),
        StatusCode::CONFLICT,
        "the retry ran while the first attempt was still running"
    );
    assert_eq!(calls.get(), 1);
    let a = a.await.unwrap().unwrap();
    assert_eq!(a.status(), StatusCode::OK);
    assert_eq!(a.extensions().get(), Some(&IdempotencyOutcome::Processed));
    let later = app.oneshot(delivery("msg_lease", "{}")).await.unwrap();
    assert_eq!(
        later.headers()[REPLAYED_HEADER],
        "true",
        "completion was refused"
    );
    assert_eq!(calls.get(), 1);
}

async fn completion_survives_a_future_dropped_while_it_is_recorded(store: Store) {
    // The defect: the release guard was disarmed before `complete` was awaited, so a client
    // that went away while completion was being recorded left the key claimed but never
    // completed. Here `complete` takes 300 ms and the request's future is dropped after 100 ms.
    let store: Store = Arc::new(SlowComplete {
        inner: store,
        delay: Duration::from_millis(300),
    });
    let (app, calls) = app(store.clone(), |l| l);
    let dropped = tokio::time::timeout(
        Duration::from_millis(100),
        app.clone().oneshot(delivery("msg_dropped", "{}")),
    )
    .await;
    assert!(
        dropped.is_err(),
        "the request should still be recording its completion"
    );
    assert_eq!(calls.get(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let retry = app.oneshot(delivery("msg_dropped", "{}")).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(
        retry
            .headers()
            .get(REPLAYED_HEADER)
            .map(|v| v.to_str().unwrap()),
        Some("true"),
        "the completion was lost with the dropped future"
    );
    assert_eq!(calls.get(), 1);
}

async fn run_to_completion_finishes_the_handler_after_the_client_left(store: Store) {
    let (app, calls) = app(store, |l| l.run_to_completion(true));
    let attempt = tokio::spawn(app.clone().oneshot(with_behaviour(
        delivery("msg_detached", "{}"),
        "ok",
        300,
    )));
    eventually(Duration::from_secs(5), || async {
        (calls.get() == 1).then_some(())
    })
    .await;
    attempt.abort();
    assert!(attempt.await.unwrap_err().is_cancelled());
    // The handler was not cancelled: it finishes and its completion is recorded, so the
    // sender's retry is a duplicate, never a second run.
    let res = eventually(Duration::from_secs(5), || {
        let app = app.clone();
        async move {
            let res = app.oneshot(delivery("msg_detached", "{}")).await.unwrap();
            (res.status() != StatusCode::CONFLICT).then_some(res)
        }
    })
    .await;
    assert_eq!(res.headers()[REPLAYED_HEADER], "true");
    assert_eq!(calls.get(), 1);
}

/// A store whose `complete` takes `delay` before doing its work.
struct SlowComplete {
    inner: Store,
    delay: Duration,
}

impl IdempotencyStore for SlowComplete {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        self.inner.claim(key, lease)
    }
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            self.inner.complete(key, token, retention).await
        })
    }
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        self.inner.release(key, token)
    }
    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced> {
        self.inner.renew(key, token, lease)
    }
}

async fn legacy_deliveries_are_deduplicated_on_the_body_id(store: Store) {
    let (app, calls) = app(store, |l| l);
    let body = r#"{"id":"EVlegacy1","object":"event","apiVersion":"v3","type":"message.received","data":{"object":{"id":"AC1"}}}"#;
    let first = app.clone().oneshot(legacy_delivery(body)).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = app.clone().oneshot(legacy_delivery(body)).await.unwrap();
    assert_eq!(second.headers()[REPLAYED_HEADER], "true");
    assert_eq!(calls.get(), 1);
    let no_id = app
        .oneshot(legacy_delivery(r#"{"object":"event"}"#))
        .await
        .unwrap();
    assert_eq!(no_id.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        no_id.extensions().get(),
        Some(&Rejection::MissingIdempotencyKey)
    );
    assert_eq!(body_json(no_id).await["error"], "missing_idempotency_key");
}

async fn namespaces_keep_endpoints_apart(store: Store) {
    let (orders, order_calls) = app(store.clone(), |l| l.namespace("orders"));
    let (calls_app, call_calls) = app(store, |l| l.namespace("calls"));
    for app in [&orders, &calls_app] {
        let res = app
            .clone()
            .oneshot(delivery("msg_shared", "{}"))
            .await
            .unwrap();
        assert!(!res.headers().contains_key(REPLAYED_HEADER));
    }
    assert_eq!((order_calls.get(), call_calls.get()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_instances_sharing_one_redis_process_each_id_once() {
    let server = RedisServer::start();
    let (a, a_calls) = app(redis(&server).await, |l| l);
    let (b, b_calls) = app(redis(&server).await, |l| l);
    let ids: Vec<String> = (0..20).map(|i| format!("msg_replica_{i}")).collect();
    deliver_to_every_replica(&[a.clone(), b.clone(), a, b], &ids).await;
    assert_eq!(a_calls.get() + b_calls.get(), ids.len());
}

/// Sends each id to every app at once; every answer must be processed (200) or in flight (409).
async fn deliver_to_every_replica(apps: &[axum::Router], ids: &[String]) {
    let results = join_all(ids.iter().flat_map(|id| {
        apps.iter().map(move |app| {
            let req = with_behaviour(delivery(id, "{}"), "ok", 50);
            tokio::spawn(app.clone().oneshot(req))
        })
    }))
    .await;
    for r in results {
        let status = r.unwrap().unwrap().status();
        assert!(
            status == StatusCode::OK || status == StatusCode::CONFLICT,
            "{status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_instances_on_a_redis_cluster_process_each_id_once() {
    let cluster = RedisCluster::start();
    let urls = cluster.urls();
    let store_a: Store = Arc::new(RedisStore::open_cluster(&urls).await.unwrap());
    let store_b: Store = Arc::new(RedisStore::open_cluster(&urls).await.unwrap());
    let (a, a_calls) = app(store_a.clone(), |l| l);
    let (b, b_calls) = app(store_b, |l| l);
    // Ids spread over all three nodes' slots.
    let ids: Vec<String> = (0..30).map(|i| format!("msg_cluster_{i}")).collect();
    deliver_to_every_replica(&[a, b], &ids).await;
    assert_eq!(a_calls.get() + b_calls.get(), ids.len());
    // And the whole contract on one cluster-backed app.
    handler_500_then_retry_is_processed(store_a.clone()).await;
    handler_slower_than_the_lease_keeps_its_claim(store_a).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_answers_503_then_recovers_after_restart() {
    let mut server = RedisServer::start();
    let (app, calls) = app(redis(&server).await, |l| {
        l.store_timeout(Duration::from_secs(1))
    });
    let ok = app
        .clone()
        .oneshot(delivery("msg_before", "{}"))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);

    server.stop();
    let started = std::time::Instant::now();
    let down = app
        .clone()
        .oneshot(delivery("msg_during", "{}"))
        .await
        .unwrap();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "503 took {:?}",
        started.elapsed()
    );
    assert!(down.headers().contains_key("retry-after"));
    assert_eq!(
        body_json(down).await["error"],
        "idempotency_store_unavailable"
    );
    assert_eq!(calls.get(), 1, "a delivery ran while the store was down");

    server.restart();
    // The same app, not rebuilt: the connection manager reconnects by itself.
    let res = eventually(Duration::from_secs(15), || {
        let app = app.clone();
        async move {
            let res = app.oneshot(delivery("msg_during", "{}")).await.unwrap();
            (res.status() != StatusCode::SERVICE_UNAVAILABLE).then_some(res)
        }
    })
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(calls.get(), 2);
    let dup = app.oneshot(delivery("msg_during", "{}")).await.unwrap();
    assert_eq!(dup.headers()[REPLAYED_HEADER], "true");
}
