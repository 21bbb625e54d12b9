//! Correlation and dedupe keys: both deliveries of one business event share a key, retries
//! share it, different business events never do.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::collections::BTreeSet;

use quo_webhooks::correlation::{CorrelationRules, DedupeKey, DedupeRule};
use quo_webhooks::{AnyEvent, EventType, parse_any, samples};
use serde_json::{Value, json};

const WEBHOOK_ID: &str = "msg_2b7JsQqXzKpVw1";

fn new_event(event_id: &str, event_type: &str, resource: Value) -> AnyEvent {
    AnyEvent::from_value(json!({
        "id": event_id, "apiVersion": "2026-03-30", "createdAt": "2026-04-14T15:30:44.210Z",
        "type": event_type,
        "data": { "resource": resource, "context": {}, "links": { "quo": null } }
    }))
    .unwrap()
}

fn legacy_event(event_id: &str, event_type: &str, object: Value) -> AnyEvent {
    AnyEvent::from_value(json!({
        "id": event_id, "object": "event", "apiVersion": "v3",
        "createdAt": "2026-04-14T15:30:44.215Z", "type": event_type,
        "data": { "object": object }
    }))
    .unwrap()
}

fn key(event: &AnyEvent, delivery_id: Option<&str>) -> DedupeKey {
    CorrelationRules::new()
        .dedupe_key(event, delivery_id)
        .unwrap()
}

/// One business event of every type that correlates across systems: (new type, legacy type,
/// new resource, legacy object).
fn pairs() -> Vec<(&'static str, &'static str, Value, Value)> {
    let at = "2026-04-14T15:30:43.987Z";
    // The same instant, written as the other system might.
    let at_other = "2026-04-14T17:30:43.987000+02:00";
    vec![
        (
            "message.received",
            "message.received",
            json!({ "id": "AC1", "text": "hi" }),
            json!({ "id": "AC1", "object": "message", "body": "hi" }),
        ),
        (
            "message.delivered",
            "message.delivered",
            json!({ "id": "AC2", "status": "delivered", "updatedAt": at }),
            json!({ "id": "AC2", "object": "message", "status": "delivered", "updatedAt": at_other }),
        ),
        (
            "message.failed",
            "message.failed",
            json!({ "id": "AC3", "status": "failed", "updatedAt": at }),
            json!({ "id": "AC3", "object": "message", "status": "failed", "updatedAt": at }),
        ),
        (
            "call.ringing",
            "call.ringing",
            json!({ "id": "AC4", "status": "ringing" }),
            json!({ "id": "AC4", "object": "call", "status": "ringing" }),
        ),
        (
            "call.answered",
            "call.answered",
            json!({ "id": "AC4", "status": "in-progress", "updatedAt": at }),
            json!({ "id": "AC4", "object": "call", "status": "in-progress", "updatedAt": at }),
        ),
        (
            "call.completed",
            "call.completed",
            json!({ "id": "AC4", "status": "completed" }),
            json!({ "id": "AC4", "object": "call", "status": "completed" }),
        ),
        (
            "call.forwarded",
            "call.forwarded",
            json!({ "id": "AC5", "status": "forwarded", "updatedAt": at }),
            json!({ "id": "AC5", "object": "call", "updatedAt": at_other }),
        ),
        (
            "call.missed",
            "call.missed",
            json!({ "id": "AC6", "status": "missed" }),
            json!({ "id": "AC6", "object": "call", "status": "missed" }),
        ),
        (
            "call.summary.completed",
            "callSummary",
            json!({ "callId": "AC4", "summary": ["a"] }),
            json!({ "object": "callSummary", "callId": "AC4", "summary": ["a"] }),
        ),
        (
            "call.transcript.completed",
            "callTranscript",
            json!({ "callId": "AC4", "dialogue": [] }),
            json!({ "object": "callTranscript", "callId": "AC4", "dialogue": [] }),
        ),
        (
            "call.voicemail.completed",
            "call.voicemail.completed",
            json!({ "id": "AC6", "voicemailId": "VM1", "callId": "AC6" }),
            json!({ "id": "AC6", "object": "call" }),
        ),
        (
            "contact.updated",
            "contact.updated",
            json!({ "id": "CT1", "firstName": "Dana", "updatedAt": at }),
            json!({ "id": "CT1", "object": "contact", "firstName": "Dana", "updatedAt": at }),
        ),
        (
            "contact.deleted",
            "contact.deleted",
            json!({ "id": "CT1" }),
            json!({ "id": "CT1", "object": "contact" }),
        ),
    ]
}

