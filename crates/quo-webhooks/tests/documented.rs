//! One fixture per event type, written from the documented shapes of Quo's event-payload
//! reference (SPEC §3; every documented field present, nullable ones sometimes `null`), in
//! `tests/data/documented/<event.type>.json`: each parses into its typed variant, round-trips
//! exactly, models every field it carries, and gives the values a user reaches for.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::path::PathBuf;

use quo_webhooks::call::{CallStatus, JobValue};
use quo_webhooks::contact::{ContactValueKind, CustomFieldType, CustomFieldValue};
use quo_webhooks::message::MessageStatus;
use quo_webhooks::{
    Event, EventData, EventType, LookupStatus, PhoneNumberType, ProcessingStatus, Resolution,
    parse_any,
};
use serde_json::Value;

const ORG: &str = "ORq3Vd8KsN";
const PN: &str = "PNu7Kx2bQa";
const QUO: &str = "+14155550123";
const DANA: &str = "+16505550187";
const DANA_CT: &str = "CTe2c41d09bd470b48a339ff";
const CALL: &str = "AC5d7963c4f471e142f5a72214a9666fb1";
const MISSED: &str = "AC5e4f736fe2d0bfaa6cc384f7355c4af9";
const FORWARDED: &str = "AC09178f04698369f17a22b3e0fb35a356";
const TASK: &str = "TK7c1f4e2a9b3d5c8e0f6a1b2c";

/// What every fixture is checked for, besides parsing and the round trip.
struct Expect {
    event_type: &'static str,
    resource_id: Option<&'static str>,
    call_id: Option<&'static str>,
    phone_number_id: Option<&'static str>,
    contact_ids: Option<&'static [&'static str]>,
    /// `(workspace, external)`.
    participants: Option<(&'static [&'static str], &'static [&'static str])>,
    sender: Option<&'static str>,
}

const fn message(
    event_type: &'static str,
    id: &'static str,
    phone_number_id: Option<&'static str>,
    contact_ids: &'static [&'static str],
    sender: &'static str,
) -> Expect {
    Expect {
        event_type,
        resource_id: Some(id),
        call_id: None,
        phone_number_id,
        contact_ids: Some(contact_ids),
        participants: None,
        sender: Some(sender),
    }
}

const fn call(
    event_type: &'static str,
    resource_id: Option<&'static str>,
    call_id: &'static str,
    contact_ids: Option<&'static [&'static str]>,
    external: &'static str,
) -> Expect {
    let external: &'static [&'static str] = match external.as_bytes() {
        b"+17185550112" => &["+17185550112"],
        _ => &[DANA],
    };
    Expect {
        event_type,
        resource_id,
        call_id: Some(call_id),
        phone_number_id: Some(PN),
        contact_ids,
        participants: Some((&[QUO], external)),
        sender: None,
    }
}

const fn other(event_type: &'static str, id: &'static str, phone: Option<&'static str>) -> Expect {
    Expect {
        event_type,
        resource_id: Some(id),
        call_id: None,
        phone_number_id: phone,
        contact_ids: None,
        participants: None,
        sender: None,
    }
}

const DANA_ONLY: &[&str] = &[DANA_CT];

const EXPECTED: [Expect; 28] = [
    message(
        "message.received",
        "ACa8de58069cddea8555e6027c9162c4f0",
        Some(PN),
        DANA_ONLY,
        DANA,
    ),
    message(
        "message.delivered",
        "AC9f079e638c47cf1a438042faa6adf63b",
        Some(PN),
        DANA_ONLY,
        QUO,
    ),
    message(
        "message.failed",
        "AC9d5355c7029c518f0903045d22e5ed3a",
        None,
        &[],
        QUO,
    ),
    call("call.ringing", Some(CALL), CALL, None, DANA),
    call("call.answered", Some(CALL), CALL, Some(DANA_ONLY), DANA),
    call("call.completed", Some(CALL), CALL, Some(DANA_ONLY), DANA),
    call(
        "call.forwarded",
        Some(FORWARDED),
        FORWARDED,
        Some(&[]),
        "+17185550112",
    ),
    call("call.missed", Some(MISSED), MISSED, Some(DANA_ONLY), DANA),
    call(
        "call.recording.completed",
        Some(CALL),
        CALL,
        Some(DANA_ONLY),
        DANA,
    ),
    call("call.summary.completed", None, CALL, Some(DANA_ONLY), DANA),
    call(
        "call.transcript.completed",
        None,
        CALL,
        Some(DANA_ONLY),
        DANA,
    ),
    call(
        "call.voicemail.completed",
        Some(MISSED),
        MISSED,
        Some(DANA_ONLY),
        DANA,
    ),
    other("contact.updated", DANA_CT, None),
    other("contact.deleted", "CTd66c0e9d1a769203b30d6b", None),
    message(
        "message.undelivered",
        "AC6e1d0a4b93c25f78a1e0b9d8c7f6a5b4",
        Some(PN),
        &["CTd66c0e9d1a769203b30d6b"],
        QUO,
    ),
    call(
        "call.menu.selected",
        Some(CALL),
        CALL,
        Some(DANA_ONLY),
        DANA,
    ),
    other("task.created", TASK, Some(PN)),
    other("task.updated", TASK, Some(PN)),
    other("task.deleted", TASK, Some(PN)),
    other("task.completed", TASK, Some(PN)),
    other("task.reopened", TASK, Some(PN)),
    other("task.assigned", TASK, Some(PN)),
    other("task.unassigned", TASK, Some(PN)),
    other("task.overdue", TASK, Some(PN)),
    other("task.linked", TASK, Some(PN)),
    other("task.unlinked", TASK, Some(PN)),
    other("task.duedate.updated", TASK, Some(PN)),
    other("task.duedate.removed", TASK, Some(PN)),
];

