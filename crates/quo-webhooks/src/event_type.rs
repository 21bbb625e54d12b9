//! The `type` of an event.

use crate::object::string_enum;

string_enum! {
    /// The `type` of a new-format event: one of the twenty-eight that Quo documents for API
    /// version `2026-03-30` (the fourteen of the beta reference and the fourteen added since),
    /// or any other name (`integration.*`, anything newer), kept as
    /// [`Unknown`](Self::Unknown).
    ///
    /// `Display` and `FromStr` use the wire names (`message.received`, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use quo_webhooks::EventType;
    ///
    /// let t: EventType = "call.summary.completed".parse().unwrap();
    /// assert_eq!(t, EventType::CallSummaryCompleted);
    /// assert_eq!(t.to_string(), "call.summary.completed");
    ///
    /// let future: EventType = "call.sentiment.completed".parse().unwrap();
    /// assert_eq!(future, EventType::Unknown("call.sentiment.completed".into()));
    /// ```
    pub enum EventType(Unknown) {
        /// An inbound message reached a Quo number.
        MessageReceived => "message.received",
        /// An outbound message was delivered (not a read receipt).
        MessageDelivered => "message.delivered",
        /// An outbound message could not be delivered.
        MessageFailed => "message.failed",
        /// A call started ringing.
        CallRinging => "call.ringing",
        /// A call was connected.
        CallAnswered => "call.answered",
        /// A call ended.
        CallCompleted => "call.completed",
        /// An incoming call was forwarded.
        CallForwarded => "call.forwarded",
        /// An incoming call ended unanswered.
        CallMissed => "call.missed",
        /// A call recording finished processing.
        CallRecordingCompleted => "call.recording.completed",
        /// A call summary finished generating.
        CallSummaryCompleted => "call.summary.completed",
        /// A call transcript finished processing.
        CallTranscriptCompleted => "call.transcript.completed",
        /// A voicemail was left and processed.
        CallVoicemailCompleted => "call.voicemail.completed",
        /// A contact was created or changed.
        ContactUpdated => "contact.updated",
        /// A contact was deleted.
        ContactDeleted => "contact.deleted",
        /// The carrier reported that an outbound message could not be delivered.
        MessageUndelivered => "message.undelivered",
        /// A caller chose an option of a phone menu.
        CallMenuSelected => "call.menu.selected",
        /// A task was created.
        TaskCreated => "task.created",
        /// A task's title or description changed.
        TaskUpdated => "task.updated",
        /// A task was deleted.
        TaskDeleted => "task.deleted",
        /// A task was completed.
        TaskCompleted => "task.completed",
        /// A completed task was reopened.
        TaskReopened => "task.reopened",
        /// A task was assigned to a user.
        TaskAssigned => "task.assigned",
        /// A task's assignee was removed.
        TaskUnassigned => "task.unassigned",
        /// A task passed its due date.
        TaskOverdue => "task.overdue",
        /// A task was linked to an activity.
        TaskLinked => "task.linked",
        /// A task was unlinked from an activity.
        TaskUnlinked => "task.unlinked",
        /// A task's due date changed.
        TaskDuedateUpdated => "task.duedate.updated",
        /// A task's due date was removed.
        TaskDuedateRemoved => "task.duedate.removed",
    }
}

/// The shape of `data` that an event type selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Message,
    Call,
    Recording,
    Summary,
    Transcript,
    Voicemail,
    Contact,
    Task,
    Unknown,
}

impl EventType {
    /// The fourteen event types of Quo's beta reference, in its order: the ones its webhook
    /// management API documents as subscribable.
    pub const BETA: [EventType; 14] = [
        EventType::MessageReceived,
        EventType::MessageDelivered,
        EventType::MessageFailed,
        EventType::CallRinging,
        EventType::CallAnswered,
        EventType::CallCompleted,
        EventType::CallForwarded,
        EventType::CallMissed,
        EventType::CallRecordingCompleted,
        EventType::CallSummaryCompleted,
        EventType::CallTranscriptCompleted,
        EventType::CallVoicemailCompleted,
        EventType::ContactUpdated,
        EventType::ContactDeleted,
    ];

