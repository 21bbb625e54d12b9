//! Event payloads: a realistic event of any known type, built from the documented samples
//! with fresh ids and times, and the fixed samples that test events send.

use jiff::{SignedDuration, Timestamp};
use quo_webhooks::{Event, EventType};
use serde_json::{Map, Value};

use crate::ids;

/// An event ready to fan out: its JSON exactly as it will be sent, and what the store and the
/// subscription filters need from it.
#[derive(Debug, Clone)]
pub(crate) struct BuiltEvent {
    pub(crate) id: String,
    pub(crate) event_type: EventType,
    pub(crate) phone_number_id: Option<String>,
    pub(crate) resource_id: Option<String>,
    pub(crate) json: String,
}

/// Why an event could not be built: a field path and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PayloadError {
    pub(crate) path: &'static str,
    pub(crate) message: String,
}

fn sample(event_type: &EventType, path: &'static str) -> Result<Value, PayloadError> {
    let text = quo_webhooks::samples::get(event_type).ok_or_else(|| PayloadError {
        path,
        message: format!("{event_type} is not a supported event type"),
    })?;
    serde_json::from_str(text).map_err(|e| PayloadError {
        path,
        message: format!("the sample of {event_type} is not JSON: {e}"),
    })
}

/// The id every test event of `event_type` carries (`EV-test-message-received`, as in the
/// beta reference), the same for every dispatch.
pub(crate) fn test_event_id(event_type: &EventType) -> String {
    format!("EV-test-{}", event_type.as_str().replace('.', "-"))
}

/// The fixed sample of `event_type` that `POST /webhooks/:id/events/test` sends: the
/// documented sample with the fixed test id.
pub(crate) fn test_event(event_type: &EventType) -> Result<BuiltEvent, PayloadError> {
    let mut value = sample(event_type, "/body/eventType")?;
    if let Some(object) = value.as_object_mut() {
        object.insert("id".into(), Value::String(test_event_id(event_type)));
    }
    finish(value, None)
}

/// A new event of `event_type`: the sample with a fresh `EV` id, `createdAt` = `now`, every
/// other time in `data` moved by as much (so the story stays consistent), fresh resource ids,
/// `data.context.phoneNumberId` set when given, then `overrides` merged into `data`.
pub(crate) fn new_event(
    event_type: &EventType,
    phone_number_id: Option<&str>,
    overrides: Option<&Value>,
    now: Timestamp,
) -> Result<BuiltEvent, PayloadError> {
    let mut value = sample(event_type, "/body/type")?;
    let shift = value
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map_or(SignedDuration::ZERO, |then| now.duration_since(then));
    let object = value.as_object_mut().ok_or_else(|| PayloadError {
        path: "/body/type",
        message: format!("the sample of {event_type} is not a JSON object"),
    })?;
    object.insert("id".into(), Value::String(ids::event_id()));
    object.insert(
        "createdAt".into(),
        Value::String(quo_api::model::time::format(now)),
    );
    if let Some(data) = object.get_mut("data") {
        shift_times(data, shift);
        if let Some(resource) = data.get_mut("resource").and_then(Value::as_object_mut) {
            for key in ["id", "callId"] {
                if let Some(Value::String(id)) = resource.get_mut(key) {
                    *id = fresh_id(id);
                }
            }
        }
        if let Some(pn) = phone_number_id {
            if let Some(context) = data.get_mut("context").and_then(Value::as_object_mut) {
                context.insert("phoneNumberId".into(), Value::String(pn.to_owned()));
            } else if let Some(data) = data.as_object_mut() {
                let mut context = Map::new();
                context.insert("phoneNumberId".into(), Value::String(pn.to_owned()));
                data.insert("context".into(), Value::Object(context));
            }
        }
        if let Some(overrides) = overrides {
            if !overrides.is_object() {
                return Err(PayloadError {
                    path: "/body/data",
                    message: "must be a JSON object".into(),
                });
            }
            merge(data, overrides);
        }
    }
    finish(value, Some("/body/data"))
}

/// Reads the finished event back as the model does, so that nothing is sent that the API
/// could not show as `requestBody`.
fn finish(value: Value, path: Option<&'static str>) -> Result<BuiltEvent, PayloadError> {
    let event: Event = serde_json::from_value(value.clone()).map_err(|e| PayloadError {
        path: path.unwrap_or("/body/eventType"),
        message: format!("the event would not be valid: {e}"),
    })?;
    let json = serde_json::to_string(&value).map_err(|e| PayloadError {
        path: path.unwrap_or("/body/eventType"),
        message: e.to_string(),
    })?;
    let phone_number_id = value
        .pointer("/data/context/phoneNumberId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(BuiltEvent {
        id: event.id.clone(),
        resource_id: event.resource_id().map(str::to_owned),
        event_type: event.event_type,
        phone_number_id,
        json,
    })
}

