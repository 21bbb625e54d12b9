//! Rejections: the answers the layers give instead of calling your handler.
//!
//! A rejection is a response, never an error: the layers' `Error` is the inner service's. Each
//! [`Rejection`] knows its status and a stable code; the default [`JsonRejection`] answers with
//! a small JSON body that the sender shows in its delivery history:
//!
//! ```json
//! {"error":"timestamp_outside_tolerance","message":"timestamp outside tolerance (too old)"}
//! ```
//!
//! Replace it with any `Fn(Rejection) -> Response<B>` (see [`OnRejection`]). Whichever function
//! builds the response, the layer puts the [`Rejection`] into the response's extensions, so that
//! logging and metrics layers outside can tell why.

use std::{fmt, time::Duration};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use standard_webhooks::VerifyError;

/// Why a layer answered without running the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Verification failed; 400 for a missing or malformed header, 401 otherwise.
    Verify(VerifyError),
    /// The body is larger than the configured limit (413).
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read (400): the client went away or sent a broken body.
    BodyUnreadable,
    /// No idempotency key could be found for the delivery (400): no `webhook-id` and no
    /// top-level `id` in a legacy body.
    MissingIdempotencyKey,
    /// Another attempt of this delivery is running right now (409, with `Retry-After`).
    InFlight {
        /// When to try again.
        retry_after: Duration,
    },
    /// The idempotency store could not be reached, timed out, or is full (503, with
    /// `Retry-After`): failing closed, so that nothing is processed twice and the sender
    /// retries later.
    StoreUnavailable {
        /// When to try again.
        retry_after: Duration,
    },
}

impl Rejection {
    /// The HTTP status this rejection answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Verify(e) if e.is_malformed() => StatusCode::BAD_REQUEST,
            Self::Verify(_) => StatusCode::UNAUTHORIZED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyUnreadable | Self::MissingIdempotencyKey => StatusCode::BAD_REQUEST,
            Self::InFlight { .. } => StatusCode::CONFLICT,
            Self::StoreUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// A stable snake-case code, for the JSON body, logs and metrics labels.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Verify(e) => e.code(),
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::BodyUnreadable => "body_unreadable",
            Self::MissingIdempotencyKey => "missing_idempotency_key",
            Self::InFlight { .. } => "delivery_in_flight",
            Self::StoreUnavailable { .. } => "idempotency_store_unavailable",
        }
    }

    /// How long the sender should wait before retrying, for the rejections that say so.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::InFlight { retry_after } | Self::StoreUnavailable { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    /// The default response: the status, `Retry-After` where it applies, and the JSON body.
    pub fn to_json_response<B: From<Bytes>>(&self) -> Response<B> {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut res = Response::new(B::from(Bytes::from(body.to_string())));
        *res.status_mut() = self.status();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(after) = self.retry_after() {
            // Whole seconds, rounded up, at least one.
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        res
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Verify(e) => e.fmt(f),
            Self::PayloadTooLarge { limit } => {
                write!(f, "request body is larger than the limit of {limit} bytes")
            }
            Self::BodyUnreadable => f.write_str("request body could not be read"),
            Self::MissingIdempotencyKey => {
                f.write_str("no idempotency key: no webhook-id header and no id in the body")
            }
            Self::InFlight { .. } => {
                f.write_str("another attempt of this delivery is being processed; retry later")
            }
            Self::StoreUnavailable { .. } => {
                f.write_str("idempotency store unavailable; retry later")
            }
        }
    }
}

impl std::error::Error for Rejection {}

/// Builds the response for a [`Rejection`]. Implemented by [`JsonRejection`] (the default) and
/// by every `Fn(Rejection) -> Response<B> + Clone`.
///
/// # Examples
///
/// ```
/// use http::{Response, StatusCode};
/// use standard_webhooks::Secret;
/// use standard_webhooks_tower::VerifyWebhookLayer;
///
/// let layer = VerifyWebhookLayer::new(standard_webhooks::Verifier::new(Secret::generate()))
///     .on_rejection(|rejection: standard_webhooks_tower::Rejection| {
///         let mut res = Response::new(String::from(rejection.code()));
///         *res.status_mut() = rejection.status();
///         res
///     });
/// # let _ = layer;
/// ```
pub trait OnRejection<B> {
    /// The response for `rejection`.
    fn on_rejection(&self, rejection: Rejection) -> Response<B>;
}

impl<B, F> OnRejection<B> for F
where
    F: Fn(Rejection) -> Response<B>,
{
    fn on_rejection(&self, rejection: Rejection) -> Response<B> {
        self(rejection)
    }
}

/// The default rejection response: status, `Retry-After` where it applies, and
/// `{"error": code, "message": text}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonRejection;

impl<B: From<Bytes>> OnRejection<B> for JsonRejection {
    fn on_rejection(&self, rejection: Rejection) -> Response<B> {
        rejection.to_json_response()
    }
}

/// Build the rejection's response through `handler` and attach the rejection to it.
pub(crate) fn respond<B, H: OnRejection<B>>(handler: &H, rejection: Rejection) -> Response<B> {
    let mut res = handler.on_rejection(rejection.clone());
    res.extensions_mut().insert(rejection);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_cause() {
        let cases = [
            (
                Rejection::Verify(VerifyError::MissingHeader { name: "webhook-id" }),
                400,
            ),
            (Rejection::Verify(VerifyError::NoMatchingSignature), 401),
            (
                Rejection::Verify(VerifyError::TimestampOutsideTolerance { too_old: true }),
                401,
            ),
            (Rejection::PayloadTooLarge { limit: 10 }, 413),
            (Rejection::BodyUnreadable, 400),
            (Rejection::MissingIdempotencyKey, 400),
            (
                Rejection::InFlight {
                    retry_after: Duration::from_secs(5),
                },
                409,
            ),
            (
                Rejection::StoreUnavailable {
                    retry_after: Duration::from_secs(5),
                },
                503,
            ),
        ];
        for (rejection, status) in cases {
            assert_eq!(rejection.status().as_u16(), status, "{rejection:?}");
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let r = Rejection::InFlight {
            retry_after: Duration::from_millis(1500),
        };
        let res: Response<Bytes> = r.to_json_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "2");
        let r = Rejection::InFlight {
            retry_after: Duration::ZERO,
        };
        let res: Response<Bytes> = r.to_json_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert_eq!(
            res.body(),
            &Bytes::from_static(br#"{"error":"delivery_in_flight","message":"another attempt of this delivery is being processed; retry later"}"#)
        );
    }
}
