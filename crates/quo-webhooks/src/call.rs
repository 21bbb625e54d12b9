//! `call.*` events: the call itself ([`CallResource`]) and what is made from it afterwards
//! (recordings, summaries, transcripts, voicemails), all with a [`CallContext`].
//!
//! The shapes follow Quo's event-payload reference for API version `2026-03-30`. One
//! [`CallResource`] type serves every call lifecycle event (`call.ringing`, `call.answered`,
//! `call.completed`, `call.forwarded`, `call.missed`, `call.menu.selected`): each event sends
//! the subset of its fields that the event documents. Numbers Quo types as `number`
//! (durations, offsets) are [`Seconds`], which keep fractions; any field this crate does not
//! model is kept in `extra`.

use crate::common::{
    Contacts, Direction, Participants, PhoneNumberType, ProcessingStatus, Seconds,
};
use crate::object::{json_object, string_enum};

string_enum! {
    /// How a call ended (`resource.status` of `call.completed`): the seven values Quo
    /// documents.
    pub enum CallStatus(Other) {
        /// Someone answered.
        Answered => "answered",
        /// Nobody answered.
        Unanswered => "unanswered",
        /// The call failed.
        Failed => "failed",
        /// It was forwarded elsewhere.
        Forwarded => "forwarded",
        /// The caller hung up before it was answered.
        Abandoned => "abandoned",
        /// Quo's AI agent handled it.
        AiHandled => "ai-handled",
        /// Quo could not tell. (A value Quo sends, not this crate's catch-all: that is
        /// [`Other`](Self::Other).)
        Unknown => "unknown",
    }
}

json_object! {
    /// The call of a call lifecycle event (`data.resource` of `call.ringing`, `call.answered`,
    /// `call.completed`, `call.forwarded`, `call.missed`, `call.menu.selected`).
    ///
    /// What each event sends: ringing `id, direction, createdAt, updatedAt`; answered adds
    /// `answeredAt, answeredByUserId`; completed `id, direction, status, createdAt,
    /// answeredAt, completedAt, updatedAt, duration, hasVoicemail`; forwarded `id, createdAt,
    /// updatedAt, forwardedFrom, forwardedTo`; missed `id, createdAt, updatedAt`;
    /// menu.selected `id, createdAt, updatedAt, phoneMenuSelection, phoneMenuSelectionName,
    /// statusReason`.
    pub struct CallResource {
        /// The call id (`AC...`).
        "id" => id: String,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// How the call ended (`call.completed`).
        "status" => status: CallStatus,
        /// When the call was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it was answered; `null` when it was not.
        "answeredAt" => answered_at: String,
        /// The Quo user who answered, when known (`call.answered`).
        "answeredByUserId" => answered_by_user_id: String,
        /// When it ended.
        "completedAt" => completed_at: String,
        /// When it last changed: compare it with what you stored, since Quo does not
        /// guarantee the order of deliveries.
        "updatedAt" => updated_at: String,
        /// Its length in seconds, possibly fractional.
        "duration" => duration: Seconds,
        /// Whether a voicemail was left.
        "hasVoicemail" => has_voicemail: bool,
        /// The number the call was forwarded from (`call.forwarded`).
        "forwardedFrom" => forwarded_from: String,
        /// The number the call was forwarded to (`call.forwarded`).
        "forwardedTo" => forwarded_to: String,
        /// The phone-menu key the caller pressed, a digit as a string
        /// (`call.menu.selected`).
        "phoneMenuSelection" => phone_menu_selection: String,
        /// The name of the menu option chosen (`call.menu.selected`).
        "phoneMenuSelectionName" => phone_menu_selection_name: String,
        /// Why the call is in its state (`call.menu.selected`), as sent.
        "statusReason" => status_reason: String,
    }
}

