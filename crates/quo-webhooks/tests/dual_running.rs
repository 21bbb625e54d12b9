//! Dual running through a real axum app: the legacy and the new delivery of one business event
//! run the handler once, different events each run it, and the parity checker fed by the app
//! finds what differs.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::{
    Extension, Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, Request, Response, StatusCode},
    response::IntoResponse,
    routing::post,
};
use http_body_util::BodyExt;
use quo_webhooks::parity::{Observation, ParityChecker, ParityField};
use quo_webhooks::preset::QuoConfig;
use quo_webhooks::{AnyEvent, Event, EventType, extract::QuoEvent, samples};
use serde_json::{Value, json};
use standard_webhooks::{LegacySecret, Secret};
use standard_webhooks_tower::MemoryStore;
use tower::ServiceExt;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LEGACY_KEY: &str = "c2VjcmV0LWtleS1ieXRlcw==";
const REPLAYED: &str = "idempotent-replayed";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A new-system delivery: Standard Webhooks headers, signed now.
fn new_delivery(webhook_id: &str, body: impl Into<Bytes>) -> Request<Body> {
    let body = body.into();
    let secret: Secret = SECRET.parse().unwrap();
    let ts = now();
    Request::post("/webhooks/quo")
        .header("content-type", "application/json")
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", secret.sign(webhook_id, ts, &body))
        .body(Body::from(body))
        .unwrap()
}

/// A legacy-system delivery: `openphone-signature`, signed now (milliseconds).
fn legacy_delivery(body: impl Into<Bytes>) -> Request<Body> {
    let body = body.into();
    let key: LegacySecret = LEGACY_KEY.parse().unwrap();
    Request::post("/webhooks/quo")
        .header("content-type", "application/json")
        .header("openphone-signature", key.sign(now() * 1000, &body))
        .body(Body::from(body))
        .unwrap()
}

fn with_header(mut req: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    req.headers_mut().insert(name, value.parse().unwrap());
    req
}

/// What the handler did, one entry per run: `TYPE from SYSTEM`.
#[derive(Clone, Default)]
struct Processed(Arc<Mutex<Vec<String>>>);

