//! `/webhooks`: list, create, get, update, delete, rotate, and send a test event.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use quo_api::{
    CreatedWebhook, FieldError, NewWebhook, Patch, ResourceIds, RotatedKey, TestEventRequest,
    Webhook, WebhookId, WebhookStatus, WebhookUpdate,
};
use quo_webhooks::EventType;
use serde_json::{Map, Value, json};
use standard_webhooks::Secret;
use zeroize::Zeroizing;

use super::{AppState, SharedState, envelope, read_json};
use crate::clock::to_ms;
use crate::db::{self, deliveries, webhooks::Changes};
use crate::error::ApiError;
use crate::{ids, payload};

/// The most webhooks one workspace may have, as Quo documents.
pub(crate) const MAX_WEBHOOKS: i64 = 50;

/// The webhook id of a path: digits (400 on `/webhookId` otherwise).
pub(crate) fn parse_webhook_id(text: &str) -> Result<i64, ApiError> {
    if !WebhookId::from(text).is_well_formed() {
        return Err(ApiError::field_value(
            "/webhookId",
            "must be a webhook id: a string of digits",
            Value::String(text.to_owned()),
        ));
    }
    // Digits too large for the store cannot name a webhook.
    text.parse::<i64>()
        .map_err(|_| ApiError::not_found(format!("webhook {text} not found")))
}

/// The webhook `id`, or 404.
pub(crate) async fn find(state: &AppState, id: i64) -> Result<db::webhooks::WebhookRow, ApiError> {
    db::webhooks::get(&state.db.reader, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id} not found")))
}

fn object(value: &Value) -> Result<&Map<String, Value>, ApiError> {
    value
        .as_object()
        .ok_or_else(|| ApiError::field("/body", "must be a JSON object"))
}

pub(crate) fn check_url(value: &Value, errors: &mut Vec<FieldError>) {
    let path = "/body/url";
    let Some(text) = value.as_str() else {
        errors.push(FieldError::new(path, "must be a string").value(value.clone()));
        return;
    };
    let ok = text.len() <= 2048
        && text.parse::<http::Uri>().is_ok_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https"))
                && uri.host().is_some_and(|h| !h.is_empty())
        });
    if !ok {
        errors.push(
            FieldError::new(path, "must be an absolute http:// or https:// URL")
                .value(value.clone()),
        );
    }
}

fn check_events(value: &Value, errors: &mut Vec<FieldError>) {
    let path = "/body/events";
    let Some(items) = value.as_array() else {
        errors.push(FieldError::new(path, "must be an array of event types").value(value.clone()));
        return;
    };
    if items.is_empty() {
        errors
            .push(FieldError::new(path, "must list at least one event type").value(value.clone()));
    }
    for (i, item) in items.iter().enumerate() {
        let known = item.as_str().is_some_and(|t| EventType::from(t).is_known());
        if !known {
            errors.push(
                FieldError::new(format!("{path}/{i}"), "is not a supported event type")
                    .value(item.clone()),
            );
        }
    }
}

/// `resourceIds`: `["*"]` or phone number ids; `null` and `[]` only where `allow_clear`.
pub(crate) fn check_resource_ids(value: &Value, errors: &mut Vec<FieldError>) {
    let path = "/body/resourceIds";
    if value.is_null() {
        return;
    }
    let Some(items) = value.as_array() else {
        errors.push(
            FieldError::new(path, "must be an array of phone number ids, or [\"*\"]")
                .value(value.clone()),
        );
        return;
    };
    let star = items.iter().any(|i| i.as_str() == Some("*"));
    if star && items.len() > 1 {
        errors.push(
            FieldError::new(
                path,
                "\"*\" means every phone number and cannot be combined with ids",
            )
            .value(value.clone()),
        );
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let ok = item
            .as_str()
            .is_some_and(|id| id == "*" || (id.len() > 2 && id.starts_with("PN")));
        if !ok {
            errors.push(
                FieldError::new(format!("{path}/{i}"), "must be a phone number id (PN...)")
                    .value(item.clone()),
            );
        }
    }
}

fn check_label(value: &Value, errors: &mut Vec<FieldError>) {
    if !(value.is_null() || value.is_string()) {
        errors
            .push(FieldError::new("/body/label", "must be a string or null").value(value.clone()));
    }
}

