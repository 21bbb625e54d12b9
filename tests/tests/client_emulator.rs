//! Every method of the management client against the emulator: in process through its router
//! (no socket), and over a real socket with a real receiver for the deliveries.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use futures_util::TryStreamExt;
use http::StatusCode;
use quo_api::client::{Client, Transport};
use quo_api::{
    AttemptStatus, DeliveryFilter, DeliveryStatus, Error, NewWebhook, ResourceIds, TriggerType,
    WebhookStatus, WebhookUpdate,
};
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::EventType;
use standard_webhooks::{Secret, Verifier};

/// Long enough for any attempt on a busy machine; `settle` returns as soon as all are done.
const SETTLE: Duration = Duration::from_secs(10);

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer with, in order; 200 once they run out.
    script: Mutex<VecDeque<u16>>,
}

/// A local receiver on a real socket that records every delivery.
#[derive(Debug, Clone)]
struct Receiver {
    state: Arc<ReceiverState>,
    url: String,
}

impl Receiver {
    async fn start() -> Self {
        let state = Arc::new(ReceiverState::default());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { state, url }
    }

    /// Answers the next requests with these statuses (and a body naming the status).
    fn answer(&self, statuses: impl IntoIterator<Item = u16>) {
        self.state.script.lock().unwrap().extend(statuses);
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// What it received once it has at least `n` requests (polled, with a deadline).
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + SETTLE;
        loop {
            let received = self.received();
            if received.len() >= n || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    state
        .received
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let status = state.script.lock().unwrap().pop_front().unwrap_or(200);
    (
        StatusCode::from_u16(status).unwrap(),
        format!("receiver said {status}"),
    )
}

/// A URL where nothing listens: a port that was free a moment ago.
async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/gone")
}

/// An emulator with a short schedule (one retry 1 s later), no jitter, no rate limit.
async fn emulator() -> Emulator {
    Emulator::builder()
        .db(":memory:")
        .retry_schedule([Duration::from_secs(1)])
        .no_jitter()
        .rate_limit(0)
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .await
        .unwrap()
}

/// A client that calls the emulator's router in process.
fn in_process(emulator: &Emulator) -> Client {
    Client::builder()
        .api_key(emulator.api_key().expose())
        .base_url("http://emulator.test")
        .transport(Transport::from_service(emulator.router()))
        .build()
        .unwrap()
}

fn verifies(secret: &Secret, delivery: &Received) -> bool {
    Verifier::new(secret.clone())
        .verify(&delivery.headers, &delivery.body)
        .is_ok()
}

fn assert_key_absent(error: &Error, key: &str) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(key), "the key leaked: {shown}");
}