    /// Every event type this crate knows: the fourteen of [`BETA`](Self::BETA) first, in
    /// documented order, then those Quo added since (`message.undelivered`,
    /// `call.menu.selected`, the twelve `task.*`).
    pub const KNOWN: [EventType; 28] = [
        EventType::MessageReceived,
        EventType::MessageDelivered,
        EventType::MessageFailed,
        EventType::CallRinging,
        EventType::CallAnswered,
        EventType::CallCompleted,
        EventType::CallForwarded,
        EventType::CallMissed,
        EventType::CallRecordingCompleted,
        EventType::CallSummaryCompleted,
        EventType::CallTranscriptCompleted,
        EventType::CallVoicemailCompleted,
        EventType::ContactUpdated,
        EventType::ContactDeleted,
        EventType::MessageUndelivered,
        EventType::CallMenuSelected,
        EventType::TaskCreated,
        EventType::TaskUpdated,
        EventType::TaskDeleted,
        EventType::TaskCompleted,
        EventType::TaskReopened,
        EventType::TaskAssigned,
        EventType::TaskUnassigned,
        EventType::TaskOverdue,
        EventType::TaskLinked,
        EventType::TaskUnlinked,
        EventType::TaskDuedateUpdated,
        EventType::TaskDuedateRemoved,
    ];

    /// Whether this is one of the fourteen [`BETA`](Self::BETA) event types.
    #[must_use]
    pub fn is_beta(&self) -> bool {
        Self::BETA.contains(self)
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            Self::MessageReceived
            | Self::MessageDelivered
            | Self::MessageFailed
            | Self::MessageUndelivered => Kind::Message,
            Self::CallRinging
            | Self::CallAnswered
            | Self::CallCompleted
            | Self::CallForwarded
            | Self::CallMissed
            | Self::CallMenuSelected => Kind::Call,
            Self::CallRecordingCompleted => Kind::Recording,
            Self::CallSummaryCompleted => Kind::Summary,
            Self::CallTranscriptCompleted => Kind::Transcript,
            Self::CallVoicemailCompleted => Kind::Voicemail,
            Self::ContactUpdated | Self::ContactDeleted => Kind::Contact,
            Self::TaskCreated
            | Self::TaskUpdated
            | Self::TaskDeleted
            | Self::TaskCompleted
            | Self::TaskReopened
            | Self::TaskAssigned
            | Self::TaskUnassigned
            | Self::TaskOverdue
            | Self::TaskLinked
            | Self::TaskUnlinked
            | Self::TaskDuedateUpdated
            | Self::TaskDuedateRemoved => Kind::Task,
            Self::Unknown(_) => Kind::Unknown,
        }
    }

    /// Whether this is a `message.*` event.
    #[must_use]
    pub fn is_message(&self) -> bool {
        self.kind() == Kind::Message
    }

    /// Whether this is a `call.*` event, including recordings, summaries, transcripts and
    /// voicemails.
    #[must_use]
    pub fn is_call(&self) -> bool {
        matches!(
            self.kind(),
            Kind::Call | Kind::Recording | Kind::Summary | Kind::Transcript | Kind::Voicemail
        )
    }

    /// Whether this is a `contact.*` event.
    #[must_use]
    pub fn is_contact(&self) -> bool {
        self.kind() == Kind::Contact
    }

    /// Whether this is a `task.*` event.
    #[must_use]
    pub fn is_task(&self) -> bool {
        self.kind() == Kind::Task
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_display_and_from_str() {
        for t in &EventType::KNOWN {
            assert!(t.is_known());
            let parsed: EventType = t.to_string().parse().unwrap();
            assert_eq!(&parsed, t);
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        let names: std::collections::BTreeSet<_> =
            EventType::KNOWN.iter().map(EventType::as_str).collect();
        assert_eq!(names.len(), 28);
        assert_eq!(EventType::KNOWN[..14], EventType::BETA);
        assert!(EventType::CallMissed.is_beta());
        assert!(!EventType::TaskCreated.is_beta());
        assert!(!EventType::MessageUndelivered.is_beta());
        assert_eq!(
            "task.duedate.removed".parse::<EventType>(),
            Ok(EventType::TaskDuedateRemoved)
        );
    }

    #[test]
    fn unknown_event_type_is_kept() {
        let t: EventType = serde_json::from_str("\"call.sentiment.completed\"").unwrap();
        assert_eq!(t, EventType::Unknown("call.sentiment.completed".into()));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"call.sentiment.completed\""
        );
        assert!(!t.is_message() && !t.is_call() && !t.is_contact() && !t.is_task());
        let integration: EventType = "integration.hubspot.synced".parse().unwrap();
        assert!(!integration.is_known());
    }

    #[test]
    fn families() {
        assert!(EventType::MessageFailed.is_message());
        assert!(EventType::CallVoicemailCompleted.is_call());
        assert!(EventType::ContactDeleted.is_contact());
        assert!(!EventType::ContactDeleted.is_call());
        assert!(EventType::MessageUndelivered.is_message());
        assert!(EventType::CallMenuSelected.is_call());
        assert!(EventType::TaskDuedateUpdated.is_task());
        assert!(!EventType::TaskLinked.is_call());
    }
}
