//! Legacy to new: [`normalize`](crate::normalize()).

use serde_json::{Map, Value};

use crate::call::{
    CallContext, CallResource, CallStatus, Recording, RecordingResource, SummaryResource,
    TranscriptResource, VoicemailResource,
};
use crate::common::{
    Contacts, Direction, Links, LookupStatus, Media, Participants, ProcessingStatus, Seconds,
};
use crate::contact::{ContactContext, ContactResource};
use crate::event::{API_VERSION, Data, Event, EventData};
use crate::event_type::{EventType, Kind};
use crate::legacy::{LegacyEvent, LegacyObject};
use crate::message::{MessageContext, MessageResource};
use crate::task::{TaskContext, TaskResource};

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
/// | message `from` / `to` (split if comma-joined) | `data.context.senderIdentifier` / `recipientIdentifiers` |
/// | call `participants`, `from`, `to`, `direction` | `data.context.participants` (see below) |
/// | call `answeredBy` | `data.resource.answeredByUserId` |
/// | summary / transcript `callId`, `status` | `data.resource.callId`, `processingStatus` |
/// | `apiVersion` `v2`/`v3`/`v4` | `apiVersion` `2026-03-30` |
/// | `type` `callSummary` / `callTranscript` | `call.summary.completed` / `call.transcript.completed` |
///
/// Legacy `from` is the sender whichever the direction (the Quo number for outgoing messages
/// and calls, the other party for incoming ones), and `to` the recipients, exactly like the new
/// `senderIdentifier` and `recipientIdentifiers` of messages.
///
/// # Call participants
///
/// New call events carry no sender or recipient: `context.participants` says who took part,
/// as `{workspace, external}`. A legacy call lists numbers in `participants` and often has
/// `from` and `to`. The rule:
///
/// - the **Quo number** is `to` of an incoming call and `from` of an outgoing one; when the
///   direction or that field is missing, the Quo number is unknown;
/// - `workspace` is the Quo number when known, else absent;
/// - `external` is the legacy `participants` list without the Quo number; without a list, the
///   other side of `from`/`to` (`from` of an incoming call, `to` of an outgoing one). When the
///   Quo number is unknown, every listed number counts as external: the legacy list names
///   the other parties;
/// - `resolution` is never set (the legacy payload does not say whether Quo resolved them);
/// - `context.participants` is absent when there is neither a list nor a classifiable
///   `from`/`to`.
///
/// # Call resources
///
/// One legacy call object feeds every call event, but each new event documents its own subset
/// of fields, and only that subset is filled: ringing `id, direction, createdAt, updatedAt`;
/// answered adds `answeredAt, answeredByUserId`; completed `id, direction, status, createdAt,
/// answeredAt, completedAt, updatedAt, duration, hasVoicemail`; forwarded and missed `id,
/// createdAt, updatedAt`; menu.selected `id, createdAt, updatedAt`. `duration` is kept as sent,
/// fractions included.
///
/// `status` (completed only) is translated where the meaning is clear: legacy `completed`
/// becomes `answered` when the call has an `answeredAt` and `unanswered` when it does not;
/// `no-answer` and `missed` become `unanswered`; the seven new values pass through; anything
/// else is kept as sent (as [`CallStatus::Other`]).
///
/// # What the legacy payload lacks, and what `normalize` does about it
///
/// The rule is: never invent a value that could be wrong. A field is left absent unless the
/// legacy payload determines it.
///
/// - **`id`** (envelope): the legacy `EV...` id is kept. The new delivery of the same business
///   event has a different id; match the two with [`CorrelationKey`](crate::CorrelationKey).
/// - **`createdAt`** (envelope): the legacy envelope's `createdAt`, absent if it has none.
/// - **`context.orgId`**: absent; legacy objects do not carry it.
/// - **`context.contacts.lookupStatus`**: `matched` when `contactIds` is non-empty (the legacy
///   payload lists the contacts Quo matched, which is what `matched` means). Left absent when
///   `contactIds` is empty or missing: the legacy payload cannot tell "no contact matched"
///   (`none`) from "look-up unavailable" (`unavailable`). `context.contacts` itself is present
///   only when `contactIds` is.
/// - **`links.quo`**: the legacy `deepLink`; when there is none, an explicit `null`, which is
///   how the new format says "no link" (its `links.quo` is always present, nullable).
/// - **`senderIdentifier` / `recipientIdentifiers`** (messages): absent when the legacy
///   `from` / `to` is (as in the migration guide's own v4 example).
/// - **`context.phoneNumberType`**: never set; the legacy payload has no counterpart.
/// - **`resource.hasVoicemail`** (`call.completed`): `true` when the legacy call has a
///   `voicemail` object, `false` when its `voicemail` is `null`, absent when the field is.
/// - **message `status`**: copied as sent, not translated (v4 `message.received` examples say
///   `delivered` where the new format says `received`; there is no published mapping).
/// - **`forwardedFrom` / `forwardedTo`**: not mapped. Legacy examples carry user ids there,
///   while the new fields hold phone numbers.
/// - **recordings** (`call.recording.completed`): the legacy object is the call, and so is the
///   new resource: `id` (the legacy `callId`, else `id`), `direction`, the times and
///   `duration`; each legacy `media` entry becomes one `recordings` entry (`url`, `type`,
///   `duration`, and `id` and `startTime` when present). Without `media`, `recordings` is
///   absent rather than a list that would claim there is none.
/// - **summaries and transcripts**: `resource.callId` is the legacy `callId`; the new
///   resources have no id, so a legacy `id` is kept in the resource's `extra` (it is the
///   correlation subject when `callId` is missing, as it is for the legacy event).
///   `processingStatus` is the legacy `status`. Summaries have no `jobs`, `fromPhoneNumber`,
///   `handledByAiAgent` or `answeredByUserId` in the legacy payload.
/// - **voicemails** (`call.voicemail.completed`, which the legacy system does not send by that
///   name): `id` and `direction` of the call, `callId` from `callId`, else `id`; `voicemailId`
///   (its `id`), `recordingUrl` (its `url`), `duration` and `transcript` from the call's
///   `voicemail` object; `from`, and the first number of `to`.
/// - **message `updatedAt`**: copied when present, into the resource's `extra` (the new
///   message shape does not document it, so it is not a typed field); it is part of the
///   [correlation key](crate::CorrelationKey) of `message.delivered` and `message.failed`,
///   which must not change by normalising.
/// - **contacts**: `id`, `firstName`, `lastName`, `company`, `role`, `createdAt`, `updatedAt`;
///   `context.userId` from `userId`.
/// - **tasks** (the legacy system sends none; a legacy payload named `task.*` is read
///   anyway): `id`, and `phoneNumberId` and `conversationId` into the context.
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
///
/// // A legacy v4 call: its participants list becomes the new participants object.
/// let legacy: LegacyEvent = serde_json::from_str(samples::LEGACY_V4_CALL_COMPLETED)?;
/// let event = normalize(&legacy);
/// let participants = event.participants().unwrap();
/// assert_eq!(participants.workspace.as_deref(), Some(&["+14155550123".to_owned()][..]));
/// assert_eq!(participants.external.as_deref(), Some(&["+16505550187".to_owned()][..]));
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
        Kind::Call => EventData::Call(data(
            call_resource(&event_type, object),
            call_context(object),
            links,
        )),
        Kind::Recording => EventData::Recording(data(
            recording_resource(object),
            call_context(object),
            links,
        )),
        Kind::Summary => {
            let resource = SummaryResource {
                call_id: object.call_id.clone(),
                processing_status: processing_status(object),
                summary: object.summary.clone(),
                next_steps: object.next_steps.clone(),
                extra: legacy_id(object),
                ..SummaryResource::default()
            };
            EventData::Summary(data(resource, call_context(object), links))
        }
        Kind::Transcript => {
            let resource = TranscriptResource {
                call_id: object.call_id.clone(),
                created_at: object.created_at.clone(),
                duration: object.duration.clone().map(Seconds),
                processing_status: processing_status(object),
                dialogue: object.dialogue.clone(),
                extra: legacy_id(object),
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
                ..ContactContext::default()
            };
            EventData::Contact(data(resource, context, links))
        }
        Kind::Task => {
            let resource = TaskResource {
                id: object.id.clone(),
                ..TaskResource::default()
            };
            let context = TaskContext {
                phone_number_id: object.phone_number_id.clone(),
                conversation_id: object.conversation_id.clone(),
                ..TaskContext::default()
            };
            EventData::Task(data(resource, context, links))
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
        ..MessageContext::default()
    }
}

