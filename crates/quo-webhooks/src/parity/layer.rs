use std::{
    sync::Arc,
    task::{Context, Poll},
};

use http::Request;
use standard_webhooks_tower::VerifiedBody;
use tower_layer::Layer;
use tower_service::Service;

use super::ParityChecker;
use crate::parse_any;

/// Feeds every verified delivery to a shared [`ParityChecker`]; applies [`Parity`].
///
/// Put it inside [`VerifyWebhookLayer`](standard_webhooks_tower::VerifyWebhookLayer), which
/// leaves the verified body in the request's extensions, and outside the idempotency layer, so
/// that it sees the second delivery of each business event too (the idempotency layer answers
/// that one itself). [`QuoConfig::layer_with_parity`](crate::preset::QuoConfig::layer_with_parity)
/// stacks the three in that order.
///
/// The layer observes and passes every request on unchanged, whatever the checker finds; it
/// adds the [`Observation`](super::Observation) to the request's extensions, for a handler
/// that wants it (`Option<axum::Extension<Observation>>`). A request without a verified body
/// (the layer is misplaced) or whose body is not a Quo event is passed on unobserved.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use axum::{Router, routing::post};
/// use quo_webhooks::parity::{ParityChecker, ParityLayer};
/// use standard_webhooks::{Secret, Verifier};
/// use standard_webhooks_tower::VerifyWebhookLayer;
/// use tower::ServiceBuilder;
///
/// let checker = Arc::new(ParityChecker::new());
/// let app: Router = Router::new()
///     .route("/webhooks/quo", post(|| async { "ok" }))
///     .layer(
///         ServiceBuilder::new()
///             .layer(VerifyWebhookLayer::new(Verifier::new(Secret::generate())))
///             .layer(ParityLayer::new(checker.clone())),
///     );
/// // Later, for a metrics endpoint or a log line:
/// let summary = checker.summary();
/// # let _ = (app, summary);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ParityLayer {
    checker: Arc<ParityChecker>,
}

impl ParityLayer {
    /// Feed `checker`; keep a clone of the `Arc` to read its
    /// [`summary`](ParityChecker::summary).
    pub fn new(checker: Arc<ParityChecker>) -> Self {
        Self { checker }
    }

    /// The checker this layer feeds.
    #[must_use]
    pub fn checker(&self) -> &Arc<ParityChecker> {
        &self.checker
    }
}

impl<S> Layer<S> for ParityLayer {
    type Service = Parity<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Parity {
            inner,
            checker: self.checker.clone(),
        }
    }
}

/// Observes each verified delivery with a [`ParityChecker`], then calls the inner service;
/// built by [`ParityLayer`].
#[derive(Debug, Clone)]
pub struct Parity<S> {
    inner: S,
    checker: Arc<ParityChecker>,
}

impl<S, B> Service<Request<B>> for Parity<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let event = req
            .extensions()
            .get::<VerifiedBody>()
            .and_then(|body| parse_any(&body.0).ok());
        if let Some(event) = event {
            let observation = self.checker.observe(&event);
            req.extensions_mut().insert(observation);
        }
        self.inner.call(req)
    }
}