json_object! {
    /// Where a call belongs (`data.context` of every `call.*` event).
    ///
    /// Calls carry no sender or recipient identifiers: who took part is in
    /// [`participants`](Self::participants). (A `senderIdentifier` Quo might still send is
    /// kept in `extra`.) `call.ringing` sends a narrower context, which may lack `contacts`
    /// and `phoneNumberType`.
    pub struct CallContext {
        /// The workspace's id (`OR...`); every context carries it since GA.
        "orgId" => org_id: String,
        /// The Quo number's id (`PN...`); may be `null`.
        "phoneNumberId" => phone_number_id: String,
        /// The kind of Quo number; may be `null`.
        "phoneNumberType" => phone_number_type: PhoneNumberType,
        /// The conversation's id (`CN...`); may be `null`.
        "conversationId" => conversation_id: String,
        /// The Quo user the call belongs to (`US...`).
        "userId" => user_id: String,
        /// The contacts behind the other party.
        "contacts" => contacts: Contacts,
        /// Who took part: the workspace's numbers and the external ones.
        "participants" => participants: Participants,
    }
}

json_object! {
    /// One recording of a call (an entry of [`RecordingResource::recordings`]); every field
    /// may be `null`.
    pub struct Recording {
        /// The recording's id.
        "id" => id: String,
        /// Its length in seconds, possibly fractional.
        "duration" => duration: Seconds,
        /// When it started, RFC 3339 text as sent.
        "startTime" => start_time: String,
        /// Its media type, as sent (such as `audio/mpeg`).
        "type" => media_type: String,
        /// Where to download the audio.
        "url" => url: String,
    }
}

json_object! {
    /// A call whose recording finished processing (`call.recording.completed`;
    /// `data.resource`): the resource is the call itself, with its recordings.
    pub struct RecordingResource {
        /// The call's id (`AC...`).
        "id" => id: String,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// When the call was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it was answered.
        "answeredAt" => answered_at: String,
        /// When it ended.
        "completedAt" => completed_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
        /// The call's length in seconds, possibly fractional; may be `null`.
        "duration" => duration: Seconds,
        /// The call's recordings (always an array).
        "recordings" => recordings: Vec<Recording>,
    }
}

/// The value of one [`JobDatum`]: a JSON string, number or boolean, kept as sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum JobValue {
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept exactly as sent.
    Number(serde_json::Number),
    /// Text.
    Text(String),
}

json_object! {
    /// One named value a summary job extracted from the call.
    pub struct JobDatum {
        /// The value's name.
        "name" => name: String,
        /// The value.
        "value" => value: JobValue,
    }
}

json_object! {
    /// What a summary job produced.
    pub struct JobResult {
        /// The extracted values.
        "data" => data: Vec<JobDatum>,
    }
}

json_object! {
    /// A job run on the call while summarising it (an entry of
    /// [`SummaryResource::jobs`]).
    pub struct SummaryJob {
        /// The job's icon, as sent.
        "icon" => icon: String,
        /// The job's name.
        "name" => name: String,
        /// Its result.
        "result" => result: JobResult,
    }
}

json_object! {
    /// A finished call summary (`call.summary.completed`; `data.resource`). It has no id of
    /// its own: [`call_id`](Self::call_id) names the call.
    pub struct SummaryResource {
        /// The call summarised (`AC...`).
        "callId" => call_id: String,
        /// Whether the summary is ready.
        "processingStatus" => processing_status: ProcessingStatus,
        /// The summary, one point per entry; may be `null`.
        "summary" => summary: Vec<String>,
        /// Suggested next steps; may be `null`.
        "nextSteps" => next_steps: Vec<String>,
        /// The number the call came from; may be `null`.
        "fromPhoneNumber" => from_phone_number: String,
        /// Whether Quo's AI agent handled the call.
        "handledByAiAgent" => handled_by_ai_agent: bool,
        /// The Quo user who answered; may be `null`.
        "answeredByUserId" => answered_by_user_id: String,
        /// The jobs run on the call and what they found.
        "jobs" => jobs: Vec<SummaryJob>,
    }
}