#[tokio::test]
async fn webhooks_list_get_create_update_delete_in_process() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let webhooks = client.webhooks();

    let created = webhooks
        .create(
            &NewWebhook::new(
                "http://127.0.0.1:9/h",
                [EventType::MessageReceived, EventType::CallCompleted],
            )
            .label("first")
            .resource_ids(ResourceIds::phone_numbers(["PNone", "PNtwo"]))
            .status(WebhookStatus::Disabled),
        )
        .await
        .unwrap();
    let id = created.webhook.id.clone();
    assert!(created.key.to_whsec_string().starts_with("whsec_"));
    assert_eq!(created.webhook.label.as_deref(), Some("first"));
    assert_eq!(created.webhook.status, WebhookStatus::Disabled);
    assert_eq!(created.webhook.api_version, quo_api::API_VERSION);
    assert_eq!(webhooks.get(&id).await.unwrap(), created.webhook);

    // Leave every field but one: only the status changes.
    let enabled = webhooks
        .update(&id, &WebhookUpdate::new().status(WebhookStatus::Enabled))
        .await
        .unwrap();
    assert_eq!(enabled.status, WebhookStatus::Enabled);
    assert_eq!(enabled.label.as_deref(), Some("first"));
    assert_eq!(enabled.events, created.webhook.events);
    assert_eq!(enabled.resource_ids, created.webhook.resource_ids);
    assert_eq!(enabled.url, created.webhook.url);

    // Clear the label (null); the filter stays.
    let unlabelled = webhooks
        .update(&id, &WebhookUpdate::new().clear_label())
        .await
        .unwrap();
    assert_eq!(unlabelled.label, None);
    assert_eq!(unlabelled.resource_ids, created.webhook.resource_ids);

    // Clear the filter with `resourceIds: null`: every number again.
    let everywhere = webhooks
        .update(&id, &WebhookUpdate::new().clear_resource_ids())
        .await
        .unwrap();
    assert_eq!(everywhere.resource_ids, ResourceIds::All);
    assert_eq!(everywhere.label, None);

    // Set several fields at once.
    let set = webhooks
        .update(
            &id,
            &WebhookUpdate::new()
                .url("http://127.0.0.1:9/other")
                .events([EventType::ContactUpdated])
                .label("second")
                .resource_ids(ResourceIds::phone_numbers(["PNthree"])),
        )
        .await
        .unwrap();
    assert_eq!(set.url, "http://127.0.0.1:9/other");
    assert_eq!(set.events, [EventType::ContactUpdated]);
    assert_eq!(set.label.as_deref(), Some("second"));
    assert_eq!(set.resource_ids, ResourceIds::phone_numbers(["PNthree"]));
    assert!(set.updated_at >= set.created_at);

    // An update that changes nothing is Quo's 400.
    let error = webhooks
        .update(&id, &WebhookUpdate::new())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST), "{error}");

    let other = webhooks
        .create(&NewWebhook::new(
            "http://127.0.0.1:9/x",
            [EventType::CallRinging],
        ))
        .await
        .unwrap();
    let listed = webhooks.list().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&set) && listed.contains(&other.webhook));

    webhooks.delete(&id).await.unwrap();
    assert_eq!(webhooks.list().await.unwrap(), [other.webhook]);
    let error = webhooks.get(&id).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    let error = webhooks.delete(&id).await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn errors_decode_into_quo_bodies_without_the_key() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let key = emulator.api_key().expose().to_owned();

    let error = client.webhooks().get("999999").await.unwrap_err();
    match &error {
        Error::Api { status, body } => {
            assert_eq!(*status, StatusCode::NOT_FOUND);
            assert_eq!(body.title, "Not Found");
            assert!(!body.message.is_empty());
        }
        other => panic!("not an API error: {other:?}"),
    }
    assert_key_absent(&error, &key);

    let error = client
        .deliveries("999999")
        .get("msg_0000000000000000000000")
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error}");

    let created = client
        .webhooks()
        .create(&NewWebhook::new(
            "http://127.0.0.1:9/h",
            [EventType::CallCompleted],
        ))
        .await
        .unwrap();
    let error = client
        .deliveries(&created.webhook.id)
        .list(&DeliveryFilter::new().limit(200))
        .await
        .unwrap_err();
    match &error {
        Error::Api { status, body } => {
            assert_eq!(*status, StatusCode::BAD_REQUEST);
            assert_eq!(body.errors.len(), 1, "{body:?}");
            assert_eq!(body.errors[0].path, "/query/limit");
            assert_eq!(body.errors[0].value, Some(serde_json::json!(200)));
        }
        other => panic!("not an API error: {other:?}"),
    }
    assert!(error.to_string().contains("/query/limit"), "{error}");
    assert_key_absent(&error, &key);

    let error = client
        .webhooks()
        .create(&NewWebhook::new("not a url", [EventType::CallCompleted]))
        .await
        .unwrap_err();
    let body = error.body().unwrap();
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert!(
        body.errors.iter().any(|e| e.path == "/body/url"),
        "{body:?}"
    );

    let wrong_key = "wrong-key-0123456789";
    let wrong = Client::builder()
        .api_key(wrong_key)
        .base_url("http://emulator.test")
        .transport(Transport::from_service(emulator.router()))
        .build()
        .unwrap();
    let error = wrong.webhooks().list().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED), "{error}");
    assert_eq!(error.body().unwrap().title, "Unauthorized");
    assert_key_absent(&error, wrong_key);
    assert_key_absent(&error, &key);
    emulator.shutdown().await;
}

