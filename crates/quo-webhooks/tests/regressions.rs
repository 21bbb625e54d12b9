//! Inputs the `quo_payload` fuzz target found, kept as regression tests.
//!
//! Each one is a legacy delivery whose normalised form had a different correlation key: the
//! legacy event had none (no `data.object`), and `normalize` copied the payload's stray
//! `data.resource` into the new event, whose key is built on `data.resource.id`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use quo_webhooks::correlation::{CorrelationRules, DedupeRule};
use quo_webhooks::parity::{Observation, ParityChecker};
use quo_webhooks::{AnyEvent, Event, EventType, parse_any};
use serde_json::{Value, json};

/// `crash-2bb191ba7428890d7d2b72cfe333f10341a91f34`: duplicate envelope keys (the last one
/// wins), `object: "event"` makes it legacy, the type `message.deli:vered` is unknown, and
/// `data` has a new-format `resource` but no `object`.
const CRASH_2BB191BA: &str = r#"{
  "id": "EV23b629ac050e796bb5a54ce7701dc56e",
  "object": "event",
  "apiVdrsion": "v4",
  "ctypereatedAt": "2026-04-14T15:02:11.530Z",
  "type": "e263524da77130fa81ecdffaa5c11b45",
  "apiVersion": "2026-03-30",
  "createdAt": "2026-04-14T15:04:37.910Z",
  "type": "message.deli:vered",
  "data": {
    "resource": {
      "id": "AC9f079e638c47cf1a438042faa6adf63b",
      "directiooneNumberId": "PNu7Kx2bQa",
      "conversationId": "CN2ba26a70ebe3b664fca3a53c0b6c63a0",
      "userId": "USr4Nq8TzW",
      "contacts": {
        "ids": [
          "CTe2c41d09bd470b48a339ff"
        ],
        "lookupStatus": "matched"
      },
      "senderIdentifier": "+14155550123",
      "recipientIdentifiers": [
        "+16505550187"
      ]
    },
    "links": {
      "quo": "https://my.quo.com/inbox/PNu7Kx2bQa/c/CN2ba26a70ebe3b664>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>fca3a53c0b6c63a0?at=AC9f079e638c47cf1a438042faa6adf66c63a0?at=ACa8de58069cddea8555e026-04-14T15:02e3b664fca3a53c0b6c63a0",
      "contactIds": [
        "CTe2c41d09bd470b48a339ff"
      ]
    },
    "deepLink": "https://my.quo.com/inbox/PNu7Kx2bQa/c/CN2ba26a70ebe3b664fca3a53c0b6c63a0?at=ACa8de58069c6027c9162c4f0"
  }
}
"#;

/// `crash-6028c525f03d60db429fbb54568c635e8c6a8455`: a legacy transcript whose repeated
/// `type` and `data` keys turn it into an unknown type (`call.traescript.completed`) with a
/// `data.resource` and no `data.object`.
const CRASH_6028C525: &str = r#"{
  "id": "EV9eb709ebdddba266ff91cb6706e29e7d0b3fa4",
  "object": "event",
  "apiVersion": "v4",
  "createdAt": "2026-04[14T16:14:58.010Z",
  "type": "callTranscript",
  "data": {
    "object": {
      "object": "callTrans!ript",
      "callId": "AC5d7963c4f471e142f5a72214a9666fb1",
      "createdAt": "2026-04-14T16:14:57.611Z",
      "dialogue": [
        {
          "start": 0,
          "end": 3.48,
          "content": "Bayview Dental, this is Sam speaking.",
          "identifier": "+14155550123",
          "userId": "USr4Nq8TzW"
},
        {
          "start": 14.4,
          "end": 21.75,
          "content": "I switched to a Delta Dentl plan last month and wanted to check it's covered.",
          "identifier": "+16505550187"
        }
      ],
      "duration": 214,
      "status": "completed"
 }  },
    "deepLink": "https://my.quo.com/inbox/PNu7Kx2bQa/c/CN2ba26a70ebe3b664fca3a53c0b6c63a0?at=AC5 switched t16db2a3f",
  "apiVersion": "2026-03-30",
  "createdAt": "2026-04-14T16:14:58.002Z",
  "type": "call.traescript.completed",
  "data": {
    "resource": {
      "calLId": "AC5d7887c4f471e142f5a72214a9666fb1",
      "statty": "completed",
      "duration": 214,
              "id": "ICa8de58069cddea8555%6021.482Z",
      "userId": "USrRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR4Nq8TzW",
      "phone.umberId": "PNu3Kx2bQa",
       "%o/ntent": "Bayview Dentupdar a cleaning. WhcreatedAtat can I help with?",
          "identifier": "+14b6c63a0?at=AC5d769344fc71e1conver42f5a72214a9666fb1"
    }
  }
}
"#;

