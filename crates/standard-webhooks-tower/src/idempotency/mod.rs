//! Idempotency: run each delivery's handler at most once to success, across replicas.
//!
//! [`IdempotencyEngine`] runs the protocol for any framework; [`IdempotencyLayer`] is its tower
//! wrapper. The layer sits inside [`VerifyWebhookLayer`](crate::VerifyWebhookLayer) and
//! follows the contract of SPEC section 4, "claim, then complete or release":
//!
//! | the store says | the layer | the sender sees |
//! |---|---|---|
//! | key free | claims it with a lease (default 15 s, renewed every third of it while the handler runs) and a fresh token, runs the handler | the handler's answer |
//! | handler answered 2xx | marks the key completed for the retention (default 76 h), on a task of its own so that a client going away cannot cancel it | 2xx |
//! | handler answered non-2xx, errored, panicked, or the request was dropped | releases the key (token compared) | the handler's answer, or nothing; its retry runs the handler |
//! | key completed | does not run the handler | 200, `idempotent-replayed: true` |
//! | key held by a running attempt | does not run the handler | 409 with `Retry-After` |
//! | store unreachable, slow (every call is bounded by a timeout, default 2 s) or full | does not run the handler (fail closed) | 503 with `Retry-After` |
//!
//! A lease that is neither completed, released nor renewed (the process died) expires by
//! itself, and the next retry runs the handler. While the handler runs the layer renews the
//! lease, so a slow handler keeps its claim however long it takes; the lease only bounds how
//! long a key stays claimed after its process died, or after the store froze in the middle of
//! a claim (the sender sees 409 meanwhile). Completion, release and renewal compare the token,
//! so an attempt whose lease expired cannot overwrite a newer claim.
//!
//! With [`run_to_completion`](IdempotencyLayer::run_to_completion), a handler keeps running
//! when its client goes away, and its outcome is recorded; without it (the default) the handler
//! is cancelled with its request and the key released.
//!
//! [`fail_open`](IdempotencyLayer::fail_open) lets deliveries through unchecked while the store
//! is unreachable, logging each one (feature `tracing`) and marking the request with
//! [`Unchecked`]; a full store still answers 503.
//!
//! # Keys
//!
//! By default the key is the verified `webhook-id` (or `svix-id`); for a legacy delivery, which
//! has none, the body's top-level `id` (`EV…`), which stays the same across its retries. Used
//! without the verification layer, it reads the `webhook-id` / `svix-id` header. Replace it
//! with [`IdempotencyLayer::key_fn`]. Keys are prefixed with a namespace (default `webhooks`),
//! so that several endpoints can share one store.
//!
//! # Examples
//!
//! ```
//! use axum::{Router, routing::post};
//! use standard_webhooks::{Secret, Verifier};
//! use standard_webhooks_tower::{IdempotencyLayer, MemoryStore, VerifyWebhookLayer};
//! use tower::ServiceBuilder;
//!
//! let verifier = Verifier::new(Secret::generate());
//! let app: Router = Router::new()
//!     .route("/webhooks", post(|| async { "processed" }))
//!     .layer(
//!         ServiceBuilder::new()
//!             .layer(VerifyWebhookLayer::new(verifier))
//!             .layer(IdempotencyLayer::new(MemoryStore::new()).namespace("quo")),
//!     );
//! # let _ = app;
//! ```

mod engine;
mod layer;
mod service;

pub use engine::{Begin, ClaimGuard, IdempotencyEngine, Once, Recording};
pub use layer::{IdempotencyLayer, KeyContext};
pub use service::Idempotency;

use std::time::Duration;

/// Default lease of a claim: how long one attempt holds a key between renewals (every third of
/// it), and so how long a key stays claimed after the process holding it died.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);

/// Default retention of a completed key: 76 hours, longer than the longest retry schedule
/// (Standard Webhooks' recommendation runs about 75.6 h; Svix's about 27.6 h).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(76 * 3600);

/// Default bound on every store call.
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// The response header that marks a duplicate of a completed delivery.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What the idempotency layer did, in the response's extensions (next to any
/// [`Rejection`](crate::Rejection)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyOutcome {
    /// The handler ran and answered 2xx; the key is completed.
    Processed,
    /// The handler ran and did not answer 2xx; the key was released for the next retry.
    Released,
    /// The key was completed before: the handler did not run.
    Duplicate,
    /// The store was unreachable and the layer fails open: the handler ran unchecked.
    Unchecked,
}

/// In the request's extensions when the layer let a delivery through without a claim, because
/// the store was unreachable and [`fail_open`](IdempotencyLayer::fail_open) is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unchecked;