#[tokio::test]
async fn deliveries_list_filters_get_and_retry_in_process() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let receiver = Receiver::start().await;
    let created = client
        .webhooks()
        .create(&NewWebhook::new(
            &receiver.url,
            [EventType::MessageReceived, EventType::CallCompleted],
        ))
        .await
        .unwrap();
    let id = created.webhook.id.clone();
    let deliveries = client.deliveries(&id);

    // One that fails twice (both attempts), one an hour later that succeeds.
    receiver.answer([500, 503]);
    let first = emulator
        .trigger(TriggerRequest::new(EventType::MessageReceived).phone_number_id("PNfirst"))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let pending = deliveries.get(&first.deliveries[0].id).await.unwrap();
    assert_eq!(pending.status, Some(DeliveryStatus::Sending));
    assert!(pending.next_attempt_at.is_some());
    emulator.advance(Duration::from_secs(1)).await;
    emulator.advance(Duration::from_secs(3600)).await;
    let boundary = emulator.now();
    emulator.advance(Duration::from_secs(60)).await;
    let second = emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let (first_id, second_id) = (&first.deliveries[0].id, &second.deliveries[0].id);

    let all = deliveries.list(&DeliveryFilter::new()).await.unwrap();
    let ids: Vec<_> = all.data.iter().map(|d| &d.id).collect();
    assert_eq!(ids, [second_id, first_id], "newest first");
    assert_eq!(all.next_cursor, None);
    assert_eq!(all.data[0].status, DeliveryStatus::Success);
    assert_eq!(all.data[1].status, DeliveryStatus::Failed);
    assert_eq!(all.data[1].next_attempt_at, None);

    let only = |filter: DeliveryFilter| {
        let deliveries = deliveries.clone();
        async move {
            let page = deliveries.list(&filter).await.unwrap();
            page.data.into_iter().map(|d| d.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        only(DeliveryFilter::new().status(DeliveryStatus::Failed)).await,
        std::slice::from_ref(first_id)
    );
    assert_eq!(
        only(DeliveryFilter::new().status(DeliveryStatus::Success)).await,
        std::slice::from_ref(second_id)
    );
    assert!(
        only(DeliveryFilter::new().status(DeliveryStatus::Pending))
            .await
            .is_empty()
    );
    assert_eq!(
        only(DeliveryFilter::new().event_types([EventType::CallCompleted])).await,
        std::slice::from_ref(second_id)
    );
    assert_eq!(
        only(
            DeliveryFilter::new()
                .event_types([EventType::CallCompleted, EventType::MessageReceived])
        )
        .await
        .len(),
        2
    );
    assert_eq!(
        only(DeliveryFilter::new().created_before(boundary)).await,
        std::slice::from_ref(first_id)
    );
    assert_eq!(
        only(DeliveryFilter::new().created_after(boundary)).await,
        std::slice::from_ref(second_id)
    );
    let resource = all.data[1].resource_id.clone().unwrap();
    assert_eq!(
        only(DeliveryFilter::new().resource_id(resource)).await,
        std::slice::from_ref(first_id)
    );
    assert_eq!(
        only(DeliveryFilter::new().limit(1)).await,
        std::slice::from_ref(second_id)
    );

    // The failed delivery: both attempts, most recent first, with what the receiver said.
    let failed = deliveries.get(first_id).await.unwrap();
    assert_eq!(failed.status, Some(DeliveryStatus::Failed));
    assert_eq!(failed.attempts.len(), 2);
    let codes: Vec<_> = failed
        .attempts
        .iter()
        .map(|a| a.response_status_code)
        .collect();
    assert_eq!(codes, [503, 500]);
    assert!(failed.attempts[0].timestamp > failed.attempts[1].timestamp);
    assert_eq!(
        failed.attempts[0].response_body.as_deref(),
        Some("receiver said 503")
    );
    assert!(
        failed
            .attempts
            .iter()
            .all(|a| a.status == AttemptStatus::Failed
                && a.trigger_type == TriggerType::Scheduled
                && a.url == receiver.url)
    );
    assert_eq!(failed.request_body.event_type, EventType::MessageReceived);

    // A manual retry: 202, and after the engine ran, a third attempt marked manual.
    deliveries.retry(first_id).await.unwrap();
    emulator.settle(SETTLE).await;
    let retried = deliveries.get(first_id).await.unwrap();
    assert_eq!(retried.attempts.len(), 3);
    assert_eq!(retried.attempts[0].trigger_type, TriggerType::Manual);
    assert_eq!(retried.attempts[0].response_status_code, 200);
    assert_eq!(retried.status, Some(DeliveryStatus::Success));
    // Every attempt of a delivery carries the delivery id as `webhook-id`.
    let received = receiver.received();
    let same_id = received
        .iter()
        .filter(|r| r.headers["webhook-id"] == first_id.as_str())
        .count();
    assert_eq!(same_id, 3);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_dead_receiver_is_recorded_as_code_0() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let created = client
        .webhooks()
        .create(&NewWebhook::new(dead_url().await, [EventType::CallRinging]))
        .await
        .unwrap();
    let triggered = emulator
        .trigger(TriggerRequest::new(EventType::CallRinging))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let delivery = client
        .deliveries(&created.webhook.id)
        .get(&triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(delivery.attempts.len(), 1);
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.response_status_code, 0);
    assert_eq!(attempt.status, AttemptStatus::Failed);
    assert!(!attempt.response_body.as_deref().unwrap_or("").is_empty());
    assert_eq!(delivery.status, Some(DeliveryStatus::Sending));
    emulator.shutdown().await;
}

#[tokio::test]
async fn stream_walks_every_page() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let created = client
        .webhooks()
        .create(&NewWebhook::new(
            dead_url().await,
            [EventType::ContactUpdated],
        ))
        .await
        .unwrap();
    let mut made = Vec::new();
    for _ in 0..27 {
        let triggered = emulator
            .trigger(TriggerRequest::new(EventType::ContactUpdated))
            .await
            .unwrap();
        made.push(triggered.deliveries[0].id.clone());
    }
    let deliveries = client.deliveries(&created.webhook.id);
    let first = deliveries
        .list(&DeliveryFilter::new().limit(10))
        .await
        .unwrap();
    assert_eq!(first.data.len(), 10);
    assert!(first.next_cursor.is_some());

    let streamed: Vec<_> = deliveries
        .stream(DeliveryFilter::new().limit(10))
        .map_ok(|d| d.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 27, "three pages of 10, 10 and 7");
    let mut sorted = streamed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 27, "no delivery twice");
    let mut expected = made.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    emulator.shutdown().await;
}

