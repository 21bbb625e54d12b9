//! Deliveries of events to a webhook, their attempts, and the list filters.

use jiff::Timestamp;
use quo_webhooks::{Event, EventType};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::enums::string_enum;
use super::error::FieldError;
use super::ids::{AttemptId, DeliveryId};

string_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Queued, not attempted yet.
        Pending => "pending",
        /// An attempt is in progress, or a retry is scheduled.
        Sending => "sending",
        /// An attempt got a 2xx answer.
        Success => "success",
        /// Every attempt was spent without a 2xx answer.
        Failed => "failed",
    }
}

impl DeliveryStatus {
    /// The four statuses Quo documents.
    pub const KNOWN: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Sending,
        DeliveryStatus::Success,
        DeliveryStatus::Failed,
    ];
}

string_enum! {
    /// The outcome of one attempt.
    pub enum AttemptStatus {
        /// The receiver answered 2xx.
        Success => "success",
        /// Any other answer, no answer, or a timeout.
        Failed => "failed",
        /// Still waiting for the receiver.
        Pending => "pending",
    }
}

string_enum! {
    /// What started an attempt.
    pub enum TriggerType {
        /// The sender's own schedule: the first attempt and its automatic retries.
        Scheduled => "scheduled",
        /// A retry asked for through the API.
        Manual => "manual",
    }
}

/// A delivery as `GET /webhooks/:id/events` lists it: one event sent to one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliverySummary {
    /// Its id: the `webhook-id` header of every attempt.
    pub id: DeliveryId,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// When the next attempt is due; `null` when none is scheduled.
    #[serde(default, with = "super::time::option")]
    pub next_attempt_at: Option<Timestamp>,
    /// When it was created.
    #[serde(with = "super::time")]
    pub created_at: Timestamp,
    /// The business event's id (`EV...`); newer docs add it.
    #[serde(default)]
    pub event_id: Option<String>,
    /// The event's resource id; newer docs add it, `null` for test events.
    #[serde(default)]
    pub resource_id: Option<String>,
}

impl DeliverySummary {
    /// A summary with no next attempt and without the newer docs' `eventId` and `resourceId`;
    /// set those public fields afterwards.
    #[must_use]
    pub fn new(
        id: DeliveryId,
        event_type: EventType,
        status: DeliveryStatus,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id,
            event_type,
            status,
            next_attempt_at: None,
            created_at,
            event_id: None,
            resource_id: None,
        }
    }
}

/// One delivery with the event as sent and every attempt, most recent first
/// (`GET /webhooks/:id/events/:deliveryId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Delivery {
    /// Its id: the `webhook-id` header of every attempt.
    pub id: DeliveryId,
    /// The event's type.
    pub event_type: EventType,
    /// Where it stands. Quo's beta example omits it; the emulator always sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeliveryStatus>,
    /// When the next attempt is due.
    #[serde(
        default,
        with = "super::time::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_attempt_at: Option<Timestamp>,
    /// When it was created.
    #[serde(with = "super::time")]
    pub created_at: Timestamp,
    /// The business event's id (`EV...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The event's resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// The event exactly as it was sent.
    pub request_body: Event,
    /// Every attempt, most recent first.
    #[serde(default)]
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// A delivery of `request_body` with no status, no next attempt, no attempts and without
    /// the newer fields; set those public fields afterwards.
    #[must_use]
    pub fn new(
        id: DeliveryId,
        event_type: EventType,
        created_at: Timestamp,
        request_body: Event,
    ) -> Self {
        Self {
            id,
            event_type,
            status: None,
            next_attempt_at: None,
            created_at,
            event_id: None,
            resource_id: None,
            request_body,
            attempts: Vec::new(),
        }
    }
}

/// One HTTP request of a delivery and what the receiver answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attempt {
    /// Its id (`atmpt_...`).
    pub id: AttemptId,
    /// When it was made.
    #[serde(with = "super::time")]
    pub timestamp: Timestamp,
    /// Its outcome.
    pub status: AttemptStatus,
    /// The receiver's status code; `0` when no answer came (connection error, timeout).
    pub response_status_code: u16,
    /// The receiver's answer body, as text (truncated by the sender).
    #[serde(default)]
    pub response_body: Option<String>,
    /// How long the receiver took to answer, in milliseconds.
    #[serde(default)]
    pub response_duration_ms: u64,
    /// Scheduled (automatic) or manual (a retry asked for).
    pub trigger_type: TriggerType,
    /// The URL it was sent to.
    pub url: String,
}

impl Attempt {
    /// An attempt without a response body and a duration of 0 ms; set those public fields
    /// afterwards.
    #[must_use]
    pub fn new(
        id: AttemptId,
        timestamp: Timestamp,
        status: AttemptStatus,
        response_status_code: u16,
        trigger_type: TriggerType,
        url: impl Into<String>,
    ) -> Self {
        Self {
            id,
            timestamp,
            status,
            response_status_code,
            response_body: None,
            response_duration_ms: 0,
            trigger_type,
            url: url.into(),
        }
    }
}