impl Processed {
    fn runs(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The handler: counts its runs; `x-sleep-ms` delays it, `x-fail` makes it answer 500.
async fn handle(
    State(processed): State<Processed>,
    headers: HeaderMap,
    observation: Option<Extension<Observation>>,
    QuoEvent(event): QuoEvent,
) -> Response<Body> {
    assert!(
        observation.is_some(),
        "the parity layer runs before the handler"
    );
    let sleep_ms = headers
        .get("x-sleep-ms")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
    if headers.contains_key("x-fail") {
        return (StatusCode::INTERNAL_SERVER_ERROR, "handler failed").into_response();
    }
    let system = if event.is_legacy() { "legacy" } else { "new" };
    let run = format!("{} from {system}", event.event_type());
    processed.0.lock().unwrap().push(run);
    "processed".into_response()
}

/// The normalised view: a legacy delivery arrives in the new format.
async fn handle_normalised(QuoEvent(event): QuoEvent<Event>) -> String {
    serde_json::to_string(&event).unwrap()
}

struct App {
    router: Router,
    processed: Processed,
    checker: Arc<ParityChecker>,
}

fn app() -> App {
    let config = QuoConfig::from_values(Some(SECRET), Some(LEGACY_KEY)).unwrap();
    let checker = Arc::new(ParityChecker::new());
    let processed = Processed::default();
    let layer = config
        .layer_with_parity(MemoryStore::new(), checker.clone())
        .unwrap();
    let router = Router::new()
        .route("/webhooks/quo", post(handle))
        .route("/webhooks/normalised", post(handle_normalised))
        .layer(layer)
        // A routing mistake: no verification layer on this one.
        .route("/webhooks/unverified", post(handle_normalised))
        .with_state(processed.clone());
    App {
        router,
        processed,
        checker,
    }
}

struct Answer {
    status: StatusCode,
    replayed: bool,
    body: String,
}

async fn send(router: &Router, req: Request<Body>) -> Answer {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let replayed = res.headers().get(REPLAYED).is_some_and(|v| v == "true");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        replayed,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn processed(answer: &Answer) -> bool {
    answer.status == StatusCode::OK && !answer.replayed && answer.body == "processed"
}

fn duplicate(answer: &Answer) -> bool {
    answer.status == StatusCode::OK && answer.replayed && answer.body.contains("duplicate")
}

/// The shipped pair: the legacy (v4) and the new delivery of one received message.
fn message_pair() -> (&'static str, &'static str) {
    (
        samples::LEGACY_V4_MESSAGE_RECEIVED,
        samples::get(&EventType::MessageReceived).unwrap(),
    )
}

#[tokio::test]
async fn legacy_then_new_delivery_of_one_event_runs_the_handler_once() {
    let app = app();
    let (legacy, new) = message_pair();
    assert!(processed(&send(&app.router, legacy_delivery(legacy)).await));
    assert!(duplicate(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));
    assert_eq!(app.processed.runs(), ["message.received from legacy"]);
}

#[tokio::test]
async fn new_then_legacy_delivery_of_one_event_runs_the_handler_once() {
    let app = app();
    let (legacy, new) = message_pair();
    assert!(processed(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));
    assert!(duplicate(&send(&app.router, legacy_delivery(legacy)).await));
    // Retries of either delivery, re-signed later, are duplicates too.
    assert!(duplicate(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));
    assert!(duplicate(&send(&app.router, legacy_delivery(legacy)).await));
    assert_eq!(app.processed.runs(), ["message.received from new"]);
}

#[tokio::test]
async fn every_correlated_pair_of_shipped_samples_runs_once() {
    let app = app();
    let pairs = [
        (
            samples::LEGACY_CALL_SUMMARY,
            EventType::CallSummaryCompleted,
        ),
        (
            samples::LEGACY_CALL_TRANSCRIPT,
            EventType::CallTranscriptCompleted,
        ),
    ];
    for (i, (legacy, event_type)) in pairs.into_iter().enumerate() {
        let new = samples::get(&event_type).unwrap();
        assert!(processed(
            &send(&app.router, new_delivery(&format!("msg_{i}"), new)).await
        ));
        assert!(duplicate(&send(&app.router, legacy_delivery(legacy)).await));
    }
    assert_eq!(
        app.processed.runs(),
        [
            "call.summary.completed from new",
            "call.transcript.completed from new"
        ]
    );
}

#[tokio::test]
async fn both_deliveries_at_once_run_the_handler_once() {
    let app = app();
    let (legacy, new) = message_pair();
    let slow_legacy = with_header(legacy_delivery(legacy), "x-sleep-ms", "300");
    let first = tokio::spawn({
        let router = app.router.clone();
        async move { send(&router, slow_legacy).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The new delivery arrives while the legacy one runs: 409, the sender retries later.
    let racing = send(&app.router, new_delivery("msg_1", new)).await;
    assert_eq!(racing.status, StatusCode::CONFLICT);
    assert!(processed(&first.await.unwrap()));
    assert!(duplicate(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));
    assert_eq!(app.processed.runs().len(), 1);
}

#[tokio::test]
async fn a_failed_first_delivery_leaves_the_event_to_the_other_system() {
    let app = app();
    let (legacy, new) = message_pair();
    let failed = send(
        &app.router,
        with_header(new_delivery("msg_1", new), "x-fail", "1"),
    )
    .await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(processed(&send(&app.router, legacy_delivery(legacy)).await));
    assert!(duplicate(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));
    assert_eq!(app.processed.runs(), ["message.received from legacy"]);
}

fn contact_update(updated_at: &str, legacy: bool) -> String {
    let value = if legacy {
        json!({ "id": format!("EVl{updated_at}"), "object": "event", "apiVersion": "v3",
            "type": "contact.updated",
            "data": { "object": { "id": "CT1", "object": "contact", "firstName": "Dana",
                "updatedAt": updated_at } } })
    } else {
        json!({ "id": format!("EVn{updated_at}"), "apiVersion": "2026-03-30",
            "type": "contact.updated",
            "data": { "resource": { "id": "CT1", "firstName": "Dana", "updatedAt": updated_at },
                "links": { "quo": null } } })
    };
    value.to_string()
}

fn message_event(event_type: &str, id: &str, legacy: bool) -> String {
    let value = if legacy {
        json!({ "id": format!("EVl{id}"), "object": "event", "apiVersion": "v4",
            "type": event_type,
            "data": { "object": { "id": id, "object": "message", "text": "hi" } } })
    } else {
        json!({ "id": format!("EVn{id}"), "apiVersion": "2026-03-30", "type": event_type,
            "data": { "resource": { "id": id, "text": "hi" }, "links": { "quo": null } } })
    };
    value.to_string()
}

#[tokio::test]
async fn different_business_events_are_each_processed() {
    let app = app();
    let r = &app.router;
    // Two messages.
    assert!(processed(
        &send(
            r,
            legacy_delivery(message_event("message.received", "AC1", true))
        )
        .await
    ));
    assert!(processed(
        &send(
            r,
            new_delivery("msg_1", message_event("message.received", "AC2", false))
        )
        .await
    ));
    // The same message, another event type.
    assert!(processed(
        &send(
            r,
            new_delivery("msg_2", message_event("message.delivered", "AC2", false))
        )
        .await
    ));

    // Two successive updates of one contact, each delivered by both systems: two runs.
    let (first, second) = ("2026-04-14T15:30:43.987Z", "2026-04-14T15:31:02.120Z");
    assert!(processed(
        &send(r, new_delivery("msg_3", contact_update(first, false))).await
    ));
    assert!(duplicate(
        &send(r, legacy_delivery(contact_update(first, true))).await
    ));
    assert!(processed(
        &send(r, legacy_delivery(contact_update(second, true))).await
    ));
    assert!(duplicate(
        &send(r, new_delivery("msg_4", contact_update(second, false))).await
    ));

    // An event type this crate does not know: two deliveries about one resource are two
    // events; a retry of one is a duplicate.
    let unknown = |n: u8| {
        json!({ "id": format!("EV{n}"), "apiVersion": "2026-03-30",
            "type": "call.sentiment.completed", "data": { "resource": { "id": "AC9" } } })
        .to_string()
    };
    assert!(processed(&send(r, new_delivery("msg_5", unknown(1))).await));
    assert!(processed(&send(r, new_delivery("msg_6", unknown(2))).await));
    assert!(duplicate(&send(r, new_delivery("msg_6", unknown(2))).await));

    assert_eq!(
        app.processed.runs(),
        [
            "message.received from legacy",
            "message.received from new",
            "message.delivered from new",
            "contact.updated from new",
            "contact.updated from legacy",
            "call.sentiment.completed from new",
            "call.sentiment.completed from new",
        ]
    );
}

#[tokio::test]
async fn status_changes_without_updated_at_are_deduplicated_per_delivery() {
    // Nothing both systems send tells two `message.delivered` of one message apart, so each
    // delivery stands alone: one run per system, retries deduplicated.
    let app = app();
    let r = &app.router;
    let legacy = message_event("message.delivered", "AC1", true);
    let new = message_event("message.delivered", "AC1", false);
    assert!(processed(&send(r, legacy_delivery(legacy.clone())).await));
    assert!(processed(
        &send(r, new_delivery("msg_1", new.clone())).await
    ));
    assert!(duplicate(&send(r, legacy_delivery(legacy)).await));
    assert!(duplicate(&send(r, new_delivery("msg_1", new)).await));
    assert_eq!(app.processed.runs().len(), 2);
}

#[tokio::test]
async fn parity_checker_fed_by_the_app_counts_a_tampered_text() {
    let app = app();
    let (legacy, new) = message_pair();
    // The legacy copy of the message says something else.
    let tampered = legacy.replace("Is my 3pm cleaning", "Is my 4pm cleaning");
    assert_ne!(tampered, legacy);
    assert!(processed(
        &send(&app.router, legacy_delivery(tampered)).await
    ));
    // The idempotency layer answers the twin itself; the parity layer still saw it.
    assert!(duplicate(
        &send(&app.router, new_delivery("msg_1", new)).await
    ));

    // A matching pair of another event.
    let summary_new = samples::get(&EventType::CallSummaryCompleted).unwrap();
    assert!(processed(
        &send(&app.router, new_delivery("msg_2", summary_new)).await
    ));
    assert!(duplicate(
        &send(&app.router, legacy_delivery(samples::LEGACY_CALL_SUMMARY)).await
    ));

    let summary = app.checker.summary();
    assert_eq!((summary.paired(), summary.mismatched()), (2, 1));
    assert_eq!(
        summary.mismatches(&EventType::MessageReceived, ParityField::Text),
        1
    );
    for field in [
        ParityField::Sender,
        ParityField::Recipients,
        ParityField::ContactIds,
        ParityField::DeepLink,
    ] {
        assert_eq!(
            summary.mismatches(&EventType::MessageReceived, field),
            0,
            "{field}"
        );
    }
    let messages = summary.event_type(&EventType::MessageReceived).unwrap();
    assert_eq!(
        (
            messages.seen_legacy,
            messages.seen_new,
            messages.paired,
            messages.mismatched
        ),
        (1, 1, 1, 1)
    );
    let summaries = summary
        .event_type(&EventType::CallSummaryCompleted)
        .unwrap();
    assert_eq!((summaries.paired, summaries.matched), (1, 1));
    assert_eq!(summary.waiting, 0);
}

#[tokio::test]
async fn extractor_yields_the_normalised_event() {
    let app = app();
    let answer = send(
        &app.router,
        with_path(
            legacy_delivery(samples::LEGACY_V3_MESSAGE_RECEIVED),
            "/webhooks/normalised",
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let event: Event = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(event.api_version.as_deref(), Some("2026-03-30"));
    assert_eq!(event.event_type, EventType::MessageReceived);
    assert_eq!(event.recipients().map(<[String]>::len), Some(2));
    let legacy = quo_webhooks::parse_any(samples::LEGACY_V3_MESSAGE_RECEIVED.as_bytes()).unwrap();
    let AnyEvent::Legacy(legacy) = legacy else {
        panic!("not legacy")
    };
    assert_eq!(event.text(), legacy.object().unwrap().body.as_deref());
}

fn with_path(req: Request<Body>, path: &str) -> Request<Body> {
    let (mut parts, body) = req.into_parts();
    parts.uri = path.parse().unwrap();
    Request::from_parts(parts, body)
}

#[tokio::test]
async fn extractor_rejects_unverified_requests_and_bodies_that_are_not_events() {
    let app = app();
    let (_, new) = message_pair();
    // No verification layer on the route: 500, never an unverified event.
    let answer = send(
        &app.router,
        with_path(new_delivery("msg_1", new), "/webhooks/unverified"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"], "webhook_not_verified");

    // Verified, but not a Quo event: 422, and the key is released so a retry is not a
    // duplicate.
    for _ in 0..2 {
        let answer = send(
            &app.router,
            new_delivery("msg_2", r#"{"id":"EV1","data":{}}"#),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.body
        );
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"], "invalid_webhook_body");
    }
    // A bad signature never reaches the handler.
    let mut forged = new_delivery("msg_3", new);
    forged.headers_mut().insert(
        "webhook-signature",
        "v1,dGhpcyBpcyBub3QgdGhlIHNpZ25hdHVyZQ==".parse().unwrap(),
    );
    assert_eq!(
        send(&app.router, forged).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.processed.runs().is_empty());
}

/// The same app over real TCP, through `axum::serve` and a hyper client.
#[tokio::test]
async fn over_tcp_the_second_system_gets_the_duplicate_answer() {
    use http_body_util::Full;
    use hyper_util::rt::TokioIo;

    let app = app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, app.router.clone()).into_future());

    async fn post(addr: std::net::SocketAddr, req: Request<Body>) -> (StatusCode, bool, String) {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let (mut parts, body) = req.into_parts();
        parts
            .headers
            .insert("host", addr.to_string().parse().unwrap());
        let body = body.collect().await.unwrap().to_bytes();
        let res = sender
            .send_request(Request::from_parts(parts, Full::new(body)))
            .await
            .unwrap();
        let status = res.status();
        let replayed = res.headers().get(REPLAYED).is_some_and(|v| v == "true");
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, replayed, String::from_utf8(body.to_vec()).unwrap())
    }

    let (legacy, new) = message_pair();
    let (status, replayed, body) = post(addr, legacy_delivery(legacy)).await;
    assert_eq!(
        (status, replayed, body.as_str()),
        (StatusCode::OK, false, "processed")
    );
    let (status, replayed, body) = post(addr, new_delivery("msg_1", new)).await;
    assert_eq!((status, replayed), (StatusCode::OK, true), "{body}");
    assert_eq!(app.processed.runs(), ["message.received from legacy"]);
    assert_eq!(app.checker.summary().paired(), 1);
    server.abort();
}

#[cfg(feature = "tracing")]
mod logs {
    use super::*;
    use std::fmt::Write as _;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Metadata, Subscriber};

    /// Keeps the parity checker's log lines.
    #[derive(Clone, Default)]
    struct ParityLines(Arc<Mutex<Vec<String>>>);

    struct Fields(String);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl Subscriber for ParityLines {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            if event.metadata().target() != "quo_webhooks::parity" {
                return;
            }
            let mut fields = Fields(event.metadata().level().to_string());
            event.record(&mut fields);
            self.0.lock().unwrap().push(fields.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[tokio::test]
    async fn a_tampered_pair_is_logged_with_its_field_and_without_values() {
        // Alone in its process, so that `tracing`'s per-process cache of which log call sites
        // have a listener cannot be set by another test's thread (`test_support::alone`).
        if !test_support::alone::alone(
            "logs::a_tampered_pair_is_logged_with_its_field_and_without_values",
        ) {
            return;
        }
        let lines = ParityLines::default();
        let _guard = tracing::subscriber::set_default(lines.clone());
        let app = app();
        let (legacy, new) = message_pair();
        let tampered = legacy.replace("Is my 3pm cleaning", "Is my 4pm cleaning");
        send(&app.router, new_delivery("msg_1", new)).await;
        send(&app.router, legacy_delivery(tampered)).await;
        let lines = lines.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].starts_with("WARN"), "{}", lines[0]);
        assert!(lines[0].contains("fields=resource.text"), "{}", lines[0]);
        assert!(lines[0].contains("message.received:ACa8de58069cddea8555e6027c9162c4f0"));
        assert!(
            !lines[0].contains("cleaning") && !lines[0].contains("+1650"),
            "{}",
            lines[0]
        );
    }
}
