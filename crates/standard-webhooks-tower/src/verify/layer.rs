use std::sync::Arc;

use standard_webhooks::Verifier;
use tower_layer::Layer;

use super::{DEFAULT_BODY_LIMIT, VerifyWebhook};
use crate::rejection::JsonRejection;

/// Applies [`VerifyWebhook`] to a service; see the [module docs](crate::verify).
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifyWebhookLayer<R = JsonRejection> {
    pub(super) verifier: Arc<Verifier>,
    pub(super) limit: usize,
    pub(super) on_rejection: R,
}

impl VerifyWebhookLayer {
    /// Verify deliveries with `verifier`, a 1 MiB body limit and JSON rejections.
    pub fn new(verifier: Verifier) -> Self {
        Self::from_arc(Arc::new(verifier))
    }

    /// As [`new`](Self::new), sharing a verifier that is already in an `Arc`.
    pub fn from_arc(verifier: Arc<Verifier>) -> Self {
        Self {
            verifier,
            limit: DEFAULT_BODY_LIMIT,
            on_rejection: JsonRejection,
        }
    }
}

impl<R> VerifyWebhookLayer<R> {
    /// The largest body accepted, in bytes (default 1 MiB); larger ones get 413.
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Build rejection responses with `on_rejection` instead of the JSON default.
    pub fn on_rejection<R2>(self, on_rejection: R2) -> VerifyWebhookLayer<R2> {
        VerifyWebhookLayer {
            verifier: self.verifier,
            limit: self.limit,
            on_rejection,
        }
    }
}

impl<S, R: Clone> Layer<S> for VerifyWebhookLayer<R> {
    type Service = VerifyWebhook<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifyWebhook {
            inner,
            verifier: self.verifier.clone(),
            limit: self.limit,
            on_rejection: self.on_rejection.clone(),
        }
    }
}
