//! Quo's legacy webhook API (`/v1/webhooks`, no version header): list, get, delete, and the
//! four family create endpoints. No update, rotate or delivery history, as at Quo.

use axum::{
    body::Body,
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use quo_api::{LegacyFamily, WebhookStatus, model::FieldError};
use quo_webhooks::EventType;
use serde_json::{Value, json};
use standard_webhooks::LegacySecret;

use super::webhooks::{check_resource_ids, check_url};
use super::{SharedState, envelope, read_json};
use crate::clock::to_ms;
use crate::db::legacy::{self, LegacyRow};
use crate::error::ApiError;
use crate::ids;

pub(crate) async fn list(State(state): State<SharedState>) -> Result<Response, ApiError> {
    let rows = legacy::list(&state.db.reader).await?;
    let webhooks = rows
        .iter()
        .map(LegacyRow::to_model)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(envelope(StatusCode::OK, webhooks))
}

pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match legacy::get(&state.db.reader, &id).await? {
        Some(row) => Ok(envelope(StatusCode::OK, row.to_model()?)),
        None => Err(ApiError::not_found(format!(
            "legacy webhook {id} not found"
        ))),
    }
}

pub(crate) async fn delete(
    State(state): State<SharedState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if legacy::delete(&state.db.writer, &id).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!(
            "legacy webhook {id} not found"
        )))
    }
}

/// `POST /v1/webhooks/{family}`.
pub(crate) async fn create(
    State(state): State<SharedState>,
    Path(segment): Path<String>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let Some(family) = LegacyFamily::from_path_segment(&segment) else {
        return Err(ApiError::not_found(format!(
            "no such endpoint: /v1/webhooks/{segment} (messages, calls, call-summaries or \
             call-transcripts)"
        )));
    };
    let value = read_json(&state, request).await?;
    let row = validate(&state, family, &value)?;
    legacy::insert(&state.db.writer, &row).await?;
    Ok(envelope(StatusCode::CREATED, row.to_model()?))
}

fn validate(
    state: &super::AppState,
    family: LegacyFamily,
    value: &Value,
) -> Result<LegacyRow, ApiError> {
    let body = value
        .as_object()
        .ok_or_else(|| ApiError::field("/body", "must be a JSON object"))?;
    let mut errors = Vec::new();
    match body.get("url") {
        Some(url) => check_url(url, &mut errors),
        None => errors.push(FieldError::new("/body/url", "is required")),
    }
    let allowed = family.events();
    let mut events: Vec<EventType> = Vec::new();
    match body.get("events").and_then(Value::as_array) {
        Some(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let event = item.as_str().map(EventType::from);
                match event {
                    Some(event) if allowed.contains(&event) => {
                        if !events.contains(&event) {
                            events.push(event);
                        }
                    }
                    _ => errors.push(
                        FieldError::new(
                            format!("/body/events/{i}"),
                            format!(
                                "is not an event of the {family} family ({})",
                                allowed
                                    .iter()
                                    .map(EventType::as_str)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                        .value(item.clone()),
                    ),
                }
            }
        }
        Some(_) => errors.push(FieldError::new(
            "/body/events",
            "must list at least one event type",
        )),
        None => errors.push(FieldError::new(
            "/body/events",
            if body.contains_key("events") {
                "must be an array of event types"
            } else {
                "is required"
            },
        )),
    }
    let resource_ids: Vec<String> = match body.get("resourceIds") {
        None | Some(Value::Null) => vec!["*".to_owned()],
        Some(ids) => {
            check_resource_ids(ids, &mut errors);
            let list: Vec<String> = ids
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if list.is_empty() {
                vec!["*".to_owned()]
            } else {
                list
            }
        }
    };
    let text = |key: &str, errors: &mut Vec<FieldError>| match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            errors.push(
                FieldError::new(format!("/body/{key}"), "must be a string").value(other.clone()),
            );
            None
        }
    };
    let label = text("label", &mut errors);
    let user_id = text("userId", &mut errors);
    let status = match text("status", &mut errors).as_deref() {
        None | Some("enabled") => WebhookStatus::Enabled,
        Some("disabled") => WebhookStatus::Disabled,
        Some(other) => {
            errors.push(
                FieldError::new("/body/status", "must be enabled or disabled").value(json!(other)),
            );
            WebhookStatus::Enabled
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = to_ms(state.clock.now());
    Ok(LegacyRow {
        id: format!("WH{}", ids::hex(24)),
        user_id: Some(user_id.unwrap_or_else(|| "US1emulator".to_owned())),
        org_id: state.config.org_id.clone(),
        label,
        status: status.as_str().to_owned(),
        url: body
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        signing_key: LegacySecret::generate().to_base64(),
        events: serde_json::to_string(&events).map_err(|e| ApiError::internal(&e))?,
        resource_ids: serde_json::to_string(&resource_ids).map_err(|e| ApiError::internal(&e))?,
        api_version: crate::legacy::payload::LEGACY_API_VERSION.to_owned(),
        created_at: now,
        updated_at: now,
    })
}
