//! Shared helpers: a receiver that records what it gets and can fail or hang, and a client
//! that calls the emulator's router in process.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, Method, Request, StatusCode},
    response::IntoResponse,
    routing::post,
};
use quo_emulator::Emulator;
use serde_json::Value;
use tower::ServiceExt;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Debug, Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    fail_first: AtomicUsize,
    hang: std::sync::atomic::AtomicBool,
    delay_ms: AtomicUsize,
}

/// A local receiver: answers 200 `{"ok":true}`, or 500 for its first N requests, or never.
#[derive(Debug, Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
    pub url: String,
}

impl Receiver {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { inner, url }
    }

    /// Answers 500 to the next `n` requests.
    pub fn fail_next(&self, n: usize) {
        self.inner.fail_first.store(n, Ordering::SeqCst);
    }

    /// Never answers.
    pub fn hang(&self) {
        self.inner.hang.store(true, Ordering::SeqCst);
    }

    /// Answers after `ms`.
    pub fn delay(&self, ms: usize) {
        self.inner.delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.inner.received.lock().unwrap().len()
    }

    /// Waits (up to 10 s) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..2000 {
            if self.count() >= n {
                return self.received();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("expected {n} requests, got {}", self.count());
    }
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    inner
        .received
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let delay = inner.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    if inner.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let failing = inner
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "receiver failed on purpose",
        )
            .into_response()
    } else {
        (StatusCode::OK, "{\"ok\":true}").into_response()
    }
}

/// An emulator for tests: in-memory, no jitter, no rate limit.
pub async fn emulator() -> Emulator {
    Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .no_jitter()
        .build()
        .await
        .unwrap()
}

/// An answer: status, headers and body (JSON, or `Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// Calls the emulator's router with the key, the version header and a JSON body.
pub async fn call(emu: &Emulator, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "test-key")
        .header("x-quo-api-version", "2026-03-30");
    let body = match body {
        Some(value) => {
            request = request.header("content-type", "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    send(emu, request.body(body).unwrap()).await
}

/// Sends a request as built.
pub async fn send(emu: &Emulator, request: Request<Body>) -> Answer {
    let response = emu.router().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Answer {
        status,
        headers,
        body,
        text,
    }
}

pub async fn get(emu: &Emulator, path: &str) -> Answer {
    call(emu, Method::GET, path, None).await
}

pub async fn post_json(emu: &Emulator, path: &str, body: Value) -> Answer {
    call(emu, Method::POST, path, Some(body)).await
}

/// Creates a webhook for `events` at `url`; returns (id, key).
pub async fn create(emu: &Emulator, url: &str, events: &[&str]) -> (String, String) {
    let answer = post_json(
        emu,
        "/webhooks",
        serde_json::json!({"url": url, "events": events}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    (
        answer.body["data"]["id"].as_str().unwrap().to_owned(),
        answer.body["data"]["key"].as_str().unwrap().to_owned(),
    )
}

/// Triggers an event through the API; returns the answer's `data`.
pub async fn trigger(emu: &Emulator, body: Value) -> Value {
    let answer = post_json(emu, "/emulator/events", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.body["data"].clone()
}
