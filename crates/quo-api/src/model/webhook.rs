//! Webhooks (subscriptions): the resource, create, PATCH, rotate and test.

use jiff::Timestamp;
use quo_webhooks::EventType;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use standard_webhooks::Secret;

use super::enums::string_enum;
use super::ids::WebhookId;

string_enum! {
    /// Whether a webhook receives events.
    pub enum WebhookStatus {
        /// Events are delivered.
        Enabled => "enabled",
        /// Nothing is delivered except test events.
        Disabled => "disabled",
    }
}

/// Which Quo numbers a webhook hears message and call events from (`resourceIds`); contact
/// events are workspace-wide whatever this says.
///
/// On the wire, every number is `["*"]` and a filter is a list of phone number ids (`PN...`).
/// Reading also takes `[]` as every number, as PATCH does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResourceIds {
    /// Every phone number of the workspace (`["*"]`).
    #[default]
    All,
    /// Only these phone numbers (`["PN...", ...]`, never empty).
    PhoneNumbers(Vec<String>),
}

impl ResourceIds {
    /// A filter on the given phone number ids; no ids means every number.
    pub fn phone_numbers<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        if ids.is_empty() || (ids.len() == 1 && ids[0] == "*") {
            Self::All
        } else {
            Self::PhoneNumbers(ids)
        }
    }

    /// Whether an event about `phone_number_id` passes the filter. An event without a phone
    /// number passes only a webhook that hears every number.
    #[must_use]
    pub fn matches(&self, phone_number_id: Option<&str>) -> bool {
        match self {
            Self::All => true,
            Self::PhoneNumbers(ids) => {
                phone_number_id.is_some_and(|pn| ids.iter().any(|id| id == pn))
            }
        }
    }

    /// The ids as the API lists them: `["*"]` for every number.
    #[must_use]
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::PhoneNumbers(ids) => ids.clone(),
        }
    }
}

impl Serialize for ResourceIds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => ["*"].serialize(serializer),
            Self::PhoneNumbers(ids) => ids.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ResourceIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let ids = Vec::<String>::deserialize(deserializer)?;
        if ids.iter().any(|id| id == "*") && ids.len() > 1 {
            return Err(D::Error::custom(
                "\"*\" means every phone number and cannot be combined with phone number ids",
            ));
        }
        if let Some(empty) = ids.iter().find(|id| id.trim().is_empty()) {
            return Err(D::Error::custom(format_args!(
                "phone number id {empty:?} is empty"
            )));
        }
        Ok(Self::phone_numbers(ids))
    }
}

/// A webhook subscription, as `GET /webhooks` and `GET /webhooks/:id` answer it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Webhook {
    /// Its id (digits).
    pub id: WebhookId,
    /// The workspace's id (`OR...`).
    pub org_id: String,
    /// A label for people, or `null`.
    #[serde(default)]
    pub label: Option<String>,
    /// Enabled or disabled.
    pub status: WebhookStatus,
    /// Where deliveries go.
    pub url: String,
    /// When it was created.
    #[serde(with = "super::time")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[serde(with = "super::time")]
    pub updated_at: Timestamp,
    /// The event types it receives (at least one).
    pub events: Vec<EventType>,
    /// The phone numbers it hears message and call events from.
    #[serde(default)]
    pub resource_ids: ResourceIds,
    /// The payload version it is pinned to, the one it was created with.
    pub api_version: String,
}

impl Webhook {
    /// A webhook with Quo's defaults for what is not given: no label, enabled, every phone
    /// number, [`API_VERSION`](crate::API_VERSION), `updatedAt` = `createdAt`. Set the other
    /// public fields afterwards (for a server, such as the emulator, that builds answers).
    #[must_use]
    pub fn new(
        id: WebhookId,
        org_id: impl Into<String>,
        url: impl Into<String>,
        events: Vec<EventType>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id,
            org_id: org_id.into(),
            label: None,
            status: WebhookStatus::Enabled,
            url: url.into(),
            created_at,
            updated_at: created_at,
            events,
            resource_ids: ResourceIds::All,
            api_version: crate::API_VERSION.to_owned(),
        }
    }

    /// Whether an event of `event_type` about `phone_number_id` (`None` for contact events
    /// and others that belong to no number) is delivered to this webhook, its status aside.
    #[must_use]
    pub fn subscribes_to(&self, event_type: &EventType, phone_number_id: Option<&str>) -> bool {
        self.events.contains(event_type)
            && (event_type.is_contact() || self.resource_ids.matches(phone_number_id))
    }
}

