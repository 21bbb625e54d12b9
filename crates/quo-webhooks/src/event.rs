//! The new-format envelope ([`Event`]) and its typed `data` ([`EventData`]).

use std::fmt;

use serde::de::Error as _;
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::call::{
    CallContext, CallResource, RecordingResource, SummaryResource, TranscriptResource,
    VoicemailResource,
};
use crate::common::{Contacts, Links, Participants};
use crate::contact::{ContactContext, ContactResource};
use crate::correlation::CorrelationKey;
use crate::event_type::{EventType, Kind};
use crate::message::{MessageContext, MessageResource};
use crate::object::{take, take_required};
use crate::task::{TaskContext, TaskResource};

/// The `apiVersion` of the new webhooks, and the one [`normalize`](crate::normalize) gives.
pub const API_VERSION: &str = "2026-03-30";

/// The `data` of a new-format event: the subject (`resource`), where it belongs (`context`)
/// and its links (`links`), each optional, with any other field kept in
/// [`extra`](Self::extra).
#[derive(Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Data<R, C> {
    /// The event's subject: the message, call, recording, contact, task, ...
    pub resource: Option<R>,
    /// Where the subject belongs: the Quo number, conversation, user, contacts, parties.
    pub context: Option<C>,
    /// Links, today only the deep link into the Quo app.
    pub links: Option<Links>,
    /// Unmodelled fields and explicit `null`s, as received.
    pub extra: Map<String, Value>,
}

impl<R, C> Data<R, C> {
    /// Data with the given parts and nothing else.
    #[must_use]
    pub fn new(resource: Option<R>, context: Option<C>, links: Option<Links>) -> Self {
        Self {
            resource,
            context,
            links,
            extra: Map::new(),
        }
    }

    fn typed_field_is_set(&self, key: &str) -> bool {
        match key {
            "resource" => self.resource.is_some(),
            "context" => self.context.is_some(),
            "links" => self.links.is_some(),
            _ => false,
        }
    }
}

/// Personal data redacted, as for every payload type (see [`redact`](crate::redact)).
impl<R: fmt::Debug, C: fmt::Debug> fmt::Debug for Data<R, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Data");
        if let Some(resource) = &self.resource {
            out.field("resource", resource);
        }
        if let Some(context) = &self.context {
            out.field("context", context);
        }
        if let Some(links) = &self.links {
            out.field("links", links);
        }
        if !self.extra.is_empty() {
            out.field("extra", &crate::redact::Map(&self.extra));
        }
        out.finish()
    }
}

impl<'de, R, C> Deserialize<'de> for Data<R, C>
where
    R: serde::de::DeserializeOwned,
    C: serde::de::DeserializeOwned,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut extra = Map::<String, Value>::deserialize(deserializer)?;
        Ok(Self {
            resource: take(&mut extra, "resource").map_err(D::Error::custom)?,
            context: take(&mut extra, "context").map_err(D::Error::custom)?,
            links: take(&mut extra, "links").map_err(D::Error::custom)?,
            extra,
        })
    }
}