/// `crash-c5efe6a68ce4e33783683a4dab02ee4d5f82d139`: a v3 envelope (the last `apiVersion`
/// wins) of the unknown type `=essage.delivered`, with a `data.resource` and no `data.object`.
const CRASH_C5EFE6A6: &str = r#"{
  "id": "EVe263524da77130fa81ecdffaa5c11b45",
  "apiVerapiVsion": "2027-e8bed4ba7",
  "object": "event",
  "apiVersion": "v3",
  "createdAt": "2026-04-14T14:41:09.388-0330",
  "createdAt": "2026-04-14T15:04:37.910Z",
  "type": "=essage.delivered",
  "data": {
    "resource": {
      "id": "AC9f079e638c47cf1a438042faa6adf63b",
      "direction": "outgoi:g",
      "etxt": "Yes, see you tomorrow at spm. Thanks for sending the card!",
      "media": [],
      "status": "N2ba26a70ebe3b664fca3a53c0b6c63a0",
      "userId": "USr4Nq8TzW",
      "contacts": {
        "ids": [
          "CTe2c41d09bd470b48a339ff"
        ],
        "lookupStatus": "matched"
      },
      "senderIdentifier": "+14155550123",
      "recipientIdentifiers": [
        "+16505550187"
      ]
    },
    "links": {
      "quo": "https://my.quo.coi/mnboxecdffaa5c11b45",
  "apiVersion": "2027-03-30",
  "createdAt": "2026-04-1a/c/CN2ba26a70ebe3b66079e638c47cf1a438042faa6adf63b"
    }
  }
}
"#;

/// `normalize-adds-correlation-key.json`: the smallest form, an empty (unknown) type.
const NORMALIZE_ADDS_CORRELATION_KEY: &str = r#"{ "id": "5", "object":"event", "type":"",  "data":{"resource": {"id":"f"
}}
}"#;

/// What the fuzz target checks of an accepted body: it writes back as read, normalising keeps
/// the correlation key, and the normalised event is a new-format event that round-trips.
fn assert_normalising_keeps_the_key(body: &[u8]) -> (Option<quo_webhooks::CorrelationKey>, Event) {
    let any = parse_any(body).unwrap();
    let read: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(serde_json::to_value(&any).unwrap(), read);

    let key = any.correlation_key();
    let was_legacy = any.is_legacy();
    let event = any.into_event();
    assert_eq!(
        event.correlation_key(),
        key,
        "normalising changed the key (legacy: {was_legacy})"
    );

    let written = serde_json::to_value(&event).unwrap();
    let again: Event = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(again, event);
    assert_eq!(again.correlation_key(), key);
    let any = parse_any(&serde_json::to_vec(&written).unwrap()).unwrap();
    assert!(matches!(any, AnyEvent::New(_)), "{written}");
    (key, event)
}

#[test]
fn crash_2bb191ba_unknown_type_with_a_stray_resource() {
    let any = parse_any(CRASH_2BB191BA.as_bytes()).unwrap();
    assert!(any.is_legacy());
    assert_eq!(
        any.event_type(),
        EventType::Unknown("message.deli:vered".into())
    );
    let (key, event) = assert_normalising_keeps_the_key(CRASH_2BB191BA.as_bytes());
    assert_eq!(key, None);
    // The legacy payload's `data.resource` does not become the new event's resource.
    assert_eq!(event.resource_id(), None);
    assert_eq!(
        serde_json::to_value(&event.data).unwrap().get("resource"),
        None
    );
    // Its deep link is the legacy `deepLink`, not the stray `data.links`.
    assert_eq!(
        event.deep_link(),
        Some(
            "https://my.quo.com/inbox/PNu7Kx2bQa/c/CN2ba26a70ebe3b664fca3a53c0b6c63a0?at=ACa8de58069c6027c9162c4f0"
        )
    );
}

#[test]
fn crash_6028c525_repeated_keys_make_an_unknown_type_with_a_stray_resource() {
    let any = parse_any(CRASH_6028C525.as_bytes()).unwrap();
    assert!(any.is_legacy());
    assert_eq!(
        any.event_type(),
        EventType::Unknown("call.traescript.completed".into())
    );
    let (key, event) = assert_normalising_keeps_the_key(CRASH_6028C525.as_bytes());
    assert_eq!(key, None);
    assert_eq!(event.resource_id(), None);
}

#[test]
fn crash_c5efe6a6_v3_unknown_type_with_a_stray_resource() {
    let any = parse_any(CRASH_C5EFE6A6.as_bytes()).unwrap();
    assert!(any.is_legacy());
    assert_eq!(
        any.event_type(),
        EventType::Unknown("=essage.delivered".into())
    );
    let (key, event) = assert_normalising_keeps_the_key(CRASH_C5EFE6A6.as_bytes());
    assert_eq!(key, None);
    assert_eq!(event.resource_id(), None);
    assert_eq!(event.deep_link(), None);
}

#[test]
fn normalize_adds_correlation_key() {
    let (key, event) = assert_normalising_keeps_the_key(NORMALIZE_ADDS_CORRELATION_KEY.as_bytes());
    assert_eq!(key, None);
    assert_eq!(
        serde_json::to_value(&event.data).unwrap(),
        json!({ "links": { "quo": null } })
    );
}

