//! Any bytes as a Quo webhook body: no panic in the event types or the normaliser; an accepted
//! payload writes back as it was read; its normalised form is a new-format event that
//! round-trips and keeps the correlation key; every accessor answers on every shape. Also: any
//! event type name prints as given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quo_webhooks::{AnyEvent, Event, EventType, LegacyEvent, parse_any};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    if let Ok(name) = std::str::from_utf8(data) {
        if name.len() <= 64 {
            let event_type: EventType = name.parse().expect("any name is an event type");
            assert_eq!(event_type.to_string(), name);
        }
    }

    // The typed entry points on their own must not panic either.
    let _ = serde_json::from_slice::<Event>(data);
    let _ = serde_json::from_slice::<LegacyEvent>(data);

    let Ok(any) = parse_any(data) else {
        return;
    };
    let read: Value = serde_json::from_slice(data).expect("accepted bytes are JSON");
    assert_eq!(
        serde_json::to_value(&any).expect("serialises"),
        read,
        "accepted input does not write back as read"
    );

    let key = any.correlation_key();
    let was_legacy = any.is_legacy();
    let event = any.into_event();

    // Every accessor, on every shape (calls' participants and fractional durations, tasks,
    // unknown types kept whole), answers without panicking.
    let _ = (
        event.resource_id(),
        event.call_id(),
        event.org_id(),
        event.phone_number_id(),
        event.user_id(),
        event.contact_ids(),
        event.sender(),
        event.recipients(),
        event.participants(),
        event.updated_at(),
        event.deep_link(),
    );
    if let Some(duration) = event
        .data
        .as_call()
        .and_then(|d| d.resource.as_ref())
        .and_then(|r| r.duration.as_ref())
    {
        let _ = (duration.as_secs_f64(), duration.to_duration());
    }
    assert_eq!(
        event.correlation_key(),
        key,
        "normalising changed the key (legacy: {was_legacy})"
    );

    // The new-format event round-trips as a value...
    let written = serde_json::to_value(&event).expect("serialises");
    let again: Event = serde_json::from_value(written.clone()).expect("written event reads back");
    assert_eq!(again, event);
    assert_eq!(serde_json::to_value(&again).expect("serialises"), written);

    // ...and through bytes, compared with the value read from the same bytes (serde_json's
    // default float parsing may move a float once on the way).
    let bytes = serde_json::to_vec(&written).expect("serialises");
    let reread: Value = serde_json::from_slice(&bytes).expect("JSON");
    let any = parse_any(&bytes).expect("written event parses");
    assert!(
        matches!(any, AnyEvent::New(_)),
        "a normalised event reads as legacy: {written}"
    );
    assert_eq!(serde_json::to_value(&any).expect("serialises"), reread);
});
