//! Legacy to new: normalisation and correlation, on the migration guide's pair and the crate's
//! samples.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use quo_webhooks::parity::{Difference, Observation, ParityChecker, ParityField};
use quo_webhooks::{
    AnyEvent, Event, EventData, EventType, LegacyEvent, LookupStatus, normalize, parse_any, samples,
};
use serde_json::Value;

fn shared(name: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("data/quo-samples.json")).unwrap();
    all[name].clone()
}

fn legacy(json: &str) -> LegacyEvent {
    serde_json::from_str(json).unwrap()
}

fn new(event_type: EventType) -> Event {
    serde_json::from_str(samples::get(&event_type).unwrap()).unwrap()
}

#[test]
fn migration_guide_pair_normalises_to_the_same_resource_context_and_links() {
    let legacy: LegacyEvent =
        serde_json::from_value(shared("legacy_v4_message_received_migration_guide")).unwrap();
    let beta: Event =
        serde_json::from_value(shared("beta_message_received_migration_guide")).unwrap();
    let normalised = normalize(&legacy);

    assert_eq!(normalised.event_type, beta.event_type);
    assert_eq!(normalised.api_version, beta.api_version);
    let (n, b) = (
        normalised.data.as_message().unwrap(),
        beta.data.as_message().unwrap(),
    );

    // resource: what the legacy payload carries is equal; status and createdAt it lacks.
    let (nr, br) = (n.resource.as_ref().unwrap(), b.resource.as_ref().unwrap());
    assert_eq!(nr.id, br.id);
    assert_eq!(nr.text, br.text);
    assert_eq!(nr.direction, br.direction);
    assert_eq!((nr.status.as_ref(), nr.created_at.as_ref()), (None, None));

    // context: phone number, user, contact ids, and the lookup status inferred from them.
    let (nc, bc) = (n.context.as_ref().unwrap(), b.context.as_ref().unwrap());
    assert_eq!(nc.phone_number_id, bc.phone_number_id);
    assert_eq!(nc.user_id, bc.user_id);
    assert_eq!(nc.contacts, bc.contacts);
    assert_eq!(
        nc.contacts.as_ref().unwrap().lookup_status,
        Some(LookupStatus::Matched)
    );
    // The guide's legacy example has no from/to, so sender and recipients stay absent.
    assert_eq!(nc.sender_identifier, None);
    assert_eq!(nc.recipient_identifiers, None);

    // links
    assert_eq!(n.links, b.links);
    assert_eq!(normalised.deep_link(), Some("https://my.quo.com/inbox/..."));

    // Both deliveries correlate, and the parity check finds only the fields legacy lacks.
    assert_eq!(legacy.correlation_key(), beta.correlation_key());
    let checker = ParityChecker::new();
    checker.observe(&AnyEvent::Legacy(legacy));
    let Observation::Paired(report) = checker.observe(&AnyEvent::New(beta)) else {
        panic!("not paired")
    };
    assert!(report.is_match(), "{report:?}");
    let missing: Vec<_> = report
        .diffs
        .iter()
        .map(|d| (d.field, d.difference))
        .collect();
    assert_eq!(
        missing,
        [
            (ParityField::Sender, Difference::MissingInLegacy),
            (ParityField::Recipients, Difference::MissingInLegacy),
        ]
    );
}

#[test]
fn legacy_twin_of_the_message_sample_normalises_to_its_data_exactly() {
    let normalised = normalize(&legacy(samples::LEGACY_V4_MESSAGE_RECEIVED));
    let mut new = new(EventType::MessageReceived);
    // Everything but `orgId`, which legacy objects do not carry.
    let EventData::Message(data) = &mut new.data else {
        panic!("not a message")
    };
    let context = data.context.as_mut().unwrap();
    assert_eq!(context.org_id.take().as_deref(), Some("ORq3Vd8KsN"));
    assert_eq!(normalised.data, new.data);
    assert_eq!(normalised.correlation_key(), new.correlation_key());
    assert_ne!(normalised.id, new.id, "envelope ids differ across systems");
}

#[test]
fn v3_group_message_recipients_are_split_and_body_is_the_text() {
    let legacy = legacy(samples::LEGACY_V3_MESSAGE_RECEIVED);
    let to = legacy.object().unwrap().to.as_ref().unwrap();
    assert!(matches!(to, quo_webhooks::legacy::Recipients::One(s) if s.contains(',')));

    let event = normalize(&legacy);
    assert_eq!(
        event.recipients(),
        Some(&["+14155550123".to_owned(), "+13105550166".to_owned()][..])
    );
    assert_eq!(event.sender(), Some("+16505550187"));
    assert_eq!(event.text(), legacy.object().unwrap().body.as_deref());
    // No deepLink in the legacy payload: the new format's explicit null.
    assert!(event.data.links().unwrap().quo_is_null());
    // No contactIds: no contacts, rather than a guessed lookup status.
    assert_eq!(event.contact_ids(), None);
}

#[test]
fn api_guide_v4_message_maps_from_to_and_contact_ids() {
    let legacy: LegacyEvent =
        serde_json::from_value(shared("legacy_v4_message_received_api_guide")).unwrap();
    let event = normalize(&legacy);
    assert_eq!(event.sender(), Some("+19876543210"));
    assert_eq!(event.recipients(), Some(&["+15555555555".to_owned()][..]));
    assert_eq!(
        event.contact_ids(),
        Some(&["6824dfb69aee85c132b7dg65".to_owned()][..])
    );
    assert_eq!(event.phone_number_id(), Some("PNtoDbDhuz"));
    assert_eq!(
        event.created_at.as_deref(),
        Some("2022-01-23T16:55:52.557Z")
    );
    assert_eq!(event.api_version.as_deref(), Some("2026-03-30"));
    let resource = event.data.as_message().unwrap().resource.clone().unwrap();
    assert_eq!(
        resource.status.unwrap().as_str(),
        "delivered",
        "status is copied, not translated"
    );
}

