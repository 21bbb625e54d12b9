//! Legacy payloads (`apiVersion` `v2`, `v3`, `v4`): [`LegacyEvent`].
//!
//! The legacy envelope is `{ id, object: "event", apiVersion, createdAt, type, data: { object,
//! deepLink? } }`. The shape of `data.object` varies by version and by kind, so
//! [`LegacyObject`] is one flat type holding the union of the known fields, all optional:
//!
//! - v4 (webhooks made through the API) messages carry `text`, `to` as an array and
//!   `contactIds`;
//! - v2/v3 (webhooks made in the Quo app) messages carry `body` and `to` as one string,
//!   comma-joined for group messages ([`Recipients::One`]);
//! - calls carry `answeredBy`, `participants`, `duration`, `media`, `voicemail`, ...;
//! - summaries and transcripts (event `type` `callSummary` / `callTranscript`) carry `callId`
//!   instead of `id`.

use serde::de::Error as _;
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::call::DialogueSegment;
use crate::common::Direction;
use crate::correlation::CorrelationKey;
use crate::event_type::{EventType, Kind};
use crate::object::{json_object, take, take_required};

/// The recipients of a legacy message or call (`data.object.to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Recipients {
    /// v2/v3: one string, comma-joined when there are several recipients.
    One(String),
    /// v4: an array of numbers.
    Many(Vec<String>),
}

impl Recipients {
    /// Each recipient's number: a v2/v3 string split on commas, each part trimmed, empty parts
    /// dropped; a v4 array as it is.
    #[must_use]
    pub fn numbers(&self) -> Vec<String> {
        match self {
            Self::One(joined) => joined
                .split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect(),
            Self::Many(numbers) => numbers.clone(),
        }
    }
}

json_object! {
    /// The subject of a legacy event (`data.object`): a message, call, call summary, call
    /// transcript or contact, as one flat type (see the [module docs](self)).
    pub struct LegacyObject {
        /// The subject's id (`AC...` for messages and calls). Absent from summaries and
        /// transcripts.
        "id" => id: String,
        /// What the subject is: `message`, `call`, `callSummary`, `callTranscript`, `contact`.
        "object" => object: String,
        /// The call of a summary or transcript.
        "callId" => call_id: String,
        /// The sender's number, whichever the direction.
        "from" => from: String,
        /// The recipients' numbers.
        "to" => to: Recipients,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// The message text (v4).
        "text" => text: String,
        /// The message text (v2/v3).
        "body" => body: String,
        /// Attachments or recordings; their shape varies (objects with `url` and `type`, or
        /// bare URLs), so they are kept as JSON.
        "media" => media: Vec<Value>,
        /// The status, as sent.
        "status" => status: String,
        /// When the subject was created.
        "createdAt" => created_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
        /// When the call was answered.
        "answeredAt" => answered_at: String,
        /// When the call ended.
        "completedAt" => completed_at: String,
        /// The Quo user who answered the call.
        "answeredBy" => answered_by: String,
        /// The Quo user who placed the call.
        "initiatedBy" => initiated_by: String,
        /// Whom the call was forwarded from (a user id in Quo's examples).
        "forwardedFrom" => forwarded_from: String,
        /// Whom the call was forwarded to (a user id in Quo's examples).
        "forwardedTo" => forwarded_to: String,
        /// The Quo user the subject belongs to.
        "userId" => user_id: String,
        /// The Quo number's id.
        "phoneNumberId" => phone_number_id: String,
        /// The conversation's id.
        "conversationId" => conversation_id: String,
        /// The matched contacts' ids (v4).
        "contactIds" => contact_ids: Vec<String>,
        /// The external participants' numbers of a call.
        "participants" => participants: Vec<String>,
        /// A call's or transcript's length in seconds (a JSON number, kept as sent).
        "duration" => duration: Number,
        /// The voicemail of a call (`null` when none was left).
        "voicemail" => voicemail: Value,
        /// A summary's points.
        "summary" => summary: Vec<String>,
        /// A summary's suggested next steps.
        "nextSteps" => next_steps: Vec<String>,
        /// A transcript's speech.
        "dialogue" => dialogue: Vec<DialogueSegment>,
        /// A contact's first name.
        "firstName" => first_name: String,
        /// A contact's last name.
        "lastName" => last_name: String,
        /// A contact's company.
        "company" => company: String,
        /// A contact's role.
        "role" => role: String,
    }
}

