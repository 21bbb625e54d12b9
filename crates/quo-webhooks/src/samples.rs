//! Realistic sample payloads: one new-format event for each of the fourteen event types, and a
//! few legacy ones, for tests and for sending test deliveries.
//!
//! They tell one small story (a dental practice's Quo number, a patient texting and calling),
//! so related samples share ids: the legacy v4 `message.received` is the legacy twin of the new
//! `message.received`, and the legacy summary and transcript belong to the call of the new
//! `call.completed`, `call.summary.completed` and `call.transcript.completed`. All ids, numbers
//! (from the reserved `555-01xx` range) and people are made up.
//!
//! # Examples
//!
//! ```
//! use quo_webhooks::{samples, Event, EventType};
//!
//! for (event_type, json) in samples::all() {
//!     let event: Event = serde_json::from_str(json)?;
//!     assert_eq!(event.event_type, event_type);
//! }
//! assert!(samples::get(&EventType::CallMissed).is_some());
//! # Ok::<(), serde_json::Error>(())
//! ```

use crate::EventType;

const MESSAGE_RECEIVED: &str = include_str!("../samples/message.received.json");
const MESSAGE_DELIVERED: &str = include_str!("../samples/message.delivered.json");
const MESSAGE_FAILED: &str = include_str!("../samples/message.failed.json");
const CALL_RINGING: &str = include_str!("../samples/call.ringing.json");
const CALL_ANSWERED: &str = include_str!("../samples/call.answered.json");
const CALL_COMPLETED: &str = include_str!("../samples/call.completed.json");
const CALL_FORWARDED: &str = include_str!("../samples/call.forwarded.json");
const CALL_MISSED: &str = include_str!("../samples/call.missed.json");
const CALL_RECORDING_COMPLETED: &str = include_str!("../samples/call.recording.completed.json");
const CALL_SUMMARY_COMPLETED: &str = include_str!("../samples/call.summary.completed.json");
const CALL_TRANSCRIPT_COMPLETED: &str = include_str!("../samples/call.transcript.completed.json");
const CALL_VOICEMAIL_COMPLETED: &str = include_str!("../samples/call.voicemail.completed.json");
const CONTACT_UPDATED: &str = include_str!("../samples/contact.updated.json");
const CONTACT_DELETED: &str = include_str!("../samples/contact.deleted.json");

/// A legacy `v3` (app-made) group `message.received`: `body`, and `to` as one comma-joined
/// string.
pub const LEGACY_V3_MESSAGE_RECEIVED: &str =
    include_str!("../samples/legacy-v3-message-received.json");
/// A legacy `v4` (API-made) `message.received`: `text`, `to` as an array, `contactIds` and
/// `deepLink`. The legacy twin of the new `message.received` sample.
pub const LEGACY_V4_MESSAGE_RECEIVED: &str =
    include_str!("../samples/legacy-v4-message-received.json");
/// A legacy `callSummary` of the call in the new call samples.
pub const LEGACY_CALL_SUMMARY: &str = include_str!("../samples/legacy-call-summary.json");
/// A legacy `callTranscript` of the call in the new call samples.
pub const LEGACY_CALL_TRANSCRIPT: &str = include_str!("../samples/legacy-call-transcript.json");

/// The new-format sample of `event_type`; `None` for an unknown type.
#[must_use]
pub fn get(event_type: &EventType) -> Option<&'static str> {
    Some(match event_type {
        EventType::MessageReceived => MESSAGE_RECEIVED,
        EventType::MessageDelivered => MESSAGE_DELIVERED,
        EventType::MessageFailed => MESSAGE_FAILED,
        EventType::CallRinging => CALL_RINGING,
        EventType::CallAnswered => CALL_ANSWERED,
        EventType::CallCompleted => CALL_COMPLETED,
        EventType::CallForwarded => CALL_FORWARDED,
        EventType::CallMissed => CALL_MISSED,
        EventType::CallRecordingCompleted => CALL_RECORDING_COMPLETED,
        EventType::CallSummaryCompleted => CALL_SUMMARY_COMPLETED,
        EventType::CallTranscriptCompleted => CALL_TRANSCRIPT_COMPLETED,
        EventType::CallVoicemailCompleted => CALL_VOICEMAIL_COMPLETED,
        EventType::ContactUpdated => CONTACT_UPDATED,
        EventType::ContactDeleted => CONTACT_DELETED,
        EventType::Unknown(_) => return None,
    })
}

/// Every new-format sample with its event type, in [`EventType::KNOWN`] order.
pub fn all() -> impl Iterator<Item = (EventType, &'static str)> {
    EventType::KNOWN
        .into_iter()
        .filter_map(|event_type| get(&event_type).map(|json| (event_type, json)))
}

/// Every legacy sample, with a short name (its file name without `.json`).
pub fn legacy() -> impl Iterator<Item = (&'static str, &'static str)> {
    [
        ("legacy-v3-message-received", LEGACY_V3_MESSAGE_RECEIVED),
        ("legacy-v4-message-received", LEGACY_V4_MESSAGE_RECEIVED),
        ("legacy-call-summary", LEGACY_CALL_SUMMARY),
        ("legacy-call-transcript", LEGACY_CALL_TRANSCRIPT),
    ]
    .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_a_sample_for_every_known_type() {
        assert_eq!(all().count(), 14);
        assert_eq!(legacy().count(), 4);
        assert_eq!(get(&EventType::Unknown("x".into())), None);
    }
}
