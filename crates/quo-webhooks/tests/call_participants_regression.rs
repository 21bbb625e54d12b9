//! Regression: real Quo call events were rejected. Quo sends `context.participants` as an
//! object `{workspace, external, resolution}` and `duration` as a possibly fractional number;
//! the types expected a list of strings and a `u64`, so `WebhookJson<Event>` and `QuoEvent`
//! answered 422 and Quo retried every call event for 27 hours, then gave up.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    Router,
    body::Body,
    extract::State,
    http::{Request, StatusCode},
    routing::post,
};
use http_body_util::BodyExt;
use quo_webhooks::preset::QuoConfig;
use quo_webhooks::{Event, EventType, extract::QuoEvent};
use serde_json::{Value, json};
use standard_webhooks::{Secret, Verifier};
use standard_webhooks_tower::{MemoryStore, VerifyWebhookLayer, extract::WebhookJson};
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A `call.completed` as Quo's event-payload reference documents it.
fn documented_call_completed() -> Value {
    json!({
        "id": "EV3f0c9a5e1b7d24c8a6e0f2b4d6c8a1e3",
        "apiVersion": "2026-03-30",
        "createdAt": "2026-04-14T16:13:44.760Z",
        "type": "call.completed",
        "data": {
            "resource": {
                "id": "AC5d7963c4f471e142f5a72214a9666fb1",
                "direction": "incoming",
                "status": "answered",
                "createdAt": "2026-04-14T16:10:01.877Z",
                "answeredAt": "2026-04-14T16:10:09.215Z",
                "completedAt": "2026-04-14T16:13:43.981Z",
                "updatedAt": "2026-04-14T16:13:43.981Z",
                "duration": 214.6,
                "hasVoicemail": false
            },
            "context": {
                "orgId": "ORq3Vd8KsN",
                "phoneNumberId": "PNu7Kx2bQa",
                "conversationId": "CN2ba26a70ebe3b664fca3a53c0b6c63a0",
                "phoneNumberType": "shared",
                "userId": "USr4Nq8TzW",
                "contacts": { "ids": ["CTe2c41d09bd470b48a339ff"], "lookupStatus": "matched" },
                "participants": {
                    "workspace": ["+14155550123"],
                    "external": ["+16505550187"],
                    "resolution": "available"
                }
            },
            "links": { "quo": null }
        }
    })
}

fn signed(webhook_id: &str, body: &Value) -> Request<Body> {
    let body = serde_json::to_vec(body).unwrap();
    let secret: Secret = SECRET.parse().unwrap();
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Request::post("/webhooks/quo")
        .header("content-type", "application/json")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", secret.sign(webhook_id, ts, &body))
        .body(Body::from(body))
        .unwrap()
}

type Seen = Arc<Mutex<Vec<Event>>>;

async fn with_webhook_json(State(seen): State<Seen>, WebhookJson(event): WebhookJson<Event>) {
    seen.lock().unwrap().push(event);
}

async fn with_quo_event(State(seen): State<Seen>, QuoEvent(event): QuoEvent<Event>) {
    seen.lock().unwrap().push(event);
}

async fn send(router: Router, req: Request<Body>) -> (StatusCode, String) {
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn assert_read_in_full(event: &Event) {
    assert_eq!(event.event_type, EventType::CallCompleted);
    assert_eq!(event.call_id(), Some("AC5d7963c4f471e142f5a72214a9666fb1"));
    let participants = event.participants().unwrap();
    assert_eq!(
        participants.external.as_deref(),
        Some(&["+16505550187".to_owned()][..])
    );
    assert_eq!(
        participants.workspace.as_deref(),
        Some(&["+14155550123".to_owned()][..])
    );
    let resource = event.data.as_call().unwrap().resource.as_ref().unwrap();
    assert_eq!(resource.duration.as_ref().unwrap().as_secs_f64(), 214.6);
    // Nothing lost: the handler's event writes back as the body that was sent.
    assert_eq!(
        serde_json::to_value(event).unwrap(),
        documented_call_completed()
    );
}

#[tokio::test]
async fn webhook_json_accepts_object_participants_and_a_fractional_duration() {
    let seen = Seen::default();
    let router = Router::new()
        .route("/webhooks/quo", post(with_webhook_json))
        .with_state(seen.clone())
        .layer(VerifyWebhookLayer::new(Verifier::new(
            SECRET.parse::<Secret>().unwrap(),
        )));
    let (status, body) = send(
        router,
        signed("msg_regression1", &documented_call_completed()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_read_in_full(&seen[0]);
}

#[tokio::test]
async fn quo_event_accepts_object_participants_and_a_fractional_duration() {
    let seen = Seen::default();
    let config = QuoConfig::from_values(Some(SECRET), None).unwrap();
    let router = Router::new()
        .route("/webhooks/quo", post(with_quo_event))
        .with_state(seen.clone())
        .layer(config.layer(MemoryStore::new()).unwrap());
    let (status, body) = send(
        router,
        signed("msg_regression2", &documented_call_completed()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_read_in_full(&seen[0]);
}

#[tokio::test]
async fn a_documented_field_of_the_wrong_type_is_refused_naming_its_path() {
    let seen = Seen::default();
    let router = Router::new()
        .route("/webhooks/quo", post(with_webhook_json))
        .with_state(seen.clone())
        .layer(VerifyWebhookLayer::new(Verifier::new(
            SECRET.parse::<Secret>().unwrap(),
        )));
    let mut body = documented_call_completed();
    body["data"]["context"]["participants"]["external"] = json!("+16505550187");
    let (status, text) = send(router, signed("msg_regression3", &body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    for part in ["`data`", "`context`", "`participants`", "`external`"] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    assert!(seen.lock().unwrap().is_empty(), "not processed");
}
