//! The deduplication store with its failures counted for `/metrics`, so that an operator sees
//! a frozen or unreachable Redis (`quo_webhooks_store_errors_total`), not only the 503s.

use std::{sync::Arc, time::Duration};

use standard_webhooks_tower::{
    IdempotencyStore,
    store::{Claim, ClaimToken, Fenced, StoreError, StoreFuture},
};

use crate::metrics::Metrics;

/// Wraps a store; every operation is passed on unchanged and its failure counted.
pub(crate) struct ObservedStore {
    inner: Arc<dyn IdempotencyStore>,
    metrics: Arc<Metrics>,
}

impl ObservedStore {
    pub(crate) fn new(inner: Arc<dyn IdempotencyStore>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

/// What kind of failure `e` is, as the metric's label.
fn kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::Timeout => "timeout",
        StoreError::Full => "full",
        StoreError::Unavailable(inner)
            if inner
                .downcast_ref::<redis::RedisError>()
                .is_some_and(redis::RedisError::is_timeout) =>
        {
            "timeout"
        }
        _ => "unavailable",
    }
}

/// Counts `abandoned` if the operation's future is dropped before it answered.
struct Pending<'a> {
    metrics: &'a Metrics,
    operation: &'static str,
    answered: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.metrics.store_error(self.operation, "abandoned");
        }
    }
}

fn observed<'a, T: Send + 'a>(
    metrics: &'a Metrics,
    operation: &'static str,
    future: StoreFuture<'a, T>,
) -> StoreFuture<'a, T> {
    Box::pin(async move {
        let mut pending = Pending {
            metrics,
            operation,
            answered: false,
        };
        let result = future.await;
        pending.answered = true;
        if let Err(e) = &result {
            metrics.store_error(operation, kind(e));
        }
        result
    })
}

impl IdempotencyStore for ObservedStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        observed(&self.metrics, "claim", self.inner.claim(key, lease))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        observed(
            &self.metrics,
            "complete",
            self.inner.complete(key, token, retention),
        )
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        observed(&self.metrics, "release", self.inner.release(key, token))
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced> {
        observed(&self.metrics, "renew", self.inner.renew(key, token, lease))
    }

    fn health(&self) -> StoreFuture<'_, ()> {
        observed(&self.metrics, "health", self.inner.health())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that is always unreachable, and one that never answers.
    struct Broken {
        hang: bool,
    }

    impl IdempotencyStore for Broken {
        fn claim<'a>(&'a self, _: &'a str, _: Duration) -> StoreFuture<'a, Claim> {
            let hang = self.hang;
            Box::pin(async move {
                if hang {
                    std::future::pending::<()>().await;
                }
                Err(StoreError::unavailable("connection refused"))
            })
        }
        fn complete<'a>(
            &'a self,
            _: &'a str,
            _: &'a ClaimToken,
            _: Duration,
        ) -> StoreFuture<'a, Fenced> {
            Box::pin(async { Err(StoreError::Timeout) })
        }
        fn release<'a>(&'a self, _: &'a str, _: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
            Box::pin(async { Ok(Fenced::Applied) })
        }
        fn renew<'a>(
            &'a self,
            _: &'a str,
            _: &'a ClaimToken,
            _: Duration,
        ) -> StoreFuture<'a, Fenced> {
            Box::pin(async { Err(StoreError::Full) })
        }
    }

    #[tokio::test]
    async fn failures_are_counted_by_operation_and_kind() {
        let metrics = Arc::new(Metrics::new(None));
        let store = ObservedStore::new(Arc::new(Broken { hang: false }), metrics.clone());
        let token = ClaimToken::generate();
        assert!(store.claim("k", Duration::from_secs(1)).await.is_err());
        assert!(
            store
                .complete("k", &token, Duration::from_secs(1))
                .await
                .is_err()
        );
        assert!(
            store
                .renew("k", &token, Duration::from_secs(1))
                .await
                .is_err()
        );
        assert!(store.release("k", &token).await.is_ok());
        let hanging = ObservedStore::new(Arc::new(Broken { hang: true }), metrics.clone());
        let gave_up = tokio::time::timeout(
            Duration::from_millis(10),
            hanging.claim("k", Duration::ZERO),
        )
        .await;
        assert!(gave_up.is_err());
        let text = metrics.render();
        for line in [
            "quo_webhooks_store_errors_total{operation=\"claim\",kind=\"unavailable\"} 1",
            "quo_webhooks_store_errors_total{operation=\"complete\",kind=\"timeout\"} 1",
            "quo_webhooks_store_errors_total{operation=\"renew\",kind=\"full\"} 1",
            "quo_webhooks_store_errors_total{operation=\"claim\",kind=\"abandoned\"} 1",
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
        assert!(!text.contains("operation=\"release\""), "{text}");
    }
}