#[tokio::test]
async fn send_test_delivers_a_signed_sample_in_process() {
    let emulator = emulator().await;
    let client = in_process(&emulator);
    let receiver = Receiver::start().await;
    let created = client
        .webhooks()
        .create(
            &NewWebhook::new(&receiver.url, [EventType::MessageReceived])
                .status(WebhookStatus::Disabled),
        )
        .await
        .unwrap();
    let event = client
        .webhooks()
        .send_test(&created.webhook.id, EventType::MessageReceived)
        .await
        .unwrap();
    assert_eq!(event.event_type, EventType::MessageReceived);
    let received = receiver.wait_for(1).await;
    assert_eq!(
        received.len(),
        1,
        "a disabled webhook still gets test events"
    );
    assert!(verifies(&created.key, &received[0]));
    let sent: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(sent["id"], event.id.as_str());
    let listed = client
        .deliveries(&created.webhook.id)
        .list(&DeliveryFilter::new())
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].resource_id, None);
    assert_eq!(
        listed.data[0].id.as_str(),
        received[0].headers["webhook-id"]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn over_a_socket_rotation_signs_with_both_keys_during_the_grace() {
    let emulator = Emulator::builder()
        .db(":memory:")
        .retry_schedule([Duration::from_secs(1)])
        .no_jitter()
        .rate_limit(0)
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key().expose())
        .base_url(emulator.base_url())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let receiver = Receiver::start().await;
    let created = client
        .webhooks()
        .create(&NewWebhook::new(&receiver.url, [EventType::CallCompleted]))
        .await
        .unwrap();
    let id = created.webhook.id.clone();
    assert_eq!(
        client.webhooks().list().await.unwrap(),
        std::slice::from_ref(&created.webhook)
    );

    emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let before = receiver.received();
    assert_eq!(before.len(), 1);
    assert!(verifies(&created.key, &before[0]));

    let rotated = client.webhooks().rotate(&id).await.unwrap();
    let (old, new) = (created.key, rotated.key);
    assert_ne!(old.to_whsec_string(), new.to_whsec_string());
    assert!(
        !verifies(&new, &before[0]),
        "the new key did not sign earlier deliveries"
    );

    // During the grace every attempt carries both signatures.
    emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let during = receiver.received()[1].clone();
    assert!(verifies(&new, &during), "the new key verifies");
    assert!(
        verifies(&old, &during),
        "the old key still verifies in the grace"
    );
    assert!(!verifies(&Secret::generate(), &during));
    let both = Verifier::builder()
        .secrets([Secret::generate(), new.clone()])
        .build()
        .unwrap();
    let verified = both.verify(&during.headers, &during.body).unwrap();
    assert_eq!(verified.key_index(), 1);

    // After the grace (24 h by default), only the new key.
    emulator.advance(Duration::from_secs(25 * 3600)).await;
    emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    emulator.settle(SETTLE).await;
    let after = receiver.received()[2].clone();
    assert!(verifies(&new, &after));
    assert!(!verifies(&old, &after), "the old key no longer signs");

    // The delivery history over the socket, and a test event, and the delete.
    let page = client
        .deliveries(&id)
        .list(&DeliveryFilter::new())
        .await
        .unwrap();
    assert_eq!(page.data.len(), 3);
    assert!(
        page.data
            .iter()
            .all(|d| d.status == DeliveryStatus::Success)
    );
    client
        .webhooks()
        .send_test(&id, EventType::CallCompleted)
        .await
        .unwrap();
    let received = receiver.wait_for(4).await;
    assert_eq!(received.len(), 4);
    assert!(verifies(&new, &received[3]));
    client.webhooks().delete(&id).await.unwrap();
    let error = client.webhooks().get(&id).await.unwrap_err();
    assert!(error.is_not_found());
    assert_key_absent(&error, emulator.api_key().expose());
    emulator.shutdown().await;
}
