//! Legacy to new: [`normalize`](crate::normalize()).

use serde_json::{Map, Value};

use crate::call::{
    CallContext, CallResource, RecordingResource, SummaryResource, TranscriptResource,
    VoicemailResource,
};
use crate::common::{Contacts, Links, LookupStatus, Media};
use crate::contact::{ContactContext, ContactResource};
use crate::event::{API_VERSION, Data, Event, EventData};
use crate::event_type::Kind;
use crate::legacy::{LegacyEvent, LegacyObject};
use crate::message::{MessageContext, MessageResource};

/// Turns a legacy event into the new-format event Quo would send for it. Never fails.
///
/// The mapping follows the remap table of Quo's migration guide:
///
/// | legacy | new |
/// |---|---|
/// | `data.object.id` | `data.resource.id` |
/// | `data.object.text` (v4), else `body` (v2/v3) | `data.resource.text` |
/// | `data.object.phoneNumberId` | `data.context.phoneNumberId` |
/// | `data.object.userId` | `data.context.userId` |
/// | `data.object.contactIds` | `data.context.contacts.ids` |
/// | `data.deepLink` | `data.links.quo` |
/// | `data.object.from` | `data.context.senderIdentifier` |
/// | `data.object.to` (split if comma-joined) | `data.context.recipientIdentifiers` |
/// | `apiVersion` `v2`/`v3`/`v4` | `apiVersion` `2026-03-30` |
/// | `type` `callSummary` / `callTranscript` | `call.summary.completed` / `call.transcript.completed` |
///
/// Legacy `from` is the sender whichever the direction (the Quo number for outgoing messages
/// and calls, the other party for incoming ones), and `to` the recipients, exactly like the new
/// `senderIdentifier` and `recipientIdentifiers`; so the direction does not change the mapping.
///
/// Fields that both formats carry under the same name and meaning are copied too:
/// `direction`, `status`, `createdAt`, `conversationId`, message `media`, and for calls
/// `answeredAt`, `completedAt`, `updatedAt`, `duration`, `participants`; legacy `answeredBy`
/// becomes `answeredByUserId`.
///
/// # What the legacy payload lacks, and what `normalize` does about it
///
/// The rule is: never invent a value that could be wrong. A field is left absent unless the
/// legacy payload determines it.
///
/// - **`id`** (envelope): the legacy `EV...` id is kept. The new delivery of the same business
///   event has a different id; match the two with [`CorrelationKey`](crate::CorrelationKey).
/// - **`createdAt`** (envelope): the legacy envelope's `createdAt`, absent if it has none.
/// - **`context.contacts.lookupStatus`**: `matched` when `contactIds` is non-empty (the legacy
///   payload lists the contacts Quo matched, which is what `matched` means). Left absent when
///   `contactIds` is empty or missing: the legacy payload cannot tell "no contact matched"
///   (`none`) from "look-up unavailable" (`unavailable`). `context.contacts` itself is present
///   only when `contactIds` is.
/// - **`links.quo`**: the legacy `deepLink`; when there is none, an explicit `null`, which is
///   how the new format says "no link" (its `links.quo` is always present, nullable).
/// - **`senderIdentifier` / `recipientIdentifiers`**: absent when the legacy `from` / `to` is
///   (as in the migration guide's own v4 example).
/// - **`context.phoneNumberType`**: never set; the legacy payload has no counterpart.
///   **`context.participants`**: the legacy `participants` when present, else absent.
/// - **`resource.hasVoicemail`** (calls): `true` when the legacy call has a `voicemail` object,
///   `false` when its `voicemail` is `null`, absent when the field is.
/// - **message `status`**: copied as sent, not translated (v4 `message.received` examples say
///   `delivered` where the new format says `received`; there is no published mapping).
/// - **`forwardedFrom` / `forwardedTo`**: not mapped. Legacy examples carry user ids there,
///   while the new fields hold phone numbers.
/// - **recordings** (`call.recording.completed`): the legacy object is the call, so
///   `resource.id` and `resource.callId` are both its id; `url`, `type` and `duration` come
///   from its first `media` entry.
/// - **summaries and transcripts**: `resource.callId` is the legacy `callId`; `resource.id`
///   stays absent, since the legacy payload has no id of its own for them.
/// - **voicemails** (`call.voicemail.completed`, which the legacy system does not send by that
///   name): `url`, `type`, `duration` and `transcript` from the call's `voicemail` object,
///   `resource.callId` from `callId`, else `id`.
/// - **message `updatedAt`**: copied when present, into the resource's `extra` (the new
///   message schema is not published, so it is not a typed field); it is part of the
///   [correlation key](crate::CorrelationKey) of `message.delivered` and `message.failed`,
///   which must not change by normalising.
/// - **contacts**: `id`, `firstName`, `lastName`, `company`, `role`, `createdAt`, `updatedAt`;
///   `context.userId` from `userId`.
/// - **unknown legacy types**: the new event's `type` is the legacy name; its raw `data` has
///   the legacy `data.object` unchanged as `resource` (no `resource` when there is no
///   `data.object`), `links` as above, and the legacy `data`'s other fields as they were,
///   except a legacy `data.resource` or `data.links`, which is dropped: the new `resource` and
///   `links` are the remapped `data.object` and `deepLink` and nothing else, so that a stray
///   `resource` cannot give the normalised event a subject, and so a
///   [correlation key](crate::CorrelationKey), that the legacy event does not have.
///
/// Legacy-only fields (`object`, `initiatedBy`, contact `fields` and `notes`, ...) are not
/// carried over: they would pose as new-format fields. The [`LegacyEvent`] still has them.
///
/// Any wrapper object (`resource`, `context`) that would be empty is left out.
///
/// # Examples
///
/// ```
/// use quo_webhooks::{normalize, samples, EventType, LegacyEvent};
///
/// let legacy: LegacyEvent = serde_json::from_str(samples::LEGACY_V3_MESSAGE_RECEIVED)?;
/// let event = normalize(&legacy);
/// assert_eq!(event.event_type, EventType::MessageReceived);
/// assert_eq!(event.api_version.as_deref(), Some("2026-03-30"));
/// // v3 group messages join their recipients with commas; the new format lists them.
/// assert_eq!(event.recipients().map(<[String]>::len), Some(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[must_use]
pub fn normalize(legacy: &LegacyEvent) -> Event {
    let event_type = legacy.new_event_type();
    let empty = LegacyObject::default();
    let object = legacy.object().unwrap_or(&empty);
    let links = Some(match legacy.deep_link() {
        Some(link) => Links::new(link),
        None => Links::null(),
    });

    let data = match event_type.kind() {
        Kind::Message => EventData::Message(data(
            message_resource(object),
            message_context(object),
            links,
        )),
        Kind::Call => EventData::Call(data(call_resource(object), call_context(object), links)),
        Kind::Recording => EventData::Recording(data(
            recording_resource(object),
            call_context(object),
            links,
        )),
        Kind::Summary => {
            let resource = SummaryResource {
                id: object.id.clone(),
                call_id: object.call_id.clone(),
                status: object.status.clone(),
                summary: object.summary.clone(),
                next_steps: object.next_steps.clone(),
                created_at: object.created_at.clone(),
                extra: Map::new(),
            };
            EventData::Summary(data(resource, call_context(object), links))
        }
        Kind::Transcript => {
            let resource = TranscriptResource {
                id: object.id.clone(),
                call_id: object.call_id.clone(),
                status: object.status.clone(),
                dialogue: object.dialogue.clone(),
                duration: object.duration.clone(),
                created_at: object.created_at.clone(),
                extra: Map::new(),
            };
            EventData::Transcript(data(resource, call_context(object), links))
        }
        Kind::Voicemail => EventData::Voicemail(data(
            voicemail_resource(object),
            call_context(object),
            links,
        )),
        Kind::Contact => {
            let resource = ContactResource {
                id: object.id.clone(),
                first_name: object.first_name.clone(),
                last_name: object.last_name.clone(),
                company: object.company.clone(),
                role: object.role.clone(),
                created_at: object.created_at.clone(),
                updated_at: object.updated_at.clone(),
                ..ContactResource::default()
            };
            let context = ContactContext {
                user_id: object.user_id.clone(),
                extra: Map::new(),
            };
            EventData::Contact(data(resource, context, links))
        }
        Kind::Unknown => EventData::Unknown(unknown_data(legacy, links)),
    };

    Event {
        id: legacy.id.clone(),
        api_version: Some(API_VERSION.to_owned()),
        created_at: legacy.created_at.clone(),
        event_type,
        data,
        extra: Map::new(),
    }
}

