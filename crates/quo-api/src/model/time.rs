//! Timestamps as the API writes them: RFC 3339 in UTC with milliseconds
//! (`2026-04-13T12:00:00.000Z`). Reading accepts any RFC 3339 instant.
//!
//! Use with `#[serde(with = "quo_api::model::time")]` on a [`jiff::Timestamp`] field, or
//! `time::option` on an `Option<jiff::Timestamp>`.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

/// Formats `timestamp` the way the API does: UTC, millisecond precision, `Z`.
#[must_use]
pub fn format(timestamp: Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Reads an RFC 3339 instant (any offset, any precision).
///
/// # Errors
///
/// When `text` is not an RFC 3339 instant.
pub fn parse(text: &str) -> Result<Timestamp, jiff::Error> {
    text.parse()
}

/// Serialises a timestamp as [`format()`] does.
///
/// # Errors
///
/// Only the serializer's own.
pub fn serialize<S: Serializer>(timestamp: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*timestamp))
}

/// Reads a timestamp as [`parse()`] does.
///
/// # Errors
///
/// When the value is not a string holding an RFC 3339 instant.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// The same for `Option<Timestamp>`, `null` being `None`.
pub mod option {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises `Some` as [`format()`](super::format) does, `None` as `null`.
    ///
    /// # Errors
    ///
    /// Only the serializer's own.
    pub fn serialize<S: Serializer>(
        timestamp: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match timestamp {
            Some(timestamp) => super::serialize(timestamp, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None` and a string as [`parse()`](super::parse) does.
    ///
    /// # Errors
    ///
    /// When the value is neither `null` nor an RFC 3339 instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)? {
            Some(text) => super::parse(&text)
                .map(Some)
                .map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds() {
        let t: Timestamp = "2026-04-13T12:00:00Z".parse().unwrap();
        assert_eq!(format(t), "2026-04-13T12:00:00.000Z");
        let t: Timestamp = "2026-04-13T14:00:00.1234+02:00".parse().unwrap();
        assert_eq!(format(t), "2026-04-13T12:00:00.123Z");
    }

    #[test]
    fn parse_refuses_text_that_is_no_instant() {
        assert!(parse("yesterday").is_err());
        assert!(parse("2026-04-13").is_err());
    }
}
