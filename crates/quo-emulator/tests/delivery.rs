//! The delivery engine: signed attempts, retries on the virtual clock, timeouts, filters,
//! rotation, manual retries, isolation of a dead endpoint, durability.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::*;
use quo_api::{
    DeliveryStatus, DeliverySummary, NewWebhook, Page, ResourceIds, TriggerType, WebhookStatus,
};
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::EventType;
use serde_json::json;
use standard_webhooks::{Secret, Verifier};

const SETTLE: Duration = Duration::from_secs(10);

async fn webhook(emu: &Emulator, url: &str, events: &[EventType]) -> (quo_api::WebhookId, Secret) {
    let created = emu
        .create_webhook(NewWebhook::new(url, events.iter().cloned()))
        .await
        .unwrap();
    (created.webhook.id.clone(), created.key)
}

#[tokio::test]
async fn delivery_is_signed_recorded_and_its_request_body_is_what_was_sent() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let (id, key) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    assert_eq!(triggered.deliveries.len(), 1);
    let got = receiver.wait_for(1).await;
    let request = &got[0];
    Verifier::new(key)
        .verify(&request.headers, &request.body)
        .expect("the signature verifies");
    assert_eq!(
        request.header("webhook-id"),
        triggered.deliveries[0].id.as_str()
    );
    assert_eq!(request.header("content-type"), "application/json");
    assert!(
        request
            .header("user-agent")
            .starts_with("Quo-Webhooks-Emulator/")
    );
    let ts: i64 = request.header("webhook-timestamp").parse().unwrap();
    assert!((ts - jiff::Timestamp::now().as_second()).abs() < 5);
    assert_eq!(request.header("webhook-signature").split(' ').count(), 1);
    assert_eq!(request.json()["id"], triggered.event.id.as_str());

    emu.settle(SETTLE).await;
    let delivery = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(delivery.status, Some(DeliveryStatus::Success));
    assert_eq!(delivery.next_attempt_at, None);
    assert_eq!(
        delivery.event_id.as_deref(),
        Some(triggered.event.id.as_str())
    );
    assert_eq!(
        serde_json::to_value(&delivery.request_body).unwrap(),
        request.json()
    );
    let attempt = &delivery.attempts[0];
    assert_eq!(delivery.attempts.len(), 1);
    assert!(attempt.id.as_str().starts_with("atmpt_") && attempt.id.as_str().len() == 28);
    assert_eq!(attempt.response_status_code, 200);
    assert_eq!(attempt.response_body.as_deref(), Some("{\"ok\":true}"));
    assert_eq!(attempt.trigger_type, TriggerType::Scheduled);
    assert_eq!(attempt.url, receiver.url);

    // Through the API too: the same, wrapped in data.
    let answer = get(
        &emu,
        &format!("/webhooks/{id}/events/{}", triggered.deliveries[0].id),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["data"]["requestBody"], request.json());
    assert_eq!(
        answer.body["data"]["attempts"][0]["responseStatusCode"],
        200
    );
}

#[tokio::test]
async fn retries_follow_the_schedule_until_the_receiver_succeeds() {
    let emu = Emulator::builder()
        .retry_schedule([Duration::from_secs(5), Duration::from_secs(300)])
        .no_jitter()
        .build()
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    receiver.fail_next(2);
    let (id, _) = webhook(&emu, &receiver.url, &[EventType::MessageReceived]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::MessageReceived))
        .await
        .unwrap();
    let delivery_id = &triggered.deliveries[0].id;
    emu.settle(SETTLE).await;
    let d = emu.delivery(&id, delivery_id).await.unwrap();
    assert_eq!(d.status, Some(DeliveryStatus::Sending));
    assert_eq!(d.attempts.len(), 1);
    assert_eq!(d.attempts[0].response_status_code, 500);
    assert_eq!(
        d.attempts[0].response_body.as_deref(),
        Some("receiver failed on purpose")
    );
    let next = d.next_attempt_at.unwrap();
    let wait = next.duration_since(emu.now()).as_secs_f64();
    assert!((3.5..=5.0).contains(&wait), "next attempt in {wait} s");

    // Not due yet: nothing happens.
    emu.advance(Duration::from_secs(3)).await;
    assert_eq!(receiver.count(), 1);
    emu.advance(Duration::from_secs(3)).await;
    assert_eq!(receiver.count(), 2);
    emu.advance(Duration::from_secs(300)).await;
    let got = receiver.wait_for(3).await;
    let d = emu.delivery(&id, delivery_id).await.unwrap();
    assert_eq!(d.status, Some(DeliveryStatus::Success));
    assert_eq!(d.next_attempt_at, None);
    let codes: Vec<u16> = d.attempts.iter().map(|a| a.response_status_code).collect();
    assert_eq!(codes, [200, 500, 500], "most recent first");
    assert!(d.attempts[0].timestamp > d.attempts[1].timestamp);
    // The same webhook-id on every attempt.
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == delivery_id.as_str())
    );
}

