//! The framework-free idempotency engine: claim, complete, release, renewals, and what a
//! dropped or panicking attempt leaves behind.
#![allow(clippy::unwrap_used)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use standard_webhooks_tower::{
    Begin, IdempotencyEngine, IdempotencyOutcome, IdempotencyStore, MemoryStore, Once,
    REPLAYED_HEADER, Rejection,
    store::{Claim, ClaimToken, Fenced, StoreError, StoreFuture},
};

fn engine() -> IdempotencyEngine<MemoryStore> {
    IdempotencyEngine::new(MemoryStore::new())
}

/// What a second attempt at `key` sees.
async fn second_look<St: IdempotencyStore + ?Sized>(
    engine: &IdempotencyEngine<St>,
    key: &str,
) -> &'static str {
    match engine.begin(key).await {
        Begin::Claimed(guard) => {
            guard.release().await.unwrap();
            "free"
        }
        Begin::Duplicate => "duplicate",
        Begin::InFlight { .. } => "in flight",
        _ => "unavailable",
    }
}

#[tokio::test]
async fn completed_key_is_a_duplicate_and_a_running_one_is_in_flight() {
    let engine = engine();
    let Begin::Claimed(guard) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    assert_eq!(guard.key(), "webhooks:msg_1");
    let racing = engine.begin("msg_1").await;
    assert!(matches!(racing, Begin::InFlight { .. }), "{racing:?}");
    assert!(matches!(
        racing.rejection(),
        Some(Rejection::InFlight { .. })
    ));
    assert_eq!(guard.complete().await.unwrap(), Fenced::Applied);
    assert_eq!(second_look(&engine, "msg_1").await, "duplicate");
}

#[tokio::test]
async fn released_key_runs_again() {
    let engine = engine();
    let Begin::Claimed(guard) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    assert_eq!(guard.release().await.unwrap(), Fenced::Applied);
    assert_eq!(second_look(&engine, "msg_1").await, "free");
}

#[tokio::test]
async fn dropped_guard_releases_the_key() {
    let engine = engine();
    let Begin::Claimed(guard) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    drop(guard);
    // The release runs on a task of its own; let it run.
    tokio::task::yield_now().await;
    assert_eq!(second_look(&engine, "msg_1").await, "free");
}

#[tokio::test]
async fn handler_panic_under_the_guard_releases_the_key() {
    let engine = engine();
    let attempt = {
        let engine = engine.clone();
        tokio::spawn(async move {
            let Begin::Claimed(mut guard) = engine.begin("msg_1").await else {
                panic!("a fresh key is free");
            };
            guard.run(async { panic!("the handler panicked") }).await;
            guard.complete().await.unwrap();
        })
    };
    assert!(attempt.await.unwrap_err().is_panic());
    tokio::task::yield_now().await;
    assert_eq!(second_look(&engine, "msg_1").await, "free");
}

#[tokio::test]
async fn namespaces_keep_keys_apart() {
    let store = Arc::new(MemoryStore::new());
    let a = IdempotencyEngine::from_arc(store.clone()).namespace("a");
    let b = IdempotencyEngine::from_arc(store.clone()).namespace("b");
    let Begin::Claimed(guard) = a.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    guard.complete().await.unwrap();
    assert_eq!(second_look(&a, "msg_1").await, "duplicate");
    assert_eq!(second_look(&b, "msg_1").await, "free");
    assert!(matches!(
        store
            .claim("a:msg_1", Duration::from_secs(1))
            .await
            .unwrap(),
        Claim::Completed
    ));
}

/// A store that counts renewals and can delay `complete`, or fail every call.
struct Probe {
    inner: MemoryStore,
    renewals: AtomicUsize,
    complete_delay: Duration,
    down: bool,
}

impl Probe {
    fn new(complete_delay: Duration, down: bool) -> Self {
        Self {
            inner: MemoryStore::new(),
            renewals: AtomicUsize::new(0),
            complete_delay,
            down,
        }
    }
}

impl IdempotencyStore for Probe {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        if self.down {
            return Box::pin(async { Err(StoreError::unavailable("connection refused")) });
        }
        self.inner.claim(key, lease)
    }
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move {
            tokio::time::sleep(self.complete_delay).await;
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
        self.renewals.fetch_add(1, Ordering::SeqCst);
        self.inner.renew(key, token, lease)
    }
}

#[tokio::test(start_paused = true)]
async fn run_renews_the_lease_while_a_slow_handler_runs() {
    let store = Arc::new(Probe::new(Duration::ZERO, false));
    let engine = IdempotencyEngine::from_arc(store.clone()).lease(Duration::from_secs(3));
    let Begin::Claimed(mut guard) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    // Ten leases long: without renewals the key would be free again after the first.
    guard.run(tokio::time::sleep(Duration::from_secs(30))).await;
    assert!(
        store.renewals.load(Ordering::SeqCst) >= 9,
        "renewed every second"
    );
    assert_eq!(second_look(&engine, "msg_1").await, "in flight");
    guard.complete().await.unwrap();
    assert_eq!(second_look(&engine, "msg_1").await, "duplicate");
}