/// The answer to `POST /webhooks`: the webhook and its signing key, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedWebhook {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// Its `whsec_` signing key. Store it: the API never shows it again (rotate for a new one).
    #[serde(with = "secret_text")]
    pub key: Secret,
}

impl CreatedWebhook {
    /// The webhook with its key.
    #[must_use]
    pub fn new(webhook: Webhook, key: Secret) -> Self {
        Self { webhook, key }
    }
}

/// The answer to `POST /webhooks/:id/rotate`: the new signing key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RotatedKey {
    /// The new `whsec_` key.
    #[serde(with = "secret_text")]
    pub key: Secret,
}

impl RotatedKey {
    /// The answer carrying `key`.
    #[must_use]
    pub fn new(key: Secret) -> Self {
        Self { key }
    }
}

/// Reads and writes a [`Secret`] as its `whsec_` text. The text never reaches an error message,
/// and the copy read from the wire is wiped once parsed.
mod secret_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use standard_webhooks::Secret;
    use zeroize::Zeroizing;

    pub(super) fn serialize<S: Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Zeroizing::new(secret.to_whsec_string()))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Secret, D::Error> {
        let text = Zeroizing::new(String::deserialize(deserializer)?);
        text.parse::<Secret>().map_err(|error| {
            serde::de::Error::custom(format_args!("`key` is not a signing key: {error}"))
        })
    }
}

/// The body of `POST /webhooks`: `url` and `events` are required; the rest take Quo's defaults
/// (every phone number, no label, enabled) when left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewWebhook {
    /// Where deliveries go (HTTPS at Quo).
    pub url: String,
    /// The event types to receive (at least one).
    pub events: Vec<EventType>,
    /// The phone numbers to hear message and call events from; Quo's default is every number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_ids: Option<ResourceIds>,
    /// A label for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Enabled (Quo's default) or disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WebhookStatus>,
}

impl NewWebhook {
    /// A webhook for `events` delivered to `url`, with Quo's defaults for everything else.
    pub fn new<I>(url: impl Into<String>, events: I) -> Self
    where
        I: IntoIterator<Item = EventType>,
    {
        Self {
            url: url.into(),
            events: events.into_iter().collect(),
            resource_ids: None,
            label: None,
            status: None,
        }
    }

    /// Sets the phone number filter.
    #[must_use]
    pub fn resource_ids(mut self, resource_ids: ResourceIds) -> Self {
        self.resource_ids = Some(resource_ids);
        self
    }

    /// Sets the label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the status (create it disabled to test it before it receives real events).
    #[must_use]
    pub fn status(mut self, status: WebhookStatus) -> Self {
        self.status = Some(status);
        self
    }
}

/// One field of a PATCH body: left out, sent as `null`, or sent with a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    /// Left out of the body: the field is unchanged.
    #[default]
    Unchanged,
    /// Sent as `null`: the field is cleared (for `label` and `resourceIds`).
    Null,
    /// Sent with this value: the field is replaced.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out.
    #[must_use]
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Self::Unchanged)
    }

    /// The value, if one is set.
    #[must_use]
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            _ => None,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Never reached through `WebhookUpdate`, which skips unchanged fields.
            Self::Unchanged | Self::Null => serializer.serialize_none(),
            Self::Value(value) => value.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    /// Called only for a field that is present (an absent one is `#[serde(default)]`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}

