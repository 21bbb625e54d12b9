//! Realistic sample payloads: one new-format event for each of the twenty-eight known event
//! types, in the documented shapes of API version `2026-03-30` (every documented field
//! present), and a few legacy ones, for tests and for sending test deliveries.
//!
//! They tell one small story (a dental practice's Quo number, a patient texting and calling),
//! so related samples share ids: the legacy v4 `message.received` and `call.completed` are the
//! legacy twins of the new ones; the patient's call is the subject of `call.menu.selected`,
//! `call.ringing`, `call.answered`, `call.completed`, `call.recording.completed`, the summary
//! and the transcript (new and legacy); the missed call is the one with the voicemail; and the
//! task made after the call is linked to it. All ids, numbers (from the reserved `555-01xx`
//! range) and people are made up.
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
const MESSAGE_UNDELIVERED: &str = include_str!("../samples/message.undelivered.json");
const CALL_MENU_SELECTED: &str = include_str!("../samples/call.menu.selected.json");
const TASK_CREATED: &str = include_str!("../samples/task.created.json");
const TASK_UPDATED: &str = include_str!("../samples/task.updated.json");
const TASK_DELETED: &str = include_str!("../samples/task.deleted.json");
const TASK_COMPLETED: &str = include_str!("../samples/task.completed.json");
const TASK_REOPENED: &str = include_str!("../samples/task.reopened.json");
const TASK_ASSIGNED: &str = include_str!("../samples/task.assigned.json");
const TASK_UNASSIGNED: &str = include_str!("../samples/task.unassigned.json");
const TASK_OVERDUE: &str = include_str!("../samples/task.overdue.json");
const TASK_LINKED: &str = include_str!("../samples/task.linked.json");
const TASK_UNLINKED: &str = include_str!("../samples/task.unlinked.json");
const TASK_DUEDATE_UPDATED: &str = include_str!("../samples/task.duedate.updated.json");
const TASK_DUEDATE_REMOVED: &str = include_str!("../samples/task.duedate.removed.json");

/// A legacy `v3` (app-made) group `message.received`: `body`, and `to` as one comma-joined
/// string.
pub const LEGACY_V3_MESSAGE_RECEIVED: &str =
    include_str!("../samples/legacy-v3-message-received.json");
/// A legacy `v4` (API-made) `message.received`: `text`, `to` as an array, `contactIds` and
/// `deepLink`. The legacy twin of the new `message.received` sample.
pub const LEGACY_V4_MESSAGE_RECEIVED: &str =
    include_str!("../samples/legacy-v4-message-received.json");
/// A legacy `v4` (API-made) `call.completed`: the call object with `participants` as a list of
/// numbers, `from`, `to`, `answeredBy` and a fractional `duration`. The legacy twin of the new
/// `call.completed` sample.
pub const LEGACY_V4_CALL_COMPLETED: &str = include_str!("../samples/legacy-v4-call-completed.json");
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
        EventType::MessageUndelivered => MESSAGE_UNDELIVERED,
        EventType::CallMenuSelected => CALL_MENU_SELECTED,
        EventType::TaskCreated => TASK_CREATED,
        EventType::TaskUpdated => TASK_UPDATED,
        EventType::TaskDeleted => TASK_DELETED,
        EventType::TaskCompleted => TASK_COMPLETED,
        EventType::TaskReopened => TASK_REOPENED,
        EventType::TaskAssigned => TASK_ASSIGNED,
        EventType::TaskUnassigned => TASK_UNASSIGNED,
        EventType::TaskOverdue => TASK_OVERDUE,
        EventType::TaskLinked => TASK_LINKED,
        EventType::TaskUnlinked => TASK_UNLINKED,
        EventType::TaskDuedateUpdated => TASK_DUEDATE_UPDATED,
        EventType::TaskDuedateRemoved => TASK_DUEDATE_REMOVED,
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
        ("legacy-v4-call-completed", LEGACY_V4_CALL_COMPLETED),
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
        assert_eq!(all().count(), 28);
        assert_eq!(legacy().count(), 5);
        assert_eq!(get(&EventType::Unknown("x".into())), None);
    }
}