#[tokio::test]
async fn the_virtual_clock_walks_the_full_default_schedule_to_failed() {
    let started = Instant::now();
    let emu = Emulator::builder().no_jitter().build().await.unwrap();
    let receiver = Receiver::start().await;
    receiver.fail_next(usize::MAX);
    let (id, key) = webhook(&emu, &receiver.url, &[EventType::CallMissed]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallMissed))
        .await
        .unwrap();
    emu.settle(SETTLE).await;
    let delays =
        quo_emulator::config::parse_schedule(quo_emulator::config::DEFAULT_RETRY_SCHEDULE).unwrap();
    for (i, delay) in delays.iter().enumerate() {
        let d = emu
            .delivery(&id, &triggered.deliveries[0].id)
            .await
            .unwrap();
        assert_eq!(d.status, Some(DeliveryStatus::Sending));
        assert_eq!(d.attempts.len(), i + 1);
        emu.advance(*delay).await;
    }
    let d = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(d.attempts.len(), 8);
    assert_eq!(d.status, Some(DeliveryStatus::Failed));
    assert_eq!(d.next_attempt_at, None);
    let got = receiver.wait_for(8).await;
    // Signed with real time, so a receiver accepts each even 27 hours "later".
    let verifier = Verifier::new(key);
    for request in &got {
        verifier.verify(&request.headers, &request.body).unwrap();
    }
    emu.advance(Duration::from_secs(48 * 3600)).await;
    assert_eq!(receiver.count(), 8);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_timeout_or_no_connection_is_a_failed_attempt_with_code_0() {
    let emu = Emulator::builder()
        .attempt_timeout(Duration::from_millis(200))
        .retry_schedule([])
        .build()
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    receiver.hang();
    let (hanging, _) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let (refused, _) = webhook(
        &emu,
        "http://127.0.0.1:9/nothing",
        &[EventType::CallCompleted],
    )
    .await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    assert_eq!(triggered.deliveries.len(), 2);
    emu.settle(SETTLE).await;
    for (webhook_id, expect) in [(&hanging, "timed out"), (&refused, "no response")] {
        let d = &emu.deliveries(webhook_id).await.unwrap()[0];
        assert_eq!(d.status, Some(DeliveryStatus::Failed), "one attempt only");
        let attempt = &d.attempts[0];
        assert_eq!(attempt.response_status_code, 0);
        assert!(
            attempt.response_body.as_deref().unwrap().contains(expect),
            "{attempt:?}"
        );
        if expect == "timed out" {
            assert!(attempt.response_duration_ms >= 190, "{attempt:?}");
        }
    }
}

