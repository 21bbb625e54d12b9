//! Shared pieces of the layer tests: a signed-delivery builder and an instrumented axum app.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, Request, Response, StatusCode},
    response::IntoResponse,
    routing::post,
};
use http_body_util::BodyExt;
use standard_webhooks::{LegacySecret, Secret, Verifier};
use standard_webhooks_tower::{
    IdempotencyLayer, IdempotencyStore, VerifyWebhookLayer, extract::VerifiedDelivery,
};
use tower::ServiceBuilder;

pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const LEGACY_KEY: &str = "c2VjcmV0LWtleS1ieXRlcw==";

pub fn secret() -> Secret {
    SECRET.parse().unwrap()
}

pub fn legacy_key() -> LegacySecret {
    LEGACY_KEY.parse().unwrap()
}

pub fn verifier() -> Verifier {
    Verifier::builder()
        .secret(secret())
        .legacy_secret(legacy_key())
        .build()
        .unwrap()
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A signed Standard Webhooks delivery of `body` with id `id`, signed now.
pub fn delivery(id: &str, body: impl Into<Bytes>) -> Request<Body> {
    let body = body.into();
    let ts = now_secs();
    Request::post("/webhooks")
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", secret().sign(id, ts, &body))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// A signed legacy (`openphone-signature`) delivery.
pub fn legacy_delivery(body: impl Into<Bytes>) -> Request<Body> {
    let body = body.into();
    let ms = now_secs() * 1000;
    Request::post("/webhooks")
        .header("openphone-signature", legacy_key().sign(ms, &body))
        .body(Body::from(body))
        .unwrap()
}

/// How the test handler behaves for one request: `x-outcome` (`ok`, `fail`, `panic`) after
/// `x-sleep-ms`.
pub fn with_behaviour(mut req: Request<Body>, outcome: &str, sleep_ms: u64) -> Request<Body> {
    req.headers_mut()
        .insert("x-outcome", outcome.parse().unwrap());
    req.headers_mut()
        .insert("x-sleep-ms", sleep_ms.to_string().parse().unwrap());
    req
}

#[derive(Clone, Default)]
pub struct Calls(pub Arc<AtomicUsize>);

impl Calls {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

async fn handler(
    State(calls): State<Calls>,
    VerifiedDelivery(verified): VerifiedDelivery,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    calls.0.fetch_add(1, Ordering::SeqCst);
    let sleep_ms = headers
        .get("x-sleep-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
    match headers.get("x-outcome").map(|v| v.as_bytes()) {
        Some(b"fail") => (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response(),
        Some(b"panic") => panic!("the handler panicked"),
        _ => {
            let mut res = Response::new(Body::from(body));
            res.headers_mut().insert(
                "x-verified-id",
                verified.id().unwrap_or("-").parse().unwrap(),
            );
            res
        }
    }
}

/// An app with both layers around a handler that counts its calls and echoes the body.
pub fn app(
    store: Arc<dyn IdempotencyStore>,
    configure: impl FnOnce(
        IdempotencyLayer<dyn IdempotencyStore>,
    ) -> IdempotencyLayer<dyn IdempotencyStore>,
) -> (Router, Calls) {
    let calls = Calls::default();
    let router = Router::new()
        .route("/webhooks", post(handler))
        .layer(
            ServiceBuilder::new()
                .layer(VerifyWebhookLayer::new(verifier()))
                .layer(configure(IdempotencyLayer::from_arc(store))),
        )
        .with_state(calls.clone());
    (router, calls)
}

pub async fn body_bytes(res: Response<Body>) -> Bytes {
    res.into_body().collect().await.unwrap().to_bytes()
}

pub async fn body_json(res: Response<Body>) -> serde_json::Value {
    serde_json::from_slice(&body_bytes(res).await).unwrap()
}

/// Retry `f` every 50 ms until it returns `Some`, for at most `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "condition not met within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