/// The new `status` of `call.completed` for a legacy call status; see [`normalize`].
fn call_status(object: &LegacyObject) -> Option<CallStatus> {
    let status = object.status.as_deref()?;
    Some(match status {
        "completed" if object.answered_at.is_some() => CallStatus::Answered,
        "completed" | "no-answer" | "missed" => CallStatus::Unanswered,
        other => CallStatus::from(other),
    })
}

fn call_resource(event_type: &EventType, object: &LegacyObject) -> CallResource {
    let common = CallResource {
        id: object.id.clone(),
        created_at: object.created_at.clone(),
        updated_at: object.updated_at.clone(),
        ..CallResource::default()
    };
    match event_type {
        EventType::CallRinging => CallResource {
            direction: object.direction.clone(),
            ..common
        },
        EventType::CallAnswered => CallResource {
            direction: object.direction.clone(),
            answered_at: object.answered_at.clone(),
            answered_by_user_id: object.answered_by.clone(),
            ..common
        },
        EventType::CallCompleted => {
            let has_voicemail = match (&object.voicemail, object.extra.get("voicemail")) {
                (Some(_), _) => Some(true),
                (None, Some(Value::Null)) => Some(false),
                (None, _) => None,
            };
            CallResource {
                direction: object.direction.clone(),
                status: call_status(object),
                answered_at: object.answered_at.clone(),
                completed_at: object.completed_at.clone(),
                duration: object.duration.clone().map(Seconds),
                has_voicemail,
                ..common
            }
        }
        _ => common,
    }
}

