//! The axum extractor for Quo events: [`QuoEvent`].
//!
//! `QuoEvent<T>` parses the body that the verification layer verified (the very bytes, from
//! the request's extensions; the request body is left alone) as `T`:
//!
//! - [`AnyEvent`] (the default): the event as delivered, legacy or new;
//! - [`Event`]: the event in the new format, legacy payloads [normalised](crate::normalize);
//! - any type of yours that implements [`QuoPayload`].
//!
//! It rejects with the tower crate's `ExtractRejection`, like its `WebhookJson`: 500
//! (`webhook_not_verified`) when the verification layer is missing (a routing mistake must
//! never let an unverified delivery through), 422 (`invalid_webhook_body`) when the verified
//! body is not a Quo event (the sender retries it; it was not processed). Both answer
//! `{"error": CODE, "message": TEXT}`. Like every extractor over the verified body, it leaves
//! the request body alone: take `VerifiedBody` beside it for the raw bytes.
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

use axum::{extract::FromRequestParts, http::request::Parts};
use standard_webhooks_tower::{VerifiedBody, extract::ExtractRejection};

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

impl<T: QuoPayload, S: Send + Sync> FromRequestParts<S> for QuoEvent<T> {
    type Rejection = ExtractRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let body = parts
            .extensions
            .get::<VerifiedBody>()
            .ok_or(ExtractRejection::NotVerified)?;
        T::from_body(&body.0)
            .map(QuoEvent)
            .map_err(ExtractRejection::invalid_body)
    }
}