/// The body of `PATCH /webhooks/:id`: only the fields set here are sent.
///
/// `label` and `resourceIds` can also be cleared (`null`): the label goes, the filter goes
/// back to every number. Quo refuses an update that changes nothing.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WebhookUpdate {
    /// A new URL.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub url: Patch<String>,
    /// A new set of event types, replacing the whole set.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub events: Patch<Vec<EventType>>,
    /// A new phone number filter, or `null` for every number.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub resource_ids: Patch<ResourceIds>,
    /// A new label, or `null` for none.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub label: Patch<String>,
    /// Enable or disable.
    #[serde(default, skip_serializing_if = "Patch::is_unchanged")]
    pub status: Patch<WebhookStatus>,
}

impl WebhookUpdate {
    /// An update that changes nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no field is set (Quo answers 400 to such an update).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.url.is_unchanged()
            && self.events.is_unchanged()
            && self.resource_ids.is_unchanged()
            && self.label.is_unchanged()
            && self.status.is_unchanged()
    }

    /// Replaces the URL.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Patch::Value(url.into());
        self
    }

    /// Replaces the event types.
    #[must_use]
    pub fn events<I: IntoIterator<Item = EventType>>(mut self, events: I) -> Self {
        self.events = Patch::Value(events.into_iter().collect());
        self
    }

    /// Replaces the phone number filter.
    #[must_use]
    pub fn resource_ids(mut self, resource_ids: ResourceIds) -> Self {
        self.resource_ids = Patch::Value(resource_ids);
        self
    }

    /// Clears the phone number filter: every number again (sends `null`).
    #[must_use]
    pub fn clear_resource_ids(mut self) -> Self {
        self.resource_ids = Patch::Null;
        self
    }

    /// Replaces the label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Patch::Value(label.into());
        self
    }

    /// Clears the label (sends `null`).
    #[must_use]
    pub fn clear_label(mut self) -> Self {
        self.label = Patch::Null;
        self
    }

    /// Enables or disables the webhook.
    #[must_use]
    pub fn status(mut self, status: WebhookStatus) -> Self {
        self.status = Patch::Value(status);
        self
    }
}

/// The body of `POST /webhooks/:id/events/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TestEventRequest {
    /// The event type whose sample to send.
    pub event_type: EventType,
}

