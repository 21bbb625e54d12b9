//! `Debug` without personal data.
//!
//! Payloads carry message text, phone numbers, names, e-mail addresses, transcripts and links
//! to recordings. Their `Debug` output ends up in logs and panic messages, so every payload
//! type of this crate prints its structure but replaces text with its length
//! (`"<redacted: 12 chars>"`), except where the text is known not to be personal: ids
//! (`id`, `...Id`, `...Ids`), instants (`...At`, `...Date`, `...Time`), versions, and the
//! enum-like fields (`type`, `status`, `direction`, ...). Numbers and booleans are shown.
//!
//! ```
//! use quo_webhooks::{Event, EventType, samples};
//!
//! let event: Event = serde_json::from_str(samples::get(&EventType::MessageReceived).unwrap())?;
//! let debug = format!("{event:?}");
//! assert!(debug.contains(&event.id));
//! assert!(!debug.contains(event.text().unwrap()));
//! assert!(!debug.contains(event.sender().unwrap()));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// Whether the text under `key` is shown as is: ids, instants, versions and enum values.
fn shows_text(key: &str) -> bool {
    key == "id"
        || key.ends_with("Id")
        || key.ends_with("Ids")
        || key.ends_with("At")
        || key.ends_with("Date")
        || key.ends_with("Time")
        || matches!(
            key,
            "apiVersion"
                | "object"
                | "type"
                | "status"
                | "direction"
                | "lookupStatus"
                | "resolution"
                | "phoneNumberType"
                | "processingStatus"
                | "errorCode"
                | "triggerType"
                | "source"
        )
}

/// One typed field, printed through its JSON value.
pub(crate) struct Field<'a, T>(pub(crate) &'static str, pub(crate) &'a T);

impl<T: Serialize> fmt::Debug for Field<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self.1) {
            Ok(value) => Redacted(self.0, &value).fmt(f),
            Err(_) => f.write_str("<unprintable>"),
        }
    }
}

/// An `extra` map: each value redacted under its own key.
pub(crate) struct Map<'a>(pub(crate) &'a serde_json::Map<String, Value>);

impl fmt::Debug for Map<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (k, Redacted(k, v))))
            .finish()
    }
}

/// A JSON value whose strings are shown only under keys that [`shows_text`] allows.
pub(crate) struct Redacted<'a>(pub(crate) &'a str, pub(crate) &'a Value);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(key, value) = *self;
        match value {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) if shows_text(key) => write!(f, "{s:?}"),
            Value::String(s) => write!(f, "<redacted: {} chars>", s.chars().count()),
            Value::Array(items) => f
                .debug_list()
                .entries(items.iter().map(|v| Redacted(key, v)))
                .finish(),
            Value::Object(map) => Map(map).fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_replaced_by_its_length_except_ids_times_and_enums() {
        let value = json!({
            "id": "AC1", "conversationId": "CN1", "contactIds": ["CT1"], "createdAt": "2026-01-01T00:00:00Z",
            "status": "received", "text": "my secret pin is 1234", "recipientIdentifiers": ["+15550100"],
            "duration": 12.5, "hasVoicemail": true, "nested": { "firstName": "Ana", "userId": "US1" }
        });
        let debug = format!("{:?}", Redacted("data", &value));
        for shown in [
            "AC1",
            "CN1",
            "CT1",
            "2026-01-01",
            "received",
            "12.5",
            "true",
            "US1",
        ] {
            assert!(debug.contains(shown), "{shown} missing from {debug}");
        }
        for hidden in ["secret", "1234", "+1555", "Ana"] {
            assert!(!debug.contains(hidden), "{hidden} shown in {debug}");
        }
        assert!(debug.contains("<redacted: 21 chars>"), "{debug}");
    }
}
