//! The legacy twin of a new-format event: the same business event (same `id`, resource ids,
//! text, numbers and timestamps) in the legacy `v4` envelope (`data.object`, `deepLink`,
//! legacy type names), as Quo sends it to webhooks made through the `/v1` API.

use serde_json::{Map, Value, json};

/// The payload version of legacy webhooks made through the API (SPEC §3).
pub(crate) const LEGACY_API_VERSION: &str = "v4";

/// The legacy `type` of a new event type, for the types the legacy system sends.
fn legacy_type(new_type: &str) -> Option<&'static str> {
    Some(match new_type {
        "message.received" => "message.received",
        "message.delivered" => "message.delivered",
        "call.completed" => "call.completed",
        "call.ringing" => "call.ringing",
        "call.recording.completed" => "call.recording.completed",
        "call.summary.completed" => "callSummary",
        "call.transcript.completed" => "callTranscript",
        _ => return None,
    })
}

/// Copies `from[key]` into `to[as_key]` when present.
fn copy(to: &mut Map<String, Value>, from: Option<&Value>, key: &str, as_key: &str) {
    if let Some(value) = from.and_then(|f| f.get(key)) {
        to.insert(as_key.to_owned(), value.clone());
    }
}

/// The legacy `v4` JSON of the new event `event`, or `None` for a type the legacy system
/// does not send.
pub(crate) fn legacy_twin(event: &Value) -> Option<Value> {
    let new_type = event.get("type")?.as_str()?;
    let legacy = legacy_type(new_type)?;
    let data = event.get("data");
    let resource = data.and_then(|d| d.get("resource"));
    let context = data.and_then(|d| d.get("context"));
    let mut object = Map::new();
    let family = quo_api::LegacyFamily::of(&quo_webhooks::EventType::from(new_type))?;
    match family {
        quo_api::LegacyFamily::Messages => {
            object.insert("object".into(), json!("message"));
            copy(&mut object, resource, "id", "id");
            copy(&mut object, context, "senderIdentifier", "from");
            copy(&mut object, context, "recipientIdentifiers", "to");
            for key in [
                "direction",
                "text",
                "media",
                "status",
                "createdAt",
                "updatedAt",
            ] {
                copy(&mut object, resource, key, key);
            }
        }
        quo_api::LegacyFamily::Calls => {
            object.insert("object".into(), json!("call"));
            for key in [
                "id",
                "direction",
                "status",
                "createdAt",
                "answeredAt",
                "completedAt",
                "updatedAt",
                "duration",
                "forwardedFrom",
                "forwardedTo",
            ] {
                copy(&mut object, resource, key, key);
            }
            copy(&mut object, resource, "answeredByUserId", "answeredBy");
            let participants = context.and_then(|c| c.get("participants"));
            let list = |side: &str| -> Vec<Value> {
                participants
                    .and_then(|p| p.get(side))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let (workspace, external) = (list("workspace"), list("external"));
            let incoming = resource
                .and_then(|r| r.get("direction"))
                .and_then(Value::as_str)
                != Some("outgoing");
            let (from, to) = if incoming {
                (external.first(), workspace.first())
            } else {
                (workspace.first(), external.first())
            };
            if let Some(from) = from {
                object.insert("from".into(), from.clone());
            }
            if let Some(to) = to {
                object.insert("to".into(), to.clone());
            }
            if participants.is_some() {
                object.insert("participants".into(), Value::Array(external));
            }
            if let Some(recordings) = resource.and_then(|r| r.get("recordings")) {
                let media: Vec<Value> = recordings
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| json!({"url": r.get("url"), "duration": r.get("duration"), "type": r.get("type")}))
                    .collect();
                object.insert("media".into(), Value::Array(media));
            }
        }
        quo_api::LegacyFamily::CallSummaries => {
            object.insert("object".into(), json!("callSummary"));
            copy(&mut object, resource, "callId", "callId");
            copy(&mut object, resource, "summary", "summary");
            copy(&mut object, resource, "nextSteps", "nextSteps");
            copy(&mut object, resource, "processingStatus", "status");
        }
        quo_api::LegacyFamily::CallTranscripts => {
            object.insert("object".into(), json!("callTranscript"));
            for key in ["callId", "createdAt", "dialogue", "duration"] {
                copy(&mut object, resource, key, key);
            }
            copy(&mut object, resource, "processingStatus", "status");
        }
        _ => return None,
    }
    for key in ["phoneNumberId", "conversationId", "userId"] {
        copy(&mut object, context, key, key);
    }
    if let Some(ids) = context.and_then(|c| c.pointer("/contacts/ids")) {
        object.insert("contactIds".into(), ids.clone());
    }
    let mut legacy_data = Map::new();
    legacy_data.insert("object".into(), Value::Object(object));
    if let Some(link) = data
        .and_then(|d| d.pointer("/links/quo"))
        .filter(|l| l.is_string())
    {
        legacy_data.insert("deepLink".into(), link.clone());
    }
    Some(json!({
        "id": event.get("id"),
        "object": "event",
        "apiVersion": LEGACY_API_VERSION,
        "createdAt": event.get("createdAt"),
        "type": legacy,
        "data": Value::Object(legacy_data),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quo_webhooks::{Event, EventType, LegacyEvent};

    /// The twin of every type the legacy system sends reads as a legacy event, normalises to
    /// an event with the new one's correlation key, and carries the same business fields.
    #[test]
    fn every_legacy_family_twin_correlates_with_its_new_event() {
        let now = jiff::Timestamp::now();
        for family in quo_api::LegacyFamily::ALL {
            for event_type in family.events() {
                let built = crate::payload::new_event(&event_type, None, None, now).unwrap();
                let new: Value = serde_json::from_str(&built.json).unwrap();
                let twin = legacy_twin(&new).unwrap();
                let legacy: LegacyEvent = serde_json::from_value(twin.clone()).unwrap();
                let event: Event = serde_json::from_value(new.clone()).unwrap();
                let normalized = quo_webhooks::normalize(&legacy);
                assert!(event.correlation_key().is_some(), "{event_type}");
                assert_eq!(
                    normalized.correlation_key(),
                    event.correlation_key(),
                    "{event_type}"
                );
                assert_eq!(legacy.correlation_key(), event.correlation_key());
                assert_eq!(twin["id"], new["id"]);
                assert_eq!(twin["createdAt"], new["createdAt"]);
                assert_eq!(twin["apiVersion"], "v4");
                assert_eq!(twin["data"]["deepLink"], new["data"]["links"]["quo"]);
                assert_eq!(
                    twin["data"]["object"]["phoneNumberId"],
                    new["data"]["context"]["phoneNumberId"]
                );
            }
        }
    }

    #[test]
    fn message_twin_carries_text_numbers_and_contacts() {
        let now = jiff::Timestamp::now();
        let built =
            crate::payload::new_event(&EventType::MessageReceived, None, None, now).unwrap();
        let new: Value = serde_json::from_str(&built.json).unwrap();
        let twin = legacy_twin(&new).unwrap();
        let object = &twin["data"]["object"];
        assert_eq!(object["id"], new["data"]["resource"]["id"]);
        assert_eq!(object["text"], new["data"]["resource"]["text"]);
        assert_eq!(object["from"], new["data"]["context"]["senderIdentifier"]);
        assert_eq!(object["to"], new["data"]["context"]["recipientIdentifiers"]);
        assert_eq!(
            object["contactIds"],
            new["data"]["context"]["contacts"]["ids"]
        );
        assert_eq!(twin["type"], "message.received");
    }

    #[test]
    fn summary_and_transcript_use_legacy_type_names_and_call_id() {
        let now = jiff::Timestamp::now();
        for (event_type, legacy) in [
            (EventType::CallSummaryCompleted, "callSummary"),
            (EventType::CallTranscriptCompleted, "callTranscript"),
        ] {
            let built = crate::payload::new_event(&event_type, None, None, now).unwrap();
            let new: Value = serde_json::from_str(&built.json).unwrap();
            let twin = legacy_twin(&new).unwrap();
            assert_eq!(twin["type"], legacy);
            assert_eq!(
                twin["data"]["object"]["callId"],
                new["data"]["resource"]["callId"]
            );
            assert!(twin["data"]["object"].get("id").is_none());
        }
    }

    #[test]
    fn types_the_legacy_system_never_sends_have_no_twin() {
        let now = jiff::Timestamp::now();
        let built = crate::payload::new_event(&EventType::ContactUpdated, None, None, now).unwrap();
        let new: Value = serde_json::from_str(&built.json).unwrap();
        assert!(legacy_twin(&new).is_none());
    }
}