impl TestEventRequest {
    /// A test of `event_type`.
    #[must_use]
    pub fn new(event_type: EventType) -> Self {
        Self { event_type }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn documented_webhook() -> serde_json::Value {
        json!({
            "id": "123",
            "orgId": "OR123",
            "label": "Production webhook",
            "status": "enabled",
            "url": "https://example.com/webhooks/quo",
            "createdAt": "2026-04-13T12:00:00.000Z",
            "updatedAt": "2026-04-13T12:00:00.000Z",
            "events": ["call.summary.completed", "contact.updated"],
            "resourceIds": ["PNabc123"],
            "apiVersion": "2026-03-30"
        })
    }

    #[test]
    fn new_webhook_resource_has_quo_defaults_and_writes_the_documented_json() {
        let created: Timestamp = "2026-04-13T12:00:00Z".parse().unwrap();
        let mut webhook = Webhook::new(
            WebhookId::from("123"),
            "OR123",
            "https://example.com/webhooks/quo",
            vec![EventType::CallSummaryCompleted, EventType::ContactUpdated],
            created,
        );
        webhook.label = Some("Production webhook".to_owned());
        webhook.resource_ids = ResourceIds::phone_numbers(["PNabc123"]);
        assert_eq!(
            serde_json::to_value(&webhook).unwrap(),
            documented_webhook()
        );
    }

    #[test]
    fn documented_webhook_reads_and_writes_back_the_same_json() {
        let webhook: Webhook = serde_json::from_value(documented_webhook()).unwrap();
        assert_eq!(webhook.id.as_str(), "123");
        assert!(webhook.id.is_well_formed());
        assert_eq!(webhook.status, WebhookStatus::Enabled);
        assert_eq!(
            webhook.resource_ids,
            ResourceIds::PhoneNumbers(vec!["PNabc123".into()])
        );
        assert_eq!(
            serde_json::to_value(&webhook).unwrap(),
            documented_webhook()
        );
    }

    #[test]
    fn created_webhook_carries_a_secret_that_never_prints() {
        let mut value = documented_webhook();
        value["key"] = json!("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let created: CreatedWebhook = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(created.webhook.org_id, "OR123");
        let debug = format!("{created:?}");
        assert!(!debug.contains("MfKQ9r8"), "{debug}");
        assert_eq!(serde_json::to_value(&created).unwrap(), value);

        value["key"] = json!("not a key!");
        let error = serde_json::from_value::<CreatedWebhook>(value)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`key`") && !error.contains("not a key"),
            "{error}"
        );
    }

    #[test]
    fn unknown_status_and_event_types_are_kept() {
        let mut value = documented_webhook();
        value["status"] = json!("paused");
        value["events"] = json!(["call.sentiment.completed"]);
        let webhook: Webhook = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(webhook.status, WebhookStatus::Unknown("paused".into()));
        assert_eq!(serde_json::to_value(&webhook).unwrap(), value);
    }

    #[test]
    fn resource_ids_star_empty_and_lists() {
        let all: ResourceIds = serde_json::from_value(json!(["*"])).unwrap();
        assert_eq!(all, ResourceIds::All);
        assert_eq!(
            serde_json::from_value::<ResourceIds>(json!([])).unwrap(),
            ResourceIds::All
        );
        assert_eq!(
            serde_json::to_value(ResourceIds::All).unwrap(),
            json!(["*"])
        );
        assert!(serde_json::from_value::<ResourceIds>(json!(["*", "PN1"])).is_err());
        assert!(serde_json::from_value::<ResourceIds>(json!([""])).is_err());
        assert!(serde_json::from_value::<ResourceIds>(json!("*")).is_err());
        let some = ResourceIds::phone_numbers(["PN1", "PN2"]);
        assert!(some.matches(Some("PN2")));
        assert!(!some.matches(Some("PN3")));
        assert!(!some.matches(None));
        assert!(ResourceIds::All.matches(None));
    }

    #[test]
    fn subscription_matches_type_and_number_but_contacts_are_workspace_wide() {
        let webhook: Webhook = serde_json::from_value(documented_webhook()).unwrap();
        assert!(webhook.subscribes_to(&EventType::ContactUpdated, None));
        assert!(webhook.subscribes_to(&EventType::CallSummaryCompleted, Some("PNabc123")));
        assert!(!webhook.subscribes_to(&EventType::CallSummaryCompleted, Some("PNother")));
        assert!(!webhook.subscribes_to(&EventType::CallCompleted, Some("PNabc123")));
    }

    #[test]
    fn new_webhook_sends_only_what_was_set() {
        let new = NewWebhook::new("https://x.test/h", [EventType::MessageReceived]);
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({ "url": "https://x.test/h", "events": ["message.received"] })
        );
        let new = new
            .status(WebhookStatus::Disabled)
            .resource_ids(ResourceIds::All);
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            json!({ "url": "https://x.test/h", "events": ["message.received"], "resourceIds": ["*"], "status": "disabled" })
        );
    }

    #[test]
    fn update_has_three_states_per_field() {
        assert!(WebhookUpdate::new().is_empty());
        assert_eq!(
            serde_json::to_value(WebhookUpdate::new()).unwrap(),
            json!({})
        );
        let update = WebhookUpdate::new()
            .clear_resource_ids()
            .label("x")
            .status(WebhookStatus::Disabled);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({ "resourceIds": null, "label": "x", "status": "disabled" })
        );

        let read: WebhookUpdate =
            serde_json::from_value(json!({ "label": null, "resourceIds": ["PN1"] })).unwrap();
        assert_eq!(read.label, Patch::Null);
        assert_eq!(
            read.resource_ids,
            Patch::Value(ResourceIds::phone_numbers(["PN1"]))
        );
        assert_eq!(read.url, Patch::Unchanged);
        assert!(!read.is_empty());
        let read: WebhookUpdate = serde_json::from_value(json!({ "resourceIds": [] })).unwrap();
        assert_eq!(read.resource_ids, Patch::Value(ResourceIds::All));
    }
}