fn fixture(event_type: &str) -> (String, Value) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests/data/documented",
        &format!("{event_type}.json"),
    ]
    .iter()
    .collect();
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_str(&json).unwrap();
    (json, value)
}

/// The variant `data` must read as for `event_type`.
fn is_typed_variant(event_type: &EventType, data: &EventData) -> bool {
    match data {
        EventData::Message(_) => event_type.is_message(),
        EventData::Call(_) => matches!(
            event_type,
            EventType::CallRinging
                | EventType::CallAnswered
                | EventType::CallCompleted
                | EventType::CallForwarded
                | EventType::CallMissed
                | EventType::CallMenuSelected
        ),
        EventData::Recording(_) => *event_type == EventType::CallRecordingCompleted,
        EventData::Summary(_) => *event_type == EventType::CallSummaryCompleted,
        EventData::Transcript(_) => *event_type == EventType::CallTranscriptCompleted,
        EventData::Voicemail(_) => *event_type == EventType::CallVoicemailCompleted,
        EventData::Contact(_) => event_type.is_contact(),
        EventData::Task(_) => event_type.is_task(),
        _ => false,
    }
}

#[test]
fn every_documented_payload_parses_typed_round_trips_and_reads_well() {
    let covered: Vec<EventType> = EXPECTED
        .iter()
        .map(|e| e.event_type.parse().unwrap())
        .collect();
    assert_eq!(covered, EventType::KNOWN, "one fixture per known type");

    for expect in &EXPECTED {
        let name = expect.event_type;
        let (json, value) = fixture(name);
        let event: Event = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.event_type.as_str(), name);
        assert!(
            is_typed_variant(&event.event_type, &event.data),
            "{name}: read as {:?}",
            event.data
        );
        assert_eq!(serde_json::to_value(&event).unwrap(), value, "{name}");
        // The same through the format-detecting entry point.
        let any = parse_any(json.as_bytes()).unwrap();
        assert!(!any.is_legacy(), "{name}");
        assert_eq!(serde_json::to_value(&any).unwrap(), value, "{name}");

        assert_eq!(event.org_id(), Some(ORG), "{name}");
        assert_eq!(event.resource_id(), expect.resource_id, "{name}");
        assert_eq!(event.call_id(), expect.call_id, "{name}");
        assert_eq!(event.phone_number_id(), expect.phone_number_id, "{name}");
        let contact_ids: Option<Vec<&str>> = event
            .contact_ids()
            .map(|ids| ids.iter().map(String::as_str).collect());
        assert_eq!(contact_ids.as_deref(), expect.contact_ids, "{name}");
        let participants = event.participants().map(|p| {
            (
                p.workspace.clone().unwrap(),
                p.external.clone().unwrap(),
                p.resolution.clone(),
            )
        });
        match (participants, expect.participants) {
            (Some((workspace, external, resolution)), Some((w, e))) => {
                assert_eq!(workspace, w, "{name}");
                assert_eq!(external, e, "{name}");
                assert_eq!(resolution, Some(Resolution::Available), "{name}");
            }
            (None, None) => {}
            (got, want) => panic!("{name}: participants {got:?}, expected {want:?}"),
        }
        assert_eq!(event.sender(), expect.sender, "{name}");
        assert!(event.correlation_key().is_some(), "{name}");
        assert!(event.data.links().is_some(), "{name}");
    }
}

fn event(event_type: &str) -> Event {
    serde_json::from_value(fixture(event_type).1).unwrap()
}

