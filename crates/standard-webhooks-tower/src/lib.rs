#![cfg_attr(feature = "axum", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "axum"),
    doc = "Tower middleware for Standard Webhooks receivers: verification and idempotency layers. \
           Enable the `axum` feature for the full crate documentation's examples."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use tower_layer::Stack;

#[cfg(feature = "axum")]
pub mod extract;
pub mod idempotency;
mod rejection;
pub mod store;
pub mod verify;

pub use idempotency::{
    Begin, ClaimGuard, Idempotency, IdempotencyEngine, IdempotencyLayer, IdempotencyOutcome,
    KeyContext, Once, REPLAYED_HEADER, Unchecked,
};
pub use rejection::{JsonRejection, OnRejection, Rejection};
pub use standard_webhooks;
#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{IdempotencyStore, MemoryStore};
pub use verify::{VerifiableBody, VerifiedBody, VerifyWebhook, VerifyWebhookLayer};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Both layers in their order: verification outside, idempotency inside.
pub type WebhookLayer<St, R = JsonRejection> =
    Stack<IdempotencyLayer<St, R>, VerifyWebhookLayer<R>>;

/// Verification and idempotency in one layer, with their defaults: 1 MiB body limit, 300 s
/// tolerance, 15 s lease renewed while the handler runs, 76 h retention, fail closed. Configure each with
/// [`VerifyWebhookLayer`] and [`IdempotencyLayer`] and stack them yourself for anything else.
///
/// # Examples
///
/// ```
/// use axum::{Router, routing::post};
/// use standard_webhooks::{Secret, Verifier};
/// use standard_webhooks_tower::{MemoryStore, webhook_layer};
///
/// let app: Router = Router::new()
///     .route("/webhooks", post(|| async { "ok" }))
///     .layer(webhook_layer(Verifier::new(Secret::generate()), MemoryStore::new()));
/// # let _ = app;
/// ```
pub fn webhook_layer<St>(verifier: standard_webhooks::Verifier, store: St) -> WebhookLayer<St> {
    Stack::new(
        IdempotencyLayer::new(store),
        VerifyWebhookLayer::new(verifier),
    )
}

/// The future of both layers' services.
pub struct ResponseFuture<B, E> {
    inner: Pin<Box<dyn Future<Output = Result<http::Response<B>, E>> + Send>>,
}

impl<B, E> ResponseFuture<B, E> {
    fn new(fut: impl Future<Output = Result<http::Response<B>, E>> + Send + 'static) -> Self {
        Self {
            inner: Box::pin(fut),
        }
    }
}

impl<B, E> Future for ResponseFuture<B, E> {
    type Output = Result<http::Response<B>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<B, E> fmt::Debug for ResponseFuture<B, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture { .. }")
    }
}

/// `tracing::warn!` when the `tracing` feature is on; nothing otherwise.
#[cfg(feature = "tracing")]
macro_rules! log_warn {
    ($($t:tt)*) => { ::tracing::warn!($($t)*) };
}
#[cfg(not(feature = "tracing"))]
macro_rules! log_warn {
    ($($t:tt)*) => {{}};
}
pub(crate) use log_warn;

/// `tracing::debug!` when the `tracing` feature is on; nothing otherwise.
#[cfg(feature = "tracing")]
macro_rules! log_debug {
    ($($t:tt)*) => { ::tracing::debug!($($t)*) };
}
#[cfg(not(feature = "tracing"))]
macro_rules! log_debug {
    ($($t:tt)*) => {{}};
}
pub(crate) use log_debug;
