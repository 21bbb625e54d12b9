//! Everything this crate builds on the tower layers, in one place (feature `tower`).
//!
//! - [`correlation_key`]: the key function for the tower crate's `IdempotencyLayer::key_fn`
//!   that dedupes across both webhook systems (see the [`correlation`](crate::correlation)
//!   module for its rules).
//! - [`idempotency_layer`]: an idempotency layer with that key and the Quo [`NAMESPACE`].
//! - [`ParityLayer`]: feeds a shared [`ParityChecker`] from verified
//!   deliveries.
//! - [`QuoLayer`] and [`QuoParityLayer`]: the stacks that
//!   [`QuoConfig::layer`](crate::QuoConfig::layer) and
//!   [`QuoConfig::layer_with_parity`](crate::QuoConfig::layer_with_parity) build.
//!
//! # Examples
//!
//! Stacking the pieces yourself, for example to share the store through an `Arc<dyn …>`:
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::{Router, routing::post};
//! use quo_webhooks::{ParityChecker, QuoConfig, tower::{ParityLayer, correlation_key, NAMESPACE}};
//! use standard_webhooks_tower::{IdempotencyLayer, IdempotencyStore, MemoryStore};
//! use tower::ServiceBuilder;
//!
//! let config = QuoConfig::from_values(Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None)?;
//! let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryStore::new());
//! let checker = Arc::new(ParityChecker::new());
//! let app: Router = Router::new()
//!     .route("/webhooks/quo", post(|| async { "ok" }))
//!     .layer(
//!         ServiceBuilder::new()
//!             .layer(config.verify_layer()?)
//!             .layer(ParityLayer::new(checker))
//!             .layer(IdempotencyLayer::from_arc(store).namespace(NAMESPACE).key_fn(correlation_key)),
//!     );
//! # let _ = app;
//! # Ok::<(), quo_webhooks::PresetError>(())
//! ```

use std::sync::Arc;

use standard_webhooks_tower::{IdempotencyLayer, KeyContext, VerifyWebhookLayer, WebhookLayer};
use tower_layer::Stack;

pub use crate::parity::{Parity, ParityLayer};
use crate::{PresetError, QuoConfig, correlation::DEFAULT_RULES, parity::ParityChecker};

/// The idempotency namespace of [`idempotency_layer`]: store keys read `quo:event:...` and
/// `quo:delivery:...`.
pub const NAMESPACE: &str = "quo";

/// The idempotency key function that dedupes across both webhook systems, with the default
/// [`CorrelationRules`](crate::CorrelationRules): give it to
/// [`IdempotencyLayer::key_fn`], inside the verification layer. See the
/// [`correlation`](crate::correlation) module for the rules.
///
/// # Examples
///
/// ```
/// use quo_webhooks::tower::correlation_key;
/// use standard_webhooks_tower::{IdempotencyLayer, MemoryStore};
///
/// let layer = IdempotencyLayer::new(MemoryStore::new())
///     .namespace("quo")
///     .key_fn(correlation_key);
/// # let _ = layer;
/// ```
#[must_use]
pub fn correlation_key(ctx: &KeyContext<'_>) -> Option<String> {
    DEFAULT_RULES.key_for(ctx)
}

/// [`QuoConfig::layer`]'s layer: verification outside, idempotency on the
/// [`correlation_key`] inside.
pub type QuoLayer<St> = WebhookLayer<St>;

/// [`QuoConfig::layer_with_parity`]'s layer: verification, then the parity check, then
/// idempotency.
pub type QuoParityLayer<St> = Stack<IdempotencyLayer<St>, Stack<ParityLayer, VerifyWebhookLayer>>;

/// An idempotency layer on `store` that dedupes across both webhook systems: namespace
/// [`NAMESPACE`], key [`correlation_key`], the tower crate's other
/// defaults (15 s lease renewed while the handler runs, 76 h retention, fail closed). Configure it further as any
/// [`IdempotencyLayer`].
pub fn idempotency_layer<St>(store: St) -> IdempotencyLayer<St> {
    IdempotencyLayer::new(store)
        .namespace(NAMESPACE)
        .key_fn(correlation_key)
}

impl QuoConfig {
    /// The verification layer for these keys (1 MiB body limit).
    ///
    /// # Errors
    ///
    /// [`PresetError::NoKeys`] when no key is configured.
    pub fn verify_layer(&self) -> Result<VerifyWebhookLayer, PresetError> {
        Ok(VerifyWebhookLayer::new(self.verifier()?))
    }

    /// Verification and cross-system idempotency in one layer: the
    /// [`verify_layer`](Self::verify_layer) outside, the [`idempotency_layer`] on `store`
    /// inside. A business event delivered by both systems runs the handler once; the
    /// other delivery is answered 200 with `idempotent-replayed: true`.
    ///
    /// # Errors
    ///
    /// [`PresetError::NoKeys`] when no key is configured.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::post};
    /// use quo_webhooks::QuoConfig;
    /// use standard_webhooks_tower::MemoryStore;
    ///
    /// async fn handle(body: axum::body::Bytes) -> &'static str {
    ///     // `body` is exactly what was verified; see `extract::QuoEvent` (feature `axum`)
    ///     // for the typed event.
    ///     let _ = body;
    ///     "ok"
    /// }
    ///
    /// let config = QuoConfig::from_values(Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None)?;
    /// let app: Router = Router::new()
    ///     .route("/webhooks/quo", post(handle))
    ///     .layer(config.layer(MemoryStore::new())?);
    /// # let _ = app;
    /// # Ok::<(), quo_webhooks::preset::PresetError>(())
    /// ```
    pub fn layer<St>(&self, store: St) -> Result<QuoLayer<St>, PresetError> {
        Ok(Stack::new(idempotency_layer(store), self.verify_layer()?))
    }

    /// As [`layer`](Self::layer), with a [`ParityLayer`] feeding `checker` between
    /// verification and idempotency, so that it sees both deliveries of each business
    /// event, including the one the idempotency layer then answers as a duplicate.
    ///
    /// # Errors
    ///
    /// [`PresetError::NoKeys`] when no key is configured.
    pub fn layer_with_parity<St>(
        &self,
        store: St,
        checker: Arc<ParityChecker>,
    ) -> Result<QuoParityLayer<St>, PresetError> {
        Ok(Stack::new(
            idempotency_layer(store),
            Stack::new(ParityLayer::new(checker), self.verify_layer()?),
        ))
    }
}
