//! The axum extractor for Quo events: [`QuoEvent`].
//!
//! `QuoEvent<T>` parses the body that the verification layer verified (the very bytes, from
//! the request's extensions; the request body is left alone) as `T`:
//!
//! - [`AnyEvent`] (the default): the event as delivered, legacy or new;
//! - [`Event`]: the event in the new format, legacy payloads [normalised](crate::normalize);
//! - any type of yours that implements [`QuoPayload`].
//!
//! It rejects like the tower crate's `WebhookJson`: 500 when the verification layer is
//! missing (a routing mistake must never let an unverified delivery through), 422 when the
//! verified body is not a Quo event (the sender retries it; it was not processed). Both answer
//! `{"error": CODE, "message": TEXT}`.
//!
//! # Examples
//!
//! ```
//! use axum::{Router, routing::post};
//! use quo_webhooks::{Event, EventData, extract::QuoEvent, preset::QuoConfig};
//! use standard_webhooks_tower::MemoryStore;
//!
//! // Legacy deliveries arrive here normalised to the new format.
//! async fn handle(QuoEvent(event): QuoEvent<Event>) -> &'static str {
//!     if let EventData::Message(_) = &event.data {
//!         println!("message {:?}: {:?}", event.resource_id(), event.text());
//!     }
//!     "ok"
//! }
//!
//! let config = QuoConfig::from_values(
//!     Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
//!     Some("c2VjcmV0LWtleS1ieXRlcw=="),
//! )?;
//! let app: Router = Router::new()
//!     .route("/webhooks/quo", post(handle))
//!     .layer(config.layer(MemoryStore::new())?);
//! # let _ = app;
//! # Ok::<(), quo_webhooks::preset::PresetError>(())
//! ```

use std::fmt;

use axum::{
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use standard_webhooks_tower::VerifiedBody;

use crate::{AnyEvent, Error, Event, LegacyEvent, parse_any};

/// A payload [`QuoEvent`] can yield: read from the verified body.
pub trait QuoPayload: Sized {
    /// Reads the payload from the verified request body.
    ///
    /// # Errors
    ///
    /// When the body is not this payload; the extractor then answers 422.
    fn from_body(body: &[u8]) -> Result<Self, Error>;
}

impl QuoPayload for AnyEvent {
    fn from_body(body: &[u8]) -> Result<Self, Error> {
        parse_any(body)
    }
}

/// Legacy payloads are [normalised](crate::normalize).
impl QuoPayload for Event {
    fn from_body(body: &[u8]) -> Result<Self, Error> {
        parse_any(body).map(AnyEvent::into_event)
    }
}

/// Any legacy payload; a new-format event is rejected.
impl QuoPayload for LegacyEvent {
    fn from_body(body: &[u8]) -> Result<Self, Error> {
        match parse_any(body)? {
            AnyEvent::Legacy(event) => Ok(event),
            AnyEvent::New(_) => Err(Error::InvalidLegacyEvent(serde::de::Error::custom(
                "a new-format event, not a legacy one",
            ))),
        }
    }
}

/// The verified delivery's Quo event, as `T`; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoEvent<T = AnyEvent>(pub T);

impl<T> QuoEvent<T> {
    /// The event.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for QuoEvent<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Why [`QuoEvent`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum QuoEventRejection {
    /// The request did not pass through the verification layer (500: a server mistake).
    NotVerified,
    /// The verified body is not a Quo event of the expected kind (422).
    InvalidEvent(Error),
}

impl QuoEventRejection {
    /// The status of this rejection.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotVerified => StatusCode::INTERNAL_SERVER_ERROR,
            Self::InvalidEvent(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    /// A stable snake-case code: `webhook_not_verified` or `invalid_quo_event`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotVerified => "webhook_not_verified",
            Self::InvalidEvent(_) => "invalid_quo_event",
        }
    }
}

impl fmt::Display for QuoEventRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotVerified => f.write_str(
                "the webhook was not verified: the verification layer is missing on this route",
            ),
            Self::InvalidEvent(e) => write!(f, "webhook body is not a Quo event: {e}"),
        }
    }
}

impl std::error::Error for QuoEventRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidEvent(e) => Some(e),
            Self::NotVerified => None,
        }
    }
}

impl IntoResponse for QuoEventRejection {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut res = (self.status(), body.to_string()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res
    }
}

impl<T: QuoPayload, S: Send + Sync> FromRequestParts<S> for QuoEvent<T> {
    type Rejection = QuoEventRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let body = parts
            .extensions
            .get::<VerifiedBody>()
            .ok_or(QuoEventRejection::NotVerified)?;
        T::from_body(&body.0)
            .map(QuoEvent)
            .map_err(QuoEventRejection::InvalidEvent)
    }
}
