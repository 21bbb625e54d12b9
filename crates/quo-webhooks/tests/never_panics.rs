//! Property tests: no input makes `parse_any` or `normalize` panic, whatever is accepted
//! writes back as it was read, and normalising a legacy event keeps its correlation key.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use proptest::prelude::*;
use quo_webhooks::correlation::{CorrelationRules, DedupeRule};
use quo_webhooks::{AnyEvent, Event, EventType, parse_any};
use serde_json::{Map, Value};

/// Keys the payload types know, so that generated objects reach the typed code paths.
const KEYS: &[&str] = &[
    "id",
    "type",
    "apiVersion",
    "createdAt",
    "object",
    "data",
    "resource",
    "context",
    "links",
    "quo",
    "deepLink",
    "text",
    "body",
    "from",
    "to",
    "direction",
    "status",
    "media",
    "url",
    "contactIds",
    "contacts",
    "ids",
    "lookupStatus",
    "senderIdentifier",
    "recipientIdentifiers",
    "phoneNumberId",
    "userId",
    "conversationId",
    "callId",
    "duration",
    "hasVoicemail",
    "voicemail",
    "dialogue",
    "start",
    "end",
    "content",
    "summary",
    "nextSteps",
    "participants",
    "answeredBy",
    "errorCode",
    "updatedAt",
    "firstName",
    "emails",
    "value",
    "orgId",
    "phoneNumberType",
    "workspace",
    "external",
    "resolution",
    "recordings",
    "startTime",
    "processingStatus",
    "jobs",
    "result",
    "fromPhoneNumber",
    "handledByAiAgent",
    "answeredByUserId",
    "voicemailId",
    "recordingUrl",
    "customFields",
    "key",
    "sharedWithIds",
    "location",
    "phoneNumbers",
    "actorId",
    "activityId",
    "updatedFields",
    "isUpdated",
    "updatedValue",
    "assignedTo",
    "dueDate",
    "phoneMenuSelection",
    "zzz",
];

/// String values with meaning somewhere in the crate.
const WORDS: &[&str] = &[
    "event",
    "v2",
    "v3",
    "v4",
    "v",
    "2026-03-30",
    "incoming",
    "outgoing",
    "matched",
    "none",
    "message.received",
    "message.failed",
    "call.completed",
    "call.recording.completed",
    "call.summary.completed",
    "call.transcript.completed",
    "call.voicemail.completed",
    "contact.deleted",
    "contact.updated",
    "message.delivered",
    "call.answered",
    "2026-04-14T15:30:43.987Z",
    "2026-04-14T17:30:43+02:00",
    "callSummary",
    "callTranscript",
    "x.y",
    "message.undelivered",
    "call.menu.selected",
    "task.created",
    "task.updated",
    "task.duedate.updated",
    "integration.hubspot.synced",
    "available",
    "shared",
    "in-progress",
    "multi-select",
    "ai-handled",
    "+1555,+1666",
    "",
    "AC1",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
        proptest::sample::select(WORDS).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(KEYS), inner), 0..6).prop_map(
                |entries| {
                    Value::Object(
                        entries
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

/// An envelope of either format around arbitrary data, to get past the envelope checks often.
fn envelope() -> impl Strategy<Value = Value> {
    let type_names = proptest::sample::select(WORDS);
    let versions = proptest::sample::select(&["v2", "v3", "v4", "2026-03-30"][..]);
    (type_names, versions, json(), any::<bool>()).prop_map(|(t, v, data, with_object)| {
        let mut map = Map::new();
        map.insert("id".into(), Value::from("EV1"));
        map.insert("type".into(), Value::from(t));
        map.insert("apiVersion".into(), Value::from(v));
        if with_object {
            map.insert("object".into(), Value::from("event"));
        }
        map.insert("data".into(), data);
        Value::Object(map)
    })
}

/// Legacy type names: every known one, the two legacy-only names, and unknown ones (the empty
/// name and a near miss among them).
const LEGACY_TYPES: &[&str] = &[
    "message.received",
    "message.delivered",
    "message.failed",
    "call.ringing",
    "call.answered",
    "call.completed",
    "call.forwarded",
    "call.missed",
    "call.recording.completed",
    "call.summary.completed",
    "call.transcript.completed",
    "call.voicemail.completed",
    "contact.updated",
    "contact.deleted",
    "callSummary",
    "callTranscript",
    "",
    "call.sentiment",
    "call.sentiment.completed",
    "message.deli:vered",
    "Message.Received",
];

/// Ids, some shared between `data.object` and a stray `data.resource`.
const IDS: &[&str] = &["AC1", "AC2", "CT1", "f", ""];

/// `updatedAt` values: readable, the same instant written otherwise, and unreadable.
const TIMESTAMPS: &[&str] = &[
    "2026-04-14T15:30:43.987Z",
    "2026-04-14T17:30:43.987000+02:00",
    "2026-04-14",
    "",
];

/// A JSON string from `words`, `null`, or absent.
fn maybe_string(words: &'static [&'static str]) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => proptest::sample::select(words).prop_map(|w| Some(Value::from(w))),
        1 => Just(Some(Value::Null)),
        2 => Just(None),
    ]
}

