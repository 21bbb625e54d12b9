//! The idempotency store contract (SPEC section 4, "claim, then complete or release"), run
//! against every store: `MemoryStore` always; `RedisStore` on one server and on a 3-node Redis
//! Cluster with `--features redis-cluster`.
//!
//! Each backend gives a test two store handles over the same records (`a` and `b`): for Redis,
//! two separate connections, as two replicas of a receiver would have.
//!
//! The Redis tests start their own `redis-server` (see `test-support`), so they need it on `PATH`
//! or in `REDIS_SERVER_BIN`, and `redis-cli` for the cluster.

// The helpers below are test code too; clippy only knows that of `#[test]` functions.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Duration};

use standard_webhooks_tower::store::{Claim, ClaimToken, Fenced, IdempotencyStore};

/// Short, so that the Redis tests can wait for expiry in real time.
const LEASE: Duration = Duration::from_millis(200);
/// Long enough that nothing the tests wait for expires on its own.
const LONG: Duration = Duration::from_secs(60);
/// Comfortably past `LEASE` on a loaded machine, yet short.
const PAST_LEASE: Duration = Duration::from_millis(350);

type Store = Arc<dyn IdempotencyStore>;

/// Each check of the contract, given two handles over the same records.
mod contract {
    use super::*;

    async fn acquire(store: &Store, key: &str, lease: Duration) -> ClaimToken {
        match store.claim(key, lease).await.unwrap() {
            Claim::Acquired(token) => token,
            other => panic!("expected Acquired for {key}, got {other:?}"),
        }
    }

    fn assert_in_flight(claim: Claim) {
        assert!(matches!(claim, Claim::InFlight { .. }), "{claim:?}");
    }

    pub(super) async fn fresh_claim_is_acquired(a: Store, _: Store) {
        acquire(&a, "msg_fresh", LONG).await;
    }

    pub(super) async fn second_claim_while_in_flight_is_in_flight(a: Store, b: Store) {
        acquire(&a, "msg_1", LONG).await;
        assert_in_flight(a.claim("msg_1", LONG).await.unwrap());
        assert_in_flight(b.claim("msg_1", LONG).await.unwrap());
    }