/// Keeps a two-letter prefix (`AC`, `CT`, ...) and replaces the rest with as many random
/// hex digits.
fn fresh_id(id: &str) -> String {
    let prefix: String = id
        .chars()
        .take_while(char::is_ascii_uppercase)
        .take(2)
        .collect();
    let rest = id.len().saturating_sub(prefix.len()).max(8);
    format!("{prefix}{}", ids::hex(rest))
}

/// Moves every RFC 3339 string under a key ending in `At` by `shift`.
fn shift_times(value: &mut Value, shift: SignedDuration) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key.ends_with("At")
                    && let Value::String(text) = child
                {
                    if let Ok(t) = text.parse::<Timestamp>()
                        && let Ok(moved) = t.checked_add(shift)
                    {
                        *text = quo_api::model::time::format(moved);
                    }
                } else {
                    shift_times(child, shift);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| shift_times(item, shift)),
        _ => {}
    }
}

/// Deep-merges `overrides` into `target`: objects merge key by key, anything else (arrays
/// included) replaces.
fn merge(target: &mut Value, overrides: &Value) {
    match (target, overrides) {
        (Value::Object(target), Value::Object(overrides)) => {
            for (key, value) in overrides {
                match target.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value);
                    }
                    _ => {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, overrides) => *target = overrides.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_known_type_builds_with_fresh_ids_and_times() {
        let now: Timestamp = "2027-01-02T03:04:05.678Z".parse().unwrap();
        for event_type in EventType::KNOWN {
            let built = new_event(&event_type, None, None, now).unwrap();
            let value: Value = serde_json::from_str(&built.json).unwrap();
            assert_eq!(value["type"], event_type.as_str());
            assert_eq!(value["createdAt"], "2027-01-02T03:04:05.678Z");
            assert!(built.id.starts_with("EV") && built.id.len() == 34);
            let sample: Value =
                serde_json::from_str(quo_webhooks::samples::get(&event_type).unwrap()).unwrap();
            assert_ne!(value["id"], sample["id"]);
            if let Some(id) = sample.pointer("/data/resource/id") {
                assert_ne!(value.pointer("/data/resource/id").unwrap(), id);
            }
        }
    }

    #[test]
    fn times_move_together_and_overrides_merge() {
        let now: Timestamp = "2027-01-02T03:04:05.000Z".parse().unwrap();
        let built = new_event(
            &EventType::CallCompleted,
            Some("PNmine"),
            Some(&json!({"resource": {"duration": 7, "status": "unanswered"}, "extra": [1]})),
            now,
        )
        .unwrap();
        let value: Value = serde_json::from_str(&built.json).unwrap();
        assert_eq!(value["data"]["context"]["phoneNumberId"], "PNmine");
        assert_eq!(built.phone_number_id.as_deref(), Some("PNmine"));
        assert_eq!(value["data"]["resource"]["duration"], 7);
        assert_eq!(value["data"]["resource"]["status"], "unanswered");
        assert_eq!(value["data"]["extra"], json!([1]));
        // The call completed as long before its event was made as the sample's did.
        let sample: Value =
            serde_json::from_str(quo_webhooks::samples::get(&EventType::CallCompleted).unwrap())
                .unwrap();
        let time = |v: &Value, ptr: &str| -> Timestamp {
            v.pointer(ptr).unwrap().as_str().unwrap().parse().unwrap()
        };
        let sample_gap =
            time(&sample, "/createdAt").duration_since(time(&sample, "/data/resource/completedAt"));
        let completed = time(&value, "/data/resource/completedAt");
        assert_eq!(now.duration_since(completed), sample_gap);
        assert_eq!(
            built.resource_id.as_deref(),
            value["data"]["resource"]["id"].as_str()
        );
    }

    #[test]
    fn overrides_that_break_the_model_are_refused() {
        let now = Timestamp::now();
        let err = new_event(
            &EventType::CallCompleted,
            None,
            Some(&json!({"resource": {"duration": "long"}})),
            now,
        )
        .unwrap_err();
        assert_eq!(err.path, "/body/data");
        let err = new_event(&EventType::CallCompleted, None, Some(&json!([1])), now).unwrap_err();
        assert_eq!(err.message, "must be a JSON object");
        let err = new_event(&EventType::from("call.nope"), None, None, now).unwrap_err();
        assert_eq!(err.path, "/body/type");
    }

    #[test]
    fn test_events_are_the_fixed_sample() {
        let a = test_event(&EventType::MessageReceived).unwrap();
        let b = test_event(&EventType::MessageReceived).unwrap();
        assert_eq!(a.json, b.json);
        assert_eq!(a.id, "EV-test-message-received");
    }
}
