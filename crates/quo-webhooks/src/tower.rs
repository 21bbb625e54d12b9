//! Everything this crate builds on the tower layers, in one place (feature `tower`).
//!
//! - [`correlation_key`]: the key function for the tower crate's `IdempotencyLayer::key_fn`
//!   that dedupes across both webhook systems (see the [`correlation`](crate::correlation)
//!   module for its rules).
//! - [`idempotency_layer`]: an idempotency layer with that key and the Quo [`NAMESPACE`].
//! - [`ParityLayer`]: feeds a shared [`ParityChecker`](crate::ParityChecker) from verified
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

pub use crate::correlation::correlation_key;
pub use crate::parity::{Parity, ParityLayer};
pub use crate::preset::{NAMESPACE, QuoLayer, QuoParityLayer, idempotency_layer};