impl<R: Serialize, C: Serialize> Serialize for Data<R, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = usize::from(self.resource.is_some())
            + usize::from(self.context.is_some())
            + usize::from(self.links.is_some())
            + self
                .extra
                .keys()
                .filter(|k| !self.typed_field_is_set(k))
                .count();
        let mut map = serializer.serialize_map(Some(len))?;
        if let Some(resource) = &self.resource {
            map.serialize_entry("resource", resource)?;
        }
        if let Some(context) = &self.context {
            map.serialize_entry("context", context)?;
        }
        if let Some(links) = &self.links {
            map.serialize_entry("links", links)?;
        }
        for (key, value) in &self.extra {
            if !self.typed_field_is_set(key) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// `data` of `message.received`, `message.delivered`, `message.failed` and
/// `message.undelivered`.
pub type MessageData = Data<MessageResource, MessageContext>;
/// `data` of `call.ringing`, `call.answered`, `call.completed`, `call.forwarded`,
/// `call.missed` and `call.menu.selected`.
pub type CallData = Data<CallResource, CallContext>;
/// `data` of `call.recording.completed`.
pub type RecordingData = Data<RecordingResource, CallContext>;
/// `data` of `call.summary.completed`.
pub type SummaryData = Data<SummaryResource, CallContext>;
/// `data` of `call.transcript.completed`.
pub type TranscriptData = Data<TranscriptResource, CallContext>;
/// `data` of `call.voicemail.completed`.
pub type VoicemailData = Data<VoicemailResource, CallContext>;
/// `data` of `contact.updated` and `contact.deleted`.
pub type ContactData = Data<ContactResource, ContactContext>;
/// `data` of the twelve `task.*` events.
pub type TaskData = Data<TaskResource, TaskContext>;

/// The typed `data` of an [`Event`], one variant per shape; the event's `type` selects it.
///
/// `EventData` serialises as the bare `data` object. It has no `Deserialize` impl because its
/// shape depends on the envelope's `type`: deserialise an [`Event`], or call
/// [`EventData::from_value`].
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// `message.*`.
    Message(MessageData),
    /// `call.ringing`, `call.answered`, `call.completed`, `call.forwarded`, `call.missed`,
    /// `call.menu.selected`.
    Call(CallData),
    /// `call.recording.completed`.
    Recording(RecordingData),
    /// `call.summary.completed`.
    Summary(SummaryData),
    /// `call.transcript.completed`.
    Transcript(TranscriptData),
    /// `call.voicemail.completed`.
    Voicemail(VoicemailData),
    /// `contact.updated`, `contact.deleted`.
    Contact(ContactData),
    /// `task.*`.
    Task(TaskData),
    /// The `data` of an event type this crate does not know (`integration.*`, anything
    /// newer), kept whole as received.
    Unknown(Value),
}

impl EventData {
    /// Reads `data` in the shape that `event_type` selects.
    ///
    /// # Errors
    ///
    /// For a known event type, when `value` is not an object or one of its modelled fields has
    /// the wrong JSON type. Unknown event types never fail: their data is kept as is.
    pub fn from_value(event_type: &EventType, value: Value) -> Result<Self, serde_json::Error> {
        Ok(match event_type.kind() {
            Kind::Message => Self::Message(serde_json::from_value(value)?),
            Kind::Call => Self::Call(serde_json::from_value(value)?),
            Kind::Recording => Self::Recording(serde_json::from_value(value)?),
            Kind::Summary => Self::Summary(serde_json::from_value(value)?),
            Kind::Transcript => Self::Transcript(serde_json::from_value(value)?),
            Kind::Voicemail => Self::Voicemail(serde_json::from_value(value)?),
            Kind::Contact => Self::Contact(serde_json::from_value(value)?),
            Kind::Task => Self::Task(serde_json::from_value(value)?),
            Kind::Unknown => Self::Unknown(value),
        })
    }

    /// The links (`data.links`), if present. For unknown event types, read from the raw data.
    #[must_use]
    pub fn links(&self) -> Option<&Links> {
        match self {
            Self::Message(d) => d.links.as_ref(),
            Self::Call(d) => d.links.as_ref(),
            Self::Recording(d) => d.links.as_ref(),
            Self::Summary(d) => d.links.as_ref(),
            Self::Transcript(d) => d.links.as_ref(),
            Self::Voicemail(d) => d.links.as_ref(),
            Self::Contact(d) => d.links.as_ref(),
            Self::Task(d) => d.links.as_ref(),
            Self::Unknown(_) => None,
        }
    }

    /// The message data, if this is a `message.*` event.
    #[must_use]
    pub fn as_message(&self) -> Option<&MessageData> {
        match self {
            Self::Message(d) => Some(d),
            _ => None,
        }
    }

    /// The call data, if this is a call lifecycle event.
    #[must_use]
    pub fn as_call(&self) -> Option<&CallData> {
        match self {
            Self::Call(d) => Some(d),
            _ => None,
        }
    }

    /// The contact data, if this is a `contact.*` event.
    #[must_use]
    pub fn as_contact(&self) -> Option<&ContactData> {
        match self {
            Self::Contact(d) => Some(d),
            _ => None,
        }
    }

