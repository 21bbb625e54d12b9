//! axum extractors for handlers behind [`VerifyWebhookLayer`](crate::VerifyWebhookLayer).
//!
//! - [`Verified`]: the verification result (delivery id, timestamp, scheme, key).
//! - [`WebhookJson<T>`]: the verified body parsed as `T` with `serde_json`, from the exact bytes
//!   that were verified.
//!
//! Both reject with 500 when the verification layer is missing, so that a routing mistake can
//! never let an unverified delivery through, and `WebhookJson` rejects a body that does not
//! parse as `T` with 422 (the sender retries it; it was not processed).
//!
//! # Examples
//!
//! ```
//! use axum::{Router, routing::post};
//! use serde::Deserialize;
//! use standard_webhooks::{Secret, Verifier};
//! use standard_webhooks_tower::{
//!     VerifyWebhookLayer,
//!     extract::{Verified, WebhookJson},
//! };
//!
//! #[derive(Deserialize)]
//! struct Event {
//!     id: String,
//!     r#type: String,
//! }
//!
//! async fn handler(Verified(delivery): Verified, WebhookJson(event): WebhookJson<Event>) -> String {
//!     format!("{:?} {} {}", delivery.id(), event.id, event.r#type)
//! }
//!
//! let app: Router = Router::new()
//!     .route("/webhooks", post(handler))
//!     .layer(VerifyWebhookLayer::new(Verifier::new(Secret::generate())));
//! # let _ = app;
//! ```

use std::fmt;

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, request::Parts},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;

use crate::verify::VerifiedBody;

/// The verification result of the delivery being handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(pub standard_webhooks::Verified<'static>);

/// The verified body, parsed as `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookJson<T>(pub T);

/// Why an extractor of this module failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// The request did not pass through the verification layer (500: a server mistake).
    NotVerified,
    /// The verified body is not valid JSON for the expected type (422).
    InvalidJson(serde_json::Error),
}

impl WebhookRejection {
    /// The status of this rejection.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotVerified => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidJson(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A stable snake-case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotVerified => "webhook_not_verified",
            Self::InvalidJson(_) => "invalid_webhook_json",
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotVerified => {
                f.write_str("the webhook verification layer is not installed on this route")
            }
            Self::InvalidJson(e) => write!(f, "webhook body is not the expected JSON: {e}"),
        }
    }
}

impl std::error::Error for WebhookRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidJson(e) => Some(e),
            Self::NotVerified => None,
        }
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Verified {
    type Rejection = WebhookRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<standard_webhooks::Verified<'static>>()
            .cloned()
            .map(Self)
            .ok_or(WebhookRejection::NotVerified)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebhookJson<T> {
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        // Parse the extension's copy: the very bytes that were verified.
        let body = req
            .extensions()
            .get::<VerifiedBody>()
            .ok_or(WebhookRejection::NotVerified)?;
        serde_json::from_slice(&body.0)
            .map(WebhookJson)
            .map_err(WebhookRejection::InvalidJson)
    }
}
