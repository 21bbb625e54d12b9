//! Quo's legacy webhooks (`/v1/webhooks`, no version header; being retired): the resource,
//! the create body, and the four event families with their new-format event types.
//!
//! The migration (Quo's migration guide) replaces each legacy webhook with a new subscription
//! to the same URL. [`LegacyFamily::new_event_types`] and [`migrated_label`] are how a tool
//! maps one to the other using the two APIs alone: the new subscription's label records the
//! legacy id (`migrated-from:WH...`).

use jiff::Timestamp;
use quo_webhooks::EventType;
use serde::{Deserialize, Serialize};
use standard_webhooks::LegacySecret;

use super::webhook::WebhookStatus;

/// The prefix of the label a migrated subscription carries: `migrated-from:` + the legacy
/// webhook's id.
pub const MIGRATED_LABEL_PREFIX: &str = "migrated-from:";

/// The label that records which legacy webhook a new subscription replaces.
#[must_use]
pub fn migrated_label(legacy_id: &str) -> String {
    format!("{MIGRATED_LABEL_PREFIX}{legacy_id}")
}

/// The legacy webhook id a label of [`migrated_label`]'s form records, if it is one.
#[must_use]
pub fn migrated_from(label: &str) -> Option<&str> {
    label
        .strip_prefix(MIGRATED_LABEL_PREFIX)
        .map(str::trim)
        .filter(|id| !id.is_empty())
}

/// One of the four legacy create endpoints, each for one family of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegacyFamily {
    /// `POST /v1/webhooks/messages`.
    Messages,
    /// `POST /v1/webhooks/calls`.
    Calls,
    /// `POST /v1/webhooks/call-summaries`.
    CallSummaries,
    /// `POST /v1/webhooks/call-transcripts`.
    CallTranscripts,
}

impl LegacyFamily {
    /// All four.
    pub const ALL: [Self; 4] = [
        Self::Messages,
        Self::Calls,
        Self::CallSummaries,
        Self::CallTranscripts,
    ];

    /// The path segment after `/v1/webhooks/`.
    #[must_use]
    pub fn path_segment(self) -> &'static str {
        match self {
            Self::Messages => "messages",
            Self::Calls => "calls",
            Self::CallSummaries => "call-summaries",
            Self::CallTranscripts => "call-transcripts",
        }
    }

    /// The family of a path segment.
    #[must_use]
    pub fn from_path_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.path_segment() == segment)
    }

    /// The event types a webhook of this family may subscribe to, as the legacy API names
    /// them (the same names as the new format's).
    #[must_use]
    pub fn events(self) -> Vec<EventType> {
        match self {
            Self::Messages => vec![EventType::MessageReceived, EventType::MessageDelivered],
            Self::Calls => vec![
                EventType::CallCompleted,
                EventType::CallRinging,
                EventType::CallRecordingCompleted,
            ],
            Self::CallSummaries => vec![EventType::CallSummaryCompleted],
            Self::CallTranscripts => vec![EventType::CallTranscriptCompleted],
        }
    }

    /// The family an event type belongs to, if the legacy system sends it at all.
    #[must_use]
    pub fn of(event_type: &EventType) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|family| family.events().contains(event_type))
    }

    /// The new-format event types that replace `legacy_events` of a webhook: the same names,
    /// restricted to the ones the legacy system sends.
    #[must_use]
    pub fn new_event_types(legacy_events: &[EventType]) -> Vec<EventType> {
        let mut out: Vec<EventType> = Vec::new();
        for event in legacy_events {
            if Self::of(event).is_some() && !out.contains(event) {
                out.push(event.clone());
            }
        }
        out
    }
}

impl std::fmt::Display for LegacyFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path_segment())
    }
}

/// A legacy webhook, as `/v1/webhooks` answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LegacyWebhook {
    /// Its id (`WH...`).
    pub id: String,
    /// The user it belongs to (`US...`).
    #[serde(default)]
    pub user_id: Option<String>,
    /// The workspace (`OR...`).
    pub org_id: String,
    /// A label for people, or `null`.
    #[serde(default)]
    pub label: Option<String>,
    /// Enabled or disabled.
    pub status: WebhookStatus,
    /// Where deliveries go.
    pub url: String,
    /// The legacy signing key (base64, no prefix), when the answer shows it.
    #[serde(
        default,
        with = "legacy_key_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub key: Option<LegacySecret>,
    /// When it was created.
    #[serde(with = "super::time")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "super::time")]
    pub updated_at: Timestamp,
    /// When it was deleted (`null` while it exists).
    #[serde(default, with = "super::time::option")]
    pub deleted_at: Option<Timestamp>,
    /// The event types it receives.
    pub events: Vec<EventType>,
    /// Phone number ids it hears (`[]` or `["*"]`: every number).
    #[serde(default)]
    pub resource_ids: Vec<String>,
}