    /// The task data, if this is a `task.*` event.
    #[must_use]
    pub fn as_task(&self) -> Option<&TaskData> {
        match self {
            Self::Task(d) => Some(d),
            _ => None,
        }
    }

    /// The call context of any `call.*` event.
    #[must_use]
    pub fn call_context(&self) -> Option<&CallContext> {
        match self {
            Self::Call(d) => d.context.as_ref(),
            Self::Recording(d) => d.context.as_ref(),
            Self::Summary(d) => d.context.as_ref(),
            Self::Transcript(d) => d.context.as_ref(),
            Self::Voicemail(d) => d.context.as_ref(),
            _ => None,
        }
    }

    /// The context fields that several families share.
    fn shared_context(&self) -> Option<SharedContext<'_>> {
        match self {
            Self::Message(d) => {
                let c = d.context.as_ref()?;
                Some(SharedContext {
                    org_id: c.org_id.as_deref(),
                    phone_number_id: c.phone_number_id.as_deref(),
                    user_id: c.user_id.as_deref(),
                    contacts: c.contacts.as_ref(),
                })
            }
            Self::Contact(d) => {
                let c = d.context.as_ref()?;
                Some(SharedContext {
                    org_id: c.org_id.as_deref(),
                    user_id: c.user_id.as_deref(),
                    ..SharedContext::default()
                })
            }
            Self::Task(d) => {
                let c = d.context.as_ref()?;
                Some(SharedContext {
                    org_id: c.org_id.as_deref(),
                    phone_number_id: c.phone_number_id.as_deref(),
                    ..SharedContext::default()
                })
            }
            Self::Unknown(v) => Some(SharedContext {
                org_id: v.pointer("/context/orgId").and_then(Value::as_str),
                ..SharedContext::default()
            }),
            _ => {
                let c = self.call_context()?;
                Some(SharedContext {
                    org_id: c.org_id.as_deref(),
                    phone_number_id: c.phone_number_id.as_deref(),
                    user_id: c.user_id.as_deref(),
                    contacts: c.contacts.as_ref(),
                })
            }
        }
    }
}

#[derive(Default)]
struct SharedContext<'a> {
    org_id: Option<&'a str>,
    phone_number_id: Option<&'a str>,
    user_id: Option<&'a str>,
    contacts: Option<&'a Contacts>,
}

/// Personal data redacted, as for every payload type (see [`redact`](crate::redact)).
impl fmt::Debug for EventData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Message(d) => f.debug_tuple("Message").field(d).finish(),
            Self::Call(d) => f.debug_tuple("Call").field(d).finish(),
            Self::Recording(d) => f.debug_tuple("Recording").field(d).finish(),
            Self::Summary(d) => f.debug_tuple("Summary").field(d).finish(),
            Self::Transcript(d) => f.debug_tuple("Transcript").field(d).finish(),
            Self::Voicemail(d) => f.debug_tuple("Voicemail").field(d).finish(),
            Self::Contact(d) => f.debug_tuple("Contact").field(d).finish(),
            Self::Task(d) => f.debug_tuple("Task").field(d).finish(),
            Self::Unknown(v) => f
                .debug_tuple("Unknown")
                .field(&crate::redact::Redacted("data", v))
                .finish(),
        }
    }
}

impl Serialize for EventData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Message(d) => d.serialize(serializer),
            Self::Call(d) => d.serialize(serializer),
            Self::Recording(d) => d.serialize(serializer),
            Self::Summary(d) => d.serialize(serializer),
            Self::Transcript(d) => d.serialize(serializer),
            Self::Voicemail(d) => d.serialize(serializer),
            Self::Contact(d) => d.serialize(serializer),
            Self::Task(d) => d.serialize(serializer),
            Self::Unknown(v) => v.serialize(serializer),
        }
    }
}

