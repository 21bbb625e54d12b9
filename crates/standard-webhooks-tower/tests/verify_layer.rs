//! The verification layer and the layers' answers: rejections, body limits, byte-exact bodies,
//! custom rejections, store failures, and real HTTP round trips over TCP.
#![cfg(feature = "axum")]
#![allow(clippy::unwrap_used)]

mod common;

use std::{
    convert::Infallible,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{Request, Response, StatusCode},
    routing::post,
};
use common::*;
use standard_webhooks::{Secret, Verifier, VerifyError};
use standard_webhooks_tower::{
    IdempotencyLayer, IdempotencyOutcome, IdempotencyStore, MemoryStore, Rejection, Unchecked,
    VerifyWebhookLayer,
    store::{Claim, ClaimToken, Fenced, StoreError, StoreFuture},
    webhook_layer,
};
use tower::{ServiceBuilder, ServiceExt};

fn memory() -> Arc<dyn IdempotencyStore> {
    Arc::new(MemoryStore::new())
}

#[tokio::test]
async fn every_rejection_has_its_status_and_json_body() {
    let (app, calls) = app(memory(), |l| l);
    let ts = now_secs().to_string();
    let sig = secret().sign("msg_1", now_secs(), b"{}");
    let req = |headers: &[(&str, &str)]| {
        let mut b = Request::post("/webhooks");
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        b.body(Body::from("{}")).unwrap()
    };
    let old = (now_secs() - 3600).to_string();
    let cases: Vec<(Request<Body>, StatusCode, &str, &str)> = vec![
        (
            req(&[]),
            StatusCode::BAD_REQUEST,
            "missing_header",
            "missing webhook-signature header",
        ),
        (
            req(&[("webhook-id", "msg_1"), ("webhook-timestamp", &ts)]),
            StatusCode::BAD_REQUEST,
            "missing_header",
            "missing webhook-signature header",
        ),
        (
            req(&[
                ("webhook-id", "msg_1"),
                ("webhook-timestamp", "soon"),
                ("webhook-signature", &sig),
            ]),
            StatusCode::BAD_REQUEST,
            "malformed_header",
            "malformed webhook-timestamp header: not a whole number of seconds",
        ),
        (
            req(&[
                ("webhook-id", "msg_1"),
                ("webhook-timestamp", &ts),
                ("webhook-signature", "v1,AAAA"),
            ]),
            StatusCode::UNAUTHORIZED,
            "no_matching_signature",
            "no matching signature",
        ),
        (
            req(&[
                ("webhook-id", "msg_1"),
                ("webhook-timestamp", &old),
                ("webhook-signature", &sig),
            ]),
            StatusCode::UNAUTHORIZED,
            "timestamp_outside_tolerance",
            "timestamp outside tolerance (too old)",
        ),
    ];
    for (request, status, code, message) in cases {
        let res = app.clone().oneshot(request).await.unwrap();
        assert_eq!(res.status(), status, "{code}");
        assert_eq!(res.headers()["content-type"], "application/json");
        assert!(matches!(
            res.extensions().get::<Rejection>(),
            Some(Rejection::Verify(_))
        ));
        let json = body_json(res).await;
        assert_eq!(
            json,
            serde_json::json!({ "error": code, "message": message })
        );
        assert!(!json.to_string().contains(sig.trim_start_matches("v1,")));
    }
    assert_eq!(calls.get(), 0);
}

/// A route whose handler counts its calls.
fn counted_route(calls: &Calls) -> Router {
    let counted = calls.clone();
    Router::new().route(
        "/webhooks",
        post(move || async move {
            counted.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            "handled"
        }),
    )
}

/// An endless body of `chunk`-byte chunks that counts how many were pulled from it.
fn endless_counted(chunk: usize, pulled: &Arc<std::sync::atomic::AtomicUsize>) -> Body {
    let pulled = pulled.clone();
    let data = Bytes::from(vec![b'x'; chunk]);
    Body::from_stream(futures_util::stream::repeat_with(move || {
        pulled.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok::<_, Infallible>(data.clone())
    }))
}

