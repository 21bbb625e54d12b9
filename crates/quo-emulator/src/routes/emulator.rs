//! The emulator's own endpoints (not Quo's): make an event happen, move the virtual clock.

use std::sync::Arc;
use std::time::Duration;

use axum::{
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    response::Response,
};
use quo_api::{DeliveryId, WebhookId};
use quo_webhooks::{Event, EventType};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AppState, SharedState, envelope, read_json};
use crate::clock::to_ms;
use crate::db::{self, deliveries};
use crate::error::ApiError;
use crate::{ids, payload};

/// The body of `POST /emulator/events`: an event to make happen.
///
/// ```json
/// {"type": "call.completed", "phoneNumberId": "PNabc123", "data": {"resource": {"duration": 7}}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TriggerRequest {
    /// The event type (one with a documented sample).
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The Quo number the event is about (`data.context.phoneNumberId`); the sample's own
    /// when left out. Webhooks filtered on `resourceIds` hear only their numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_id: Option<String>,
    /// Fields merged into the sample's `data` (objects merge key by key, other values
    /// replace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Deliver through one system only (`new` or `legacy`); both when left out, as while a
    /// workspace runs both during the migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<System>,
}

/// Quo's two webhook systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum System {
    /// The new webhooks (Standard Webhooks, `2026-03-30` payloads).
    New,
    /// The legacy webhooks (`openphone-signature`, `v4` payloads).
    Legacy,
}

impl TriggerRequest {
    /// An event of `event_type` with the sample's number and data.
    #[must_use]
    pub fn new(event_type: EventType) -> Self {
        Self {
            event_type,
            phone_number_id: None,
            data: None,
            only: None,
        }
    }

    /// Through one system only.
    #[must_use]
    pub fn only(mut self, system: System) -> Self {
        self.only = Some(system);
        self
    }

    /// About the Quo number `phone_number_id`.
    #[must_use]
    pub fn phone_number_id(mut self, phone_number_id: impl Into<String>) -> Self {
        self.phone_number_id = Some(phone_number_id.into());
        self
    }

    /// With `data` merged into the sample's `data`.
    #[must_use]
    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// One delivery an event was fanned out to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TriggeredDelivery {
    /// The webhook it goes to.
    pub webhook_id: WebhookId,
    /// The delivery (`msg_...`, the `webhook-id` header of its attempts).
    pub id: DeliveryId,
}

/// The answer to `POST /emulator/events` (inside `{"data": ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TriggeredEvent {
    /// The event as it is sent.
    pub event: Event,
    /// One delivery per enabled webhook subscribed to it; empty when none is.
    pub deliveries: Vec<TriggeredDelivery>,
    /// The legacy webhooks (`WH...`) its legacy twin is queued for.
    #[serde(default, rename = "legacyWebhooks")]
    pub legacy_webhooks: Vec<String>,
}

/// Builds the event and writes one delivery per matching enabled webhook, in one
/// transaction, before answering.
pub(crate) async fn trigger_event(
    state: &AppState,
    request: &TriggerRequest,
) -> Result<TriggeredEvent, ApiError> {
    if !request.event_type.is_known() {
        return Err(ApiError::field_value(
            "/body/type",
            "is not a supported event type",
            json!(request.event_type.as_str()),
        ));
    }
    if let Some(pn) = &request.phone_number_id
        && !(pn.len() > 2 && pn.starts_with("PN"))
    {
        return Err(ApiError::field_value(
            "/body/phoneNumberId",
            "must be a phone number id (PN...)",
            json!(pn),
        ));
    }
    let now = state.clock.now();
    let built = payload::new_event(
        &request.event_type,
        request.phone_number_id.as_deref(),
        request.data.as_ref(),
        now,
    )
    .map_err(|e| ApiError::field(e.path, e.message))?;
    let event: Event = serde_json::from_str(&built.json).map_err(|e| ApiError::internal(&e))?;
    let mut targets = Vec::new();
    if request.only != Some(System::Legacy) {
        for row in db::webhooks::list_enabled(&state.db.reader).await? {
            let webhook = row.to_model()?;
            if webhook.subscribes_to(&built.event_type, built.phone_number_id.as_deref()) {
                targets.push(row.id);
            }
        }
    }
    let legacy_inserts = if request.only == Some(System::New) {
        Vec::new()
    } else {
        legacy_targets(state, &built, now).await?
    };
    let json: Arc<str> = Arc::from(built.json.as_str());
    let inserts: Vec<deliveries::Insert> = targets
        .iter()
        .map(|&webhook_id| deliveries::Insert {
            id: ids::delivery_id(),
            webhook_id,
            event_id: built.id.clone(),
            event_type: built.event_type.as_str().to_owned(),
            resource_id: built.resource_id.clone(),
            payload: Arc::clone(&json),
            is_test: false,
            created_at: to_ms(now),
        })
        .collect();
    let legacy_webhooks: Vec<String> = legacy_inserts
        .iter()
        .map(|d| d.webhook_id.clone())
        .collect();
    let delivered: Vec<TriggeredDelivery> = inserts
        .iter()
        .map(|d| TriggeredDelivery {
            webhook_id: WebhookId::from(d.webhook_id.to_string()),
            id: DeliveryId::from(d.id.clone()),
        })
        .collect();
    if !inserts.is_empty() || !legacy_inserts.is_empty() {
        // Committed (together with whatever else the writer holds) before answering, and so
        // before any attempt can be made.
        state
            .engine
            .insert_deliveries(inserts, legacy_inserts)
            .await?;
        // Only the dispatcher with new work is woken: each wake costs it a claim transaction.
        if !delivered.is_empty() {
            state.engine.wake();
        }
        if !legacy_webhooks.is_empty() {
            state.legacy.wake();
        }
    }
    Ok(TriggeredEvent {
        legacy_webhooks,
        event,
        deliveries: delivered,
    })
}

