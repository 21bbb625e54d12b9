//! `call.*` events: the call itself ([`CallResource`]) and what is made from it afterwards
//! (recordings, summaries, transcripts, voicemails), all with a [`CallContext`].
//!
//! Beyond the fields Quo's overview names, the shapes of recordings, summaries, transcripts and
//! voicemails here follow Quo's legacy payloads and public API; any other field is kept in
//! `extra`.

use serde_json::Number;

use crate::common::{Contacts, Direction};
use crate::object::{json_object, string_enum};

string_enum! {
    /// The status of a call.
    pub enum CallStatus(Other) {
        /// Waiting to be placed.
        Queued => "queued",
        /// Being placed.
        Initiated => "initiated",
        /// Ringing.
        Ringing => "ringing",
        /// Connected, in progress.
        InProgress => "in-progress",
        /// Answered.
        Answered => "answered",
        /// Ended after being connected.
        Completed => "completed",
        /// The other side was busy.
        Busy => "busy",
        /// The call failed.
        Failed => "failed",
        /// Nobody answered.
        NoAnswer => "no-answer",
        /// Cancelled before connecting.
        Canceled => "canceled",
        /// An incoming call nobody answered.
        Missed => "missed",
        /// Forwarded elsewhere.
        Forwarded => "forwarded",
        /// The caller hung up while waiting.
        Abandoned => "abandoned",
    }
}

json_object! {
    /// The call of a call lifecycle event (`call.ringing`, `call.answered`, `call.completed`,
    /// `call.forwarded`, `call.missed`; `data.resource`).
    pub struct CallResource {
        /// The call id (`AC...`).
        "id" => id: String,
        /// Incoming or outgoing.
        "direction" => direction: Direction,
        /// The call's status.
        "status" => status: CallStatus,
        /// When the call was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
        /// When it was answered.
        "answeredAt" => answered_at: String,
        /// When it ended.
        "completedAt" => completed_at: String,
        /// When it last changed.
        "updatedAt" => updated_at: String,
        /// Its length in whole seconds.
        "duration" => duration: u64,
        /// Whether a voicemail was left.
        "hasVoicemail" => has_voicemail: bool,
        /// The Quo user who answered (`call.answered`), when known.
        "answeredByUserId" => answered_by_user_id: String,
        /// The number the call was forwarded from (`call.forwarded`).
        "forwardedFrom" => forwarded_from: String,
        /// The number the call was forwarded to (`call.forwarded`).
        "forwardedTo" => forwarded_to: String,
    }
}

json_object! {
    /// Where a call belongs (`data.context` of every `call.*` event).
    pub struct CallContext {
        /// The Quo number's id (`PN...`).
        "phoneNumberId" => phone_number_id: String,
        /// The kind of Quo number (as sent; Quo has not published the values).
        "phoneNumberType" => phone_number_type: String,
        /// The conversation's id (`CN...`).
        "conversationId" => conversation_id: String,
        /// The Quo user the call belongs to (`US...`).
        "userId" => user_id: String,
        /// The contacts behind the other party.
        "contacts" => contacts: Contacts,
        /// The caller's number (E.164), whichever the direction.
        "senderIdentifier" => sender_identifier: String,
        /// The called numbers (E.164), whichever the direction.
        "recipientIdentifiers" => recipient_identifiers: Vec<String>,
        /// The external participants' numbers (E.164).
        "participants" => participants: Vec<String>,
    }
}

json_object! {
    /// A finished call recording (`call.recording.completed`; `data.resource`).
    pub struct RecordingResource {
        /// The recording's id, or the call's when Quo sends the call itself.
        "id" => id: String,
        /// The call the recording belongs to (`AC...`).
        "callId" => call_id: String,
        /// Where to download the audio.
        "url" => url: String,
        /// The audio's MIME type.
        "type" => media_type: String,
        /// Its length in whole seconds.
        "duration" => duration: u64,
        /// Its processing status.
        "status" => status: String,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
    }
}

json_object! {
    /// A finished call summary (`call.summary.completed`; `data.resource`).
    pub struct SummaryResource {
        /// The summary's own id, if Quo gives it one.
        "id" => id: String,
        /// The call summarised (`AC...`).
        "callId" => call_id: String,
        /// Its processing status.
        "status" => status: String,
        /// The summary, one point per entry.
        "summary" => summary: Vec<String>,
        /// Suggested next steps.
        "nextSteps" => next_steps: Vec<String>,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
    }
}

json_object! {
    /// One stretch of speech in a transcript.
    pub struct DialogueSegment {
        /// Offset of its start into the call, in seconds (a JSON number, kept as sent).
        "start" => start: Number,
        /// Offset of its end into the call, in seconds.
        "end" => end: Number,
        /// What was said.
        "content" => content: String,
        /// The speaker's number (E.164).
        "identifier" => identifier: String,
        /// The speaker's Quo user id, when the speaker is a Quo user.
        "userId" => user_id: String,
    }
}

json_object! {
    /// A finished call transcript (`call.transcript.completed`; `data.resource`).
    pub struct TranscriptResource {
        /// The transcript's own id, if Quo gives it one.
        "id" => id: String,
        /// The call transcribed (`AC...`).
        "callId" => call_id: String,
        /// Its processing status.
        "status" => status: String,
        /// The speech, in order.
        "dialogue" => dialogue: Vec<DialogueSegment>,
        /// The transcribed length in seconds (a JSON number, kept as sent).
        "duration" => duration: Number,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
    }
}

json_object! {
    /// A voicemail left on a call (`call.voicemail.completed`; `data.resource`).
    pub struct VoicemailResource {
        /// The voicemail's id.
        "id" => id: String,
        /// The call on which it was left (`AC...`).
        "callId" => call_id: String,
        /// Where to download the audio.
        "url" => url: String,
        /// The audio's MIME type.
        "type" => media_type: String,
        /// Its length in whole seconds.
        "duration" => duration: u64,
        /// Its transcription, when Quo made one.
        "transcript" => transcript: String,
        /// Its processing status.
        "status" => status: String,
        /// When it was created, RFC 3339 text as sent.
        "createdAt" => created_at: String,
    }
}
