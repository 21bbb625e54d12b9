//! Legacy webhooks: the `/v1/webhooks` API, and the legacy twin of each triggered event
//! delivered with `openphone-signature`, retried, and correlated with its new delivery.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use quo_api::{LegacyWebhook, NewWebhook};
use quo_emulator::{Emulator, System, TriggerRequest};
use quo_webhooks::{Event, EventType, LegacyEvent};
use serde_json::{Value, json};
use standard_webhooks::{LegacySecret, Verifier};

const SETTLE: Duration = Duration::from_secs(10);

/// A `/v1` request: the key, no version header (the legacy API has none).
async fn v1(emu: &Emulator, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "test-key");
    let body = match body {
        Some(value) => {
            request = request.header("content-type", "application/json");
            Body::from(value.to_string())
        }
        None => Body::empty(),
    };
    send(emu, request.body(body).unwrap()).await
}

async fn legacy_webhook(emu: &Emulator, family: &str, body: Value) -> LegacyWebhook {
    let answer = v1(
        emu,
        Method::POST,
        &format!("/v1/webhooks/{family}"),
        Some(body),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    serde_json::from_value(answer.body["data"].clone()).unwrap()
}

fn verify_legacy(key: &LegacySecret, got: &Received) {
    let verifier = Verifier::builder()
        .legacy_secret(key.clone())
        .build()
        .unwrap();
    verifier.verify(&got.headers, &got.body).unwrap();
    assert!(got.headers.get("webhook-id").is_none());
    let signature = got.header("openphone-signature");
    let fields: Vec<&str> = signature.split(';').collect();
    assert_eq!(fields[..2], ["hmac", "1"]);
    assert_eq!(fields[2].len(), 13, "milliseconds");
}

#[tokio::test]
async fn legacy_api_creates_lists_gets_and_deletes_without_a_version_header() {
    let emu = emulator().await;
    let made = legacy_webhook(
        &emu,
        "messages",
        json!({"url": "https://example.com/hook", "events": ["message.received"],
               "label": "crm", "resourceIds": ["PNabc"]}),
    )
    .await;
    assert!(made.id.starts_with("WH"));
    assert!(made.key.is_some(), "the legacy key is shown");
    assert_eq!(made.events, [EventType::MessageReceived]);
    assert_eq!(made.resource_ids, ["PNabc"]);
    assert_eq!(made.label.as_deref(), Some("crm"));
    let list = v1(&emu, Method::GET, "/v1/webhooks", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    // The key is base64 without a prefix.
    let key = list.body["data"][0]["key"].as_str().unwrap();
    assert!(!key.starts_with("whsec_") && key.parse::<LegacySecret>().is_ok());
    let one = v1(
        &emu,
        Method::GET,
        &format!("/v1/webhooks/{}", made.id),
        None,
    )
    .await;
    assert_eq!(one.body["data"]["id"], made.id.as_str());
    let gone = v1(
        &emu,
        Method::DELETE,
        &format!("/v1/webhooks/{}", made.id),
        None,
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let again = v1(
        &emu,
        Method::GET,
        &format!("/v1/webhooks/{}", made.id),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // The new API still demands its version header.
    let new = v1(&emu, Method::GET, "/webhooks", None).await;
    assert_eq!(new.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn legacy_create_refuses_events_of_another_family_and_unknown_families() {
    let emu = emulator().await;
    let wrong = v1(
        &emu,
        Method::POST,
        "/v1/webhooks/calls",
        Some(json!({"url": "https://example.com/h", "events": ["message.received"]})),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert_eq!(wrong.body["errors"][0]["path"], "/body/events/0");
    let missing = v1(
        &emu,
        Method::POST,
        "/v1/webhooks/calls",
        Some(json!({"url": "https://example.com/h"})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let family = v1(
        &emu,
        Method::POST,
        "/v1/webhooks/contacts",
        Some(json!({"url": "https://example.com/h", "events": ["contact.updated"]})),
    )
    .await;
    assert_eq!(family.status, StatusCode::NOT_FOUND);
    let unauthorized = send(
        &emu,
        Request::get("/v1/webhooks").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_event_reaches_both_systems_as_twins_that_correlate() {
    let emu = emulator().await;
    let legacy_rx = Receiver::start().await;
    let new_rx = Receiver::start().await;
    let calls = legacy_webhook(
        &emu,
        "calls",
        json!({"url": legacy_rx.url, "events": ["call.completed"]}),
    )
    .await;
    let created = emu
        .create_webhook(NewWebhook::new(&new_rx.url, [EventType::CallCompleted]))
        .await
        .unwrap();
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    assert_eq!(triggered.deliveries.len(), 1);
    assert_eq!(triggered.legacy_webhooks, std::slice::from_ref(&calls.id));
    emu.settle(SETTLE).await;
    let legacy_got = legacy_rx.wait_for(1).await;
    let new_got = new_rx.wait_for(1).await;
    verify_legacy(calls.key.as_ref().unwrap(), &legacy_got[0]);
    Verifier::new(created.key.clone())
        .verify(&new_got[0].headers, &new_got[0].body)
        .unwrap();
    let legacy: LegacyEvent = serde_json::from_slice(&legacy_got[0].body).unwrap();
    let new: Event = serde_json::from_slice(&new_got[0].body).unwrap();
    assert_eq!(legacy.id, new.id, "one business event, one id");
    assert_eq!(
        quo_webhooks::normalize(&legacy).correlation_key(),
        new.correlation_key()
    );
    let raw = legacy_got[0].json();
    assert_eq!(raw["apiVersion"], "v4");
    assert_eq!(raw["object"], "event");
    assert!(raw["data"]["deepLink"].is_string());
    assert_eq!(
        raw["data"]["object"]["id"],
        new_got[0].json()["data"]["resource"]["id"]
    );
}

#[tokio::test]
async fn every_family_delivers_its_events_and_correlates() {
    let emu = emulator().await;
    let legacy_rx = Receiver::start().await;
    let new_rx = Receiver::start().await;
    let mut all = Vec::new();
    for family in quo_api::LegacyFamily::ALL {
        let events: Vec<String> = family
            .events()
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect();
        legacy_webhook(
            &emu,
            family.path_segment(),
            json!({"url": legacy_rx.url, "events": events}),
        )
        .await;
        all.extend(family.events());
    }
    emu.create_webhook(NewWebhook::new(&new_rx.url, all.clone()))
        .await
        .unwrap();
    for event_type in &all {
        emu.trigger(TriggerRequest::new(event_type.clone()))
            .await
            .unwrap();
    }
    emu.settle(SETTLE).await;
    let legacy_got = legacy_rx.wait_for(all.len()).await;
    let new_got = new_rx.wait_for(all.len()).await;
    for got in &legacy_got {
        let legacy: LegacyEvent = serde_json::from_slice(&got.body).unwrap();
        let twin = new_got
            .iter()
            .map(|r| serde_json::from_slice::<Event>(&r.body).unwrap())
            .find(|e| e.id == legacy.id)
            .unwrap();
        assert_eq!(
            quo_webhooks::normalize(&legacy).correlation_key(),
            twin.correlation_key(),
            "{}",
            twin.event_type
        );
    }
    // A type the legacy system never sends reaches the new system only.
    let contact = emu
        .trigger(TriggerRequest::new(EventType::ContactUpdated))
        .await
        .unwrap();
    assert!(contact.legacy_webhooks.is_empty());
}

#[tokio::test]
async fn legacy_deliveries_retry_on_the_schedule_and_keep_no_history() {
    let emu = Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .retry_schedule([Duration::from_secs(5), Duration::from_secs(60)])
        .no_jitter()
        .build()
        .await
        .unwrap();
    let rx = Receiver::start().await;
    rx.fail_next(2);
    let hook = legacy_webhook(
        &emu,
        "messages",
        json!({"url": rx.url, "events": ["message.received"]}),
    )
    .await;
    emu.trigger(TriggerRequest::new(EventType::MessageReceived))
        .await
        .unwrap();
    emu.settle(SETTLE).await;
    assert_eq!(rx.wait_for(1).await.len(), 1);
    emu.advance(Duration::from_secs(3)).await;
    assert_eq!(rx.count(), 1, "not due yet");
    emu.advance(Duration::from_secs(3)).await;
    assert_eq!(rx.wait_for(2).await.len(), 2);
    assert_eq!(
        emu.legacy_delivery_counts().await.unwrap(),
        [("pending".to_owned(), 1)]
    );
    emu.advance(Duration::from_secs(60)).await;
    let got = rx.wait_for(3).await;
    let ids: Vec<Value> = got.iter().map(|r| r.json()["id"].clone()).collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "the same event id on every retry"
    );
    for r in &got {
        verify_legacy(hook.key.as_ref().unwrap(), r);
    }
    assert_eq!(
        emu.legacy_delivery_counts().await.unwrap(),
        [("success".to_owned(), 1)]
    );
    // No delivery history endpoint for legacy webhooks.
    let history = v1(
        &emu,
        Method::GET,
        &format!("/v1/webhooks/{}/events", hook.id),
        None,
    )
    .await;
    assert_eq!(history.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_legacy_delivery_that_never_succeeds_ends_failed() {
    let emu = Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .retry_schedule([Duration::from_secs(1)])
        .no_jitter()
        .build()
        .await
        .unwrap();
    let rx = Receiver::start().await;
    rx.fail_next(10);
    legacy_webhook(
        &emu,
        "calls",
        json!({"url": rx.url, "events": ["call.ringing"]}),
    )
    .await;
    emu.trigger(TriggerRequest::new(EventType::CallRinging))
        .await
        .unwrap();
    emu.settle(SETTLE).await;
    emu.advance(Duration::from_secs(2)).await;
    emu.advance(Duration::from_secs(2)).await;
    assert_eq!(rx.count(), 2);
    assert_eq!(
        emu.legacy_delivery_counts().await.unwrap(),
        [("failed".to_owned(), 1)]
    );
}

#[tokio::test]
async fn only_sends_to_one_system_and_filters_and_status_apply() {
    let emu = emulator().await;
    let legacy_rx = Receiver::start().await;
    let new_rx = Receiver::start().await;
    legacy_webhook(
        &emu,
        "messages",
        json!({"url": legacy_rx.url, "events": ["message.received"], "resourceIds": ["PNmine"]}),
    )
    .await;
    legacy_webhook(
        &emu,
        "messages",
        json!({"url": legacy_rx.url, "events": ["message.received"], "status": "disabled"}),
    )
    .await;
    emu.create_webhook(NewWebhook::new(&new_rx.url, [EventType::MessageReceived]))
        .await
        .unwrap();

    let legacy_only = trigger(
        &emu,
        json!({"type": "message.received", "phoneNumberId": "PNmine", "only": "legacy"}),
    )
    .await;
    assert_eq!(legacy_only["deliveries"], json!([]));
    assert_eq!(legacy_only["legacyWebhooks"].as_array().unwrap().len(), 1);
    let new_only = emu
        .trigger(
            TriggerRequest::new(EventType::MessageReceived)
                .phone_number_id("PNmine")
                .only(System::New),
        )
        .await
        .unwrap();
    assert_eq!(new_only.deliveries.len(), 1);
    assert!(new_only.legacy_webhooks.is_empty());
    // Another number: the filtered legacy webhook does not hear it.
    let other = emu
        .trigger(TriggerRequest::new(EventType::MessageReceived).phone_number_id("PNother"))
        .await
        .unwrap();
    assert!(other.legacy_webhooks.is_empty());
    emu.settle(SETTLE).await;
    legacy_rx.wait_for(1).await;
    new_rx.wait_for(2).await;
    assert_eq!(legacy_rx.count(), 1);
    let bad = post_json(
        &emu,
        "/emulator/events",
        json!({"type": "message.received", "only": "both"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["errors"][0]["path"], "/body/only");
}