impl From<&LegacyEvent> for Event {
    fn from(legacy: &LegacyEvent) -> Self {
        normalize(legacy)
    }
}

impl From<LegacyEvent> for Event {
    fn from(legacy: LegacyEvent) -> Self {
        normalize(&legacy)
    }
}

/// The raw `data` of a legacy event of a type this crate does not know: only the envelope-level
/// part of the remap (`object` to `resource`, `deepLink` to `links.quo`) is applied.
///
/// `resource` is the legacy `data.object` or absent, never a legacy `data.resource`: the
/// correlation subject of an unknown type is `data.object.id` in the legacy event and
/// `data.resource.id` in the new one, and the two must agree.
fn unknown_data(legacy: &LegacyEvent, links: Option<Links>) -> Value {
    let mut data = Map::new();
    if let Some(legacy_data) = &legacy.data {
        data.extend(
            legacy_data
                .extra
                .iter()
                .filter(|(key, _)| {
                    !matches!(key.as_str(), "object" | "deepLink" | "resource" | "links")
                })
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        if let Some(object) = legacy_data
            .object
            .as_ref()
            .and_then(|object| serde_json::to_value(object).ok())
        {
            data.insert("resource".to_owned(), object);
        }
    }
    if let Some(links) = links.and_then(|links| serde_json::to_value(links).ok()) {
        data.insert("links".to_owned(), links);
    }
    Value::Object(data)
}

/// Wraps the parts, leaving out a resource or context with no field set.
fn data<R: Default + PartialEq, C: Default + PartialEq>(
    resource: R,
    context: C,
    links: Option<Links>,
) -> Data<R, C> {
    let resource = (resource != R::default()).then_some(resource);
    let context = (context != C::default()).then_some(context);
    Data::new(resource, context, links)
}

fn contacts(object: &LegacyObject) -> Option<Contacts> {
    let ids = object.contact_ids.clone()?;
    let lookup_status = (!ids.is_empty()).then_some(LookupStatus::Matched);
    Some(Contacts {
        ids: Some(ids),
        lookup_status,
        extra: Map::new(),
    })
}

fn recipients(object: &LegacyObject) -> Option<Vec<String>> {
    object.to.as_ref().map(crate::legacy::Recipients::numbers)
}

/// A legacy media entry: an object with `url`, `type`, ... or a bare URL.
fn media(value: &Value) -> Option<Media> {
    match value {
        Value::String(url) => Some(Media {
            url: Some(url.clone()),
            ..Media::default()
        }),
        Value::Object(_) => serde_json::from_value(value.clone()).ok(),
        _ => None,
    }
}

fn message_resource(object: &LegacyObject) -> MessageResource {
    let mut extra = Map::new();
    if let Some(updated_at) = &object.updated_at {
        extra.insert("updatedAt".to_owned(), Value::String(updated_at.clone()));
    }
    MessageResource {
        id: object.id.clone(),
        direction: object.direction.clone(),
        text: object.message_text().map(str::to_owned),
        media: object
            .media
            .as_ref()
            .map(|items| items.iter().filter_map(media).collect()),
        status: object.status.as_deref().map(Into::into),
        created_at: object.created_at.clone(),
        extra,
        ..MessageResource::default()
    }
}

fn message_context(object: &LegacyObject) -> MessageContext {
    MessageContext {
        phone_number_id: object.phone_number_id.clone(),
        conversation_id: object.conversation_id.clone(),
        user_id: object.user_id.clone(),
        contacts: contacts(object),
        sender_identifier: object.from.clone(),
        recipient_identifiers: recipients(object),
        extra: Map::new(),
    }
}

fn call_resource(object: &LegacyObject) -> CallResource {
    let has_voicemail = match (&object.voicemail, object.extra.get("voicemail")) {
        (Some(_), _) => Some(true),
        (None, Some(Value::Null)) => Some(false),
        (None, _) => None,
    };
    CallResource {
        id: object.id.clone(),
        direction: object.direction.clone(),
        status: object.status.as_deref().map(Into::into),
        created_at: object.created_at.clone(),
        answered_at: object.answered_at.clone(),
        completed_at: object.completed_at.clone(),
        updated_at: object.updated_at.clone(),
        duration: object
            .duration
            .as_ref()
            .and_then(serde_json::Number::as_u64),
        has_voicemail,
        answered_by_user_id: object.answered_by.clone(),
        ..CallResource::default()
    }
}

fn call_context(object: &LegacyObject) -> CallContext {
    CallContext {
        phone_number_id: object.phone_number_id.clone(),
        conversation_id: object.conversation_id.clone(),
        user_id: object.user_id.clone(),
        contacts: contacts(object),
        sender_identifier: object.from.clone(),
        recipient_identifiers: recipients(object),
        participants: object.participants.clone(),
        ..CallContext::default()
    }
}

fn recording_resource(object: &LegacyObject) -> RecordingResource {
    let first = object
        .media
        .as_ref()
        .and_then(|items| items.first())
        .and_then(media);
    let duration = first
        .as_ref()
        .and_then(|m| m.extra.get("duration"))
        .and_then(Value::as_u64);
    let (url, media_type) = first.map_or((None, None), |m| (m.url, m.media_type));
    RecordingResource {
        id: object.id.clone(),
        call_id: object.call_id.clone().or_else(|| object.id.clone()),
        url,
        media_type,
        duration,
        status: object.status.clone(),
        created_at: object.created_at.clone(),
        extra: Map::new(),
    }
}

fn voicemail_resource(object: &LegacyObject) -> VoicemailResource {
    let voicemail = object.voicemail.as_ref();
    let text = |key: &str| {
        voicemail
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    VoicemailResource {
        id: object.id.clone(),
        call_id: object.call_id.clone().or_else(|| object.id.clone()),
        url: text("url"),
        media_type: text("type"),
        duration: voicemail
            .and_then(|v| v.get("duration"))
            .and_then(Value::as_u64),
        transcript: text("transcript"),
        status: object.status.clone(),
        created_at: object.created_at.clone(),
        extra: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventType;
    use serde_json::json;

    fn legacy(value: Value) -> LegacyEvent {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn lookup_status_is_matched_only_when_ids_are_listed() {
        let with_ids = normalize(&legacy(json!({ "id": "EV1", "type": "message.received",
            "data": { "object": { "id": "AC1", "contactIds": ["CT1"] } } })));
        let contacts = with_ids
            .data
            .as_message()
            .unwrap()
            .context
            .as_ref()
            .unwrap()
            .contacts
            .clone()
            .unwrap();
        assert_eq!(contacts.lookup_status, Some(LookupStatus::Matched));

        let empty = normalize(&legacy(json!({ "id": "EV1", "type": "message.received",
            "data": { "object": { "id": "AC1", "contactIds": [] } } })));
        let contacts = empty
            .data
            .as_message()
            .unwrap()
            .context
            .as_ref()
            .unwrap()
            .contacts
            .clone()
            .unwrap();
        assert_eq!(contacts.lookup_status, None);
        assert_eq!(contacts.ids, Some(vec![]));
    }

    #[test]
    fn missing_deep_link_becomes_explicit_null() {
        let event = normalize(&legacy(json!({ "id": "EV1", "type": "message.received",
            "data": { "object": { "id": "AC1" } } })));
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["data"]["links"], json!({ "quo": null }));
        assert_eq!(value["data"].get("context"), None);
    }

    #[test]
    fn recording_takes_url_from_the_calls_first_media() {
        let event = normalize(&legacy(
            json!({ "id": "EV1", "apiVersion": "v3", "type": "call.recording.completed",
            "data": { "object": { "id": "AC9", "object": "call", "status": "completed",
                "media": [{ "url": "https://r/1.mp3", "type": "audio/mpeg", "duration": 61 }] } } }),
        ));
        let EventData::Recording(data) = &event.data else {
            panic!("{event:?}")
        };
        let resource = data.resource.as_ref().unwrap();
        assert_eq!(resource.id.as_deref(), Some("AC9"));
        assert_eq!(resource.call_id.as_deref(), Some("AC9"));
        assert_eq!(resource.url.as_deref(), Some("https://r/1.mp3"));
        assert_eq!(resource.media_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(resource.duration, Some(61));
    }

    #[test]
    fn voicemail_null_means_no_voicemail() {
        for (voicemail, expected) in [
            (json!(null), Some(false)),
            (json!({ "url": "https://v" }), Some(true)),
        ] {
            let event = normalize(&legacy(json!({ "id": "EV1", "type": "call.completed",
                "data": { "object": { "id": "AC1", "voicemail": voicemail } } })));
            let resource = event.data.as_call().unwrap().resource.clone().unwrap();
            assert_eq!(resource.has_voicemail, expected);
        }
    }

    #[test]
    fn unknown_legacy_type_keeps_its_data() {
        let event = normalize(&legacy(json!({ "id": "EV1", "type": "call.sentiment",
            "data": { "object": { "id": "AC1", "score": 2 } } })));
        assert_eq!(
            event.event_type,
            EventType::Unknown("call.sentiment".into())
        );
        assert_eq!(
            event.data,
            EventData::Unknown(
                json!({ "resource": { "id": "AC1", "score": 2 }, "links": { "quo": null } })
            )
        );
        assert_eq!(event.resource_id(), Some("AC1"));
    }

    #[test]
    fn contact_fields_are_mapped() {
        let event = normalize(&legacy(json!({ "id": "EV1", "type": "contact.updated",
            "data": { "object": { "id": "CT1", "object": "contact", "firstName": "Ada", "userId": "US1", "notes": [] } } })));
        let data = event.data.as_contact().unwrap();
        assert_eq!(
            data.resource.as_ref().unwrap().first_name.as_deref(),
            Some("Ada")
        );
        assert_eq!(event.user_id(), Some("US1"));
        assert!(data.resource.as_ref().unwrap().extra.is_empty());
    }
}