#[test]
fn call_summary_correlates_with_the_new_summary_of_the_same_call() {
    let legacy = legacy(samples::LEGACY_CALL_SUMMARY);
    let new = new(EventType::CallSummaryCompleted);
    assert_eq!(legacy.event_type, "callSummary");
    assert_eq!(legacy.new_event_type(), EventType::CallSummaryCompleted);
    let key = legacy.correlation_key().unwrap();
    assert_eq!(Some(&key), new.correlation_key().as_ref());
    assert_eq!(key.subject(), new.call_id().unwrap());

    let normalised = normalize(&legacy);
    let (EventData::Summary(n), EventData::Summary(s)) = (&normalised.data, &new.data) else {
        panic!("not summaries")
    };
    let (n, s) = (n.resource.as_ref().unwrap(), s.resource.as_ref().unwrap());
    assert_eq!(n.call_id, s.call_id);
    assert_eq!(n.summary, s.summary);
    assert_eq!(n.next_steps, s.next_steps);
    assert_eq!(n.processing_status, s.processing_status);
    assert!(
        n.extra.is_empty(),
        "the legacy summary has no id of its own"
    );
}

#[test]
fn legacy_v4_call_twin_normalises_to_the_documented_call_shape() {
    let legacy = legacy(samples::LEGACY_V4_CALL_COMPLETED);
    let new = new(EventType::CallCompleted);
    assert_eq!(legacy.correlation_key(), new.correlation_key());
    let normalised = normalize(&legacy);
    assert_eq!(normalised.call_id(), new.call_id());
    let (n, s) = (
        normalised.data.as_call().unwrap(),
        new.data.as_call().unwrap(),
    );
    // The resource: everything call.completed documents is determined by the legacy call.
    assert_eq!(n.resource, s.resource);
    // The context: participants split by direction; legacy has no orgId, phoneNumberType or
    // resolution.
    let (nc, sc) = (n.context.as_ref().unwrap(), s.context.as_ref().unwrap());
    let (np, sp) = (
        nc.participants.as_ref().unwrap(),
        sc.participants.as_ref().unwrap(),
    );
    assert_eq!(np.workspace, sp.workspace);
    assert_eq!(np.external, sp.external);
    assert_eq!(np.resolution, None);
    assert_eq!(nc.org_id, None);
    assert_eq!(nc.phone_number_type, None);
    assert_eq!(
        (
            &nc.phone_number_id,
            &nc.conversation_id,
            &nc.user_id,
            &nc.contacts
        ),
        (
            &sc.phone_number_id,
            &sc.conversation_id,
            &sc.user_id,
            &sc.contacts
        )
    );
    assert_eq!(n.links, s.links);
    assert_eq!(normalised.sender(), None);
    assert!(nc.extra.is_empty());
}

#[test]
fn call_transcript_correlates_with_the_new_transcript_of_the_same_call() {
    let legacy = legacy(samples::LEGACY_CALL_TRANSCRIPT);
    let new = new(EventType::CallTranscriptCompleted);
    assert_eq!(legacy.new_event_type(), EventType::CallTranscriptCompleted);
    assert_eq!(legacy.correlation_key(), new.correlation_key());

    let normalised = normalize(&legacy);
    let (EventData::Transcript(n), EventData::Transcript(t)) = (&normalised.data, &new.data) else {
        panic!("not transcripts")
    };
    assert_eq!(
        n.resource.as_ref().unwrap().dialogue,
        t.resource.as_ref().unwrap().dialogue
    );
    assert_eq!(
        n.resource.as_ref().unwrap().duration,
        t.resource.as_ref().unwrap().duration
    );
    assert_eq!(
        n.resource.as_ref().unwrap().processing_status,
        t.resource.as_ref().unwrap().processing_status
    );
}

#[test]
fn summary_and_transcript_of_one_call_have_different_keys() {
    let summary = legacy(samples::LEGACY_CALL_SUMMARY).correlation_key();
    let transcript = legacy(samples::LEGACY_CALL_TRANSCRIPT).correlation_key();
    assert_eq!(
        summary.as_ref().unwrap().subject(),
        transcript.as_ref().unwrap().subject()
    );
    assert_ne!(summary, transcript);
}

#[test]
fn correlation_keys_differ_between_business_events() {
    let keys: Vec<_> = samples::all()
        .map(|(_, json)| {
            parse_any(json.as_bytes())
                .unwrap()
                .correlation_key()
                .unwrap()
        })
        .collect();
    let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "{keys:#?}");
    // The same call through its lifecycle: same subject, different events.
    let ringing = new(EventType::CallRinging).correlation_key().unwrap();
    let completed = new(EventType::CallCompleted).correlation_key().unwrap();
    assert_eq!(ringing.subject(), completed.subject());
    assert_ne!(ringing, completed);
}

#[test]
fn legacy_recording_correlates_on_the_call_id() {
    let legacy: LegacyEvent = serde_json::from_str(
        r#"{"id":"EVx","object":"event","apiVersion":"v3","type":"call.recording.completed",
            "data":{"object":{"id":"AC5d7963c4f471e142f5a72214a9666fb1","object":"call",
            "media":[{"url":"https://r","type":"audio/mpeg","duration":214}]}}}"#,
    )
    .unwrap();
    assert_eq!(
        legacy.correlation_key(),
        new(EventType::CallRecordingCompleted).correlation_key()
    );
}