#[test]
fn legacy_and_new_delivery_of_one_event_share_a_key_for_every_correlated_type() {
    let pairs = pairs();
    assert_eq!(pairs.len(), 13, "every type but recordings correlates");
    let mut keys = BTreeSet::new();
    for (new_type, legacy_type, resource, object) in pairs {
        let new = new_event("EVnew", new_type, resource);
        let legacy = legacy_event("EVlegacy", legacy_type, object);
        let (a, b) = (key(&new, Some(WEBHOOK_ID)), key(&legacy, None));
        assert_eq!(a, b, "{new_type}");
        assert!(matches!(a, DedupeKey::Event(_)), "{new_type}: {a}");
        // The best-effort key (the one parity pairs on) agrees.
        assert_eq!(
            new.correlation_key(),
            legacy.correlation_key(),
            "{new_type}"
        );
        keys.insert(a.to_string());
    }
    // ... and no two of these business events share one.
    assert_eq!(keys.len(), 13, "{keys:#?}");
}

#[test]
fn shipped_legacy_samples_share_keys_with_their_new_twins() {
    let cases = [
        (
            samples::LEGACY_V4_MESSAGE_RECEIVED,
            EventType::MessageReceived,
        ),
        (
            samples::LEGACY_CALL_SUMMARY,
            EventType::CallSummaryCompleted,
        ),
        (
            samples::LEGACY_CALL_TRANSCRIPT,
            EventType::CallTranscriptCompleted,
        ),
    ];
    for (legacy, event_type) in cases {
        let legacy = parse_any(legacy.as_bytes()).unwrap();
        let new = parse_any(samples::get(&event_type).unwrap().as_bytes()).unwrap();
        assert_eq!(
            key(&legacy, None),
            key(&new, Some(WEBHOOK_ID)),
            "{event_type}"
        );
    }
}

#[test]
fn retries_of_one_delivery_share_a_key_whatever_the_rule() {
    let events = [
        new_event("EV1", "message.received", json!({ "id": "AC1" })),
        new_event("EV2", "message.delivered", json!({ "id": "AC1" })),
        new_event(
            "EV3",
            "call.recording.completed",
            json!({ "id": "RC1", "callId": "AC1" }),
        ),
        new_event("EV4", "call.sentiment.completed", json!({ "id": "AC1" })),
        legacy_event("EV5", "message.delivered", json!({ "id": "AC1" })),
        legacy_event("EV6", "call.sentiment.completed", json!({ "id": "AC1" })),
    ];
    for event in &events {
        let body = serde_json::to_vec(event).unwrap();
        let delivery_id = (!event.is_legacy()).then_some(WEBHOOK_ID);
        let rules = CorrelationRules::new();
        let first = rules.dedupe_key_for_body(&body, delivery_id).unwrap();
        let retry = rules.dedupe_key_for_body(&body, delivery_id).unwrap();
        assert_eq!(first, retry);
        assert_eq!(first, key(event, delivery_id));
    }
}