#[test]
fn message_fields() {
    let received = event("message.received");
    let data = received.data.as_message().unwrap();
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(resource.status, Some(MessageStatus::Received));
    let media = resource.media.as_ref().unwrap();
    assert_eq!(media[0].media_type, None, "media `type` is optional");
    assert_eq!(media[1].media_type.as_deref(), Some("image/png"));
    assert_eq!(received.recipients(), Some(&[QUO.to_owned()][..]));

    let failed = event("message.failed");
    let resource = failed.data.as_message().unwrap().resource.clone().unwrap();
    assert_eq!(resource.error_code, None);
    assert_eq!(resource.extra.get("errorCode"), Some(&Value::Null));
    let contacts = failed.data.as_message().unwrap().context.clone().unwrap();
    assert_eq!(
        contacts.contacts.unwrap().lookup_status,
        Some(LookupStatus::NoMatch)
    );

    let undelivered = event("message.undelivered");
    let resource = undelivered
        .data
        .as_message()
        .unwrap()
        .resource
        .clone()
        .unwrap();
    assert_eq!(resource.status, Some(MessageStatus::Undelivered));
    assert_eq!(resource.error_code.unwrap().to_string(), "30003");
}

#[test]
fn call_lifecycle_fields() {
    let completed = event("call.completed");
    let call = completed.data.as_call().unwrap();
    let resource = call.resource.as_ref().unwrap();
    assert_eq!(resource.status, Some(CallStatus::AiHandled));
    assert_eq!(resource.duration.as_ref().unwrap().as_secs_f64(), 0.35);
    assert_eq!(resource.has_voicemail, Some(false));
    let context = call.context.as_ref().unwrap();
    assert_eq!(context.phone_number_type, Some(PhoneNumberType::Private));

    let ringing = event("call.ringing");
    let context = ringing.data.as_call().unwrap().context.clone().unwrap();
    assert_eq!((context.contacts, context.phone_number_type), (None, None));

    let answered = event("call.answered");
    let resource = answered.data.as_call().unwrap().resource.clone().unwrap();
    assert_eq!(
        resource.answered_at.as_deref(),
        Some("2026-04-14T16:10:09.215Z")
    );
    assert_eq!(resource.answered_by_user_id, None);

    let forwarded = event("call.forwarded");
    let resource = forwarded.data.as_call().unwrap().resource.clone().unwrap();
    assert_eq!(resource.forwarded_to.as_deref(), Some("+14155550199"));
    assert_eq!(resource.updated_at, None);
    assert_eq!(forwarded.updated_at(), None);

    let menu = event("call.menu.selected");
    let resource = menu.data.as_call().unwrap().resource.clone().unwrap();
    assert_eq!(resource.phone_menu_selection.as_deref(), Some("1"));
    assert_eq!(resource.phone_menu_selection_name, None);
    assert!(resource.status_reason.is_some());
}

#[test]
fn recording_summary_transcript_and_voicemail_fields() {
    let recording = event("call.recording.completed");
    let EventData::Recording(data) = &recording.data else {
        panic!()
    };
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(resource.duration.as_ref().unwrap().as_secs_f64(), 214.6);
    let recordings = resource.recordings.as_ref().unwrap();
    assert_eq!(recordings.len(), 2);
    assert_eq!(
        recordings[0].duration.as_ref().unwrap().as_secs_f64(),
        213.9
    );
    let nulls = &recordings[1];
    assert_eq!(
        (&nulls.id, &nulls.url, &nulls.duration),
        (&None, &None, &None)
    );
    assert!(nulls.extra.values().all(Value::is_null) && nulls.extra.len() == 5);

    let summary = event("call.summary.completed");
    let EventData::Summary(data) = &summary.data else {
        panic!()
    };
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(
        resource.processing_status,
        Some(ProcessingStatus::Completed)
    );
    assert_eq!(resource.handled_by_ai_agent, Some(true));
    assert_eq!(resource.next_steps, None);
    let job = &resource.jobs.as_ref().unwrap()[0];
    let values: Vec<JobValue> = job
        .result
        .as_ref()
        .unwrap()
        .data
        .iter()
        .flatten()
        .map(|d| d.value.clone().unwrap())
        .collect();
    assert!(matches!(values[0], JobValue::Text(_)));
    assert_eq!(values[1], JobValue::Bool(false));
    assert!(matches!(values[2], JobValue::Number(_)));

    let transcript = event("call.transcript.completed");
    let EventData::Transcript(data) = &transcript.data else {
        panic!()
    };
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(
        serde_json::to_value(resource.duration.as_ref().unwrap()).unwrap(),
        serde_json::json!(214.0),
        "a whole number written as a float stays one"
    );
    let dialogue = resource.dialogue.as_ref().unwrap();
    assert_eq!(dialogue[1].end.as_ref().unwrap().as_secs_f64(), 9.12);
    assert_eq!(dialogue[1].user_id, None);
    assert_eq!(dialogue[0].identifier, None);

    let voicemail = event("call.voicemail.completed");
    let EventData::Voicemail(data) = &voicemail.data else {
        panic!()
    };
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(
        resource.voicemail_id.as_deref(),
        Some("VM2d62b0035f348790d3b99c33de8058c4")
    );
    assert_eq!(
        (resource.from.as_deref(), resource.to.as_deref()),
        (Some(DANA), Some(QUO))
    );
    assert_eq!(resource.transcript, None);
    assert!(resource.recording_url.is_some());
    assert_eq!(resource.duration.as_ref().unwrap().as_secs_f64(), 27.4);
}