#[tokio::test(start_paused = true)]
async fn completion_survives_its_future_being_dropped() {
    let store = Arc::new(Probe::new(Duration::from_millis(300), false));
    let engine = IdempotencyEngine::from_arc(store.clone());
    let Begin::Claimed(guard) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    let recording = guard.complete();
    // The caller gives up after 100 ms, in the middle of the store's 300 ms.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), recording)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(second_look(&engine, "msg_1").await, "duplicate");
}

#[tokio::test]
async fn unreachable_store_fails_closed_or_open_as_configured() {
    let closed = IdempotencyEngine::new(Probe::new(Duration::ZERO, true));
    let begin = closed.begin("msg_1").await;
    assert!(matches!(begin, Begin::Unavailable { .. }), "{begin:?}");
    assert!(matches!(
        begin.rejection(),
        Some(Rejection::StoreUnavailable { .. })
    ));
    let open = IdempotencyEngine::new(Probe::new(Duration::ZERO, true)).fail_open(true);
    let begin = open.begin("msg_1").await;
    assert!(matches!(begin, Begin::Unchecked { .. }), "{begin:?}");
    assert_eq!(begin.rejection(), None);
}

#[tokio::test]
async fn full_store_fails_closed_even_when_failing_open() {
    let engine = IdempotencyEngine::new(MemoryStore::new().with_max_records(1)).fail_open(true);
    let Begin::Claimed(_held) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    let begin = engine.begin("msg_2").await;
    assert!(
        matches!(
            begin,
            Begin::Unavailable {
                error: StoreError::Full,
                ..
            }
        ),
        "{begin:?}"
    );
}

#[tokio::test]
async fn once_completes_on_ok_releases_on_err_and_answers_each_outcome() {
    let engine = engine();
    let runs = AtomicUsize::new(0);
    let handler = |ok: bool| {
        let runs = &runs;
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            if ok { Ok("done") } else { Err("disk full") }
        }
    };

    // A failure releases the key: its retry runs the handler again.
    let failed = engine.once("msg_1", handler(false)).await;
    assert!(matches!(failed, Once::Failed("disk full")), "{failed:?}");
    let res: http::Response<bytes::Bytes> = failed.into_response();
    assert_eq!(res.status(), 500);
    assert!(!String::from_utf8_lossy(res.body()).contains("disk full"));
    assert_eq!(res.extensions().get(), Some(&IdempotencyOutcome::Released));

    let processed = engine.once("msg_1", handler(true)).await;
    assert!(
        matches!(processed, Once::Processed("done")),
        "{processed:?}"
    );
    assert!(processed.response::<bytes::Bytes>().is_none());
    let res: http::Response<bytes::Bytes> = processed.into_response();
    assert_eq!(res.status(), 200);
    assert_eq!(res.extensions().get(), Some(&IdempotencyOutcome::Processed));

    // Completed: a duplicate, the handler not run.
    let duplicate = engine.once("msg_1", handler(true)).await;
    assert!(matches!(duplicate, Once::Duplicate), "{duplicate:?}");
    let res: http::Response<bytes::Bytes> = duplicate.into_response();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[REPLAYED_HEADER], "true");
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "the duplicate's handler never ran"
    );
    assert_eq!(second_look(&engine, "msg_1").await, "duplicate");
}

#[tokio::test]
async fn once_rejects_a_key_in_flight_and_an_unreachable_store() {
    let engine = engine();
    let Begin::Claimed(_held) = engine.begin("msg_1").await else {
        panic!("a fresh key is free");
    };
    let ran = AtomicUsize::new(0);
    let handler = || async {
        ran.fetch_add(1, Ordering::SeqCst);
        Ok::<_, ()>(())
    };
    let racing = engine.once("msg_1", handler()).await;
    assert!(
        matches!(racing, Once::Rejected(Rejection::InFlight { .. })),
        "{racing:?}"
    );
    let res: http::Response<bytes::Bytes> = racing.into_response();
    assert_eq!(res.status(), 409);
    assert!(res.headers().contains_key("retry-after"));

    let closed = IdempotencyEngine::new(Probe::new(Duration::ZERO, true));
    let down = closed.once("msg_2", handler()).await;
    assert!(
        matches!(down, Once::Rejected(Rejection::StoreUnavailable { .. })),
        "{down:?}"
    );
    assert_eq!(down.into_response::<bytes::Bytes>().status(), 503);
    assert_eq!(ran.load(Ordering::SeqCst), 0, "the handler never ran");

    // Failing open, the handler runs unchecked.
    let open = IdempotencyEngine::new(Probe::new(Duration::ZERO, true)).fail_open(true);
    assert!(matches!(
        open.once("msg_3", handler()).await,
        Once::Processed(())
    ));
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn once_dropped_while_the_handler_runs_releases_the_key() {
    let engine = engine();
    let pending = engine.once("msg_1", std::future::pending::<Result<(), ()>>());
    assert!(
        tokio::time::timeout(Duration::from_millis(20), pending)
            .await
            .is_err()
    );
    tokio::task::yield_now().await;
    assert_eq!(second_look(&engine, "msg_1").await, "free");
}