#[test]
fn successive_updates_of_one_contact_get_distinct_keys() {
    let update = |at: &str, legacy: bool| {
        if legacy {
            legacy_event(
                "EVl",
                "contact.updated",
                json!({ "id": "CT1", "updatedAt": at }),
            )
        } else {
            new_event(
                "EVn",
                "contact.updated",
                json!({ "id": "CT1", "updatedAt": at }),
            )
        }
    };
    let first = "2026-04-14T15:30:43.987Z";
    let second = "2026-04-14T15:30:44.001Z";
    assert_eq!(
        key(&update(first, false), Some("msg_a")),
        key(&update(first, true), None)
    );
    assert_eq!(
        key(&update(second, false), Some("msg_b")),
        key(&update(second, true), None)
    );
    assert_ne!(
        key(&update(first, false), Some("msg_a")),
        key(&update(second, false), Some("msg_b"))
    );
    assert_eq!(
        key(&update(first, false), None).to_string(),
        "event:contact.updated:CT1@1776180643987"
    );
}

#[test]
fn two_status_changes_of_one_message_get_distinct_keys() {
    for event_type in [
        "message.delivered",
        "message.failed",
        "call.answered",
        "call.forwarded",
    ] {
        let a = new_event(
            "EV1",
            event_type,
            json!({ "id": "AC1", "updatedAt": "2026-04-14T15:00:00Z" }),
        );
        let b = new_event(
            "EV2",
            event_type,
            json!({ "id": "AC1", "updatedAt": "2026-04-14T15:05:00Z" }),
        );
        assert_ne!(
            key(&a, Some("msg_a")),
            key(&b, Some("msg_b")),
            "{event_type}"
        );
    }
}

#[test]
fn recurring_types_without_a_readable_updated_at_are_deduplicated_per_delivery() {
    for event_type in [
        "message.delivered",
        "message.failed",
        "call.answered",
        "call.forwarded",
        "contact.updated",
    ] {
        for updated_at in [
            Value::Null,
            json!("yesterday"),
            json!(1_776_180_643_987_i64),
        ] {
            let mut resource = json!({ "id": "AC1" });
            if !updated_at.is_null() {
                resource["updatedAt"] = updated_at.clone();
            }
            let Ok(new) = AnyEvent::from_value(json!({ "id": "EVn", "type": event_type,
                "data": { "resource": resource } }))
            else {
                // A number where a typed `updatedAt` belongs is not a valid event at all.
                assert!(updated_at.is_number());
                continue;
            };
            let legacy = legacy_event("EVl", event_type, json!({ "id": "AC1" }));
            let (a, b) = (key(&new, Some(WEBHOOK_ID)), key(&legacy, None));
            assert_eq!(
                a,
                DedupeKey::Delivery(WEBHOOK_ID.into()),
                "{event_type} {updated_at}"
            );
            assert_eq!(b, DedupeKey::Delivery("EVl".into()), "{event_type}");
        }
    }
}

#[test]
fn recordings_are_deduplicated_per_delivery() {
    // Two recordings of one call (the resource is the call): they must not share a key.
    let a = new_event(
        "EV1",
        "call.recording.completed",
        json!({ "id": "AC1", "recordings": [{ "id": "RC1", "duration": 12.5 }] }),
    );
    let b = new_event(
        "EV2",
        "call.recording.completed",
        json!({ "id": "AC1", "recordings": [{ "id": "RC2", "duration": 30 }] }),
    );
    assert_eq!(key(&a, Some("msg_a")), DedupeKey::Delivery("msg_a".into()));
    assert_ne!(key(&a, Some("msg_a")), key(&b, Some("msg_b")));
    // The legacy delivery (the call itself) is keyed on its own event id.
    let legacy = legacy_event(
        "EVl",
        "call.recording.completed",
        json!({ "id": "AC1", "object": "call" }),
    );
    assert_eq!(key(&legacy, None), DedupeKey::Delivery("EVl".into()));
    // The parity checker still pairs them on the call.
    assert_eq!(legacy.correlation_key(), a.correlation_key());
}