#[test]
fn contact_fields() {
    let updated = event("contact.updated");
    let data = updated.data.as_contact().unwrap();
    let resource = data.resource.as_ref().unwrap();
    assert_eq!(resource.location.as_deref(), Some("San Mateo, CA"));
    let email = &resource.emails.as_ref().unwrap()[0];
    assert_eq!(email.kind, Some(ContactValueKind::Email));
    let phone = &resource.phone_numbers.as_ref().unwrap()[0];
    assert_eq!(
        (phone.value.as_deref(), phone.kind.clone()),
        (Some(DANA), Some(ContactValueKind::PhoneNumber))
    );
    let fields = resource.custom_fields.as_ref().unwrap();
    let types: Vec<_> = fields
        .iter()
        .map(|f| f.field_type.clone().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            CustomFieldType::String,
            CustomFieldType::Url,
            CustomFieldType::Address,
            CustomFieldType::Date,
            CustomFieldType::Number,
            CustomFieldType::Boolean,
            CustomFieldType::MultiSelect
        ]
    );
    assert_eq!(fields[4].value, None, "a null number");
    assert_eq!(fields[5].value, Some(CustomFieldValue::Bool(true)));
    assert_eq!(
        fields[6].value,
        Some(CustomFieldValue::List(vec![
            "cleaning".into(),
            "x-ray".into()
        ]))
    );
    let context = data.context.as_ref().unwrap();
    assert_eq!(context.shared_with_ids.as_ref().unwrap().len(), 2);
    assert_eq!(updated.user_id(), Some("USm2Hc6VpL"));
    assert!(resource.extra.get("deletedAt").is_none());

    let deleted = event("contact.deleted");
    let resource = deleted.data.as_contact().unwrap().resource.clone().unwrap();
    assert_eq!(resource.last_name, None);
    assert_eq!(resource.extra.get("lastName"), Some(&Value::Null));
    assert!(deleted.data.links().unwrap().quo_is_null());
}

#[test]
fn task_fields() {
    let task = |name: &str| {
        let event = event(name);
        let data = event.data.as_task().unwrap().clone();
        (data.resource.unwrap(), data.context.unwrap())
    };
    let (created, context) = task("task.created");
    assert!(created.title.is_some() && created.description.is_some());
    assert_eq!(created.due_date, None);
    assert_eq!(context.actor_id.as_deref(), Some("USr4Nq8TzW"));
    assert_eq!(context.activity_id.as_deref(), Some(CALL));
    assert_eq!(context.phone_number_group_id, None);

    let (updated, _) = task("task.updated");
    let fields = updated.updated_fields.unwrap();
    assert_eq!(fields.title.as_ref().unwrap().is_updated, Some(true));
    assert!(fields.title.unwrap().updated_value.is_some());
    assert_eq!(fields.description.unwrap().is_updated, Some(false));

    assert_eq!(task("task.assigned").0.assignee_id(), Some("USm2Hc6VpL"));
    assert_eq!(
        task("task.unassigned").0.unassigned_id(),
        Some("USm2Hc6VpL")
    );
    assert!(task("task.overdue").0.due_date.is_some());
    assert!(task("task.duedate.updated").0.updated_due_date.is_some());
    for name in [
        "task.deleted",
        "task.completed",
        "task.reopened",
        "task.linked",
        "task.unlinked",
        "task.duedate.removed",
    ] {
        let (resource, _) = task(name);
        assert_eq!(resource.id.as_deref(), Some(TASK), "{name}");
        assert_eq!(
            serde_json::to_value(&resource).unwrap(),
            serde_json::json!({ "id": TASK }),
            "{name}"
        );
    }
}

#[test]
fn integration_and_other_unknown_events_are_kept_whole() {
    let input = serde_json::json!({
        "id": "EV5b0f", "apiVersion": "2026-03-30", "createdAt": "2026-04-14T16:00:00.000Z",
        "type": "integration.hubspot.contact.synced",
        "data": { "resource": { "id": "IN1", "participants": ["+1"], "duration": 1.5 },
                  "context": { "orgId": ORG }, "links": { "quo": null } }
    });
    let event: Event = serde_json::from_value(input.clone()).unwrap();
    assert!(matches!(event.data, EventData::Unknown(_)));
    assert_eq!(serde_json::to_value(&event).unwrap(), input);
    assert_eq!(event.org_id(), Some(ORG));
}
