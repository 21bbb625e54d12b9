//! `/webhooks/:id/events`: the delivery history, one delivery with its attempts, and retry.

use axum::{
    extract::{Path, State},
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use quo_api::{Delivery, DeliveryFilter, DeliveryId, DeliveryStatus, Page};
use quo_webhooks::{Event, EventType};
use serde_json::{Value, json};

use super::webhooks::{find, parse_webhook_id};
use super::{AppState, SharedState, envelope};
use crate::clock::{from_ms, to_ms};
use crate::db::{attempts, deliveries};
use crate::error::ApiError;

/// Quo's default page size.
pub(crate) const DEFAULT_LIMIT: u32 = 10;

/// The opaque cursor after the delivery `id`: base64 of `{"lastId": id}`, as Quo's look.
pub(crate) fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "lastId": id }).to_string())
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let trimmed = cursor.trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD_NO_PAD.decode(trimmed))
        .ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("lastId")?.as_str().map(str::to_owned)
}

fn bad_cursor(cursor: &str) -> ApiError {
    ApiError::field_value(
        "/query/after",
        "is not a cursor of this list: pass the nextCursor of the previous page",
        Value::String(cursor.to_owned()),
    )
}

/// One page of a webhook's deliveries, newest first.
pub(crate) async fn list_page(
    state: &AppState,
    webhook_id: i64,
    filter: &DeliveryFilter,
) -> Result<Page<quo_api::DeliverySummary>, ApiError> {
    find(state, webhook_id).await?;
    let after_seq = match &filter.after {
        None => None,
        Some(cursor) => {
            let id = decode_cursor(cursor).ok_or_else(|| bad_cursor(cursor))?;
            let seq = deliveries::seq_of(&state.db.reader, webhook_id, &id)
                .await?
                .ok_or_else(|| bad_cursor(cursor))?;
            Some(seq)
        }
    };
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    let mut rows = deliveries::list(&state.db.reader, webhook_id, filter, after_seq, limit).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last().map(|row| encode_cursor(&row.id))
    } else {
        None
    };
    let now = to_ms(state.clock.now());
    Ok(Page::new(
        rows.iter().map(|row| row.to_model(now)).collect(),
        next_cursor,
    ))
}

pub(crate) async fn list(
    State(state): State<SharedState>,
    Path(webhook_id): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    let filter =
        DeliveryFilter::from_query(uri.query().unwrap_or("")).map_err(ApiError::validation)?;
    let page = list_page(&state, id, &filter).await?;
    Ok((StatusCode::OK, axum::Json(page)).into_response())
}

/// One delivery with every attempt, most recent first.
pub(crate) async fn detail(
    state: &AppState,
    webhook_id: i64,
    delivery_id: &str,
) -> Result<Delivery, ApiError> {
    find(state, webhook_id).await?;
    let row = deliveries::get(&state.db.reader, webhook_id, delivery_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "delivery {delivery_id} of webhook {webhook_id} not found"
            ))
        })?;
    let attempts = attempts::list(&state.db.reader, row.summary.seq).await?;
    let event: Event = serde_json::from_str(&row.payload).map_err(|e| ApiError::internal(&e))?;
    let summary = &row.summary;
    let mut delivery = Delivery::new(
        DeliveryId::from(summary.id.clone()),
        EventType::from(summary.event_type.as_str()),
        from_ms(summary.created_at),
        event,
    );
    delivery.status = Some(DeliveryStatus::from(summary.status.as_str()));
    delivery.next_attempt_at = summary.next_attempt(to_ms(state.clock.now())).map(from_ms);
    delivery.event_id = Some(summary.event_id.clone());
    delivery.resource_id.clone_from(&summary.resource_id);
    delivery.attempts = attempts
        .iter()
        .map(attempts::AttemptRow::to_model)
        .collect();
    Ok(delivery)
}

pub(crate) async fn get_one(
    State(state): State<SharedState>,
    Path((webhook_id, delivery_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    Ok(envelope(
        StatusCode::OK,
        detail(&state, id, &delivery_id).await?,
    ))
}

/// Queues a manual attempt of any delivery, whatever its status.
pub(crate) async fn queue_retry(
    state: &AppState,
    webhook_id: i64,
    delivery_id: &str,
) -> Result<(), ApiError> {
    find(state, webhook_id).await?;
    if deliveries::request_manual(&state.db.writer, webhook_id, delivery_id).await? {
        state.engine.wake();
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "delivery {delivery_id} of webhook {webhook_id} not found"
        )))
    }
}

pub(crate) async fn retry(
    State(state): State<SharedState>,
    Path((webhook_id, delivery_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_webhook_id(&webhook_id)?;
    queue_retry(&state, id, &delivery_id).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(json!({}))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_read_quo_s_own() {
        let cursor = encode_cursor("msg_2abcDEFghiJKLmnoPQRstu");
        assert_eq!(
            decode_cursor(&cursor).as_deref(),
            Some("msg_2abcDEFghiJKLmnoPQRstu")
        );
        // The beta reference's example cursor.
        assert_eq!(
            decode_cursor("eyJsYXN0SWQiOiJtc2dfMmFiY0RFRmdoaUpLTG1ub1BRUnN0dSJ9").as_deref(),
            Some("msg_2abcDEFghiJKLmnoPQRstu")
        );
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("[1]")), None);
    }
}