#[tokio::test]
async fn disabled_and_filtered_webhooks_receive_nothing() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    let mk = |n: NewWebhook| {
        let emu = &emu;
        async move { emu.create_webhook(n).await.unwrap().webhook.id }
    };
    let all = mk(NewWebhook::new(&url, [EventType::CallCompleted])).await;
    let mine = mk(NewWebhook::new(&url, [EventType::CallCompleted])
        .resource_ids(ResourceIds::phone_numbers(["PNmine"])))
    .await;
    let _other_number = mk(NewWebhook::new(&url, [EventType::CallCompleted])
        .resource_ids(ResourceIds::phone_numbers(["PNother"])))
    .await;
    let _disabled =
        mk(NewWebhook::new(&url, [EventType::CallCompleted]).status(WebhookStatus::Disabled)).await;
    let _other_type = mk(NewWebhook::new(&url, [EventType::CallMissed])).await;
    let contacts = mk(NewWebhook::new(&url, [EventType::ContactUpdated])
        .resource_ids(ResourceIds::phone_numbers(["PNother"])))
    .await;

    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted).phone_number_id("PNmine"))
        .await
        .unwrap();
    let targets: Vec<_> = triggered
        .deliveries
        .iter()
        .map(|d| d.webhook_id.clone())
        .collect();
    assert_eq!(targets, [all.clone(), mine]);
    // Contact events are workspace-wide whatever resourceIds says.
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::ContactUpdated))
        .await
        .unwrap();
    let targets: Vec<_> = triggered
        .deliveries
        .iter()
        .map(|d| d.webhook_id.clone())
        .collect();
    assert_eq!(targets, [contacts]);
    emu.settle(SETTLE).await;
    assert_eq!(receiver.count(), 3);
    // A webhook disabled with deliveries queued sends nothing until enabled again.
    call(
        &emu,
        Method::PATCH,
        &format!("/webhooks/{all}"),
        Some(json!({"status": "disabled"})),
    )
    .await;
    let none = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted).phone_number_id("PNx"))
        .await
        .unwrap();
    assert!(none.deliveries.is_empty());
    emu.settle(SETTLE).await;
    assert_eq!(receiver.count(), 3);
}

#[tokio::test]
async fn events_endpoint_builds_fresh_events_and_refuses_bad_ones() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let (_id, _) = create(&emu, &receiver.url, &["call.completed"]).await;
    let first = trigger(&emu, json!({"type": "call.completed", "phoneNumberId": "PNabc", "data": {"resource": {"duration": 42}}})).await;
    let second = trigger(&emu, json!({"type": "call.completed"})).await;
    assert_ne!(first["event"]["id"], second["event"]["id"]);
    assert_eq!(first["event"]["data"]["context"]["phoneNumberId"], "PNabc");
    assert_eq!(first["event"]["data"]["resource"]["duration"], 42);
    assert!(
        first["deliveries"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("msg_")
    );
    let got = receiver.wait_for(2).await;
    let sent: Vec<_> = got.iter().map(|r| r.json()["id"].clone()).collect();
    assert!(sent.contains(&first["event"]["id"]));
    for (body, path) in [
        (json!({}), "/body/type"),
        (json!({"type": "call.exploded"}), "/body/type"),
        (
            json!({"type": "call.completed", "phoneNumberId": "+1555"}),
            "/body/phoneNumberId",
        ),
        (
            json!({"type": "call.completed", "data": {"resource": {"duration": "long"}}}),
            "/body/data",
        ),
    ] {
        let answer = post_json(&emu, "/emulator/events", body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.body["errors"][0]["path"], path, "{}", answer.text);
    }
}

#[tokio::test]
async fn rotation_signs_with_both_keys_for_the_grace_period() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let (id, old) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let answer = post_json(&emu, &format!("/webhooks/{id}/rotate"), json!({})).await;
    let new: Secret = answer.body["data"]["key"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    emu.trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    Verifier::new(old.clone())
        .verify(&got[0].headers, &got[0].body)
        .expect("old key");
    Verifier::new(new.clone())
        .verify(&got[0].headers, &got[0].body)
        .expect("new key");
    emu.advance(Duration::from_secs(24 * 3600 + 1)).await;
    emu.trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].header("webhook-signature").split(' ').count(), 1);
    Verifier::new(new)
        .verify(&got[1].headers, &got[1].body)
        .expect("new key");
    assert!(
        Verifier::new(old)
            .verify(&got[1].headers, &got[1].body)
            .is_err()
    );
}

#[tokio::test]
async fn manual_retry_answers_202_and_makes_a_manual_attempt_for_any_status() {
    let emu = Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .retry_schedule([])
        .no_jitter()
        .build()
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    receiver.fail_next(1);
    let (id, _) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    let delivery_id = triggered.deliveries[0].id.clone();
    emu.settle(SETTLE).await;
    assert_eq!(
        emu.delivery(&id, &delivery_id).await.unwrap().status,
        Some(DeliveryStatus::Failed)
    );
    let answer = call(
        &emu,
        Method::POST,
        &format!("/webhooks/{id}/events/{delivery_id}/retry"),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(answer.body, json!({}));
    emu.settle(SETTLE).await;
    let d = emu.delivery(&id, &delivery_id).await.unwrap();
    assert_eq!(d.status, Some(DeliveryStatus::Success));
    assert_eq!(d.attempts[0].trigger_type, TriggerType::Manual);
    assert_eq!(d.attempts[1].trigger_type, TriggerType::Scheduled);
    // A successful delivery can be retried too; it stays a success.
    call(
        &emu,
        Method::POST,
        &format!("/webhooks/{id}/events/{delivery_id}/retry"),
        None,
    )
    .await;
    emu.settle(SETTLE).await;
    let d = emu.delivery(&id, &delivery_id).await.unwrap();
    assert_eq!(d.attempts.len(), 3);
    assert_eq!(d.status, Some(DeliveryStatus::Success));
    let got = receiver.wait_for(3).await;
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == delivery_id.as_str())
    );
}