/// One page of a list, with the cursor of the next (`nextCursor`; `null` on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Pass it as `after` for the next page; `null` when there is none.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `data` followed by the page at `next_cursor`.
    #[must_use]
    pub fn new(data: Vec<T>, next_cursor: Option<String>) -> Self {
        Self { data, next_cursor }
    }
}

/// The smallest and largest page size the API takes.
pub const LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=50;

/// The parameters of `GET /webhooks/:id/events`: page size, cursor and filters.
///
/// [`to_query`](Self::to_query) writes the beta reference's spelling;
/// [`from_query`](Self::from_query) also reads the spellings of Quo's newer docs (`eventType`,
/// `eventType[in]=a,b`, `createdAt[gt]`, `createdAt[lt]`, `resourceId`).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct DeliveryFilter {
    /// Page size, 1 to 50 (Quo's default is 10).
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub after: Option<String>,
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
    /// Only deliveries of these event types (empty: all).
    pub event_types: Vec<EventType>,
    /// Only deliveries created before this instant.
    pub created_before: Option<Timestamp>,
    /// Only deliveries created after this instant.
    pub created_after: Option<Timestamp>,
    /// Only deliveries of events about this resource.
    pub resource_id: Option<String>,
}

impl DeliveryFilter {
    /// No filter, Quo's default page size.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size (1 to 50).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues after a page's `nextCursor`.
    #[must_use]
    pub fn after(mut self, cursor: impl Into<String>) -> Self {
        self.after = Some(cursor.into());
        self
    }