impl LegacyObject {
    /// The message text: `text` (v4), else `body` (v2/v3).
    #[must_use]
    pub fn message_text(&self) -> Option<&str> {
        self.text.as_deref().or(self.body.as_deref())
    }
}

json_object! {
    /// The `data` of a legacy event.
    pub struct LegacyData {
        /// The event's subject.
        "object" => object: LegacyObject,
        /// A deep link into the Quo app.
        "deepLink" => deep_link: String,
    }
}

/// A legacy Quo (OpenPhone) webhook event, `apiVersion` `v2`, `v3` or `v4`.
///
/// `id` and `type` are required; everything else is optional, unknown fields and explicit
/// `null`s are kept (in the `extra` maps), and serialising gives back the JSON value read.
/// Turn it into a new-format [`Event`](crate::Event) with [`normalize`](crate::normalize).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct LegacyEvent {
    /// The event id (`EV...`), the same across retries of this legacy event.
    pub id: String,
    /// Always `event` when present.
    pub object: Option<String>,
    /// `v2`, `v3` or `v4` (wire name `apiVersion`).
    pub api_version: Option<String>,
    /// When the event happened (wire name `createdAt`).
    pub created_at: Option<String>,
    /// The legacy event type as sent (wire name `type`): `message.received`, `call.completed`,
    /// `callSummary`, ... See [`LegacyEvent::new_event_type`].
    pub event_type: String,
    /// The event's data. Absent `data` reads as empty, and stays absent when written.
    pub data: Option<LegacyData>,
    /// Unmodelled envelope fields and explicit `null`s, as received.
    pub extra: Map<String, Value>,
}

/// Personal data redacted, as for every payload type (see [`redact`](crate::redact)).
impl std::fmt::Debug for LegacyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("LegacyEvent");
        out.field("id", &self.id)
            .field("object", &self.object)
            .field("api_version", &self.api_version)
            .field("created_at", &self.created_at)
            .field("event_type", &self.event_type)
            .field("data", &self.data);
        if !self.extra.is_empty() {
            out.field("extra", &crate::redact::Map(&self.extra));
        }
        out.finish()
    }
}

impl LegacyEvent {
    /// The new-format event type this legacy event corresponds to.
    ///
    /// `callSummary` becomes [`EventType::CallSummaryCompleted`] and `callTranscript`
    /// [`EventType::CallTranscriptCompleted`]: the legacy and new events both fire once the
    /// summary or transcript of a finished call is ready. Every other legacy type already uses
    /// the new name (`message.received`, `call.recording.completed`, ...) and maps to itself;
    /// a name unknown to both stays [`EventType::Unknown`].
    #[must_use]
    pub fn new_event_type(&self) -> EventType {
        match self.event_type.as_str() {
            "callSummary" => EventType::CallSummaryCompleted,
            "callTranscript" => EventType::CallTranscriptCompleted,
            other => EventType::from(other),
        }
    }

    /// The event's subject, if any (`data.object`).
    #[must_use]
    pub fn object(&self) -> Option<&LegacyObject> {
        self.data.as_ref()?.object.as_ref()
    }

    /// The deep link into the Quo app (`data.deepLink`).
    #[must_use]
    pub fn deep_link(&self) -> Option<&str> {
        self.data.as_ref()?.deep_link.as_deref()
    }

    /// The same key as the new delivery of this business event gives: see
    /// [`Event::correlation_key`](crate::Event::correlation_key). For summaries, transcripts,
    /// recordings and voicemails the subject is `callId`, else `id` (a legacy recording event
    /// carries the call itself, so its `id` is the call's); the object's `updatedAt` is added
    /// for the event types that recur for one subject. An unknown type's subject is `id` too
    /// (see the [`correlation`](crate::correlation) module). `None` without `data.object` or
    /// that id.
    ///
    /// [Normalising](crate::normalize()) keeps the key: for every event read from JSON,
    /// `normalize(&e).correlation_key()` is `e.correlation_key()`.
    #[must_use]
    pub fn correlation_key(&self) -> Option<CorrelationKey> {
        let subject = self.correlation_subject()?;
        Some(crate::correlation::key_with_default_version(
            self.new_event_type(),
            subject,
            self.object()?.updated_at.as_deref(),
        ))
    }