#[tokio::test]
async fn a_dead_endpoint_never_delays_the_others() {
    let emu = Emulator::builder()
        .per_endpoint_concurrency(2)
        .attempt_timeout(Duration::from_secs(30))
        .build()
        .await
        .unwrap();
    let dead = Receiver::start().await;
    dead.hang();
    let live = Receiver::start().await;
    webhook(&emu, &dead.url, &[EventType::CallCompleted]).await;
    webhook(&emu, &live.url, &[EventType::CallMissed]).await;
    for _ in 0..50 {
        emu.trigger(TriggerRequest::new(EventType::CallCompleted))
            .await
            .unwrap();
    }
    dead.wait_for(2).await;
    let started = Instant::now();
    emu.trigger(TriggerRequest::new(EventType::CallMissed))
        .await
        .unwrap();
    live.wait_for(1).await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    // The dead endpoint holds only its own slots.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(dead.count(), 2);
}

#[tokio::test]
async fn the_list_pages_with_a_cursor_and_every_filter() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    let (id, _) = create(
        &emu,
        &receiver.url,
        &["call.completed", "call.missed", "message.received"],
    )
    .await;
    let mut made = Vec::new();
    for i in 0..25 {
        let t = ["call.completed", "call.missed", "message.received"][i % 3];
        let data = trigger(&emu, json!({"type": t})).await;
        made.push(data["deliveries"][0]["id"].as_str().unwrap().to_owned());
    }
    emu.settle(SETTLE).await;
    // Cursor walk: newest first, 10 + 10 + 5, no repeats.
    let mut seen = Vec::new();
    let mut path = format!("/webhooks/{id}/events?limit=10");
    loop {
        let answer = get(&emu, &path).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let page: Page<DeliverySummary> = serde_json::from_value(answer.body.clone()).unwrap();
        seen.extend(page.data.iter().map(|d| d.id.to_string()));
        match page.next_cursor {
            Some(cursor) => path = format!("/webhooks/{id}/events?limit=10&after={cursor}"),
            None => {
                assert_eq!(answer.body["nextCursor"], serde_json::Value::Null);
                break;
            }
        }
    }
    made.reverse();
    assert_eq!(seen, made);
    // Default page size 10.
    let page: Page<DeliverySummary> =
        serde_json::from_value(get(&emu, &format!("/webhooks/{id}/events")).await.body).unwrap();
    assert_eq!(page.data.len(), 10);
    let count = |query: String| {
        let emu = &emu;
        let id = id.clone();
        async move {
            let answer = get(emu, &format!("/webhooks/{id}/events?limit=50&{query}")).await;
            assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.text);
            answer.body["data"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("status=success".into()).await, 25);
    assert_eq!(count("status=failed".into()).await, 0);
    assert_eq!(count("status=pending".into()).await, 0);
    assert_eq!(count("eventTypes=call.missed".into()).await, 8);
    assert_eq!(
        count("eventTypes=call.missed&eventTypes=call.completed".into()).await,
        17
    );
    assert_eq!(
        count("eventTypes=call.missed,message.received".into()).await,
        16
    );
    assert_eq!(count("eventType=message.received".into()).await, 8);
    assert_eq!(
        count("eventType%5Bin%5D=call.missed,message.received".into()).await,
        16
    );
    let far_past = "2000-01-01T00:00:00Z";
    let far_future = "2100-01-01T00:00:00Z";
    assert_eq!(count(format!("createdAfter={far_past}")).await, 25);
    assert_eq!(count(format!("createdBefore={far_past}")).await, 0);
    assert_eq!(
        count(format!(
            "createdBefore={far_future}&createdAfter={far_past}"
        ))
        .await,
        25
    );
    assert_eq!(count(format!("createdAt%5Bgt%5D={far_future}")).await, 0);
    assert_eq!(count(format!("createdAt%5Blt%5D={far_future}")).await, 25);
    // A later delivery is after an instant between the two.
    emu.advance(Duration::from_secs(10)).await;
    let between = quo_api::model::time::format(emu.now());
    emu.advance(Duration::from_secs(10)).await;
    trigger(&emu, json!({"type": "call.missed"})).await;
    assert_eq!(count(format!("createdAfter={between}")).await, 1);
    assert_eq!(count(format!("createdBefore={between}")).await, 25);
    // A cursor of another webhook is refused.
    let (other, _) = create(&emu, &receiver.url, &["call.missed"]).await;
    let cursor = serde_json::from_value::<Page<DeliverySummary>>(
        get(&emu, &format!("/webhooks/{id}/events?limit=1"))
            .await
            .body,
    )
    .unwrap()
    .next_cursor
    .unwrap();
    let answer = get(&emu, &format!("/webhooks/{other}/events?after={cursor}")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_restart_on_the_same_file_loses_nothing_and_resumes_retries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emulator.sqlite");
    let path = path.to_str().unwrap();
    let receiver = Receiver::start().await;
    receiver.fail_next(1);
    let build = || {
        Emulator::builder()
            .db(path)
            .api_key("test-key")
            .rate_limit(0)
            .retry_schedule([Duration::from_secs(3600)])
            .no_jitter()
    };
    let emu = build().build().await.unwrap();
    let (id, key) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    emu.settle(SETTLE).await;
    let before = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(before.status, Some(DeliveryStatus::Sending));
    emu.shutdown().await;

    let emu = build().build().await.unwrap();
    let answer = get(&emu, &format!("/webhooks/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let after = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(after, before);
    emu.advance(Duration::from_secs(3600)).await;
    let got = receiver.wait_for(2).await;
    Verifier::new(key)
        .verify(&got[1].headers, &got[1].body)
        .expect("the stored key signs");
    let after = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(after.status, Some(DeliveryStatus::Success));
    assert_eq!(after.attempts.len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn fault_injection_duplicates_replays_and_skews_without_changing_the_record() {
    let mut faults = quo_emulator::Faults::default();
    faults.duplicate = true;
    faults.replay_old = Some(Duration::from_secs(600));
    faults.clock_skew_secs = -30;
    let emu = Emulator::builder().faults(faults).build().await.unwrap();
    let receiver = Receiver::start().await;
    let (id, _) = webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let triggered = emu
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap();
    let got = receiver.wait_for(3).await;
    let delivery_id = triggered.deliveries[0].id.as_str();
    assert!(got.iter().all(|r| r.header("webhook-id") == delivery_id));
    let mut stamps: Vec<i64> = got
        .iter()
        .map(|r| r.header("webhook-timestamp").parse().unwrap())
        .collect();
    stamps.sort_unstable();
    let now = jiff::Timestamp::now().as_second();
    // Two identical concurrent sends, skewed 30 s back, and one replay 10 minutes older.
    assert_eq!(stamps[1], stamps[2]);
    assert!((now - 30 - stamps[1]).abs() <= 2, "{stamps:?}");
    assert_eq!(stamps[1] - stamps[0], 600);
    emu.settle(SETTLE).await;
    let d = emu
        .delivery(&id, &triggered.deliveries[0].id)
        .await
        .unwrap();
    assert_eq!(d.attempts.len(), 1, "only the first send is recorded");
}

#[tokio::test]
async fn fault_reorder_spreads_first_attempts() {
    let mut faults = quo_emulator::Faults::default();
    faults.reorder_window = Some(Duration::from_millis(300));
    let emu = Emulator::builder().faults(faults).build().await.unwrap();
    let receiver = Receiver::start().await;
    webhook(&emu, &receiver.url, &[EventType::CallCompleted]).await;
    let mut sent = Vec::new();
    for _ in 0..20 {
        let t = emu
            .trigger(TriggerRequest::new(EventType::CallCompleted))
            .await
            .unwrap();
        sent.push(t.event.id);
    }
    let got = receiver.wait_for(20).await;
    let arrived: Vec<String> = got
        .iter()
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_ne!(
        arrived, sent,
        "20 deliveries held up to 300 ms each arrive out of order"
    );
}
