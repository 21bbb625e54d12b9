//! `Debug` of every payload type keeps personal data out of logs and panic messages.

use quo_webhooks::{AnyEvent, normalize, parse_any, samples};
use serde_json::Value;

/// Keys whose text is personal: message bodies, numbers, names, addresses, speech, links.
const PERSONAL: &[&str] = &[
    "text",
    "body",
    "senderIdentifier",
    "recipientIdentifiers",
    "from",
    "to",
    "participants",
    "workspace",
    "external",
    "firstName",
    "lastName",
    "company",
    "role",
    "location",
    "value",
    "content",
    "identifier",
    "transcript",
    "summary",
    "nextSteps",
    "title",
    "description",
    "url",
    "recordingUrl",
    "forwardedFrom",
    "forwardedTo",
    "fromPhoneNumber",
    "quo",
    "deepLink",
    "updatedValue",
];

fn personal_strings(key: Option<&str>, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if key.is_some_and(|k| PERSONAL.contains(&k)) && s.len() >= 3 => {
            out.push(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| personal_strings(key, v, out)),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| personal_strings(Some(k), v, out)),
        _ => {}
    }
}

fn assert_redacted(name: &str, json: &str) {
    let value: Value = serde_json::from_str(json).expect("samples are JSON");
    let mut secrets = Vec::new();
    personal_strings(None, &value, &mut secrets);
    assert!(
        !secrets.is_empty(),
        "{name}: the sample carries no personal data to hide"
    );
    let event = parse_any(json.as_bytes()).expect("samples parse");
    let mut outputs = vec![format!("{event:?}"), format!("{event:#?}")];
    if let AnyEvent::Legacy(legacy) = &event {
        outputs.push(format!("{:?}", normalize(legacy)));
    }
    for debug in &outputs {
        for secret in &secrets {
            assert!(
                !debug.contains(secret.as_str()),
                "{name}: {secret:?} shows in {debug}"
            );
        }
        assert!(debug.contains("<redacted"), "{name}: {debug}");
    }
}

#[test]
fn debug_of_every_sample_hides_personal_data() {
    for (event_type, json) in samples::all() {
        assert_redacted(event_type.as_str(), json);
    }
    for (name, json) in samples::legacy() {
        assert_redacted(name, json);
    }
}

#[test]
fn debug_still_shows_ids_types_and_times() {
    let json = samples::get(&quo_webhooks::EventType::CallCompleted).unwrap();
    let event: quo_webhooks::Event = serde_json::from_str(json).unwrap();
    let debug = format!("{event:?}");
    assert!(debug.contains(&event.id), "{debug}");
    assert!(debug.contains(event.call_id().unwrap()), "{debug}");
    assert!(debug.contains("CallCompleted"), "{debug}");
    assert!(
        debug.contains(event.created_at.as_deref().unwrap()),
        "{debug}"
    );
}
