//! A scripted server for the client's tests: it answers each request with the next scripted
//! reply and records what it was sent. It runs in process (through `Transport::from_service`)
//! or on a socket.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Request, State},
    response::Response,
};
use http::{HeaderMap, Method, StatusCode};
use quo_api::client::{Client, RetryPolicy, Transport};

/// The API key every test uses: distinctive, so that its absence from any output means something.
pub const API_KEY: &str = "qk_test_7c1f0e5d9a2b";

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The client's address, when served on a socket: the same for requests on one connection.
    pub peer: Option<SocketAddr>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn ok(body: &str) -> Self {
        Self::json(200, body)
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn html(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "text/html".into())],
            body: body.to_owned(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

#[derive(Clone, Default)]
pub struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Self {
        let script = Self::default();
        script.replies.lock().unwrap().extend(replies);
        script
    }

    pub fn router(&self) -> Router {
        Router::new().fallback(answer).with_state(self.clone())
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The only request received; fails if there were more or none.
    pub fn only(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(seen.len(), 1, "expected exactly one request: {seen:#?}");
        seen.into_iter().next().unwrap()
    }

    /// A client that talks to this script in process, with tiny backoff.
    pub fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    pub fn builder(&self) -> quo_api::client::ClientBuilder {
        Client::builder()
            .api_key(API_KEY)
            .base_url("http://quo.test")
            .timeout(Duration::from_secs(2))
            .retry_policy(
                RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(10))
                    .max_backoff(Duration::from_millis(40)),
            )
            .transport(Transport::from_service(self.router()))
    }

    /// Serves the script on a free local port.
    pub async fn listen(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = self.router();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        addr
    }
}

async fn answer(State(script): State<Script>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    script.seen.lock().unwrap().push(Seen {
        peer,
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    });
    let reply = script.replies.lock().unwrap().pop_front();
    let Some(reply) = reply else {
        return Response::builder()
            .status(StatusCode::IM_A_TEAPOT)
            .body(Body::from("the script has no more replies"))
            .unwrap();
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// Fails if `text` shows the API key.
pub fn assert_no_key(text: &str) {
    assert!(!text.contains(API_KEY), "the API key leaked: {text}");
}

/// Fails if the error's `Display` or `Debug` shows the API key.
pub fn assert_error_hides_key(error: &quo_api::Error) {
    assert_no_key(&error.to_string());
    assert_no_key(&format!("{error:?}"));
}

/// The documented answers of Quo's beta reference.
pub mod documented {
    pub const WEBHOOK: &str = r#"{
        "id": "123",
        "orgId": "OR123",
        "label": "Production webhook",
        "status": "enabled",
        "url": "https://example.com/webhooks/quo",
        "createdAt": "2026-04-13T12:00:00.000Z",
        "updatedAt": "2026-04-13T12:00:00.000Z",
        "events": ["call.summary.completed", "contact.updated"],
        "resourceIds": ["PNabc123"],
        "apiVersion": "2026-03-30"
    }"#;

    pub fn list() -> String {
        format!(r#"{{"data": [{WEBHOOK}]}}"#)
    }

    pub fn get() -> String {
        format!(r#"{{"data": {WEBHOOK}}}"#)
    }

    pub const CREATED: &str = r#"{
        "data": {
            "id": "123",
            "orgId": "OR123",
            "label": "Production webhook",
            "status": "enabled",
            "url": "https://example.com/webhooks/quo",
            "key": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "createdAt": "2026-04-13T12:00:00.000Z",
            "updatedAt": "2026-04-13T12:00:00.000Z",
            "events": ["call.completed", "message.received", "contact.updated"],
            "resourceIds": ["PNabc123"],
            "apiVersion": "2026-03-30"
        }
    }"#;

    pub const ROTATED: &str = r#"{ "data": { "key": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" } }"#;

    pub const TEST_EVENT: &str = r#"{
        "id": "EV-test-message-received",
        "apiVersion": "2026-03-30",
        "createdAt": "2026-03-30T18:00:00.000Z",
        "type": "message.received",
        "data": {
            "resource": {
                "id": "ACsampleactivity0000000000000000",
                "direction": "incoming",
                "text": "Hello from Quo! This is a sample message.",
                "status": "received",
                "createdAt": "2026-03-30T18:00:00.000Z"
            },
            "context": {
                "phoneNumberId": "PNsamplephonenumber000000000000",
                "conversationId": "CNsampleconversation000000000000",
                "userId": "USsampleus",
                "contacts": { "ids": ["CTsampleContact01234"], "lookupStatus": "matched" },
                "senderIdentifier": "+15555551234",
                "recipientIdentifiers": ["+15555555678"]
            },
            "links": { "quo": "https://my.quo.com/..." }
        }
    }"#;

    pub const DELIVERIES: &str = r#"{
        "data": [
            {
                "id": "msg_2abcDEFghiJKLmnoPQRstu",
                "eventType": "message.received",
                "status": "success",
                "nextAttemptAt": null,
                "createdAt": "2026-04-13T12:00:00.000Z"
            }
        ],
        "nextCursor": "eyJsYXN0SWQiOiJtc2dfMmFiY0RFRmdoaUpLTG1ub1BRUnN0dSJ9"
    }"#;

    pub const DELIVERY: &str = r#"{
        "data": {
            "id": "msg_2abcDEFghiJKLmnoPQRstu",
            "eventType": "message.received",
            "createdAt": "2026-04-13T12:00:00.000Z",
            "requestBody": {
                "id": "EV123",
                "apiVersion": "2026-03-30",
                "createdAt": "2026-04-13T12:00:00.000Z",
                "type": "message.received",
                "data": {
                    "resource": {
                        "id": "AC-message",
                        "direction": "incoming",
                        "text": "hello",
                        "status": "received",
                        "createdAt": "2026-04-13T12:00:00.000Z"
                    },
                    "context": {
                        "phoneNumberId": "PN123",
                        "conversationId": "CN123",
                        "userId": "US123",
                        "contacts": { "ids": ["CT123"], "lookupStatus": "matched" },
                        "senderIdentifier": "+15550001111",
                        "recipientIdentifiers": ["+15550002222"]
                    },
                    "links": { "quo": "https://my.quo.com/inbox/..." }
                }
            },
            "attempts": [
                {
                    "id": "atmpt_2abcDEFghiJKLmnoPQRstu",
                    "timestamp": "2026-04-13T12:00:01.000Z",
                    "status": "success",
                    "responseStatusCode": 200,
                    "responseBody": "{\"ok\":true}",
                    "responseDurationMs": 123,
                    "triggerType": "scheduled",
                    "url": "https://example.com/webhooks/quo"
                }
            ]
        }
    }"#;

    pub const VALIDATION_ERROR: &str = r#"{"title":"Bad Request","message":"Validation failed for 1 field.","docs":"https://quo.com/docs","errors":[{"path":"/query/limit","message":"must be <= 50","value":200,"schema":{"type":"integer"}}]}"#;

    /// A summary with a given id, for pages.
    pub fn summary(id: &str) -> String {
        format!(
            r#"{{"id":"{id}","eventType":"call.completed","status":"failed","nextAttemptAt":null,"createdAt":"2026-04-13T12:00:00.000Z"}}"#
        )
    }

    pub fn page(ids: &[&str], next: Option<&str>) -> String {
        let items: Vec<String> = ids.iter().map(|id| summary(id)).collect();
        let next = next.map_or("null".to_owned(), |c| format!("\"{c}\""));
        format!(r#"{{"data":[{}],"nextCursor":{next}}}"#, items.join(","))
    }
}