impl LegacyWebhook {
    /// Whether an event of `event_type` about `phone_number_id` goes to this webhook, its
    /// status aside.
    #[must_use]
    pub fn subscribes_to(&self, event_type: &EventType, phone_number_id: Option<&str>) -> bool {
        self.events.contains(event_type)
            && super::ResourceIds::phone_numbers(self.resource_ids.iter().cloned())
                .matches(phone_number_id)
    }

    /// The family it belongs to (that of its first event).
    #[must_use]
    pub fn family(&self) -> Option<LegacyFamily> {
        self.events.iter().find_map(LegacyFamily::of)
    }
}

/// The body of the four legacy create endpoints: `url` and `events` are required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewLegacyWebhook {
    /// Where deliveries go.
    pub url: String,
    /// The event types (of the endpoint's family).
    pub events: Vec<EventType>,
    /// A label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Phone number ids to hear (every number when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<Vec<String>>,
    /// Enabled (the default) or disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WebhookStatus>,
    /// The user it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl NewLegacyWebhook {
    /// A webhook for `events` to `url`, with the API's defaults for the rest.
    #[must_use]
    pub fn new(url: impl Into<String>, events: Vec<EventType>) -> Self {
        Self {
            url: url.into(),
            events,
            label: None,
            resource_ids: None,
            status: None,
            user_id: None,
        }
    }

    /// With a label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Only for these phone number ids.
    #[must_use]
    pub fn resource_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.resource_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// With this status.
    #[must_use]
    pub fn status(mut self, status: WebhookStatus) -> Self {
        self.status = Some(status);
        self
    }
}

mod legacy_key_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use standard_webhooks::LegacySecret;
    use zeroize::Zeroizing;

    pub(super) fn serialize<S: Serializer>(
        key: &Option<LegacySecret>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match key {
            Some(key) => serializer.serialize_str(&Zeroizing::new(key.to_base64())),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<LegacySecret>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)?.map(Zeroizing::new) else {
            return Ok(None);
        };
        text.parse::<LegacySecret>().map(Some).map_err(|error| {
            serde::de::Error::custom(format_args!("`key` is not a legacy signing key: {error}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_map_to_new_event_types() {
        assert_eq!(
            LegacyFamily::new_event_types(&LegacyFamily::Calls.events()),
            vec![
                EventType::CallCompleted,
                EventType::CallRinging,
                EventType::CallRecordingCompleted
            ]
        );
        assert_eq!(
            LegacyFamily::of(&EventType::CallSummaryCompleted),
            Some(LegacyFamily::CallSummaries)
        );
        assert_eq!(LegacyFamily::of(&EventType::ContactUpdated), None);
        assert_eq!(
            LegacyFamily::from_path_segment("call-transcripts"),
            Some(LegacyFamily::CallTranscripts)
        );
    }

    #[test]
    fn migrated_label_round_trips() {
        let label = migrated_label("WHabc");
        assert_eq!(label, "migrated-from:WHabc");
        assert_eq!(migrated_from(&label), Some("WHabc"));
        assert_eq!(migrated_from("other"), None);
        assert_eq!(migrated_from("migrated-from:"), None);
    }

    #[test]
    fn legacy_webhook_reads_the_documented_answer_and_hides_its_key() {
        let json = r#"{"id":"WH123","userId":"US1","orgId":"OR1","label":null,"status":"enabled",
            "url":"https://example.com/hook","key":"c2VjcmV0LWtleS1ieXRlcw==",
            "createdAt":"2026-04-13T12:00:00.000Z","updatedAt":"2026-04-13T12:00:00.000Z",
            "deletedAt":null,"events":["message.received"],"resourceIds":["PN1"]}"#;
        let webhook: LegacyWebhook = serde_json::from_str(json).unwrap();
        assert_eq!(webhook.family(), Some(LegacyFamily::Messages));
        assert!(webhook.subscribes_to(&EventType::MessageReceived, Some("PN1")));
        assert!(!webhook.subscribes_to(&EventType::MessageReceived, Some("PN2")));
        assert!(!format!("{webhook:?}").contains("c2VjcmV0"));
        let back = serde_json::to_value(&webhook).unwrap();
        assert_eq!(back["key"], "c2VjcmV0LWtleS1ieXRlcw==");
    }
}