/// A new-format (`2026-03-30`) Quo webhook event.
///
/// `id` and `type` are required; everything else is optional. Fields this crate does not model
/// are kept in `extra` fields at every level, and explicit `null`s are kept too, so that
/// serialising an event gives back the JSON value it was read from.
///
/// `event_type` selects the variant of `data` when reading. Both fields are public: if you
/// change one, keep the other consistent, or the serialised event will not read back the same.
///
/// # Examples
///
/// ```
/// use quo_webhooks::{Event, EventData, EventType};
///
/// let event: Event = serde_json::from_str(quo_webhooks::samples::get(&EventType::MessageReceived).unwrap())?;
/// assert_eq!(event.event_type, EventType::MessageReceived);
/// if let EventData::Message(data) = &event.data {
///     let text = data.resource.as_ref().and_then(|r| r.text.as_deref());
///     assert!(text.is_some());
/// }
/// assert_eq!(event.sender(), Some("+16505550187"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The business event's id (`EV...`): the same across retries, not a delivery id.
    pub id: String,
    /// The payload version, `2026-03-30` today (wire name `apiVersion`).
    pub api_version: Option<String>,
    /// When the event happened, RFC 3339 text as sent (wire name `createdAt`).
    pub created_at: Option<String>,
    /// The event type (wire name `type`).
    pub event_type: EventType,
    /// The typed data.
    pub data: EventData,
    /// Unmodelled envelope fields and explicit `null`s, as received.
    pub extra: Map<String, Value>,
}

impl Event {
    /// An event with the given id, type and data, [`API_VERSION`] and no `createdAt`.
    #[must_use]
    pub fn new(id: impl Into<String>, event_type: EventType, data: EventData) -> Self {
        Self {
            id: id.into(),
            api_version: Some(API_VERSION.to_owned()),
            created_at: None,
            event_type,
            data,
            extra: Map::new(),
        }
    }

    /// Reads an event from a request body.
    ///
    /// This does not tell legacy payloads apart: use [`parse_any`](crate::parse_any) when a
    /// receiver may get both.
    ///
    /// # Errors
    ///
    /// When the body is not JSON, lacks `id`, `type` or `data`, or a modelled field has the
    /// wrong JSON type.
    pub fn from_slice(body: &[u8]) -> Result<Self, crate::Error> {
        let value: Value = serde_json::from_slice(body).map_err(crate::Error::InvalidJson)?;
        serde_json::from_value(value).map_err(crate::Error::InvalidEvent)
    }

    /// The key under which the legacy and the new delivery of one business event meet:
    /// the event type plus the resource id (the call id for recordings, summaries, transcripts
    /// and voicemails), plus the resource's `updatedAt` for the event types that recur for one
    /// subject (`contact.updated`, `message.delivered`, ...: see the
    /// [`correlation`](crate::correlation) module) when it is readable. An event type this
    /// crate does not know correlates on `data.resource.id`, without a version. `None` when the
    /// payload carries no such id.
    ///
    /// This is the key the [`ParityChecker`](crate::ParityChecker) pairs on. Whether two
    /// deliveries may be *deduplicated* on it is stricter, and decided by
    /// [`CorrelationRules`](crate::correlation::CorrelationRules).
    #[must_use]
    pub fn correlation_key(&self) -> Option<CorrelationKey> {
        let subject = self.correlation_subject()?;
        Some(crate::correlation::key_with_default_version(
            self.event_type.clone(),
            subject,
            self.updated_at(),
        ))
    }

    /// The id a correlation key is built on: the call id for recordings, summaries,
    /// transcripts and voicemails, else the resource id.
    pub(crate) fn correlation_subject(&self) -> Option<&str> {
        match &self.data {
            EventData::Voicemail(d) => d
                .resource
                .as_ref()
                .and_then(|r| r.call_id.as_deref().or(r.id.as_deref())),
            EventData::Recording(_) => self.call_id(),
            EventData::Summary(_) | EventData::Transcript(_) => {
                self.call_id().or_else(|| self.resource_id())
            }
            _ => self.resource_id(),
        }
    }