#[tokio::test]
async fn declared_content_length_over_the_limit_gets_413_at_once() {
    let calls = Calls::default();
    let app = counted_route(&calls).layer(VerifyWebhookLayer::new(verifier()).body_limit(1024));
    // The body is a stream that never ends: only the header can have decided.
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut req = delivery("msg_big", "");
    *req.body_mut() = endless_counted(512, &pulled);
    req.headers_mut()
        .insert("content-length", "1000000".parse().unwrap());
    let res = tokio::time::timeout(Duration::from_secs(5), app.clone().oneshot(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(res).await["error"], "payload_too_large");
    assert_eq!(
        pulled.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no byte read"
    );
    assert_eq!(calls.get(), 0);
    // The same route runs its handler for a delivery within the limit, so the count above
    // could have moved.
    let res = app.oneshot(delivery("msg_small", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn chunked_body_growing_past_the_limit_gets_413_without_reading_the_rest() {
    let calls = Calls::default();
    let app =
        counted_route(&calls).layer(VerifyWebhookLayer::new(verifier()).body_limit(64 * 1024));
    let pulled = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut req = delivery("msg_chunked", "");
    *req.body_mut() = endless_counted(4096, &pulled);
    req.headers_mut().remove("content-length");
    let res = tokio::time::timeout(Duration::from_secs(5), app.oneshot(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        res.extensions().get(),
        Some(&Rejection::PayloadTooLarge { limit: 64 * 1024 })
    );
    // 16 chunks reach the limit; the 17th goes past it, and reading stops there.
    assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 17);
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn body_at_the_limit_is_accepted() {
    let app = Router::new()
        .route(
            "/webhooks",
            post(|body: Bytes| async move { body.len().to_string() }),
        )
        .layer(VerifyWebhookLayer::new(verifier()).body_limit(1000));
    let res = app
        .oneshot(delivery("msg_limit", vec![b'a'; 1000]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_bytes(res).await, "1000");
}

#[tokio::test]
async fn non_utf8_and_whitespace_exact_bodies_reach_the_handler_unchanged() {
    let (app, _) = app(memory(), |l| l);
    let bodies: [&[u8]; 4] = [
        b"{ \"id\" : \"EV1\" ,\n\t\"text\": \"two  spaces\" }\r\n",
        &[0xff, 0xfe, 0x00, 0x80, 0x7b, 0xc3],
        b"",
        b"   ",
    ];
    for (i, body) in bodies.iter().enumerate() {
        let res = app
            .clone()
            .oneshot(delivery(&format!("msg_exact_{i}"), body.to_vec()))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["x-verified-id"],
            format!("msg_exact_{i}").as_str()
        );
        assert_eq!(&body_bytes(res).await[..], *body);
    }
}

#[tokio::test]
async fn custom_rejection_replaces_the_response_and_is_in_extensions() {
    let app = Router::new()
        .route("/webhooks", post(|| async { "ok" }))
        .layer(
            VerifyWebhookLayer::new(verifier()).on_rejection(|r: Rejection| {
                let mut res = Response::new(Body::from(format!("nope: {}", r.code())));
                *res.status_mut() = StatusCode::IM_A_TEAPOT;
                res
            }),
        );
    let res = app
        .oneshot(Request::post("/webhooks").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(
        res.extensions().get(),
        Some(&Rejection::Verify(VerifyError::MissingHeader {
            name: "webhook-signature"
        }))
    );
    assert_eq!(body_bytes(res).await, "nope: missing_header");
}

#[tokio::test]
async fn route_layer_protects_only_its_routes() {
    let app = Router::new()
        .route("/webhooks", post(|| async { "hook" }))
        .route_layer(webhook_layer(verifier(), MemoryStore::new()))
        .route("/healthz", axum::routing::get(|| async { "up" }));
    let res = app
        .clone()
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .clone()
        .oneshot(Request::post("/webhooks").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app.oneshot(delivery("msg_route", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_bytes(res).await, "hook");
}

#[tokio::test]
async fn rotation_accepts_both_secrets_through_the_layer() {
    let new = Secret::generate();
    let verifier = Verifier::builder()
        .secret(new.clone())
        .secret(secret())
        .build()
        .unwrap();
    let app = Router::new()
        .route("/webhooks", post(|standard_webhooks_tower::extract::VerifiedDelivery(v): standard_webhooks_tower::extract::VerifiedDelivery| async move { v.key_index().to_string() }))
        .layer(VerifyWebhookLayer::new(verifier));
    let res = app
        .clone()
        .oneshot(delivery("msg_old", "{}"))
        .await
        .unwrap();
    assert_eq!(body_bytes(res).await, "1");
    let ts = now_secs();
    let req = Request::post("/webhooks")
        .header("webhook-id", "msg_new")
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", new.sign("msg_new", ts, b"{}"))
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(body_bytes(app.oneshot(req).await.unwrap()).await, "0");
}

#[tokio::test]
async fn extractors_without_the_layer_answer_500_not_the_handler() {
    use standard_webhooks_tower::extract::{VerifiedDelivery, WebhookJson};
    let app = Router::new().route(
        "/webhooks",
        post(|_: VerifiedDelivery, WebhookJson(_): WebhookJson<serde_json::Value>| async { "ran" }),
    );
    let res = app.oneshot(delivery("msg_x", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body_json(res).await["error"], "webhook_not_verified");
}

#[tokio::test]
async fn webhook_json_parses_the_verified_bytes_and_rejects_bad_json_with_422() {
    use standard_webhooks_tower::extract::WebhookJson;
    #[derive(serde::Deserialize)]
    struct Event {
        id: String,
    }
    let app = Router::new()
        .route(
            "/webhooks",
            post(|WebhookJson(e): WebhookJson<Event>| async move { e.id }),
        )
        .layer(VerifyWebhookLayer::new(verifier()));
    let res = app
        .clone()
        .oneshot(delivery("msg_j", r#"{"id":"EV42"}"#))
        .await
        .unwrap();
    assert_eq!(body_bytes(res).await, "EV42");
    let res = app.oneshot(delivery("msg_j2", "not json")).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body_json(res).await["error"], "invalid_webhook_body");
}

#[tokio::test]
async fn a_handler_gets_the_typed_event_and_the_exact_raw_bytes_together() {
    use standard_webhooks_tower::{
        VerifiedBody,
        extract::{VerifiedDelivery, WebhookJson},
    };
    #[derive(serde::Deserialize)]
    struct Event {
        id: String,
    }
    let app = Router::new()
        .route(
            "/webhooks",
            post(
                |VerifiedDelivery(d): VerifiedDelivery,
                 WebhookJson(e): WebhookJson<Event>,
                 VerifiedBody(raw): VerifiedBody,
                 body: Bytes| async move {
                    assert_eq!(raw, body, "the extension and the body are the same bytes");
                    format!(
                        "{} {} {}",
                        d.id().unwrap(),
                        e.id,
                        String::from_utf8_lossy(&raw)
                    )
                },
            ),
        )
        .layer(VerifyWebhookLayer::new(verifier()));
    // White space and key order a re-serialisation would lose.
    let raw = "{ \"id\" :\t\"EV7\" }";
    let res = app.oneshot(delivery("msg_raw", raw)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_bytes(res).await, format!("msg_raw EV7 {raw}"));
}

/// A store that never answers, or answers with an error: the failure cases of a real store
/// without needing one to break.
#[derive(Debug)]
struct BrokenStore {
    hang: bool,
}

impl IdempotencyStore for BrokenStore {
    fn claim<'a>(&'a self, _: &'a str, _: Duration) -> StoreFuture<'a, Claim> {
        let hang = self.hang;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            Err(StoreError::unavailable("connection refused"))
        })
    }
    fn complete<'a>(
        &'a self,
        _: &'a str,
        _: &'a ClaimToken,
        _: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async { Err(StoreError::unavailable("connection refused")) })
    }
    fn release<'a>(&'a self, _: &'a str, _: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        Box::pin(async { Err(StoreError::unavailable("connection refused")) })
    }
    fn renew<'a>(&'a self, _: &'a str, _: &'a ClaimToken, _: Duration) -> StoreFuture<'a, Fenced> {
        Box::pin(async { Err(StoreError::unavailable("connection refused")) })
    }
}

#[tokio::test]
async fn slow_store_is_bounded_by_the_timeout_and_answers_503() {
    let (app, calls) = app(Arc::new(BrokenStore { hang: true }), |l| {
        l.store_timeout(Duration::from_millis(200))
    });
    let started = Instant::now();
    let res = app.oneshot(delivery("msg_slow", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(calls.get(), 0);
}

#[tokio::test]
async fn fail_open_runs_the_handler_unchecked_when_the_store_is_down() {
    let calls = Calls::default();
    let seen = calls.clone();
    let app = Router::new()
        .route(
            "/webhooks",
            post(move |req: Request<Body>| async move {
                seen.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                assert_eq!(req.extensions().get(), Some(&Unchecked));
                "ran"
            }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(VerifyWebhookLayer::new(verifier()))
                .layer(IdempotencyLayer::new(BrokenStore { hang: false }).fail_open(true)),
        );
    let res = app.oneshot(delivery("msg_open", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.extensions().get(), Some(&IdempotencyOutcome::Unchecked));
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn memory_store_full_of_claims_in_flight_answers_503_so_the_sender_retries() {
    let store = Arc::new(MemoryStore::new().with_max_records(2));
    let (app, calls) = app(store, |l| l);
    // A full store of completed records evicts the oldest to make room.
    for id in ["msg_a", "msg_b", "msg_c"] {
        let res = app.clone().oneshot(delivery(id, "{}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // Two deliveries in flight fill it: a third waits (503), nothing in flight is evicted.
    let running: Vec<_> = ["msg_d", "msg_e"]
        .into_iter()
        .map(|id| {
            tokio::spawn(
                app.clone()
                    .oneshot(with_behaviour(delivery(id, "{}"), "ok", 300)),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = app.clone().oneshot(delivery("msg_f", "{}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    for r in running {
        assert_eq!(r.await.unwrap().unwrap().status(), StatusCode::OK);
    }
    assert_eq!(calls.get(), 5);
    let retry = app.oneshot(delivery("msg_f", "{}")).await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
}

/// Serve `app` on a free loopback port; returns its address.
async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn send(addr: std::net::SocketAddr, req: Request<Body>) -> Response<hyper::body::Incoming> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Body>();
    let (mut parts, body) = req.into_parts();
    parts.uri = format!("http://{addr}{}", parts.uri).parse().unwrap();
    client
        .request(Request::from_parts(parts, body))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_http_round_trip_over_tcp() {
    use http_body_util::BodyExt;
    let (app, calls) = app(memory(), |l| l);
    let addr = serve(app).await;
    let body = "{\"id\": \"EV1\",\n  \"x\": [1, 2]}";
    let res = send(addr, delivery("msg_tcp", body)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), body);
    let dup = send(addr, delivery("msg_tcp", body)).await;
    assert_eq!(dup.headers()["idempotent-replayed"], "true");
    let mut tampered = delivery("msg_tcp2", body);
    *tampered.body_mut() = Body::from(body.replace("EV1", "EV2"));
    let res = send(addr, tampered).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let big = send(addr, delivery("msg_big", vec![b'x'; 2 * 1024 * 1024])).await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(calls.get(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_hyper_with_service_builder() {
    use hyper::server::conn::http1;
    use hyper_util::{rt::TokioIo, service::TowerToHyperService};

    let calls = Calls::default();
    let counted = calls.clone();
    let service = ServiceBuilder::new()
        // hyper's own body type, with no conversion before the layers.
        .layer(webhook_layer(verifier(), MemoryStore::new()))
        .service_fn(move |req: Request<http_body_util::Full<Bytes>>| {
            let counted = counted.clone();
            async move {
                counted.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let id = req
                    .extensions()
                    .get::<standard_webhooks::Verified<'static>>()
                    .unwrap()
                    .id()
                    .unwrap()
                    .to_owned();
                Ok::<_, Infallible>(Response::new(Body::from(id)))
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let svc = TowerToHyperService::new(service.clone());
            tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), svc));
        }
    });
    use http_body_util::BodyExt;
    let res = send(addr, delivery("msg_hyper", "{}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.into_body().collect().await.unwrap().to_bytes(),
        "msg_hyper"
    );
    let res = send(addr, delivery("msg_hyper", "{}")).await;
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let res = send(
        addr,
        Request::post("/webhooks").body(Body::from("{}")).unwrap(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls.get(), 1);
}

#[tokio::test]
async fn verified_delivery_is_in_the_response_extensions_for_outer_layers() {
    let (app, _) = app(memory(), |l| l);
    let res = app
        .clone()
        .oneshot(delivery("msg_ext", "{}"))
        .await
        .unwrap();
    let verified = res
        .extensions()
        .get::<standard_webhooks::Verified<'static>>()
        .unwrap();
    assert_eq!(verified.id(), Some("msg_ext"));
    // Duplicates, answered by the idempotency layer, carry it too.
    let dup = app.oneshot(delivery("msg_ext", "{}")).await.unwrap();
    assert_eq!(
        dup.extensions()
            .get::<standard_webhooks::Verified<'static>>()
            .unwrap()
            .id(),
        Some("msg_ext")
    );
}

#[tokio::test]
async fn idempotency_layer_alone_keys_on_the_webhook_id_header() {
    // For apps that verify elsewhere: no Verified extension, so the header is the key.
    let calls = Calls::default();
    let seen = calls.clone();
    let app = Router::new()
        .route(
            "/webhooks",
            post(move || async move {
                seen.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                "ran"
            }),
        )
        .layer(IdempotencyLayer::new(MemoryStore::new()));
    let req = |id: &str| {
        Request::post("/webhooks")
            .header("webhook-id", id)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.clone().oneshot(req("msg_a")).await.unwrap().status(),
        StatusCode::OK
    );
    let dup = app.clone().oneshot(req("msg_a")).await.unwrap();
    assert_eq!(dup.headers()["idempotent-replayed"], "true");
    assert_eq!(
        app.clone().oneshot(req("msg_b")).await.unwrap().status(),
        StatusCode::OK
    );
    let none = app
        .oneshot(Request::post("/webhooks").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::BAD_REQUEST);
    assert_eq!(calls.get(), 2);
}