fn call_context(object: &LegacyObject) -> CallContext {
    CallContext {
        phone_number_id: object.phone_number_id.clone(),
        conversation_id: object.conversation_id.clone(),
        user_id: object.user_id.clone(),
        contacts: contacts(object),
        participants: participants(object),
        ..CallContext::default()
    }
}

/// The new `context.participants` of a legacy call; the rule is in [`normalize`]'s docs.
fn participants(object: &LegacyObject) -> Option<Participants> {
    let from = || object.from.iter().cloned().collect::<Vec<_>>();
    let to = || recipients(object).unwrap_or_default();
    let (quo, other) = match object.direction {
        Some(Direction::Incoming) => (to(), from()),
        Some(Direction::Outgoing) => (from(), to()),
        _ => (Vec::new(), Vec::new()),
    };
    let external = match &object.participants {
        Some(listed) => listed
            .iter()
            .filter(|number| !quo.contains(number))
            .cloned()
            .collect(),
        None if other.is_empty() && quo.is_empty() => return None,
        None => other,
    };
    Some(Participants {
        workspace: (!quo.is_empty()).then_some(quo),
        external: Some(external),
        ..Participants::default()
    })
}

fn processing_status(object: &LegacyObject) -> Option<ProcessingStatus> {
    object.status.as_deref().map(ProcessingStatus::from)
}

/// A legacy summary's or transcript's own `id`, for the new resource's `extra` (the new
/// resources document none).
fn legacy_id(object: &LegacyObject) -> Map<String, Value> {
    let mut extra = Map::new();
    if let Some(id) = &object.id {
        extra.insert("id".to_owned(), Value::String(id.clone()));
    }
    extra
}