/// Builds an object from optional entries and extra ones.
fn object_of(entries: Vec<(&str, Option<Value>)>, extra: Vec<(&str, Value)>) -> Value {
    let mut map: Map<String, Value> = extra
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect();
    for (key, value) in entries {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    }
    Value::Object(map)
}

/// A legacy `data.object`: the fields correlation reads (`id`, `callId`, `updatedAt`) with the
/// right JSON type or `null`, and unmodelled fields of any value.
fn legacy_object() -> impl Strategy<Value = Value> {
    let unmodelled =
        proptest::sample::select(&["score", "zzz", "resource", "links", "context"][..]);
    (
        maybe_string(IDS),
        maybe_string(IDS),
        maybe_string(TIMESTAMPS),
        maybe_string(&["message", "call", "callTranscript", "contact"]),
        prop::collection::vec((unmodelled, json()), 0..3),
    )
        .prop_map(|(id, call_id, updated_at, object, extra)| {
            object_of(
                vec![
                    ("id", id),
                    ("callId", call_id),
                    ("updatedAt", updated_at),
                    ("object", object),
                ],
                extra,
            )
        })
}

/// A legacy event of a known or unknown type, always marked legacy (`apiVersion` `vN` and/or
/// `object: "event"`), whose `data` may have an `object` (or `null`), a stray new-format
/// `resource` and `links`, a `deepLink` and other fields.
fn legacy_event() -> impl Strategy<Value = Value> {
    let event_type = prop_oneof![
        4 => proptest::sample::select(LEGACY_TYPES).prop_map(str::to_owned),
        1 => ".{0,12}",
    ];
    let marker =
        proptest::sample::select(&[(Some("v2"), true), (Some("v4"), false), (None, true)][..]);
    let object = prop_oneof![
        3 => legacy_object().prop_map(Some),
        1 => Just(Some(Value::Null)),
        2 => Just(None),
    ];
    let resource = prop_oneof![
        2 => (maybe_string(IDS), maybe_string(IDS), maybe_string(TIMESTAMPS)).prop_map(
            |(id, call_id, updated_at)| Some(object_of(
                vec![("id", id), ("callId", call_id), ("updatedAt", updated_at)],
                vec![],
            ))
        ),
        1 => json().prop_map(Some),
        2 => Just(None),
    ];
    let deep_link = maybe_string(&["https://q", ""]);
    let extra = prop::collection::vec(
        (
            proptest::sample::select(&["links", "context", "zzz"][..]),
            json(),
        ),
        0..3,
    );
    (event_type, marker, object, resource, deep_link, extra).prop_map(
        |(event_type, (version, with_object), object, resource, deep_link, extra)| {
            let data = object_of(
                vec![
                    ("object", object),
                    ("resource", resource),
                    ("deepLink", deep_link),
                ],
                extra,
            );
            object_of(
                vec![
                    ("id", Some(Value::from("EV1"))),
                    ("type", Some(Value::from(event_type))),
                    ("apiVersion", version.map(Value::from)),
                    ("object", with_object.then(|| Value::from("event"))),
                    ("data", Some(data)),
                ],
                vec![],
            )
        },
    )
}