    pub(super) async fn claim_after_completion_is_completed(a: Store, b: Store) {
        let token = acquire(&a, "msg_1", LONG).await;
        assert_eq!(
            a.complete("msg_1", &token, LONG).await.unwrap(),
            Fenced::Applied
        );
        assert_eq!(a.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
        assert_eq!(b.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
    }

    pub(super) async fn claim_after_release_is_acquired_again(a: Store, b: Store) {
        let token = acquire(&a, "msg_1", LONG).await;
        assert_eq!(a.release("msg_1", &token).await.unwrap(), Fenced::Applied);
        let again = acquire(&b, "msg_1", LONG).await;
        assert_ne!(again, token);
    }

    pub(super) async fn lease_expiry_frees_the_key(a: Store, b: Store) {
        acquire(&a, "msg_1", LEASE).await;
        tokio::time::sleep(PAST_LEASE).await;
        acquire(&b, "msg_1", LONG).await;
    }

    pub(super) async fn late_completion_after_lease_expiry_is_stale(a: Store, b: Store) {
        let late = acquire(&a, "msg_1", LEASE).await;
        tokio::time::sleep(PAST_LEASE).await;
        let current = acquire(&b, "msg_1", LONG).await;

        assert_eq!(
            a.complete("msg_1", &late, LONG).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(a.release("msg_1", &late).await.unwrap(), Fenced::Stale);
        // The new claim was not overwritten: it is still in flight, and still its holder's.
        assert_in_flight(a.claim("msg_1", LONG).await.unwrap());
        assert_eq!(
            b.complete("msg_1", &current, LONG).await.unwrap(),
            Fenced::Applied
        );
        assert_eq!(a.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
    }

    pub(super) async fn renewal_keeps_the_lease_past_its_first_end(a: Store, b: Store) {
        let token = acquire(&a, "msg_1", LEASE).await;
        let stranger = ClaimToken::generate();
        assert_eq!(
            b.renew("msg_1", &stranger, LONG).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(
            a.renew("msg_1", &token, LONG).await.unwrap(),
            Fenced::Applied
        );
        tokio::time::sleep(PAST_LEASE).await;
        assert_in_flight(b.claim("msg_1", LONG).await.unwrap());
        assert_eq!(
            a.complete("msg_1", &token, LONG).await.unwrap(),
            Fenced::Applied
        );
        assert_eq!(
            a.renew("msg_1", &token, LONG).await.unwrap(),
            Fenced::Stale,
            "a completed key is not turned back into a lease"
        );
        assert_eq!(b.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
    }

    pub(super) async fn release_with_wrong_token_is_stale(a: Store, b: Store) {
        let token = acquire(&a, "msg_1", LONG).await;
        let stranger = ClaimToken::generate();
        assert_eq!(b.release("msg_1", &stranger).await.unwrap(), Fenced::Stale);
        assert_in_flight(b.claim("msg_1", LONG).await.unwrap());
        assert_eq!(a.release("msg_1", &token).await.unwrap(), Fenced::Applied);
    }

    pub(super) async fn complete_with_wrong_token_is_stale(a: Store, b: Store) {
        acquire(&a, "msg_1", LONG).await;
        let stranger = ClaimToken::generate();
        assert_eq!(
            b.complete("msg_1", &stranger, LONG).await.unwrap(),
            Fenced::Stale
        );
        assert_in_flight(b.claim("msg_1", LONG).await.unwrap());
    }

    pub(super) async fn fencing_a_missing_key_is_stale(a: Store, _: Store) {
        let token = ClaimToken::generate();
        assert_eq!(
            a.complete("msg_none", &token, LONG).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(a.release("msg_none", &token).await.unwrap(), Fenced::Stale);
        // Neither created a record.
        acquire(&a, "msg_none", LONG).await;
    }

    pub(super) async fn release_after_completion_is_stale_and_keeps_it_completed(
        a: Store,
        _: Store,
    ) {
        let token = acquire(&a, "msg_1", LONG).await;
        a.complete("msg_1", &token, LONG).await.unwrap();
        assert_eq!(a.release("msg_1", &token).await.unwrap(), Fenced::Stale);
        assert_eq!(a.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
    }

    pub(super) async fn completed_record_expires_after_retention(a: Store, b: Store) {
        let token = acquire(&a, "msg_1", LONG).await;
        a.complete("msg_1", &token, LEASE).await.unwrap();
        assert_eq!(b.claim("msg_1", LONG).await.unwrap(), Claim::Completed);
        tokio::time::sleep(PAST_LEASE).await;
        acquire(&b, "msg_1", LONG).await;
    }

    pub(super) async fn keys_are_independent(a: Store, b: Store) {
        acquire(&a, "msg_1", LONG).await;
        acquire(&b, "msg_2", LONG).await;
    }

    pub(super) async fn fifty_concurrent_claims_have_exactly_one_winner(a: Store, b: Store) {
        let claims = (0..50).map(|i| {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { store.claim("msg_race", LONG).await.unwrap() })
        });
        let mut acquired = 0;
        for claim in claims.collect::<Vec<_>>() {
            match claim.await.unwrap() {
                Claim::Acquired(_) => acquired += 1,
                other => assert_in_flight(other),
            }
        }
        assert_eq!(acquired, 1);
    }
}

/// One `#[tokio::test]` per contract check, each on a fresh `backend()` from the calling module.
macro_rules! contract_tests {
    (#[$runtime:meta]) => {
        contract_tests!(@each #[$runtime]
            fresh_claim_is_acquired,
            second_claim_while_in_flight_is_in_flight,
            claim_after_completion_is_completed,
            claim_after_release_is_acquired_again,
            lease_expiry_frees_the_key,
            late_completion_after_lease_expiry_is_stale,
            renewal_keeps_the_lease_past_its_first_end,
            release_with_wrong_token_is_stale,
            complete_with_wrong_token_is_stale,
            fencing_a_missing_key_is_stale,
            release_after_completion_is_stale_and_keeps_it_completed,
            completed_record_expires_after_retention,
            keys_are_independent,
            fifty_concurrent_claims_have_exactly_one_winner,
        );
    };
    (@each #[$runtime:meta] $($check:ident),* $(,)?) => {
        $(
            #[$runtime]
            async fn $check() {
                let (_backend, a, b) = backend(stringify!($check)).await;
                crate::contract::$check(a, b).await;
            }
        )*
    };
}

mod memory {
    use standard_webhooks_tower::store::MemoryStore;

    use super::*;

    /// Both handles share one store, as tasks of one process do.
    async fn backend(_test: &str) -> ((), Store, Store) {
        let store: Store = Arc::new(MemoryStore::new());
        ((), store.clone(), store)
    }

    // Paused time: waiting out a lease costs nothing.
    contract_tests!(#[tokio::test(start_paused = true)]);
}

#[cfg(feature = "redis-cluster")]
mod redis_single {
    use std::time::Instant;

    use standard_webhooks_tower::store::{RedisStore, StoreError};
    use test_support::RedisServer;

    use super::*;

    /// A fresh server per test, and two stores with their own connections to it.
    async fn backend(_test: &str) -> (RedisServer, Store, Store) {
        let server = RedisServer::start();
        let a = RedisStore::open(&server.url()).await.unwrap();
        let b = RedisStore::open(&server.url()).await.unwrap();
        (server, Arc::new(a), Arc::new(b))
    }

    contract_tests!(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stopped_redis_fails_claims_fast_with_unavailable() {
        let mut server = RedisServer::start();
        let store = RedisStore::open(&server.url()).await.unwrap();
        assert!(matches!(
            store.claim("msg_1", LONG).await.unwrap(),
            Claim::Acquired(_)
        ));
        assert!(store.health().await.is_ok());

        server.stop();
        assert!(matches!(
            store.health().await,
            Err(StoreError::Unavailable(_))
        ));
        // The first call finds the connection broken, later ones fail to reconnect: both fast.
        for _ in 0..3 {
            let started = Instant::now();
            let result = store.claim("msg_2", LONG).await;
            assert!(
                matches!(result, Err(StoreError::Unavailable(_))),
                "{result:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{:?}",
                started.elapsed()
            );
        }
        let token = ClaimToken::generate();
        assert!(matches!(
            store.complete("msg_1", &token, LONG).await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            store.release("msg_1", &token).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    /// A claim sent to a frozen Redis times out, but runs when Redis thaws; the store undoes it
    /// then, so the key is free again well before its (60 s) lease would have ended, while a
    /// claim another store holds is never touched.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_claim_lost_in_a_frozen_redis_is_undone_after_the_thaw() {
        let server = RedisServer::start();
        let store = RedisStore::open(&server.url()).await.unwrap();
        let other = RedisStore::open(&server.url()).await.unwrap();
        let Claim::Acquired(held) = other.claim("msg_held", LONG).await.unwrap() else {
            panic!("msg_held was free");
        };
        server.pause();
        for key in ["msg_lost", "msg_held"] {
            let result = store.claim(key, LONG).await;
            assert!(result.is_err(), "{key}: {result:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        server.resume();
        let thawed = Instant::now();
        loop {
            match other.claim("msg_lost", LONG).await {
                Ok(Claim::Acquired(_)) => break,
                Ok(Claim::InFlight { .. }) | Err(_) => {}
                Ok(claim) => panic!("{claim:?}"),
            }
            assert!(
                thawed.elapsed() < Duration::from_secs(10),
                "msg_lost still claimed {:?} after the thaw",
                thawed.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("lost claim undone {:?} after the thaw", thawed.elapsed());
        // The claim the other store holds is still its own.
        assert_eq!(
            other.complete("msg_held", &held, LONG).await.unwrap(),
            Fenced::Applied
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn restarted_redis_is_used_again_without_rebuilding_the_store() {
        let mut server = RedisServer::start();
        let store = RedisStore::open(&server.url()).await.unwrap();
        store.claim("msg_1", LONG).await.unwrap();

        server.stop();
        assert!(store.claim("msg_2", LONG).await.is_err());
        server.restart();

        // The connection manager reconnects on the next calls.
        let started = Instant::now();
        let claim = loop {
            match store.claim("msg_2", LONG).await {
                Ok(claim) => break claim,
                Err(e) if started.elapsed() > Duration::from_secs(10) => {
                    panic!("still unavailable after restart: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        assert!(matches!(claim, Claim::Acquired(_)), "{claim:?}");
        // The scripts were flushed with the data; EVALSHA falls back to loading them.
        let Claim::Acquired(token) = store.claim("msg_3", LONG).await.unwrap() else {
            panic!("msg_3 is new");
        };
        assert_eq!(
            store.complete("msg_3", &token, LONG).await.unwrap(),
            Fenced::Applied
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stores_with_different_prefixes_do_not_see_each_other() {
        let server = RedisServer::start();
        let billing = RedisStore::open(&server.url())
            .await
            .unwrap()
            .with_prefix("billing:");
        let shipping = RedisStore::open(&server.url())
            .await
            .unwrap()
            .with_prefix("shipping:");
        assert_eq!(billing.prefix(), "billing:");
        assert!(matches!(
            billing.claim("msg_1", LONG).await.unwrap(),
            Claim::Acquired(_)
        ));
        assert!(matches!(
            shipping.claim("msg_1", LONG).await.unwrap(),
            Claim::Acquired(_)
        ));
    }

    #[tokio::test]
    async fn open_fails_with_unavailable_when_nothing_listens() {
        let mut server = RedisServer::start();
        let url = server.url();
        server.stop();
        let started = Instant::now();
        assert!(matches!(
            RedisStore::open(&url).await,
            Err(StoreError::Unavailable(_))
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            RedisStore::open("not a url").await,
            Err(StoreError::Unavailable(_))
        ));
    }

    /// The URL's password and database reach Redis through the store's own connection: the
    /// claim works on a server that requires a password, and its key is in database 5.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn password_and_database_in_the_url_are_used() {
        let server = RedisServer::start();
        let plain = redis::Client::open(server.url()).unwrap();
        let mut admin = plain.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg("s3cret")
            .query_async::<()>(&mut admin)
            .await
            .unwrap();
        let url = format!("redis://:s3cret@127.0.0.1:{}/5", server.port());
        let store = RedisStore::open(&url).await.unwrap();
        let Claim::Acquired(token) = store.claim("msg_1", LONG).await.unwrap() else {
            panic!("msg_1 is new");
        };
        assert_eq!(
            store.complete("msg_1", &token, LONG).await.unwrap(),
            Fenced::Applied
        );
        let in_db = |db: i64| {
            let url = format!("redis://:s3cret@127.0.0.1:{}/{db}", server.port());
            async move {
                let client = redis::Client::open(url).unwrap();
                let mut connection = client.get_multiplexed_async_connection().await.unwrap();
                redis::cmd("GET")
                    .arg("swh:msg_1")
                    .query_async::<Option<String>>(&mut connection)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(in_db(5).await.as_deref(), Some("done"));
        assert_eq!(in_db(0).await, None);
        // A wrong password is refused when the store opens, without the password in the error.
        let wrong = format!("redis://:not-it@127.0.0.1:{}/5", server.port());
        let error = RedisStore::open(&wrong).await.unwrap_err().to_string();
        assert!(!error.contains("not-it"), "{error}");
    }

    #[tokio::test]
    async fn debug_shows_the_connection_kind_and_prefix() {
        let server = RedisServer::start();
        let store = RedisStore::open(&server.url()).await.unwrap();
        assert_eq!(
            format!("{store:?}"),
            r#"RedisStore { connection: "single", prefix: "swh:" }"#
        );
    }
}

/// The same contract over a connection manager the application built and handed to
/// [`RedisStore::new`]: the store's commands then go through `redis`'s own connection.
#[cfg(feature = "redis-cluster")]
mod redis_manager {
    use standard_webhooks_tower::store::RedisStore;
    use test_support::RedisServer;

    use super::*;

    async fn backend(_test: &str) -> (RedisServer, Store, Store) {
        let server = RedisServer::start();
        let mut stores = Vec::new();
        for _ in 0..2 {
            let client = redis::Client::open(server.url()).unwrap();
            let manager = redis::aio::ConnectionManager::new(client).await.unwrap();
            let store: Store = Arc::new(RedisStore::new(manager));
            stores.push(store);
        }
        let b = stores.pop().unwrap();
        let a = stores.pop().unwrap();
        (server, a, b)
    }

    contract_tests!(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]);
}

#[cfg(feature = "redis-cluster")]
mod redis_cluster {
    use std::sync::{Mutex, PoisonError, Weak};

    use standard_webhooks_tower::store::RedisStore;
    use test_support::RedisCluster;

    use super::*;

    /// Forming a cluster takes a couple of seconds, so tests running at the same time share one;
    /// it is killed when the last of them drops it. Each test keeps to its own key prefix.
    fn shared_cluster() -> Arc<RedisCluster> {
        static SHARED: Mutex<Weak<RedisCluster>> = Mutex::new(Weak::new());
        let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cluster) = shared.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(RedisCluster::start());
        *shared = Arc::downgrade(&cluster);
        cluster
    }

    /// Two stores with their own cluster connections.
    async fn backend(test: &str) -> (Arc<RedisCluster>, Store, Store) {
        let cluster = tokio::task::spawn_blocking(shared_cluster).await.unwrap();
        let prefix = format!("{test}:");
        let a = RedisStore::open_cluster(&cluster.urls()).await.unwrap();
        let b = RedisStore::open_cluster(&cluster.urls()).await.unwrap();
        (
            cluster,
            Arc::new(a.with_prefix(prefix.clone())),
            Arc::new(b.with_prefix(prefix)),
        )
    }

    contract_tests!(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_spread_over_every_node_all_work() {
        let (_cluster, a, _) = backend("spread").await;
        // 100 keys land on all three masters' slots; each runs both scripts there.
        for i in 0..100 {
            let key = format!("msg_{i}");
            let Claim::Acquired(token) = a.claim(&key, LONG).await.unwrap() else {
                panic!("{key} is new");
            };
            if i % 2 == 0 {
                assert_eq!(
                    a.complete(&key, &token, LONG).await.unwrap(),
                    Fenced::Applied
                );
                assert_eq!(a.claim(&key, LONG).await.unwrap(), Claim::Completed);
            } else {
                assert_eq!(a.release(&key, &token).await.unwrap(), Fenced::Applied);
            }
        }
    }

    #[tokio::test]
    async fn debug_shows_a_cluster_connection() {
        let cluster = tokio::task::spawn_blocking(shared_cluster).await.unwrap();
        let store = RedisStore::open_cluster(&cluster.urls()).await.unwrap();
        assert!(format!("{store:?}").contains(r#"connection: "cluster""#));
    }
}