fn check_status(value: &Value, errors: &mut Vec<FieldError>) {
    let known = value
        .as_str()
        .is_some_and(|s| WebhookStatus::from(s).is_known());
    if !known {
        errors.push(
            FieldError::new("/body/status", "must be \"enabled\" or \"disabled\"")
                .value(value.clone()),
        );
    }
}

/// Checks a create body field by field, then reads it as the model's [`NewWebhook`].
pub(crate) fn validate_new(value: Value) -> Result<NewWebhook, ApiError> {
    let body = object(&value)?;
    let mut errors = Vec::new();
    match body.get("url") {
        Some(url) => check_url(url, &mut errors),
        None => errors.push(FieldError::new("/body/url", "is required")),
    }
    match body.get("events") {
        Some(events) => check_events(events, &mut errors),
        None => errors.push(FieldError::new("/body/events", "is required")),
    }
    if let Some(ids) = body.get("resourceIds") {
        check_resource_ids(ids, &mut errors);
    }
    if let Some(label) = body.get("label") {
        check_label(label, &mut errors);
    }
    if let Some(status) = body.get("status")
        && !status.is_null()
    {
        check_status(status, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    serde_json::from_value(value).map_err(|e| ApiError::field("/body", e.to_string()))
}

/// Checks a PATCH body field by field, then reads it as the model's [`WebhookUpdate`].
pub(crate) fn validate_update(value: Value) -> Result<WebhookUpdate, ApiError> {
    let body = object(&value)?;
    let mut errors = Vec::new();
    for name in ["url", "events", "status"] {
        if body.get(name).is_some_and(Value::is_null) {
            errors.push(FieldError::new(format!("/body/{name}"), "cannot be null"));
        }
    }
    if let Some(url) = body.get("url").filter(|v| !v.is_null()) {
        check_url(url, &mut errors);
    }
    if let Some(events) = body.get("events").filter(|v| !v.is_null()) {
        check_events(events, &mut errors);
    }
    if let Some(ids) = body.get("resourceIds") {
        check_resource_ids(ids, &mut errors);
    }
    if let Some(label) = body.get("label") {
        check_label(label, &mut errors);
    }
    if let Some(status) = body.get("status").filter(|v| !v.is_null()) {
        check_status(status, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let update: WebhookUpdate =
        serde_json::from_value(value).map_err(|e| ApiError::field("/body", e.to_string()))?;
    if update.is_empty() {
        return Err(ApiError::field(
            "/body",
            "must change at least one of url, events, resourceIds, label, status",
        ));
    }
    Ok(update)
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(&e))
}

fn dedup(events: &[EventType]) -> Vec<EventType> {
    let mut out: Vec<EventType> = Vec::with_capacity(events.len());
    for event in events {
        if !out.contains(event) {
            out.push(event.clone());
        }
    }
    out
}

/// Creates a webhook (the service behind `POST /webhooks`).
pub(crate) async fn create_webhook(
    state: &AppState,
    new: NewWebhook,
    api_version: &str,
) -> Result<CreatedWebhook, ApiError> {
    if db::webhooks::count(&state.db.writer).await? >= MAX_WEBHOOKS {
        return Err(ApiError::unprocessable(format!(
            "a workspace can have at most {MAX_WEBHOOKS} webhooks; delete one first"
        )));
    }
    let secret = Secret::generate();
    let secret_text = Zeroizing::new(secret.to_whsec_string());
    let status = new.status.unwrap_or(WebhookStatus::Enabled);
    let resource_ids = new.resource_ids.unwrap_or(ResourceIds::All);
    let row = db::webhooks::insert(
        &state.db.writer,
        &db::webhooks::Insert {
            org_id: &state.config.org_id,
            label: new.label.as_deref(),
            status: status.as_str(),
            url: &new.url,
            events: to_json(&dedup(&new.events))?,
            resource_ids: to_json(&resource_ids)?,
            api_version,
            secret: &secret_text,
            now: to_ms(state.clock.now()),
        },
    )
    .await?;
    Ok(CreatedWebhook::new(row.to_model()?, secret))
}

pub(crate) async fn list(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let rows = db::webhooks::list(&state.db.reader).await?;
    let webhooks = rows
        .iter()
        .map(|row| row.to_model())
        .collect::<Result<Vec<Webhook>, _>>()?;
    Ok(envelope(StatusCode::OK, webhooks))
}

pub(crate) async fn create(
    State(state): State<SharedState>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let version = super::api_version(request.headers())?;
    let value = read_json(&state, request).await?;
    let new = validate_new(value)?;
    let created = create_webhook(&state, new, version).await?;
    Ok(envelope(StatusCode::CREATED, created))
}

pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    Ok(envelope(
        StatusCode::OK,
        find(&state, id).await?.to_model()?,
    ))
}

pub(crate) async fn update(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    let value = read_json(&state, request).await?;
    let update = validate_update(value)?;
    let mut changes = Changes::default();
    if let Patch::Value(url) = update.url {
        changes.url = Some(url);
    }
    if let Patch::Value(events) = &update.events {
        changes.events = Some(to_json(&dedup(events))?);
    }
    match &update.resource_ids {
        Patch::Unchanged => {}
        Patch::Null => changes.resource_ids = Some(to_json(&ResourceIds::All)?),
        Patch::Value(ids) => changes.resource_ids = Some(to_json(ids)?),
    }
    match update.label {
        Patch::Unchanged => {}
        Patch::Null => changes.label = Some(None),
        Patch::Value(label) => changes.label = Some(Some(label)),
    }
    if let Patch::Value(status) = &update.status {
        changes.status = Some(status.as_str().to_owned());
    }
    let row = db::webhooks::update(&state.db.writer, id, &changes, to_ms(state.clock.now()))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("webhook {id} not found")))?;
    // Enabling a webhook lets its queued deliveries go.
    state.engine.wake();
    Ok(envelope(StatusCode::OK, row.to_model()?))
}

pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    if db::webhooks::delete(&state.db.writer, id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!("webhook {id} not found")))
    }
}

/// Issues a new key; the old one signs alongside it for the rotation grace period.
pub(crate) async fn rotate_key(state: &AppState, id: i64) -> Result<RotatedKey, ApiError> {
    let secret = Secret::generate();
    let text = Zeroizing::new(secret.to_whsec_string());
    let grace = jiff::SignedDuration::try_from(state.config.rotation_grace)
        .unwrap_or(jiff::SignedDuration::MAX);
    let now = state.clock.now();
    let until = now.checked_add(grace).unwrap_or(jiff::Timestamp::MAX);
    if db::webhooks::rotate(&state.db.writer, id, &text, to_ms(until)).await? {
        Ok(RotatedKey::new(secret))
    } else {
        Err(ApiError::not_found(format!("webhook {id} not found")))
    }
}

pub(crate) async fn rotate(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    Ok(envelope(StatusCode::OK, rotate_key(&state, id).await?))
}

/// Queues a test delivery of the fixed sample of `event_type`, whatever the webhook's status,
/// and returns the sample's JSON.
pub(crate) async fn send_test_event(
    state: &AppState,
    id: i64,
    event_type: &EventType,
) -> Result<String, ApiError> {
    let webhook = find(state, id).await?;
    let event = payload::test_event(event_type)
        .map_err(|e| ApiError::field_value(e.path, e.message, json!(event_type.as_str())))?;
    let json: Arc<str> = Arc::from(event.json.as_str());
    let insert = deliveries::Insert {
        id: ids::delivery_id(),
        webhook_id: webhook.id,
        event_id: event.id,
        event_type: event.event_type.as_str().to_owned(),
        // Test events belong to no resource (newer docs: `resourceId` is null for them).
        resource_id: None,
        payload: json,
        is_test: true,
        created_at: to_ms(state.clock.now()),
    };
    state
        .engine
        .insert_deliveries(vec![insert], Vec::new())
        .await?;
    state.engine.wake();
    Ok(event.json)
}

pub(crate) async fn test_event(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    let value = read_json(&state, request).await?;
    let body = object(&value)?;
    match body.get("eventType") {
        None => return Err(ApiError::field("/body/eventType", "is required")),
        Some(t) if !t.as_str().is_some_and(|t| EventType::from(t).is_known()) => {
            return Err(ApiError::field_value(
                "/body/eventType",
                "must be one of the supported event types",
                t.clone(),
            ));
        }
        Some(_) => {}
    }
    let request: TestEventRequest =
        serde_json::from_value(value).map_err(|e| ApiError::field("/body", e.to_string()))?;
    let json = send_test_event(&state, id, &request.event_type).await?;
    // The sample itself, not wrapped in `data` (SPEC §5).
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response())
}
