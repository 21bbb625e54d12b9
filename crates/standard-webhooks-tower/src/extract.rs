//! axum extractors for handlers behind [`VerifyWebhookLayer`](crate::VerifyWebhookLayer).
//!
//! - [`VerifiedDelivery`]: the verification result (delivery id, timestamp, scheme, key), the
//!   core's [`standard_webhooks::Verified`].
//! - [`WebhookJson<T>`]: the verified body parsed as `T` with `serde_json`, from the exact bytes
//!   that were verified.
//! - [`VerifiedBody`]: those bytes themselves, to store or forward.
//!
//! All three read the request's extensions and leave its body alone, so a handler can take the
//! typed event and the raw bytes together (and `Bytes` or `String` as its last argument too).
//! Each rejects with an [`ExtractRejection`]: 500 when the verification layer is missing, so
//! that a routing mistake can never let an unverified delivery through, and `WebhookJson`
//! rejects a body that does not parse as `T` with 422 (the sender retries it; it was not
//! processed).
//!
//! # Examples
//!
//! ```
//! use axum::{Router, routing::post};
//! use serde::Deserialize;
//! use standard_webhooks::{Secret, Verifier};
//! use standard_webhooks_tower::{
//!     VerifiedBody, VerifyWebhookLayer,
//!     extract::{VerifiedDelivery, WebhookJson},
//! };
//!
//! #[derive(Deserialize)]
//! struct Event {
//!     id: String,
//!     r#type: String,
//! }
//!
//! async fn handler(
//!     VerifiedDelivery(delivery): VerifiedDelivery,
//!     WebhookJson(event): WebhookJson<Event>,
//!     VerifiedBody(raw): VerifiedBody,
//! ) -> String {
//!     // `raw` is the exact bytes that were verified: store or forward them as they are.
//!     format!("{:?} {} {} {} bytes", delivery.id(), event.id, event.r#type, raw.len())
//! }
//!
//! let app: Router = Router::new()
//!     .route("/webhooks", post(handler))
//!     .layer(VerifyWebhookLayer::new(Verifier::new(Secret::generate())));
//! # let _ = app;
//! ```

use std::fmt;

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

pub use crate::verify::VerifiedBody;

/// The verification result of the delivery being handled: the core's
/// [`standard_webhooks::Verified`], as an extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDelivery(pub standard_webhooks::Verified<'static>);

/// The verified body, parsed as `T`. It does not consume the request body: take
/// [`VerifiedBody`] beside it for the raw bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookJson<T>(pub T);

/// Why an extractor over a verified delivery failed: the one rejection of this module's
/// extractors and of those built on them (`quo_webhooks::extract::QuoEvent`).
#[derive(Debug)]
#[non_exhaustive]
pub enum ExtractRejection {
    /// The request did not pass through the verification layer (500: a server mistake).
    NotVerified,
    /// The verified body is not the payload the handler expects (422).
    InvalidBody(Box<dyn std::error::Error + Send + Sync>),
}

impl ExtractRejection {
    /// A body that is not the expected payload, for extractors of your own.
    pub fn invalid_body(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::InvalidBody(error.into())
    }

    /// The status of this rejection.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotVerified => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A stable snake-case code: `webhook_not_verified` or `invalid_webhook_body`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotVerified => "webhook_not_verified",
            Self::InvalidBody(_) => "invalid_webhook_body",
        }
    }
}

impl fmt::Display for ExtractRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotVerified => {
                f.write_str("the webhook verification layer is not installed on this route")
            }
            Self::InvalidBody(e) => write!(f, "webhook body is not the expected payload: {e}"),
        }
    }
}

impl std::error::Error for ExtractRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidBody(e) => Some(&**e),
            Self::NotVerified => None,
        }
    }
}

impl IntoResponse for ExtractRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedDelivery {
    type Rejection = ExtractRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<standard_webhooks::Verified<'static>>()
            .cloned()
            .map(Self)
            .ok_or(ExtractRejection::NotVerified)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VerifiedBody {
    type Rejection = ExtractRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<VerifiedBody>()
            .cloned()
            .ok_or(ExtractRejection::NotVerified)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for WebhookJson<T> {
    type Rejection = ExtractRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Parse the extension's copy: the very bytes that were verified.
        let body = parts
            .extensions
            .get::<VerifiedBody>()
            .ok_or(ExtractRejection::NotVerified)?;
        serde_json::from_slice(&body.0)
            .map(WebhookJson)
            .map_err(ExtractRejection::invalid_body)
    }
}