    /// Only deliveries in `status`.
    #[must_use]
    pub fn status(mut self, status: DeliveryStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only deliveries of these event types.
    #[must_use]
    pub fn event_types<I: IntoIterator<Item = EventType>>(mut self, event_types: I) -> Self {
        self.event_types = event_types.into_iter().collect();
        self
    }

    /// Only deliveries created before `instant`.
    #[must_use]
    pub fn created_before(mut self, instant: Timestamp) -> Self {
        self.created_before = Some(instant);
        self
    }

    /// Only deliveries created after `instant`.
    #[must_use]
    pub fn created_after(mut self, instant: Timestamp) -> Self {
        self.created_after = Some(instant);
        self
    }

    /// Only deliveries of events about `resource_id`.
    #[must_use]
    pub fn resource_id(mut self, resource_id: impl Into<String>) -> Self {
        self.resource_id = Some(resource_id.into());
        self
    }

    /// The query string (without `?`), in the beta reference's spelling: `eventTypes` once
    /// per type. Empty when nothing is set.
    #[must_use]
    pub fn to_query(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        if let Some(after) = &self.after {
            query.append_pair("after", after);
        }
        if let Some(status) = &self.status {
            query.append_pair("status", status.as_str());
        }
        for event_type in &self.event_types {
            query.append_pair("eventTypes", event_type.as_str());
        }
        if let Some(before) = self.created_before {
            query.append_pair("createdBefore", &super::time::format(before));
        }
        if let Some(after) = self.created_after {
            query.append_pair("createdAfter", &super::time::format(after));
        }
        if let Some(resource_id) = &self.resource_id {
            query.append_pair("resourceId", resource_id);
        }
        query.finish()
    }

    /// Reads a query string (with or without the leading `?`), in any of Quo's spellings.
    /// Parameters it does not know are ignored.
    ///
    /// # Errors
    ///
    /// Every invalid parameter, each as a [`FieldError`] whose path is `/query/NAME`: a limit
    /// that is not a number from 1 to 50, an unknown status or event type, a time that is not
    /// RFC 3339, an empty cursor.
    pub fn from_query(query: &str) -> Result<Self, Vec<FieldError>> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut filter = Self::default();
        let mut errors = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let name = name.as_ref();
            let value = value.as_ref();
            let path = format!("/query/{name}");
            match name {
                "limit" => match value.parse::<u32>() {
                    Ok(limit) if LIMIT_RANGE.contains(&limit) => filter.limit = Some(limit),
                    Ok(limit) if limit < *LIMIT_RANGE.start() => {
                        errors.push(FieldError::new(path, "must be >= 1").value(json!(limit)));
                    }
                    Ok(limit) => {
                        errors.push(FieldError::new(path, "must be <= 50").value(json!(limit)));
                    }
                    Err(_) => errors.push(
                        FieldError::new(path, "must be an integer from 1 to 50")
                            .value(json!(value)),
                    ),
                },
                "after" if value.is_empty() => {
                    errors.push(FieldError::new(path, "must not be empty"));
                }
                "after" => filter.after = Some(value.to_owned()),
                "status" => match DeliveryStatus::from(value) {
                    status if status.is_known() => filter.status = Some(status),
                    _ => errors.push(
                        FieldError::new(path, "must be one of pending, sending, success, failed")
                            .value(json!(value)),
                    ),
                },
                "eventTypes" | "eventTypes[]" | "eventType" | "eventType[in]" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        let event_type = EventType::from(part);
                        if !event_type.is_known() {
                            errors.push(
                                FieldError::new(path.clone(), "is not a supported event type")
                                    .value(json!(part)),
                            );
                        } else if !filter.event_types.contains(&event_type) {
                            filter.event_types.push(event_type);
                        }
                    }
                }
                "createdBefore" | "createdAt[lt]" => match super::time::parse(value) {
                    Ok(instant) => filter.created_before = Some(instant),
                    Err(_) => errors.push(
                        FieldError::new(path, "must be an ISO 8601 date-time").value(json!(value)),
                    ),
                },
                "createdAfter" | "createdAt[gt]" => match super::time::parse(value) {
                    Ok(instant) => filter.created_after = Some(instant),
                    Err(_) => errors.push(
                        FieldError::new(path, "must be an ISO 8601 date-time").value(json!(value)),
                    ),
                },
                "resourceId" => filter.resource_id = Some(value.to_owned()),
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// Whether a delivery passes the filters (not the page size or cursor).
    #[must_use]
    pub fn matches(&self, delivery: &DeliverySummary) -> bool {
        self.status.as_ref().is_none_or(|s| *s == delivery.status)
            && (self.event_types.is_empty() || self.event_types.contains(&delivery.event_type))
            && self.created_before.is_none_or(|t| delivery.created_at < t)
            && self.created_after.is_none_or(|t| delivery.created_at > t)
            && self
                .resource_id
                .as_deref()
                .is_none_or(|r| delivery.resource_id.as_deref() == Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documented_delivery_list_reads_and_writes_back() {
        let value = json!({
            "data": [{
                "id": "msg_2abcDEFghiJKLmnoPQRstu",
                "eventType": "message.received",
                "status": "success",
                "nextAttemptAt": null,
                "createdAt": "2026-04-13T12:00:00.000Z"
            }],
            "nextCursor": "eyJsYXN0SWQiOiJtc2dfMmFiY0RFRmdoaUpLTG1ub1BRUnN0dSJ9"
        });
        let page: Page<DeliverySummary> = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(page.data[0].status, DeliveryStatus::Success);
        assert_eq!(page.data[0].event_id, None);
        assert!(page.next_cursor.is_some());
        let mut written = serde_json::to_value(&page).unwrap();
        // The newer fields are written as null; everything documented is as it was.
        let first = written["data"][0].as_object_mut().unwrap();
        assert_eq!(first.remove("eventId"), Some(json!(null)));
        assert_eq!(first.remove("resourceId"), Some(json!(null)));
        assert_eq!(written, value);
    }

    #[test]
    fn documented_delivery_detail_reads() {
        let value = json!({
            "id": "msg_2abcDEFghiJKLmnoPQRstu",
            "eventType": "message.received",
            "createdAt": "2026-04-13T12:00:00.000Z",
            "requestBody": {
                "id": "EV123", "apiVersion": "2026-03-30", "createdAt": "2026-04-13T12:00:00.000Z",
                "type": "message.received",
                "data": { "resource": { "id": "AC-message", "direction": "incoming", "text": "hello",
                    "status": "received", "createdAt": "2026-04-13T12:00:00.000Z" },
                  "links": { "quo": "https://my.quo.com/inbox/..." } }
            },
            "attempts": [{
                "id": "atmpt_2abcDEFghiJKLmnoPQRstu",
                "timestamp": "2026-04-13T12:00:01.000Z",
                "status": "success",
                "responseStatusCode": 200,
                "responseBody": "{\"ok\":true}",
                "responseDurationMs": 123,
                "triggerType": "scheduled",
                "url": "https://example.com/webhooks/quo"
            }]
        });
        let delivery: Delivery = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(delivery.request_body.text(), Some("hello"));
        assert_eq!(delivery.attempts[0].trigger_type, TriggerType::Scheduled);
        assert_eq!(delivery.attempts[0].response_duration_ms, 123);
        assert_eq!(serde_json::to_value(&delivery).unwrap(), value);
    }

    #[test]
    fn constructors_build_the_documented_delivery_detail() {
        let created: Timestamp = "2026-04-13T12:00:00Z".parse().unwrap();
        let event: Event = serde_json::from_value(json!({
            "id": "EV123", "apiVersion": "2026-03-30", "createdAt": "2026-04-13T12:00:00.000Z",
            "type": "message.received",
            "data": { "resource": { "id": "AC-message", "text": "hello" } }
        }))
        .unwrap();
        let mut attempt = Attempt::new(
            AttemptId::from("atmpt_2abcDEFghiJKLmnoPQRstu"),
            "2026-04-13T12:00:01Z".parse().unwrap(),
            AttemptStatus::Success,
            200,
            TriggerType::Scheduled,
            "https://example.com/webhooks/quo",
        );
        attempt.response_body = Some("{\"ok\":true}".to_owned());
        attempt.response_duration_ms = 123;
        let mut delivery = Delivery::new(
            DeliveryId::from("msg_2abcDEFghiJKLmnoPQRstu"),
            EventType::MessageReceived,
            created,
            event.clone(),
        );
        delivery.attempts.push(attempt);
        let value = serde_json::to_value(&delivery).unwrap();
        assert_eq!(value["attempts"][0]["responseDurationMs"], 123);
        assert_eq!(value["requestBody"]["id"], "EV123");
        assert!(value.get("status").is_none());
        let back: Delivery = serde_json::from_value(value).unwrap();
        assert_eq!(back, delivery);

        let summary = DeliverySummary::new(
            DeliveryId::from("msg_1"),
            EventType::CallCompleted,
            DeliveryStatus::Pending,
            created,
        );
        assert_eq!(
            serde_json::to_value(&summary).unwrap(),
            json!({"id": "msg_1", "eventType": "call.completed", "status": "pending",
                   "nextAttemptAt": null, "createdAt": "2026-04-13T12:00:00.000Z",
                   "eventId": null, "resourceId": null})
        );
    }

    #[test]
    fn filter_writes_the_beta_spelling_and_reads_every_spelling() {
        let filter = DeliveryFilter::new()
            .limit(50)
            .after("c 1")
            .status(DeliveryStatus::Failed)
            .event_types([EventType::CallCompleted, EventType::MessageReceived])
            .created_after("2026-04-13T12:00:00Z".parse().unwrap());
        let query = filter.to_query();
        assert_eq!(
            query,
            "limit=50&after=c+1&status=failed&eventTypes=call.completed&eventTypes=message.received&createdAfter=2026-04-13T12%3A00%3A00.000Z"
        );
        assert_eq!(DeliveryFilter::from_query(&query).unwrap(), filter);

        let ga = DeliveryFilter::from_query(
            "?eventType[in]=call.completed,message.received&createdAt[gt]=2026-04-13T12:00:00Z&resourceId=AC1",
        )
        .unwrap();
        assert_eq!(ga.event_types, filter.event_types);
        assert_eq!(ga.created_after, filter.created_after);
        assert_eq!(ga.resource_id.as_deref(), Some("AC1"));
        assert_eq!(
            DeliveryFilter::from_query("").unwrap(),
            DeliveryFilter::new()
        );
    }

    #[test]
    fn filter_errors_name_each_parameter() {
        let errors = DeliveryFilter::from_query(
            "limit=200&status=lost&eventTypes=nope&createdBefore=x&after=",
        )
        .unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/query/limit",
                "/query/status",
                "/query/eventTypes",
                "/query/createdBefore",
                "/query/after"
            ]
        );
        assert_eq!(errors[0].message, "must be <= 50");
        assert_eq!(errors[0].value, Some(json!(200)));
        assert_eq!(
            DeliveryFilter::from_query("limit=0").unwrap_err()[0].message,
            "must be >= 1"
        );
        assert!(DeliveryFilter::from_query("limit=ten").is_err());
    }

    #[test]
    fn filter_matches_deliveries() {
        let delivery: DeliverySummary = serde_json::from_value(json!({
            "id": "msg_1", "eventType": "call.completed", "status": "failed",
            "nextAttemptAt": null, "createdAt": "2026-04-13T12:00:00.000Z",
            "eventId": "EV1", "resourceId": "AC1"
        }))
        .unwrap();
        assert!(DeliveryFilter::new().matches(&delivery));
        assert!(
            DeliveryFilter::new()
                .status(DeliveryStatus::Failed)
                .matches(&delivery)
        );
        assert!(
            !DeliveryFilter::new()
                .status(DeliveryStatus::Success)
                .matches(&delivery)
        );
        assert!(
            !DeliveryFilter::new()
                .event_types([EventType::CallMissed])
                .matches(&delivery)
        );
        let t: Timestamp = "2026-04-13T12:00:00Z".parse().unwrap();
        assert!(!DeliveryFilter::new().created_before(t).matches(&delivery));
        assert!(!DeliveryFilter::new().created_after(t).matches(&delivery));
        assert!(DeliveryFilter::new().resource_id("AC1").matches(&delivery));
        assert!(!DeliveryFilter::new().resource_id("AC2").matches(&delivery));
    }
}