    /// When the resource last changed (`data.resource.updatedAt`), RFC 3339 text as sent; for
    /// resources that do not model the field (messages, summaries, ...) and unknown event
    /// types, read from the raw resource when it is a string.
    #[must_use]
    pub fn updated_at(&self) -> Option<&str> {
        fn extra(extra: &Map<String, Value>) -> Option<&str> {
            extra.get("updatedAt")?.as_str()
        }
        match &self.data {
            EventData::Message(d) => extra(&d.resource.as_ref()?.extra),
            EventData::Call(d) => d.resource.as_ref()?.updated_at.as_deref(),
            EventData::Recording(d) => d.resource.as_ref()?.updated_at.as_deref(),
            EventData::Summary(d) => extra(&d.resource.as_ref()?.extra),
            EventData::Transcript(d) => extra(&d.resource.as_ref()?.extra),
            EventData::Voicemail(d) => d.resource.as_ref()?.updated_at.as_deref(),
            EventData::Contact(d) => d.resource.as_ref()?.updated_at.as_deref(),
            EventData::Task(d) => extra(&d.resource.as_ref()?.extra),
            EventData::Unknown(v) => v.pointer("/resource/updatedAt")?.as_str(),
        }
    }

    /// The resource's id (`data.resource.id`), for unknown event types too. Summaries and
    /// transcripts have no id of their own (see [`call_id`](Self::call_id)); one that Quo
    /// might send anyway is read from the raw resource.
    #[must_use]
    pub fn resource_id(&self) -> Option<&str> {
        match &self.data {
            EventData::Message(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Call(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Recording(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Summary(d) => d.resource.as_ref()?.extra.get("id")?.as_str(),
            EventData::Transcript(d) => d.resource.as_ref()?.extra.get("id")?.as_str(),
            EventData::Voicemail(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Contact(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Task(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Unknown(v) => v.pointer("/resource/id")?.as_str(),
        }
    }

    /// The call the event is about: the resource id of a call lifecycle or recording event
    /// (a recording's resource is the call), the `callId` of a summary, transcript or
    /// voicemail.
    #[must_use]
    pub fn call_id(&self) -> Option<&str> {
        match &self.data {
            EventData::Call(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Recording(d) => d.resource.as_ref()?.id.as_deref(),
            EventData::Summary(d) => d.resource.as_ref()?.call_id.as_deref(),
            EventData::Transcript(d) => d.resource.as_ref()?.call_id.as_deref(),
            EventData::Voicemail(d) => d.resource.as_ref()?.call_id.as_deref(),
            _ => None,
        }
    }

    /// The deep link into the Quo app (`data.links.quo`); `None` when absent or `null`.
    #[must_use]
    pub fn deep_link(&self) -> Option<&str> {
        match &self.data {
            EventData::Unknown(v) => v.pointer("/links/quo")?.as_str(),
            data => data.links()?.quo.as_deref(),
        }
    }

    /// The message text of a `message.*` event.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        self.data.as_message()?.resource.as_ref()?.text.as_deref()
    }

    /// The workspace's id (`context.orgId`), which every context carries since GA; for
    /// unknown event types, read from the raw context.
    #[must_use]
    pub fn org_id(&self) -> Option<&str> {
        self.data.shared_context()?.org_id
    }

    /// The Quo number's id (`context.phoneNumberId`) of a message, call or task event.
    #[must_use]
    pub fn phone_number_id(&self) -> Option<&str> {
        self.data.shared_context()?.phone_number_id
    }

    /// The Quo user (`context.userId`) of a message, call or contact event. (Task events name
    /// the user who acted in `context.actorId`: see [`TaskContext`].)
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.data.shared_context()?.user_id
    }

    /// The matched contacts' ids (`context.contacts.ids`) of a message or call event. Check
    /// [`Contacts::lookup_status`] before reading an empty list as "no contact".
    #[must_use]
    pub fn contact_ids(&self) -> Option<&[String]> {
        self.data.shared_context()?.contacts?.ids.as_deref()
    }

    /// The sender's identifier (`context.senderIdentifier`) of a message event. Calls have
    /// none: see [`participants`](Self::participants).
    #[must_use]
    pub fn sender(&self) -> Option<&str> {
        self.data
            .as_message()?
            .context
            .as_ref()?
            .sender_identifier
            .as_deref()
    }

    /// The recipients' identifiers (`context.recipientIdentifiers`) of a message event.
    /// Calls have none: see [`participants`](Self::participants).
    #[must_use]
    pub fn recipients(&self) -> Option<&[String]> {
        self.data
            .as_message()?
            .context
            .as_ref()?
            .recipient_identifiers
            .as_deref()
    }

    /// Who took part in the call (`context.participants`) of any `call.*` event: the
    /// workspace's numbers and the external ones.
    #[must_use]
    pub fn participants(&self) -> Option<&Participants> {
        self.data.call_context()?.participants.as_ref()
    }

    fn typed_field_is_set(&self, key: &str) -> bool {
        match key {
            "id" | "type" | "data" => true,
            "apiVersion" => self.api_version.is_some(),
            "createdAt" => self.created_at.is_some(),
            _ => false,
        }
    }
}

/// Personal data redacted, as for every payload type (see [`redact`](crate::redact)).
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Event");
        out.field("id", &self.id)
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

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut extra = Map::<String, Value>::deserialize(deserializer)?;
        let id = take_required(&mut extra, "id").map_err(D::Error::custom)?;
        let event_type: EventType = take_required(&mut extra, "type").map_err(D::Error::custom)?;
        let api_version = take(&mut extra, "apiVersion").map_err(D::Error::custom)?;
        let created_at = take(&mut extra, "createdAt").map_err(D::Error::custom)?;
        let data = extra
            .remove("data")
            .ok_or_else(|| D::Error::missing_field("data"))?;
        let data = EventData::from_value(&event_type, data)
            .map_err(|error| D::Error::custom(format_args!("`data`: {error}")))?;
        Ok(Self {
            id,
            api_version,
            created_at,
            event_type,
            data,
            extra,
        })
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let len = 3
            + usize::from(self.api_version.is_some())
            + usize::from(self.created_at.is_some())
            + self
                .extra
                .keys()
                .filter(|k| !self.typed_field_is_set(k))
                .count();
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("id", &self.id)?;
        if let Some(api_version) = &self.api_version {
            map.serialize_entry("apiVersion", api_version)?;
        }
        if let Some(created_at) = &self.created_at {
            map.serialize_entry("createdAt", created_at)?;
        }
        map.serialize_entry("type", &self.event_type)?;
        map.serialize_entry("data", &self.data)?;
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

    fn round_trip(input: &Value) -> Event {
        let event: Event = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(&serde_json::to_value(&event).unwrap(), input);
        event
    }

    #[test]
    fn unknown_event_type_keeps_its_data() {
        let input = json!({
            "id": "EV1", "apiVersion": "2026-03-30", "type": "call.sentiment.completed",
            "data": { "resource": { "id": "AC1", "score": 3 }, "links": { "quo": "https://q" } }
        });
        let event = round_trip(&input);
        assert_eq!(
            event.event_type,
            EventType::Unknown("call.sentiment.completed".into())
        );
        assert!(matches!(event.data, EventData::Unknown(_)));
        assert_eq!(event.resource_id(), Some("AC1"));
        assert_eq!(event.deep_link(), Some("https://q"));
        assert_eq!(
            event.correlation_key().unwrap().to_string(),
            "call.sentiment.completed:AC1"
        );
    }

    #[test]
    fn unknown_fields_and_nulls_are_kept_at_every_level() {
        let input = json!({
            "id": "EV1", "apiVersion": "2026-03-30", "createdAt": null, "type": "message.received",
            "deliveryAttempt": 2,
            "data": {
                "resource": { "id": "AC1", "text": null, "reactions": [] },
                "context": { "contacts": { "ids": [], "lookupStatus": "none", "tier": "gold" }, "userId": null },
                "links": { "quo": null, "web": "https://q" },
                "thread": { "id": "TH1" }
            }
        });
        let event = round_trip(&input);
        assert_eq!(event.created_at, None);
        assert_eq!(event.extra.get("deliveryAttempt"), Some(&json!(2)));
        let data = event.data.as_message().unwrap();
        assert!(data.links.as_ref().unwrap().quo_is_null());
        assert_eq!(event.deep_link(), None);
        assert_eq!(event.text(), None);
    }

    #[test]
    fn absent_optional_fields_stay_absent() {
        let input = json!({ "id": "EV1", "type": "call.completed", "data": {} });
        let event = round_trip(&input);
        assert_eq!(event.api_version, None);
        assert_eq!(event.correlation_key(), None);
    }

    #[test]
    fn envelope_needs_id_type_and_data() {
        for input in [
            json!({ "type": "message.received", "data": {} }),
            json!({ "id": "EV1", "data": {} }),
            json!({ "id": "EV1", "type": "message.received" }),
            json!({ "id": null, "type": "message.received", "data": {} }),
        ] {
            assert!(serde_json::from_value::<Event>(input).is_err());
        }
    }

    #[test]
    fn wrong_type_in_known_data_is_an_error_naming_the_path() {
        let input = json!({ "id": "EV1", "type": "call.completed", "data": { "resource": { "duration": "long" } } });
        let error = serde_json::from_value::<Event>(input)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`data`")
                && error.contains("`resource`")
                && error.contains("`duration`"),
            "{error}"
        );
    }

    #[test]
    fn changed_typed_field_wins_over_a_kept_null() {
        let input = json!({ "id": "EV1", "createdAt": null, "type": "x", "data": null });
        let mut event = round_trip(&input);
        event.created_at = Some("2026-04-14T00:00:00Z".into());
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({ "id": "EV1", "createdAt": "2026-04-14T00:00:00Z", "type": "x", "data": null })
        );
    }

    #[test]
    fn recordings_summaries_transcripts_and_voicemails_correlate_on_the_call() {
        for (event_type, resource) in [
            (
                "call.recording.completed",
                json!({ "id": "AC1", "recordings": [] }),
            ),
            ("call.summary.completed", json!({ "callId": "AC1" })),
            ("call.transcript.completed", json!({ "callId": "AC1" })),
            (
                "call.voicemail.completed",
                json!({ "id": "XX1", "callId": "AC1" }),
            ),
        ] {
            let input =
                json!({ "id": "EV1", "type": event_type, "data": { "resource": resource } });
            let event = round_trip(&input);
            let key = event.correlation_key().unwrap();
            assert_eq!(key.subject(), "AC1");
            assert_eq!(event.call_id(), Some("AC1"));
        }
    }

    #[test]
    fn call_events_have_participants_and_no_sender() {
        let input = json!({ "id": "EV1", "type": "call.completed", "data": {
            "resource": { "id": "AC1", "duration": 12.5 },
            "context": { "orgId": "OR1", "senderIdentifier": "+1", "participants": {
                "workspace": ["+2"], "external": ["+1"], "resolution": "available" } } } });
        let event = round_trip(&input);
        assert_eq!(event.sender(), None);
        assert_eq!(event.recipients(), None);
        assert_eq!(event.org_id(), Some("OR1"));
        let participants = event.participants().unwrap();
        assert_eq!(
            participants.external.as_deref(),
            Some(&["+1".to_owned()][..])
        );
        // An unmodelled sender identifier on a call is kept, not typed.
        let context = event.data.call_context().unwrap();
        assert_eq!(context.extra.get("senderIdentifier"), Some(&json!("+1")));
    }

    #[test]
    fn task_events_read_as_tasks() {
        let input = json!({ "id": "EV1", "type": "task.assigned", "data": {
            "resource": { "id": "TK1", "assignedTo": "US2" },
            "context": { "orgId": "OR1", "actorId": "US1", "phoneNumberId": null } } });
        let event = round_trip(&input);
        let data = event.data.as_task().unwrap();
        assert_eq!(data.resource.as_ref().unwrap().assignee_id(), Some("US2"));
        assert_eq!(event.resource_id(), Some("TK1"));
        assert_eq!(event.org_id(), Some("OR1"));
        assert_eq!(event.phone_number_id(), None);
    }

    #[test]
    fn unknown_types_keep_their_data_and_expose_the_org() {
        let input = json!({ "id": "EV1", "type": "integration.hubspot.synced", "data": {
            "resource": { "id": "IN1" }, "context": { "orgId": "OR1" }, "links": { "quo": null } } });
        let event = round_trip(&input);
        assert!(matches!(event.data, EventData::Unknown(_)));
        assert_eq!(event.org_id(), Some("OR1"));
    }
}
