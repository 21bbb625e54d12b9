//! Every sample, the crate's own and the shared vectors, reads and writes back unchanged.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::collections::BTreeSet;

use quo_webhooks::{
    AnyEvent, Event, EventData, EventType, LegacyEvent, normalize, parse_any, samples,
};
use serde_json::Value;

const SHARED: &str = include_str!("data/quo-samples.json");

fn shared_vectors() -> Vec<(String, Value)> {
    let Value::Object(map) = serde_json::from_str::<Value>(SHARED).unwrap() else {
        panic!("quo-samples.json is not an object")
    };
    map.into_iter()
        .filter(|(name, _)| name != "about")
        .collect()
}

fn assert_round_trips(name: &str, json: &str) -> AnyEvent {
    let input: Value = serde_json::from_str(json).unwrap();
    let any = parse_any(json.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_value(&any).unwrap(),
        input,
        "{name} changed on a round trip"
    );
    any
}

#[test]
fn every_sample_reads_as_its_event_type_and_round_trips() {
    for (event_type, json) in samples::all() {
        let any = assert_round_trips(event_type.as_str(), json);
        let AnyEvent::New(event) = any else {
            panic!("{event_type}: read as legacy")
        };
        assert_eq!(event.event_type, event_type);
        assert_eq!(
            event.api_version.as_deref(),
            Some(quo_webhooks::API_VERSION)
        );
        // Realistic: every sample has resource, context and links, and nothing this crate
        // does not model (so the typed fields really are exercised).
        let value = serde_json::to_value(&event.data).unwrap();
        for part in ["resource", "context", "links"] {
            assert!(value.get(part).is_some(), "{event_type}: no {part}");
        }
        assert!(event.extra.is_empty(), "{event_type}: {:?}", event.extra);
        assert!(event.correlation_key().is_some(), "{event_type}");
    }
}

/// Fields in `extra` that are not kept `null`s: fields the types do not model.
fn unmodelled(extra: &serde_json::Map<String, Value>) -> usize {
    extra.values().filter(|v| !v.is_null()).count()
}

#[test]
fn samples_model_every_field_they_carry() {
    for (event_type, json) in samples::all() {
        let event: Event = serde_json::from_str(json).unwrap();
        let call_context = |c: &quo_webhooks::call::CallContext| {
            unmodelled(&c.extra)
                + c.contacts.as_ref().map_or(0, |x| unmodelled(&x.extra))
                + c.participants.as_ref().map_or(0, |x| unmodelled(&x.extra))
        };
        let extra_count = match &event.data {
            EventData::Message(d) => {
                let r = d.resource.as_ref().unwrap();
                let c = d.context.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.media
                        .iter()
                        .flatten()
                        .map(|m| unmodelled(&m.extra))
                        .sum::<usize>()
                    + unmodelled(&c.extra)
                    + c.contacts.as_ref().map_or(0, |x| unmodelled(&x.extra))
            }
            EventData::Call(d) => {
                unmodelled(&d.resource.as_ref().unwrap().extra)
                    + call_context(d.context.as_ref().unwrap())
            }
            EventData::Recording(d) => {
                let r = d.resource.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.recordings
                        .iter()
                        .flatten()
                        .map(|x| unmodelled(&x.extra))
                        .sum::<usize>()
                    + call_context(d.context.as_ref().unwrap())
            }
            EventData::Summary(d) => {
                let r = d.resource.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.jobs
                        .iter()
                        .flatten()
                        .map(|j| {
                            unmodelled(&j.extra)
                                + j.result.as_ref().map_or(0, |x| {
                                    unmodelled(&x.extra)
                                        + x.data
                                            .iter()
                                            .flatten()
                                            .map(|d| unmodelled(&d.extra))
                                            .sum::<usize>()
                                })
                        })
                        .sum::<usize>()
                    + call_context(d.context.as_ref().unwrap())
            }
            EventData::Transcript(d) => {
                let r = d.resource.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.dialogue
                        .iter()
                        .flatten()
                        .map(|s| unmodelled(&s.extra))
                        .sum::<usize>()
                    + call_context(d.context.as_ref().unwrap())
            }
            EventData::Voicemail(d) => {
                unmodelled(&d.resource.as_ref().unwrap().extra)
                    + call_context(d.context.as_ref().unwrap())
            }
            EventData::Contact(d) => {
                let r = d.resource.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.emails
                        .iter()
                        .chain(r.phone_numbers.iter())
                        .flatten()
                        .map(|x| unmodelled(&x.extra))
                        .sum::<usize>()
                    + r.custom_fields
                        .iter()
                        .flatten()
                        .map(|x| unmodelled(&x.extra))
                        .sum::<usize>()
                    + unmodelled(&d.context.as_ref().unwrap().extra)
            }
            EventData::Task(d) => {
                let r = d.resource.as_ref().unwrap();
                unmodelled(&r.extra)
                    + r.updated_fields.as_ref().map_or(0, |u| {
                        unmodelled(&u.extra)
                            + u.title.as_ref().map_or(0, |f| unmodelled(&f.extra))
                            + u.description.as_ref().map_or(0, |f| unmodelled(&f.extra))
                    })
                    + unmodelled(&d.context.as_ref().unwrap().extra)
            }
            other => panic!("{event_type}: unexpected data {other:?}"),
        };
        assert_eq!(
            extra_count, 0,
            "{event_type} has fields the types do not model"
        );
    }
}