json_object! {
    /// One stretch of speech in a transcript.
    pub struct DialogueSegment {
        /// Offset of its start into the call, in seconds, possibly fractional.
        "start" => start: Seconds,
        /// Offset of its end into the call, in seconds.
        "end" => end: Seconds,
        /// What was said.
        "content" => content: String,
        /// The speaker's number (usually E.164); may be `null`.
        "identifier" => identifier: String,
        /// The speaker's Quo user id when the speaker is a Quo user; may be `null`.
        "userId" => user_id: String,
    }
}

json_object! {
    /// A finished call transcript (`call.transcript.completed`; `data.resource`). It has no
    /// id of its own: [`call_id`](Self::call_id) names the call.
    pub struct TranscriptResource {
        /// The call transcribed (`AC...`).
        "callId" => call_id: String,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// The transcribed length in seconds, possibly fractional.
        "duration" => duration: Seconds,
        /// Whether the transcript is ready.
        "processingStatus" => processing_status: ProcessingStatus,
        /// The speech, in order; may be `null`.
        "dialogue" => dialogue: Vec<DialogueSegment>,
    }
}

json_object! {
    /// A voicemail left on a call (`call.voicemail.completed`; `data.resource`).
    pub struct VoicemailResource {
        /// The resource's id.
        "id" => id: String,
        /// The voicemail's own id (`VM...`); may be `null`.
        "voicemailId" => voicemail_id: String,
        /// The call on which it was left (`AC...`); may be `null`.
        "callId" => call_id: String,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// Its length in seconds, possibly fractional.
        "duration" => duration: Seconds,
        /// Who left it (usually an E.164 number).
        "from" => from: String,
        /// The number it was left on.
        "to" => to: String,
        /// Its transcription; may be `null`.
        "transcript" => transcript: String,
        /// Where to download the audio; may be `null`.
        "recordingUrl" => recording_url: String,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fractional_and_whole_numbers_keep_their_form() {
        for input in [
            json!({ "duration": 214 }),
            json!({ "duration": 214.0 }),
            json!({ "duration": 0.35 }),
            json!({ "duration": null }),
        ] {
            let call: CallResource = serde_json::from_value(input.clone()).unwrap();
            assert_eq!(serde_json::to_value(&call).unwrap(), input);
        }
        let call: CallResource = serde_json::from_value(json!({ "duration": 61.5 })).unwrap();
        assert_eq!(call.duration.unwrap().as_secs_f64(), 61.5);
    }

    #[test]
    fn job_values_keep_their_json_type() {
        let input = json!({ "data": [
            { "name": "a", "value": "yes" }, { "name": "b", "value": 2.5 },
            { "name": "c", "value": true }, { "name": "d", "value": 3 }
        ] });
        let result: JobResult = serde_json::from_value(input.clone()).unwrap();
        let values: Vec<_> = result
            .data
            .iter()
            .flatten()
            .map(|d| d.value.clone().unwrap())
            .collect();
        assert!(matches!(values[0], JobValue::Text(_)));
        assert!(matches!(values[1], JobValue::Number(_)));
        assert_eq!(values[2], JobValue::Bool(true));
        assert_eq!(serde_json::to_value(&result).unwrap(), input);
    }

    #[test]
    fn the_documented_unknown_status_is_not_the_catch_all() {
        assert_eq!(CallStatus::from("unknown"), CallStatus::Unknown);
        assert!(CallStatus::Unknown.is_known());
        assert_eq!(
            CallStatus::from("voicemail"),
            CallStatus::Other("voicemail".into())
        );
        assert_eq!(CallStatus::AiHandled.as_str(), "ai-handled");
    }

    #[test]
    fn object_participants_parse() {
        let input = json!({ "orgId": "OR1", "participants": {
            "workspace": ["+14155550123"], "external": ["+16505550187"], "resolution": "available"
        } });
        let context: CallContext = serde_json::from_value(input.clone()).unwrap();
        let participants = context.participants.as_ref().unwrap();
        assert_eq!(participants.external.as_deref().unwrap(), ["+16505550187"]);
        assert_eq!(serde_json::to_value(&context).unwrap(), input);

        let error = serde_json::from_value::<CallContext>(json!({ "participants": ["+1"] }))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`participants`"), "{error}");
    }
}
