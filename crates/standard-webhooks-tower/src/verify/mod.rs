//! Verification: buffer the body up to a limit, verify it byte-exactly, pass it on unchanged.
//!
//! [`VerifyWebhookLayer`] wraps a [`standard_webhooks::Verifier`]. For each request it
//!
//! 1. answers 413 at once when `Content-Length` exceeds the body limit (default 1 MiB), and
//!    413 as soon as a chunked body grows past it, without reading the rest;
//! 2. verifies the exact bytes received against the request's headers;
//! 3. calls the inner service with a body of those same bytes, and with the
//!    [`Verified`](standard_webhooks::Verified) value and a [`VerifiedBody`] in the request's
//!    extensions;
//! 4. puts the [`Verified`](standard_webhooks::Verified) value into the response's extensions
//!    too, so that logging and metrics layers outside can tell which delivery an answer is for.
//!
//! Anything else is answered with a [`Rejection`](crate::Rejection) response (400, 401, 413):
//! the inner service is not called.
//!
//! The layer accepts any request body (hyper's `Incoming`, axum's `Body`, ...). The inner
//! service receives the buffered bytes as an `http_body_util::Full<Bytes>` body: axum's
//! routers and handlers take it as they are, and a plain hyper service takes
//! `Request<Full<Bytes>>` (see the crate's `hyper_receiver` example).
//!
//! # Examples
//!
//! ```
//! use axum::{Extension, Router, routing::post};
//! use standard_webhooks::{Secret, Verified, Verifier};
//! use standard_webhooks_tower::VerifyWebhookLayer;
//!
//! async fn handler(Extension(verified): Extension<Verified<'static>>, body: bytes::Bytes) {
//!     // `body` is exactly what was verified.
//!     let _ = (verified.id(), body);
//! }
//!
//! let verifier = Verifier::new(Secret::generate());
//! let app: Router = Router::new()
//!     .route("/webhooks", post(handler))
//!     .layer(VerifyWebhookLayer::new(verifier).body_limit(256 * 1024));
//! # let _ = app;
//! ```

mod layer;
mod service;

pub use layer::VerifyWebhookLayer;
pub use service::VerifyWebhook;

/// The default body limit: 1 MiB, well above any Quo event.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The verified request body, in the request's extensions: the exact bytes that were verified.
///
/// The request's own body holds the same bytes; this copy (a reference-counted `Bytes`, not a
/// copy of the data) lets layers further in read it without consuming the body, as the
/// idempotency layer does to find a legacy delivery's `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub bytes::Bytes);
