//! Correlation keys: one business event, whichever system delivered it.

use std::fmt;

use crate::EventType;

/// Identifies one business event across Quo's two webhook systems.
///
/// Built from stable business fields only: the (new-format) event type and the id of the
/// event's subject, which is the resource id, or the call id for recordings, summaries,
/// transcripts and voicemails (a legacy summary or transcript has no id of its own). The
/// legacy and the new delivery of one event give equal keys; their envelope ids (`EV...`)
/// differ and are not part of the key.
///
/// `Display` gives `TYPE:ID` (for example `message.received:AC123`), fit as a store key.
///
/// # Examples
///
/// ```
/// use quo_webhooks::{normalize, parse_any, samples, AnyEvent};
///
/// let legacy = parse_any(samples::LEGACY_CALL_SUMMARY.as_bytes())?;
/// let new = parse_any(samples::get(&quo_webhooks::EventType::CallSummaryCompleted).unwrap().as_bytes())?;
/// assert!(matches!(legacy, AnyEvent::Legacy(_)));
/// assert_eq!(legacy.correlation_key(), new.correlation_key());
/// # Ok::<(), quo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationKey {
    event_type: EventType,
    subject: String,
}

impl CorrelationKey {
    /// A key for the event of `event_type` about `subject` (a resource or call id).
    #[must_use]
    pub fn new(event_type: EventType, subject: impl Into<String>) -> Self {
        Self {
            event_type,
            subject: subject.into(),
        }
    }

    /// The new-format event type.
    #[must_use]
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The id of the event's subject.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

impl fmt::Display for CorrelationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.event_type, self.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_type_and_by_subject() {
        let a = CorrelationKey::new(EventType::MessageReceived, "AC1");
        assert_eq!(a, CorrelationKey::new(EventType::MessageReceived, "AC1"));
        assert_ne!(a, CorrelationKey::new(EventType::MessageDelivered, "AC1"));
        assert_ne!(a, CorrelationKey::new(EventType::MessageReceived, "AC2"));
        assert_eq!(a.to_string(), "message.received:AC1");
    }
}