    /// The id a correlation key is built on.
    pub(crate) fn correlation_subject(&self) -> Option<&str> {
        let object = self.object()?;
        match self.new_event_type().kind() {
            Kind::Recording | Kind::Summary | Kind::Transcript | Kind::Voicemail => {
                object.call_id.as_deref().or(object.id.as_deref())
            }
            _ => object.id.as_deref(),
        }
    }

    fn typed_field_is_set(&self, key: &str) -> bool {
        match key {
            "id" | "type" => true,
            "object" => self.object.is_some(),
            "apiVersion" => self.api_version.is_some(),
            "createdAt" => self.created_at.is_some(),
            "data" => self.data.is_some(),
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for LegacyEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut extra = Map::<String, Value>::deserialize(deserializer)?;
        Ok(Self {
            id: take_required(&mut extra, "id").map_err(D::Error::custom)?,
            event_type: take_required(&mut extra, "type").map_err(D::Error::custom)?,
            object: take(&mut extra, "object").map_err(D::Error::custom)?,
            api_version: take(&mut extra, "apiVersion").map_err(D::Error::custom)?,
            created_at: take(&mut extra, "createdAt").map_err(D::Error::custom)?,
            data: take(&mut extra, "data").map_err(D::Error::custom)?,
            extra,
        })
    }
}

impl Serialize for LegacyEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 2
            + usize::from(self.object.is_some())
            + usize::from(self.api_version.is_some())
            + usize::from(self.created_at.is_some())
            + usize::from(self.data.is_some())
            + self
                .extra
                .keys()
                .filter(|k| !self.typed_field_is_set(k))
                .count();
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("id", &self.id)?;
        if let Some(object) = &self.object {
            map.serialize_entry("object", object)?;
        }
        if let Some(api_version) = &self.api_version {
            map.serialize_entry("apiVersion", api_version)?;
        }
        if let Some(created_at) = &self.created_at {
            map.serialize_entry("createdAt", created_at)?;
        }
        map.serialize_entry("type", &self.event_type)?;
        if let Some(data) = &self.data {
            map.serialize_entry("data", data)?;
        }
        for (key, value) in &self.extra {
            if !self.typed_field_is_set(key) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comma_joined_recipients_are_split() {
        let to = Recipients::One("+15550001111, +15550002222,,+15550003333 ".into());
        assert_eq!(
            to.numbers(),
            ["+15550001111", "+15550002222", "+15550003333"]
        );
        assert_eq!(
            Recipients::Many(vec!["+1".into()]).numbers(),
            vec!["+1".to_owned()]
        );
    }

    #[test]
    fn recipients_keep_their_json_shape() {
        for input in [json!({ "to": "+1,+2" }), json!({ "to": ["+1", "+2"] })] {
            let object: LegacyObject = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(object.to.as_ref().unwrap().numbers(), ["+1", "+2"]);
            assert_eq!(serde_json::to_value(&object).unwrap(), input);
        }
    }

    #[test]
    fn summary_and_transcript_map_to_the_completed_types() {
        let mut event: LegacyEvent =
            serde_json::from_value(json!({ "id": "EV1", "type": "callSummary" })).unwrap();
        assert_eq!(event.new_event_type(), EventType::CallSummaryCompleted);
        event.event_type = "callTranscript".into();
        assert_eq!(event.new_event_type(), EventType::CallTranscriptCompleted);
        event.event_type = "call.completed".into();
        assert_eq!(event.new_event_type(), EventType::CallCompleted);
        event.event_type = "call.sentiment".into();
        assert_eq!(
            event.new_event_type(),
            EventType::Unknown("call.sentiment".into())
        );
        assert_eq!(event.correlation_key(), None);
    }

    #[test]
    fn legacy_envelope_round_trips_without_data() {
        let input = json!({ "id": "EV1", "object": "event", "apiVersion": "v3", "type": "x", "createdAt": null });
        let event: LegacyEvent = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(event.data, None);
        assert_eq!(serde_json::to_value(&event).unwrap(), input);
    }

    #[test]
    fn body_is_the_text_of_v3_messages() {
        let object: LegacyObject = serde_json::from_value(json!({ "body": "hi" })).unwrap();
        assert_eq!(object.message_text(), Some("hi"));
        let object: LegacyObject =
            serde_json::from_value(json!({ "text": "a", "body": "b" })).unwrap();
        assert_eq!(object.message_text(), Some("a"));
    }
}