/// A legacy event and its normalised form have one correlation key, and the same key under
/// any rule that needs only the subject (or, for unknown types, the subject's `updatedAt`).
fn check_legacy(input: &Value) {
    let bytes = serde_json::to_vec(input).unwrap();
    let any = parse_any(&bytes).unwrap();
    assert!(any.is_legacy(), "{input}");
    let normalized = AnyEvent::New(any.clone().into_event());
    assert_eq!(
        normalized.correlation_key(),
        any.correlation_key(),
        "{input}"
    );
    let event_type = any.event_type();
    let mut rules = vec![DedupeRule::Once, DedupeRule::PerDelivery];
    if !event_type.is_known() {
        rules.push(DedupeRule::Versioned);
    }
    for rule in rules {
        let rules = CorrelationRules::new().with_rule(event_type.clone(), rule);
        assert_eq!(
            rules.correlate(&normalized),
            rules.correlate(&any),
            "{rule:?}: {input}"
        );
    }
    check(input);
}

fn check(input: &Value) {
    let bytes = serde_json::to_vec(input).unwrap();
    // Any body gets a key, the same every time (retries share it), unless it offers no id.
    let rules = CorrelationRules::new();
    let key = rules.dedupe_key_for_body(&bytes, Some("msg_1"));
    assert!(key.is_some());
    assert_eq!(rules.dedupe_key_for_body(&bytes, Some("msg_1")), key);
    let _ = rules.dedupe_key_for_body(&bytes, None);
    let Ok(any) = parse_any(&bytes) else {
        return;
    };
    // Accepted input writes back as it was read.
    let read: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(serde_json::to_value(&any).unwrap(), read);

    // The key is the same before and after normalising.
    let key = any.correlation_key();
    let event = any.into_event();
    assert_eq!(event.correlation_key(), key);

    // A normalised event is a valid new-format event that round-trips.
    let written = serde_json::to_value(&event).unwrap();
    let again: Event = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(again, event);
    assert_eq!(serde_json::to_value(&again).unwrap(), written);
    // ... also through its bytes (compared as values read from the same bytes: serde_json's
    // default float parsing is not exact, so a float may change once on the way).
    let bytes = serde_json::to_vec(&written).unwrap();
    let reread: Value = serde_json::from_slice(&bytes).unwrap();
    let any = parse_any(&bytes).unwrap();
    assert!(
        matches!(any, AnyEvent::New(_)),
        "a normalised event reads as legacy: {written}"
    );
    assert_eq!(serde_json::to_value(&any).unwrap(), reread);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_json_never_panics(input in json()) {
        check(&input);
    }

    #[test]
    fn arbitrary_envelopes_never_panic_and_round_trip(input in envelope()) {
        check(&input);
    }

    #[test]
    fn legacy_events_keep_their_correlation_key(input in legacy_event()) {
        check_legacy(&input);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_any(&bytes);
        let _ = CorrelationRules::new().dedupe_key_for_body(&bytes, None);
    }

    #[test]
    fn event_type_names_round_trip(name in ".{0,24}") {
        let event_type: EventType = name.parse().unwrap();
        prop_assert_eq!(event_type.to_string(), name);
    }
}

#[test]
fn mutated_samples_never_panic() {
    // Replace each value of each sample, one at a time, with values of other JSON types.
    fn paths(value: &Value, prefix: String, out: &mut Vec<String>) {
        out.push(prefix.clone());
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    paths(v, format!("{prefix}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    paths(v, format!("{prefix}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let replacements = [
        Value::Null,
        Value::from(7),
        Value::from(-1.5),
        Value::from("s"),
        Value::from(true),
        Value::Array(vec![Value::from("a,b")]),
        Value::Object(Map::new()),
    ];
    let mut count = 0;
    let all = quo_webhooks::samples::all()
        .map(|(_, json)| json)
        .chain(quo_webhooks::samples::legacy().map(|(_, json)| json));
    for json in all {
        let sample: Value = serde_json::from_str(json).unwrap();
        let mut found = Vec::new();
        paths(&sample, String::new(), &mut found);
        for path in found.iter().skip(1) {
            for replacement in &replacements {
                let mut mutated = sample.clone();
                *mutated.pointer_mut(path).unwrap() = replacement.clone();
                check(&mutated);
                count += 1;
            }
        }
    }
    assert!(count > 1000, "{count}");
}