/// A legacy media entry as a recording: an object with `url`, `type`, `duration`, ... or a
/// bare URL.
fn recording(value: &Value) -> Option<Recording> {
    match value {
        Value::String(url) => Some(Recording {
            url: Some(url.clone()),
            ..Recording::default()
        }),
        Value::Object(map) => {
            let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
            Some(Recording {
                id: text("id"),
                duration: map
                    .get("duration")
                    .and_then(|d| d.as_number().cloned())
                    .map(Seconds),
                start_time: text("startTime"),
                media_type: text("type"),
                url: text("url"),
                extra: Map::new(),
            })
        }
        _ => None,
    }
}

fn recording_resource(object: &LegacyObject) -> RecordingResource {
    RecordingResource {
        id: object.call_id.clone().or_else(|| object.id.clone()),
        direction: object.direction.clone(),
        created_at: object.created_at.clone(),
        answered_at: object.answered_at.clone(),
        completed_at: object.completed_at.clone(),
        updated_at: object.updated_at.clone(),
        duration: object.duration.clone().map(Seconds),
        recordings: object
            .media
            .as_ref()
            .map(|items| items.iter().filter_map(recording).collect()),
        ..RecordingResource::default()
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
        voicemail_id: text("id"),
        call_id: object.call_id.clone().or_else(|| object.id.clone()),
        direction: object.direction.clone(),
        duration: voicemail
            .and_then(|v| v.get("duration"))
            .and_then(|d| d.as_number().cloned())
            .map(Seconds),
        from: object.from.clone(),
        to: recipients(object).and_then(|numbers| numbers.into_iter().next()),
        transcript: text("transcript"),
        recording_url: text("url"),
        created_at: object.created_at.clone(),
        updated_at: object.updated_at.clone(),
        extra: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn recording_is_the_call_with_one_recording_per_media_entry() {
        let event = normalize(&legacy(
            json!({ "id": "EV1", "apiVersion": "v3", "type": "call.recording.completed",
            "data": { "object": { "id": "AC9", "object": "call", "status": "completed", "duration": 61.5,
                "media": [{ "url": "https://r/1.mp3", "type": "audio/mpeg", "duration": 61 }, "https://r/2.mp3"] } } }),
        ));
        let EventData::Recording(data) = &event.data else {
            panic!("{event:?}")
        };
        let resource = data.resource.as_ref().unwrap();
        assert_eq!(resource.id.as_deref(), Some("AC9"));
        assert_eq!(event.call_id(), Some("AC9"));
        assert_eq!(resource.duration.as_ref().unwrap().as_secs_f64(), 61.5);
        let recordings = resource.recordings.as_ref().unwrap();
        assert_eq!(recordings.len(), 2);
        assert_eq!(recordings[0].url.as_deref(), Some("https://r/1.mp3"));
        assert_eq!(recordings[0].media_type.as_deref(), Some("audio/mpeg"));
        assert_eq!(recordings[0].duration, Some(Seconds::from(61)));
        assert_eq!(recordings[1].url.as_deref(), Some("https://r/2.mp3"));
    }

    #[test]
    fn call_participants_are_split_by_direction() {
        let call = |object: Value| {
            normalize(&legacy(
                json!({ "id": "EV1", "apiVersion": "v4", "type": "call.completed",
                "data": { "object": object } }),
            ))
        };
        let lists = |event: &Event| {
            let p = event.participants().cloned();
            p.map(|p| (p.workspace, p.external))
        };
        let quo = || Some(vec!["+14155550123".to_owned()]);
        let caller = || Some(vec!["+16505550187".to_owned()]);

        // Incoming: the Quo number is `to`, and is not external even when listed.
        let incoming = call(
            json!({ "id": "AC1", "direction": "incoming", "from": "+16505550187",
            "to": "+14155550123", "participants": ["+16505550187", "+14155550123"] }),
        );
        assert_eq!(lists(&incoming), Some((quo(), caller())));
        // Outgoing: the Quo number is `from`.
        let outgoing = call(
            json!({ "id": "AC1", "direction": "outgoing", "from": "+14155550123",
            "to": ["+16505550187"], "participants": ["+16505550187"] }),
        );
        assert_eq!(lists(&outgoing), Some((quo(), caller())));
        // No list: the other side of from/to.
        let no_list = call(
            json!({ "id": "AC1", "direction": "incoming", "from": "+16505550187",
            "to": "+14155550123" }),
        );
        assert_eq!(lists(&no_list), Some((quo(), caller())));
        // No direction: the Quo number is unknown, every listed number is external.
        let unknown = call(json!({ "id": "AC1", "participants": ["+16505550187"] }));
        assert_eq!(lists(&unknown), Some((None, caller())));
        // Nothing to go on: no participants.
        let nothing = call(json!({ "id": "AC1", "from": "+16505550187" }));
        assert_eq!(lists(&nothing), None);
        // Never sender or recipients on a call.
        assert_eq!(incoming.sender(), None);
        let context = serde_json::to_value(&incoming).unwrap()["data"]["context"].clone();
        assert!(context.get("senderIdentifier").is_none(), "{context}");
    }

    #[test]
    fn legacy_call_fields_map_to_the_documented_names() {
        let event = normalize(&legacy(
            json!({ "id": "EV1", "apiVersion": "v4", "type": "call.completed",
            "data": { "object": { "id": "AC1", "direction": "incoming", "status": "completed",
                "answeredAt": "2026-04-14T16:10:09.215Z", "answeredBy": "US1", "initiatedBy": "US2",
                "duration": 12.25 } } }),
        ));
        let resource = event.data.as_call().unwrap().resource.clone().unwrap();
        assert_eq!(resource.status, Some(CallStatus::Answered));
        assert_eq!(resource.duration.unwrap().as_secs_f64(), 12.25);
        // `answeredByUserId` is not documented for call.completed, only for call.answered.
        assert_eq!(resource.answered_by_user_id, None);
        let answered = normalize(&legacy(
            json!({ "id": "EV2", "apiVersion": "v4", "type": "call.answered",
            "data": { "object": { "id": "AC1", "answeredBy": "US1", "status": "in-progress" } } }),
        ));
        let resource = answered.data.as_call().unwrap().resource.clone().unwrap();
        assert_eq!(resource.answered_by_user_id.as_deref(), Some("US1"));
        assert_eq!(resource.status, None, "call.answered documents no status");
        assert!(resource.extra.is_empty());

        for (status, answered_at, expected) in [
            ("completed", None::<&str>, CallStatus::Unanswered),
            ("no-answer", None, CallStatus::Unanswered),
            ("abandoned", None, CallStatus::Abandoned),
            ("busy", None, CallStatus::Other("busy".into())),
        ] {
            let event = normalize(&legacy(json!({ "id": "EV1", "type": "call.completed",
                "data": { "object": { "id": "AC1", "status": status, "answeredAt": answered_at } } })));
            let resource = event.data.as_call().unwrap().resource.clone().unwrap();
            assert_eq!(resource.status, Some(expected), "{status}");
        }
    }

    #[test]
    fn summary_and_transcript_keep_call_id_and_processing_status() {
        let event = normalize(&legacy(json!({ "id": "EV1", "type": "callSummary",
            "data": { "object": { "callId": "AC1", "status": "completed", "summary": ["a"] } } })));
        let EventData::Summary(data) = &event.data else {
            panic!("{event:?}")
        };
        let resource = data.resource.as_ref().unwrap();
        assert_eq!(resource.call_id.as_deref(), Some("AC1"));
        assert_eq!(
            resource.processing_status,
            Some(ProcessingStatus::Completed)
        );
        assert!(resource.extra.is_empty());
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
            assert_eq!(resource.status, None);
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
