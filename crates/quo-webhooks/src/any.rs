//! One entry point for both formats: [`parse_any`] and [`AnyEvent`].

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::{CorrelationKey, Error, Event, EventType, LegacyEvent, normalize};

/// An event in either format, as [`parse_any`] found it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Both variants are large (most fields are inline `Option`s); boxing one would only make
// matching clumsier, for a value built once per request.
#[allow(clippy::large_enum_variant)]
pub enum AnyEvent {
    /// A new-format (`2026-03-30`) event.
    New(Event),
    /// A legacy (`v2`/`v3`/`v4`) event.
    Legacy(LegacyEvent),
}

impl AnyEvent {
    /// Tells the two formats apart and reads `value` as the one it is.
    ///
    /// A payload is legacy when its `apiVersion` is `v` followed by digits, or its `object` is
    /// `"event"`, or its `data` has an `object` and no `resource`. Anything else is read as a
    /// new-format event.
    ///
    /// # Errors
    ///
    /// [`Error::NotAnObject`] when `value` is not an object; [`Error::InvalidEvent`] or
    /// [`Error::InvalidLegacyEvent`] when it does not fit the format it was taken for.
    pub fn from_value(value: Value) -> Result<Self, Error> {
        let Value::Object(map) = &value else {
            return Err(Error::NotAnObject);
        };
        let versioned_legacy = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|v| v.strip_prefix('v'))
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
        let legacy_object = map.get("object").and_then(Value::as_str) == Some("event");
        let legacy_data = map
            .get("data")
            .and_then(Value::as_object)
            .is_some_and(|data| data.contains_key("object") && !data.contains_key("resource"));
        if versioned_legacy || legacy_object || legacy_data {
            serde_json::from_value(value)
                .map(Self::Legacy)
                .map_err(Error::InvalidLegacyEvent)
        } else {
            serde_json::from_value(value)
                .map(Self::New)
                .map_err(Error::InvalidEvent)
        }
    }

    /// Whether this is a legacy event.
    #[must_use]
    pub fn is_legacy(&self) -> bool {
        matches!(self, Self::Legacy(_))
    }

    /// The envelope's id (`EV...`).
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::New(event) => &event.id,
            Self::Legacy(event) => &event.id,
        }
    }

    /// The new-format event type (a legacy type mapped by
    /// [`LegacyEvent::new_event_type`]).
    #[must_use]
    pub fn event_type(&self) -> EventType {
        match self {
            Self::New(event) => event.event_type.clone(),
            Self::Legacy(event) => event.new_event_type(),
        }
    }

    /// The key equal for the legacy and the new delivery of one business event.
    #[must_use]
    pub fn correlation_key(&self) -> Option<CorrelationKey> {
        match self {
            Self::New(event) => event.correlation_key(),
            Self::Legacy(event) => event.correlation_key(),
        }
    }

    /// The event in the new format: borrowed if it is one, [normalised](normalize) if legacy.
    #[must_use]
    pub fn normalized(&self) -> Cow<'_, Event> {
        match self {
            Self::New(event) => Cow::Borrowed(event),
            Self::Legacy(event) => Cow::Owned(normalize(event)),
        }
    }

    /// The event in the new format, [normalised](normalize) if legacy.
    #[must_use]
    pub fn into_event(self) -> Event {
        match self {
            Self::New(event) => event,
            Self::Legacy(event) => normalize(&event),
        }
    }
}

impl From<Event> for AnyEvent {
    fn from(event: Event) -> Self {
        Self::New(event)
    }
}

impl From<LegacyEvent> for AnyEvent {
    fn from(event: LegacyEvent) -> Self {
        Self::Legacy(event)
    }
}

/// Serialises as the event it holds.
impl Serialize for AnyEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::New(event) => event.serialize(serializer),
            Self::Legacy(event) => event.serialize(serializer),
        }
    }
}

/// Reads a webhook request body in either format.
///
/// See [`AnyEvent::from_value`] for how the formats are told apart. Never panics, whatever the
/// bytes.
///
/// # Errors
///
/// [`Error::InvalidJson`] when the body is not JSON, else as [`AnyEvent::from_value`].
///
/// # Examples
///
/// ```
/// use quo_webhooks::{parse_any, AnyEvent};
///
/// let body = br#"{"id":"EV1","object":"event","apiVersion":"v3","type":"message.received",
///     "data":{"object":{"id":"AC1","body":"hi","from":"+15550001111","to":"+15550002222"}}}"#;
/// let any = parse_any(body)?;
/// assert!(any.is_legacy());
/// let event = any.into_event();
/// assert_eq!(event.text(), Some("hi"));
/// assert_eq!(event.sender(), Some("+15550001111"));
/// # Ok::<(), quo_webhooks::Error>(())
/// ```
pub fn parse_any(body: &[u8]) -> Result<AnyEvent, Error> {
    let value: Value = serde_json::from_slice(body).map_err(Error::InvalidJson)?;
    AnyEvent::from_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_the_formats_apart() {
        let cases: [(&[u8], bool); 5] = [
            (
                br#"{"id":"E","apiVersion":"2026-03-30","type":"t","data":{"resource":{}}}"#,
                false,
            ),
            (
                br#"{"id":"E","apiVersion":"v4","type":"t","data":{}}"#,
                true,
            ),
            (br#"{"id":"E","object":"event","type":"t"}"#, true),
            (br#"{"id":"E","type":"t","data":{"object":{}}}"#, true),
            (
                br#"{"id":"E","apiVersion":"v","type":"t","data":{}}"#,
                false,
            ),
        ];
        for (body, legacy) in cases {
            assert_eq!(parse_any(body).unwrap().is_legacy(), legacy);
        }
    }

    #[test]
    fn rejects_non_objects_and_non_json() {
        assert!(matches!(parse_any(b"[1]"), Err(Error::NotAnObject)));
        assert!(matches!(parse_any(b"{"), Err(Error::InvalidJson(_))));
        assert!(matches!(
            parse_any(br#"{"type":"message.received","data":{}}"#),
            Err(Error::InvalidEvent(_))
        ));
        let error = parse_any(br#"{"object":"event","type":"x"}"#).unwrap_err();
        assert!(matches!(error, Error::InvalidLegacyEvent(_)));
        assert!(error.to_string().contains("`id`"), "{error}");
        assert!(std::error::Error::source(&error).is_some());
    }
}