#[test]
fn sample_event_ids_are_unique() {
    let ids: BTreeSet<String> = samples::all()
        .map(|(_, json)| serde_json::from_str::<Event>(json).unwrap().id)
        .chain(
            samples::legacy()
                .map(|(_, json)| serde_json::from_str::<LegacyEvent>(json).unwrap().id),
        )
        .collect();
    assert_eq!(ids.len(), 33);
}

#[test]
fn every_legacy_sample_is_told_apart_and_round_trips() {
    for (name, json) in samples::legacy() {
        let any = assert_round_trips(name, json);
        assert!(any.is_legacy(), "{name}");
        assert!(any.correlation_key().is_some(), "{name}");
    }
}

#[test]
fn every_shared_vector_reads_and_round_trips() {
    let vectors = shared_vectors();
    assert_eq!(vectors.len(), 5);
    for (name, value) in vectors {
        let json = serde_json::to_string(&value).unwrap();
        let any = assert_round_trips(&name, &json);
        assert_eq!(any.is_legacy(), name.starts_with("legacy_"), "{name}");
        assert_eq!(any.event_type(), EventType::MessageReceived, "{name}");
    }
}

#[test]
fn the_seed_test_event_reads_as_typed_data() {
    let vectors = shared_vectors();
    let (_, value) = vectors
        .iter()
        .find(|(name, _)| name == "new_test_event_message_received")
        .unwrap();
    let event: Event = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(
        event.text(),
        Some("Hello from Quo! This is a sample message.")
    );
    assert_eq!(event.sender(), Some("+15555551234"));
    assert_eq!(event.recipients(), Some(&["+15555555678".to_owned()][..]));
    assert_eq!(
        event.contact_ids(),
        Some(&["CTsampleContact01234".to_owned()][..])
    );
    assert_eq!(
        event.phone_number_id(),
        Some("PNsamplephonenumber000000000000")
    );
    assert_eq!(event.user_id(), Some("USsampleus"));
    assert_eq!(event.deep_link(), Some("https://my.quo.com/..."));
}

#[test]
fn normalised_legacy_events_write_and_read_back_unchanged() {
    let legacy_jsons: Vec<String> = samples::legacy()
        .map(|(_, json)| json.to_owned())
        .chain(
            shared_vectors()
                .into_iter()
                .filter(|(name, _)| name.starts_with("legacy_"))
                .map(|(_, value)| value.to_string()),
        )
        .collect();
    assert_eq!(legacy_jsons.len(), 7);
    for json in legacy_jsons {
        let legacy: LegacyEvent = serde_json::from_str(&json).unwrap();
        let event = normalize(&legacy);
        let written = serde_json::to_string(&event).unwrap();
        let read: Event = serde_json::from_str(&written).unwrap();
        assert_eq!(read, event, "{written}");
        assert_eq!(read.correlation_key(), legacy.correlation_key());
    }
}

#[test]
fn explicit_null_deep_link_of_a_sample_survives() {
    let json = samples::get(&EventType::ContactDeleted).unwrap();
    let event: Event = serde_json::from_str(json).unwrap();
    assert!(event.data.links().unwrap().quo_is_null());
    let value = serde_json::to_value(&event).unwrap();
    assert_eq!(value["data"]["links"]["quo"], Value::Null);
    assert!(
        value["data"]["links"]
            .as_object()
            .unwrap()
            .contains_key("quo")
    );
}