#[test]
fn unknown_types_fall_back_to_the_delivery_id() {
    let new = new_event("EVn", "call.sentiment.completed", json!({ "id": "AC1" }));
    assert_eq!(
        key(&new, Some(WEBHOOK_ID)),
        DedupeKey::Delivery(WEBHOOK_ID.into())
    );
    // Without a webhook-id (no verification layer, or a legacy delivery): the event id.
    assert_eq!(key(&new, None), DedupeKey::Delivery("EVn".into()));
    let legacy = legacy_event("EVl", "call.sentiment.completed", json!({ "id": "AC1" }));
    assert_eq!(key(&legacy, None).to_string(), "delivery:EVl");
}

#[test]
fn every_shipped_sample_is_its_own_business_event() {
    // New samples, each delivered with its own webhook-id, and the legacy ones: only the
    // four legacy samples whose twin ships too share a key.
    let mut keys = Vec::new();
    let jsons = samples::all()
        .map(|(_, json)| json)
        .chain(samples::legacy().map(|(_, json)| json));
    for (i, json) in jsons.enumerate() {
        let event = parse_any(json.as_bytes()).unwrap();
        let delivery_id = format!("msg_{i}");
        let delivery_id = (!event.is_legacy()).then_some(delivery_id.as_str());
        keys.push(key(&event, delivery_id).to_string());
    }
    let distinct: BTreeSet<_> = keys.iter().collect();
    assert_eq!(keys.len() - distinct.len(), 4, "{keys:#?}");
}

#[test]
fn rules_can_be_changed_per_type() {
    let delivered = |id: &str| new_event(id, "message.delivered", json!({ "id": "AC1" }));
    let legacy = legacy_event("EVl", "message.delivered", json!({ "id": "AC1" }));
    let rules = CorrelationRules::new().with_rule(EventType::MessageDelivered, DedupeRule::Once);
    assert_eq!(
        rules.dedupe_key(&delivered("EVn"), Some(WEBHOOK_ID)),
        rules.dedupe_key(&legacy, None)
    );
    let rules =
        CorrelationRules::new().with_rule(EventType::MessageReceived, DedupeRule::PerDelivery);
    let received = new_event("EVn", "message.received", json!({ "id": "AC1" }));
    assert_eq!(
        rules.dedupe_key(&received, Some(WEBHOOK_ID)),
        Some(DedupeKey::Delivery(WEBHOOK_ID.into()))
    );
    // An unknown type can be given a rule by name.
    let sentiment = EventType::Unknown("call.sentiment.completed".into());
    let rules = CorrelationRules::new().with_rule(sentiment, DedupeRule::Once);
    let event = new_event("EVn", "call.sentiment.completed", json!({ "id": "AC1" }));
    assert_eq!(
        rules
            .dedupe_key(&event, Some(WEBHOOK_ID))
            .unwrap()
            .to_string(),
        "event:call.sentiment.completed:AC1"
    );
}

#[test]
fn bodies_that_are_not_events_are_keyed_on_the_delivery() {
    let rules = CorrelationRules::new();
    assert_eq!(
        rules.dedupe_key_for_body(b"not json", Some("msg_1")),
        Some(DedupeKey::Delivery("msg_1".into()))
    );
    assert_eq!(
        rules.dedupe_key_for_body(br#"{"id":"EV1"}"#, None),
        Some(DedupeKey::Delivery("EV1".into()))
    );
    assert_eq!(rules.dedupe_key_for_body(b"[1]", None), None);
    assert_eq!(rules.dedupe_key_for_body(br#"{"id":""}"#, None), None);
    let long = "x".repeat(257);
    assert_eq!(rules.dedupe_key_for_body(b"{}", Some(&long)), None);
    // An implausibly long subject is not correlated; the delivery id still works.
    let event = new_event("EV1", "message.received", json!({ "id": long }));
    assert_eq!(
        key(&event, Some("msg_1")),
        DedupeKey::Delivery("msg_1".into())
    );
}
