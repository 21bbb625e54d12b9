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
//! The inner service receives a body rebuilt from the buffered bytes, of the type
//! [`VerifiableBody`] names for the request's body: axum's `Body` stays `Body` (feature `axum`),
//! so axum middleware and handlers inside the layer work unchanged, and hyper's `Incoming`
//! (feature `hyper`) becomes `http_body_util::Full<Bytes>`, so a plain hyper service needs no
//! conversion in front of the layer. Implement the trait for other body types.
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

use bytes::Bytes;
use http_body::Body;
use http_body_util::Full;

use crate::BoxError;

/// The default body limit: 1 MiB, well above any Quo event.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// A request body the verification layer can buffer, and the body it hands the inner service
/// in its place, rebuilt from the verified bytes.
///
/// Implemented for axum's `Body` (feature `axum`; rebuilt as itself), hyper's `Incoming`
/// (feature `hyper`; rebuilt as `Full<Bytes>`), and `http_body_util::Full<Bytes>`.
pub trait VerifiableBody: Body<Error: Into<BoxError>, Data: Send> {
    /// The body the inner service receives.
    type Rebuilt;

    /// The inner service's body, holding exactly `bytes`.
    fn rebuild(bytes: Bytes) -> Self::Rebuilt;
}

impl VerifiableBody for Full<Bytes> {
    type Rebuilt = Self;

    fn rebuild(bytes: Bytes) -> Self {
        Full::new(bytes)
    }
}

#[cfg(feature = "axum")]
impl VerifiableBody for axum::body::Body {
    type Rebuilt = Self;

    fn rebuild(bytes: Bytes) -> Self {
        Self::from(bytes)
    }
}

#[cfg(feature = "hyper")]
impl VerifiableBody for hyper::body::Incoming {
    type Rebuilt = Full<Bytes>;

    fn rebuild(bytes: Bytes) -> Full<Bytes> {
        Full::new(bytes)
    }
}

/// The verified request body, in the request's extensions: the exact bytes that were verified.
///
/// The request's own body holds the same bytes; this copy (a reference-counted `Bytes`, not a
/// copy of the data) lets layers further in read it without consuming the body, as the
/// idempotency layer does to find a legacy delivery's `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBody(pub bytes::Bytes);
