use std::{fmt, sync::Arc, time::Duration};

use bytes::Bytes;
use http::HeaderMap;
use standard_webhooks::Verified;
use tower_layer::Layer;

use super::{Idempotency, IdempotencyEngine};
use crate::rejection::JsonRejection;

/// What a key function sees of a request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct KeyContext<'a> {
    /// The verification result, when the verification layer ran.
    pub verified: Option<&'a Verified<'static>>,
    /// The verified body, when the verification layer ran.
    pub body: Option<&'a Bytes>,
    /// The request's headers.
    pub headers: &'a HeaderMap,
}

pub(super) type KeyFn = Arc<dyn Fn(&KeyContext<'_>) -> Option<String> + Send + Sync>;

/// Applies [`Idempotency`] to a service; see the [module docs](crate::idempotency).
///
/// A thin tower wrapper around an [`IdempotencyEngine`]: the engine runs the protocol, the
/// layer finds each request's key and turns the engine's answers into responses.
#[must_use]
pub struct IdempotencyLayer<St: ?Sized, R = JsonRejection> {
    engine: IdempotencyEngine<St>,
    run_to_completion: bool,
    key_fn: Option<KeyFn>,
    on_rejection: R,
}

impl<St: ?Sized, R: Clone> Clone for IdempotencyLayer<St, R> {
    fn clone(&self) -> Self {
        Self {
            engine: self.engine.clone(),
            run_to_completion: self.run_to_completion,
            key_fn: self.key_fn.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

impl<St: fmt::Debug + ?Sized, R: fmt::Debug> fmt::Debug for IdempotencyLayer<St, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyLayer")
            .field("engine", &self.engine)
            .field("run_to_completion", &self.run_to_completion)
            .field("custom_key_fn", &self.key_fn.is_some())
            .field("on_rejection", &self.on_rejection)
            .finish()
    }
}

impl<St: ?Sized> IdempotencyLayer<St> {
    /// Deduplicate on `store` with the defaults: namespace `webhooks`, 15 s lease renewed while
    /// the handler runs, 76 h retention, 2 s store timeout, fail closed, handler cancelled with
    /// its request.
    pub fn new(store: St) -> Self
    where
        St: Sized,
    {
        Self::from_engine(IdempotencyEngine::new(store))
    }

    /// As [`new`](Self::new), sharing a store that is already in an `Arc` (for example an
    /// `Arc<dyn IdempotencyStore>`).
    pub fn from_arc(store: Arc<St>) -> Self {
        Self::from_engine(IdempotencyEngine::from_arc(store))
    }

    /// A layer over an engine you configured (and may share with code outside tower).
    pub fn from_engine(engine: IdempotencyEngine<St>) -> Self {
        Self {
            engine,
            run_to_completion: false,
            key_fn: None,
            on_rejection: JsonRejection,
        }
    }
}

impl<St: ?Sized, R> IdempotencyLayer<St, R> {
    /// The engine this layer runs.
    pub fn engine(&self) -> &IdempotencyEngine<St> {
        &self.engine
    }

    /// The prefix of every key (default `webhooks`), so several endpoints can share a store.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.engine = self.engine.namespace(namespace);
        self
    }

    /// How long one attempt holds a key without renewing it (default 15 s); see
    /// [`IdempotencyEngine::lease`].
    pub fn lease(mut self, lease: Duration) -> Self {
        self.engine = self.engine.lease(lease);
        self
    }

    /// How long a completed key is remembered (default 76 h). It must outlive the sender's
    /// whole retry schedule.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.engine = self.engine.retention(retention);
        self
    }

    /// The bound on every store call (default 2 s); a call that takes longer counts as the
    /// store being unavailable.
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.engine = self.engine.store_timeout(timeout);
        self
    }

    /// Let deliveries through unchecked while the store is unreachable (default: no, answer
    /// 503). Each such delivery is logged (feature `tracing`) and its request carries
    /// [`Unchecked`](super::Unchecked). A duplicate may then be processed twice.
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.engine = self.engine.fail_open(fail_open);
        self
    }

    /// Keep running the handler when the request's future is dropped (the client went away),
    /// and record its outcome (default: no, the handler is cancelled and the key released).
    ///
    /// Turn it on when the handler's side effects cannot be undone half-way (a line written to
    /// a file, a message sent): a cancelled handler may have done them already, and releasing
    /// its key would let the sender's retry do them again. With this on, each attempt runs on a
    /// task of its own, so bound the number of handlers running yourself (for example with
    /// [`tower::limit::ConcurrencyLimitLayer`](https://docs.rs/tower/latest/tower/limit/struct.ConcurrencyLimitLayer.html)).
    pub fn run_to_completion(mut self, run_to_completion: bool) -> Self {
        self.run_to_completion = run_to_completion;
        self
    }

    /// Derive keys with `f` instead of the default (`webhook-id`, else a legacy body's `id`).
    /// Returning `None` rejects the delivery with 400.
    pub fn key_fn<F>(mut self, f: F) -> Self
    where
        F: Fn(&KeyContext<'_>) -> Option<String> + Send + Sync + 'static,
    {
        self.key_fn = Some(Arc::new(f));
        self
    }

    /// Build rejection responses (409, 503, 400) with `on_rejection` instead of the JSON default.
    pub fn on_rejection<R2>(self, on_rejection: R2) -> IdempotencyLayer<St, R2> {
        IdempotencyLayer {
            engine: self.engine,
            run_to_completion: self.run_to_completion,
            key_fn: self.key_fn,
            on_rejection,
        }
    }
}

impl<S, St: ?Sized, R: Clone> Layer<S> for IdempotencyLayer<St, R> {
    type Service = Idempotency<S, St, R>;

    fn layer(&self, inner: S) -> Self::Service {
        Idempotency {
            inner,
            engine: self.engine.clone(),
            run_to_completion: self.run_to_completion,
            key_fn: self.key_fn.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}