/// The same class of input, in every form: a stray `data.resource` next to a missing, `null`
/// or present `data.object`, for unknown and known types.
#[test]
fn a_legacy_data_resource_never_becomes_the_subject() {
    let types = [
        "",
        "call.sentiment",
        "message.deli:vered",
        "message.delivered",
        "call.recording.completed",
        "callTranscript",
        "contact.updated",
    ];
    let objects = [
        None,
        Some(Value::Null),
        Some(json!({})),
        Some(json!({ "id": null })),
        Some(json!({ "id": "AC1", "callId": "AC2", "updatedAt": "2026-04-14T15:30:43.987Z" })),
    ];
    for event_type in types {
        for object in &objects {
            for marker in [json!({ "object": "event" }), json!({ "apiVersion": "v4" })] {
                let mut data = json!({
                    "resource": { "id": "f", "callId": "g", "updatedAt": "2026-04-14T15:30:43.987Z" },
                    "links": { "quo": "https://stray" },
                    "deepLink": "https://q",
                    "zzz": 1,
                });
                if let Some(object) = object {
                    data["object"] = object.clone();
                }
                let mut body = json!({ "id": "EV1", "type": event_type, "data": data });
                body.as_object_mut()
                    .unwrap()
                    .extend(marker.as_object().unwrap().clone());
                let bytes = serde_json::to_vec(&body).unwrap();
                let (key, event) = assert_normalising_keeps_the_key(&bytes);
                assert_ne!(
                    key.as_ref().map(quo_webhooks::CorrelationKey::subject),
                    Some("f"),
                    "{body}"
                );
                assert_ne!(event.resource_id(), Some("f"), "{body}");
                assert_eq!(event.deep_link(), Some("https://q"), "{body}");
                // Other unmodelled `data` fields of an unknown type are still carried over.
                if !event.event_type.is_known() {
                    let data = serde_json::to_value(&event.data).unwrap();
                    assert_eq!(data["zzz"], json!(1), "{body}");
                }
            }
        }
    }
}

/// Unknown types keep a key when the legacy event has a subject: `data.object.id`, the new
/// event's `data.resource.id`. The parity checker pairs the two deliveries on it, and a rule
/// given by name dedupes on it, the same before and after normalising.
#[test]
fn unknown_types_correlate_on_the_legacy_object() {
    let legacy = parse_any(
        br#"{"id":"EVl","object":"event","apiVersion":"v3","type":"call.sentiment.completed",
            "data":{"object":{"id":"AC1","score":2,"updatedAt":"2026-04-14T15:30:43.987Z"},
                    "resource":{"id":"XX9"}}}"#,
    )
    .unwrap();
    let new = parse_any(
        br#"{"id":"EVn","apiVersion":"2026-03-30","type":"call.sentiment.completed",
            "data":{"resource":{"id":"AC1","score":2,"updatedAt":"2026-04-14T17:30:43.987+02:00"},
                    "links":{"quo":null}}}"#,
    )
    .unwrap();
    let key = legacy.correlation_key().unwrap();
    assert_eq!(key.to_string(), "call.sentiment.completed:AC1");
    assert_eq!(key.version(), None);
    assert_eq!(new.correlation_key(), Some(key.clone()));
    let normalized = AnyEvent::New(legacy.clone().into_event());
    assert_eq!(normalized.correlation_key(), Some(key));

    // Deduplicated per delivery by default; on the key with a rule given by name.
    let sentiment = EventType::Unknown("call.sentiment.completed".into());
    assert_eq!(CorrelationRules::new().correlate(&legacy), None);
    for rule in [DedupeRule::Once, DedupeRule::Versioned] {
        let rules = CorrelationRules::new().with_rule(sentiment.clone(), rule);
        let key = rules.correlate(&legacy);
        assert!(key.is_some(), "{rule:?}");
        assert_eq!(rules.correlate(&normalized), key, "{rule:?}");
        assert_eq!(rules.correlate(&new), key, "{rule:?}");
    }

    let checker = ParityChecker::new();
    assert!(matches!(checker.observe(&legacy), Observation::Waiting));
    assert!(matches!(checker.observe(&new), Observation::Paired(_)));
}

/// A legacy delivery without a subject cannot pair with a new delivery that has one.
#[test]
fn a_stray_resource_does_not_pair_with_a_new_delivery() {
    let checker = ParityChecker::new();
    let legacy = parse_any(NORMALIZE_ADDS_CORRELATION_KEY.as_bytes()).unwrap();
    let new = parse_any(
        br#"{"id":"EVn","apiVersion":"2026-03-30","type":"","data":{"resource":{"id":"f"}}}"#,
    )
    .unwrap();
    assert!(matches!(
        checker.observe(&legacy),
        Observation::Uncorrelated
    ));
    assert!(matches!(checker.observe(&new), Observation::Waiting));
}