/// The legacy twin of `built`, queued for every enabled legacy webhook subscribed to it.
async fn legacy_targets(
    state: &AppState,
    built: &payload::BuiltEvent,
    now: jiff::Timestamp,
) -> Result<Vec<db::legacy::LegacyInsert>, ApiError> {
    let new: Value = serde_json::from_str(&built.json).map_err(|e| ApiError::internal(&e))?;
    let Some(twin) = crate::legacy::payload::legacy_twin(&new) else {
        return Ok(Vec::new());
    };
    let twin = serde_json::to_string(&twin).map_err(|e| ApiError::internal(&e))?;
    let mut out = Vec::new();
    for row in db::legacy::list(&state.db.reader).await? {
        if !row.enabled() {
            continue;
        }
        let webhook = row.to_model()?;
        if webhook.subscribes_to(&built.event_type, built.phone_number_id.as_deref()) {
            out.push(db::legacy::LegacyInsert {
                webhook_id: row.id,
                event_id: built.id.clone(),
                event_type: built.event_type.as_str().to_owned(),
                payload: twin.clone(),
                created_at: to_ms(now),
            });
        }
    }
    Ok(out)
}

pub(crate) async fn trigger(
    State(state): State<SharedState>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let value = read_json(&state, request).await?;
    let Some(body) = value.as_object() else {
        return Err(ApiError::field("/body", "must be a JSON object"));
    };
    match body.get("type") {
        None => return Err(ApiError::field("/body/type", "is required")),
        Some(t) if !t.is_string() => {
            return Err(ApiError::field_value(
                "/body/type",
                "must be a string",
                t.clone(),
            ));
        }
        Some(_) => {}
    }
    if let Some(only) = body.get("only")
        && !matches!(only.as_str(), Some("new" | "legacy"))
    {
        return Err(ApiError::field_value(
            "/body/only",
            "must be \"new\" or \"legacy\"",
            only.clone(),
        ));
    }
    if let Some(pn) = body.get("phoneNumberId")
        && !(pn.is_string() || pn.is_null())
    {
        return Err(ApiError::field_value(
            "/body/phoneNumberId",
            "must be a string",
            pn.clone(),
        ));
    }
    let request: TriggerRequest =
        serde_json::from_value(value).map_err(|e| ApiError::field("/body", e.to_string()))?;
    let triggered = trigger_event(&state, &request).await?;
    Ok(envelope(StatusCode::OK, triggered))
}

/// Waits until every attempt due at the emulator's time has been made and recorded, or
/// `limit` has passed.
pub(crate) async fn settle(state: &AppState, limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if state.engine.in_flight() == 0 && state.legacy.in_flight() == 0 {
            let now = to_ms(state.clock.now());
            let new_due = matches!(
                deliveries::next_due(&state.db.writer, now, &[]).await,
                Ok(Some(at)) if at <= now
            );
            let claimed = db::new_claims_held(&state.db.writer).await.unwrap_or(false);
            if !new_due && !claimed && !state.legacy.due(now).await {
                return;
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Moves the virtual clock (and saves its offset, so that a restart on the same file keeps
/// it), wakes the engine, and waits for the attempts that fell due.
pub(crate) async fn advance_clock(state: &AppState, by: Duration) {
    state.virtual_clock.advance(by);
    let offset = i64::try_from(state.virtual_clock.offset().as_millis()).unwrap_or(i64::MAX);
    if let Err(error) = db::save_clock_offset(&state.db.writer, offset).await {
        tracing::error!(%error, "saving the virtual clock's offset failed");
    }
    state.engine.wake();
    state.legacy.wake();
    settle(
        state,
        state.config.attempt_timeout * 2 + Duration::from_secs(5),
    )
    .await;
}

pub(crate) async fn advance(
    State(state): State<SharedState>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let value = read_json(&state, request).await?;
    let by = match value.get("by") {
        Some(Value::String(text)) => crate::config::parse_duration(text)
            .map_err(|e| ApiError::field_value("/body/by", e, json!(text)))?,
        Some(other) => {
            return Err(ApiError::field_value(
                "/body/by",
                "must be a duration with a unit, such as \"5m\"",
                other.clone(),
            ));
        }
        None => return Err(ApiError::field("/body/by", "is required (such as \"5m\")")),
    };
    advance_clock(&state, by).await;
    let now = state.clock.now();
    Ok(envelope(
        StatusCode::OK,
        json!({
            "now": quo_api::model::time::format(now),
            "offsetMs": u64::try_from(state.virtual_clock.offset().as_millis()).unwrap_or(u64::MAX),
        }),
    ))
}
