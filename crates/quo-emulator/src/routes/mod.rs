//! The HTTP API: Quo's ten webhook endpoints (`webhooks`, `deliveries`) and the emulator's
//! own (`emulator`), behind one guard that checks the key, the rate limit and the version;
//! and the dashboard's page (`dashboard`), which holds no data and is served without the key.

pub(crate) mod dashboard;
pub(crate) mod deliveries;
pub(crate) mod emulator;
pub(crate) mod legacy;
pub(crate) mod webhooks;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use bytes::Bytes;
use serde_json::Value;

use crate::clock::{Clock, VirtualClock};
use crate::config::Config;
use crate::db::Db;
use crate::engine::Engine;
use crate::error::ApiError;

/// Everything a handler needs, shared.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) virtual_clock: Arc<VirtualClock>,
    pub(crate) config: Arc<Config>,
    pub(crate) engine: Arc<Engine>,
    pub(crate) legacy: Arc<crate::legacy::LegacyDispatcher>,
    pub(crate) limiter: Mutex<TokenBucket>,
}

pub(crate) type SharedState = Arc<AppState>;

/// The router over `state`.
pub(crate) fn router(state: SharedState) -> Router {
    Router::new()
        .route(
            "/webhooks",
            get(webhooks::list)
                .post(webhooks::create)
                .fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}",
            get(webhooks::get_one)
                .patch(webhooks::update)
                .delete(webhooks::delete)
                .fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}/rotate",
            post(webhooks::rotate).fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}/events/test",
            post(webhooks::test_event).fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}/events",
            get(deliveries::list).fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}/events/{delivery_id}",
            get(deliveries::get_one).fallback(method_not_allowed),
        )
        .route(
            "/webhooks/{webhook_id}/events/{delivery_id}/retry",
            post(deliveries::retry).fallback(method_not_allowed),
        )
        .route(
            "/v1/webhooks",
            get(legacy::list).fallback(method_not_allowed),
        )
        .route(
            "/v1/webhooks/{id}",
            get(legacy::get_one)
                .post(legacy::create)
                .delete(legacy::delete)
                .fallback(method_not_allowed),
        )
        .route(
            "/emulator/events",
            post(emulator::trigger).fallback(method_not_allowed),
        )
        .route(
            "/emulator/clock/advance",
            post(emulator::advance).fallback(method_not_allowed),
        )
        .merge(dashboard::api())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), guard))
        .with_state(state)
        .merge(dashboard::pages())
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(&method, uri.path())
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// A token bucket: `rate` requests per second, bursts of up to `rate`.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn new(rate: u32) -> Self {
        Self {
            tokens: f64::from(rate),
            last: Instant::now(),
        }
    }

    fn take(&mut self, rate: u32) -> bool {
        let now = Instant::now();
        let rate = f64::from(rate);
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * rate).min(rate);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Checks, in order: the API key (401), the rate limit of Quo's endpoints (429), the version
/// header of Quo's endpoints (400), and a declared body size (413).
async fn guard(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    match check(&state, request.headers(), request.uri().path()) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn check(state: &AppState, headers: &HeaderMap, path: &str) -> Result<(), ApiError> {
    let presented = headers.get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            "the Authorization header is missing: send your API key as its value",
        )
    })?;
    if !state.config.api_key.matches(presented.as_bytes()) {
        let bearer = presented
            .to_str()
            .is_ok_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "));
        return Err(ApiError::unauthorized(if bearer {
            "the API key is not valid: send the key itself as the Authorization header, without `Bearer`"
        } else {
            "the API key is not valid"
        }));
    }
    let quo_endpoint = !path.starts_with("/emulator/");
    if quo_endpoint && state.config.rate_limit > 0 {
        let allowed = state
            .limiter
            .lock()
            .map(|mut bucket| bucket.take(state.config.rate_limit))
            .unwrap_or(true);
        if !allowed {
            return Err(ApiError::too_many_requests(state.config.rate_limit));
        }
    }
    // The legacy `/v1` API has no version header.
    if quo_endpoint && !path.starts_with("/v1/") {
        api_version(headers)?;
    }
    if let Some(length) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > state.config.body_limit
    {
        return Err(ApiError::payload_too_large(state.config.body_limit));
    }
    Ok(())
}

/// The version the request asks for, under either header name; it must be the one Quo has.
pub(crate) fn api_version(headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let (name, value) = match (
        headers.get(quo_api::VERSION_HEADER),
        headers.get(quo_api::GA_VERSION_HEADER),
    ) {
        (Some(value), _) => (quo_api::VERSION_HEADER, value),
        (None, Some(value)) => (quo_api::GA_VERSION_HEADER, value),
        (None, None) => {
            return Err(ApiError::field(
                format!("/headers/{}", quo_api::VERSION_HEADER),
                format!(
                    "is required: send {}: {} (or Quo-Api-Version)",
                    quo_api::VERSION_HEADER,
                    quo_api::API_VERSION
                ),
            ));
        }
    };
    if value.as_bytes() == quo_api::API_VERSION.as_bytes() {
        Ok(quo_api::API_VERSION)
    } else {
        Err(ApiError::field_value(
            format!("/headers/{name}"),
            format!("must be {}, the only API version", quo_api::API_VERSION),
            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        ))
    }
}

/// Reads a JSON body: `Content-Type: application/json`, at most the body limit, valid JSON.
pub(crate) async fn read_json(state: &AppState, request: Request<Body>) -> Result<Value, ApiError> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || (v.len() > 5 && v[v.len() - 5..].eq_ignore_ascii_case("+json"))
        });
    if !json {
        return Err(ApiError::field(
            "/headers/content-type",
            "must be application/json",
        ));
    }
    let bytes: Bytes = axum::body::to_bytes(request.into_body(), state.config.body_limit)
        .await
        .map_err(|_| ApiError::payload_too_large(state.config.body_limit))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::field("/body", format!("is not valid JSON: {e}")))
}

/// A `{"data": ...}` answer.
pub(crate) fn envelope<T: serde::Serialize>(status: StatusCode, data: T) -> Response {
    (status, axum::Json(quo_api::Envelope::new(data))).into_response()
}
