//! The `legacy_webhooks` table and the `legacy_deliveries` queue.

use quo_api::{LegacyWebhook, WebhookStatus};
use quo_webhooks::EventType;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};
use standard_webhooks::LegacySecret;

use crate::Error;
use crate::clock::from_ms;

/// One legacy webhook, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LegacyRow {
    pub(crate) id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) org_id: String,
    pub(crate) label: Option<String>,
    pub(crate) status: String,
    pub(crate) url: String,
    pub(crate) signing_key: String,
    pub(crate) events: String,
    pub(crate) resource_ids: String,
    pub(crate) api_version: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl LegacyRow {
    /// The legacy API's view of the row, its key included (the legacy API shows it).
    pub(crate) fn to_model(&self) -> Result<LegacyWebhook, Error> {
        let events: Vec<EventType> = serde_json::from_str(&self.events)
            .map_err(|e| Error::Store(format!("legacy webhook {}: events: {e}", self.id)))?;
        let resource_ids: Vec<String> = serde_json::from_str(&self.resource_ids)
            .map_err(|e| Error::Store(format!("legacy webhook {}: resourceIds: {e}", self.id)))?;
        let key: LegacySecret = self
            .signing_key
            .parse()
            .map_err(|_| Error::Store(format!("legacy webhook {}: unreadable key", self.id)))?;
        let value = serde_json::json!({
            "id": self.id,
            "userId": self.user_id,
            "orgId": self.org_id,
            "label": self.label,
            "status": self.status,
            "url": self.url,
            "createdAt": quo_api::model::time::format(from_ms(self.created_at)),
            "updatedAt": quo_api::model::time::format(from_ms(self.updated_at)),
            "deletedAt": null,
            "events": events,
            "resourceIds": resource_ids,
        });
        let mut webhook: LegacyWebhook = serde_json::from_value(value)
            .map_err(|e| Error::Store(format!("legacy webhook {}: {e}", self.id)))?;
        webhook.key = Some(key);
        Ok(webhook)
    }

    /// Whether it is enabled.
    pub(crate) fn enabled(&self) -> bool {
        WebhookStatus::from(self.status.as_str()) == WebhookStatus::Enabled
    }
}

const COLUMNS: &str = "id, user_id, org_id, label, status, url, signing_key, events, \
     resource_ids, api_version, created_at, updated_at";

pub(crate) async fn insert(pool: &SqlitePool, row: &LegacyRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO legacy_webhooks (id, user_id, org_id, label, status, url, signing_key, \
         events, resource_ids, api_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.org_id)
    .bind(&row.label)
    .bind(&row.status)
    .bind(&row.url)
    .bind(&row.signing_key)
    .bind(&row.events)
    .bind(&row.resource_ids)
    .bind(&row.api_version)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(pool)
    .await
    .map(drop)
}

pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<LegacyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM legacy_webhooks ORDER BY seq"
    ))
    .fetch_all(pool)
    .await
}

pub(crate) async fn get(pool: &SqlitePool, id: &str) -> Result<Option<LegacyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM legacy_webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Deletes it and, with it, every delivery still queued for it.
pub(crate) async fn delete(pool: &SqlitePool, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM legacy_webhooks WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A legacy delivery to queue.
#[derive(Debug, Clone)]
pub(crate) struct LegacyInsert {
    pub(crate) webhook_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) payload: String,
    pub(crate) created_at: i64,
}

pub(crate) async fn insert_deliveries(
    conn: &mut SqliteConnection,
    rows: &[&LegacyInsert],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT INTO legacy_deliveries (webhook_id, event_id, event_type, payload, status, \
             next_attempt_at, created_at) ",
        );
        query.push_values(chunk, |mut row, d| {
            row.push_bind(&d.webhook_id)
                .push_bind(&d.event_id)
                .push_bind(&d.event_type)
                .push_bind(&d.payload)
                .push_bind("pending")
                .push_bind(d.created_at)
                .push_bind(d.created_at);
        });
        query.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A queued legacy delivery claimed for an attempt, with what signing it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LegacyClaimed {
    pub(crate) seq: i64,
    pub(crate) webhook_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) payload: String,
    pub(crate) attempts_made: i64,
    pub(crate) url: String,
    pub(crate) signing_key: String,
}

/// Claims up to `limit` deliveries due at `now`, oldest due first.
pub(crate) async fn claim_due(
    pool: &SqlitePool,
    now: i64,
    limit: i64,
) -> Result<Vec<LegacyClaimed>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let rows: Vec<LegacyClaimed> = sqlx::query_as(
        "SELECT d.seq, d.webhook_id, d.event_id, d.event_type, d.payload, d.attempts_made, \
         w.url, w.signing_key FROM legacy_deliveries d JOIN legacy_webhooks w ON w.id = d.webhook_id \
         WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= $1 AND d.claimed = 0 \
         ORDER BY d.next_attempt_at, d.seq LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        sqlx::query("UPDATE legacy_deliveries SET claimed = 1 WHERE seq = $1")
            .bind(row.seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(rows)
}

/// Records an attempt's outcome: done (`next_attempt_at` `None`, `success` or `failed`) or
/// due again at `next_attempt_at`; and releases the claim.
pub(crate) async fn finish(
    pool: &SqlitePool,
    seq: i64,
    status: &str,
    status_code: u16,
    next_attempt_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE legacy_deliveries SET status = $2, last_status_code = $3, next_attempt_at = $4, \
         attempts_made = attempts_made + 1, claimed = 0 WHERE seq = $1",
    )
    .bind(seq)
    .bind(status)
    .bind(i64::from(status_code))
    .bind(next_attempt_at)
    .execute(pool)
    .await
    .map(drop)
}

/// When the next unclaimed delivery falls due, if any; with `claimed`, claimed ones too
/// (an attempt claimed but not yet recorded).
pub(crate) async fn next_due(pool: &SqlitePool, claimed: bool) -> Result<Option<i64>, sqlx::Error> {
    let row: (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(next_attempt_at) FROM legacy_deliveries WHERE next_attempt_at IS NOT NULL \
         AND (claimed = 0 OR $1)",
    )
    .bind(claimed)
    .fetch_one(pool)
    .await?;
    Ok(row.0)
}

/// Frees every claim a previous process held when it stopped.
pub(crate) async fn release_all_claims(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE legacy_deliveries SET claimed = 0 WHERE claimed = 1")
        .execute(pool)
        .await
        .map(drop)
}

/// Counts of legacy deliveries by status (`pending`, `success`, `failed`).
pub(crate) async fn counts(pool: &SqlitePool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, COUNT(*) FROM legacy_deliveries GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
}
