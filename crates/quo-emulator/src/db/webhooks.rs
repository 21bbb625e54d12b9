//! The `webhooks` table.

use jiff::Timestamp;
use quo_api::{ResourceIds, Webhook, WebhookId, WebhookStatus};
use quo_webhooks::EventType;
use sqlx::SqlitePool;
use standard_webhooks::Secret;

use crate::Error;
use crate::clock::{from_ms, to_ms};

/// Every column but the keys, which only the engine reads (with the delivery it claims).
const COLUMNS: &str = "id, org_id, label, status, url, events, resource_ids, api_version, \
     created_at, updated_at";

/// One row, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct WebhookRow {
    pub(crate) id: i64,
    pub(crate) org_id: String,
    pub(crate) label: Option<String>,
    pub(crate) status: String,
    pub(crate) url: String,
    pub(crate) events: String,
    pub(crate) resource_ids: String,
    pub(crate) api_version: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl WebhookRow {
    /// The API's view of the row (without its keys).
    pub(crate) fn to_model(&self) -> Result<Webhook, Error> {
        let events: Vec<EventType> = serde_json::from_str(&self.events)
            .map_err(|e| Error::Store(format!("webhook {}: events: {e}", self.id)))?;
        let resource_ids: ResourceIds = serde_json::from_str(&self.resource_ids)
            .map_err(|e| Error::Store(format!("webhook {}: resourceIds: {e}", self.id)))?;
        let mut webhook = Webhook::new(
            WebhookId::from(self.id.to_string()),
            self.org_id.clone(),
            self.url.clone(),
            events,
            from_ms(self.created_at),
        );
        webhook.label.clone_from(&self.label);
        webhook.status = WebhookStatus::from(self.status.as_str());
        webhook.updated_at = from_ms(self.updated_at);
        webhook.resource_ids = resource_ids;
        webhook.api_version.clone_from(&self.api_version);
        Ok(webhook)
    }

    /// The keys that sign an attempt made at `now`: the current one, and the previous one
    /// while its grace period runs.
    pub(crate) fn signing_keys(
        id: i64,
        secret: &str,
        previous: Option<&str>,
        previous_until: Option<i64>,
        now: Timestamp,
    ) -> Result<Vec<Secret>, Error> {
        let mut keys = vec![parse_secret(id, secret)?];
        if let (Some(previous), Some(until)) = (previous, previous_until)
            && to_ms(now) < until
        {
            keys.push(parse_secret(id, previous)?);
        }
        Ok(keys)
    }
}

fn parse_secret(id: i64, text: &str) -> Result<Secret, Error> {
    text.parse()
        .map_err(|_| Error::Store(format!("webhook {id}: the stored key is not a whsec_ key")))
}

/// The fields of a new webhook, validated.
#[derive(Debug)]
pub(crate) struct Insert<'a> {
    pub(crate) org_id: &'a str,
    pub(crate) label: Option<&'a str>,
    pub(crate) status: &'a str,
    pub(crate) url: &'a str,
    pub(crate) events: String,
    pub(crate) resource_ids: String,
    pub(crate) api_version: &'a str,
    pub(crate) secret: &'a str,
    pub(crate) now: i64,
}

pub(crate) async fn insert(pool: &SqlitePool, new: &Insert<'_>) -> Result<WebhookRow, sqlx::Error> {
    let sql = format!(
        "INSERT INTO webhooks (org_id, label, status, url, events, resource_ids, api_version, \
         secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         RETURNING {COLUMNS}"
    );
    sqlx::query_as(&sql)
        .bind(new.org_id)
        .bind(new.label)
        .bind(new.status)
        .bind(new.url)
        .bind(&new.events)
        .bind(&new.resource_ids)
        .bind(new.api_version)
        .bind(new.secret)
        .bind(new.now)
        .fetch_one(pool)
        .await
}

pub(crate) async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM webhooks")
        .fetch_one(pool)
        .await
}

pub(crate) async fn list(pool: &SqlitePool) -> Result<Vec<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY id"))
        .fetch_all(pool)
        .await
}

pub(crate) async fn list_enabled(pool: &SqlitePool) -> Result<Vec<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM webhooks WHERE status = 'enabled' ORDER BY id"
    ))
    .fetch_all(pool)
    .await
}

pub(crate) async fn get(pool: &SqlitePool, id: i64) -> Result<Option<WebhookRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The changes of a PATCH, validated: `None` leaves a column as it is.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub(crate) url: Option<String>,
    pub(crate) events: Option<String>,
    pub(crate) resource_ids: Option<String>,
    /// `Some(None)` clears the label.
    pub(crate) label: Option<Option<String>>,
    pub(crate) status: Option<String>,
}

pub(crate) async fn update(
    pool: &SqlitePool,
    id: i64,
    changes: &Changes,
    now: i64,
) -> Result<Option<WebhookRow>, sqlx::Error> {
    let sql = format!(
        "UPDATE webhooks SET url = COALESCE($2, url), events = COALESCE($3, events), \
         resource_ids = COALESCE($4, resource_ids), \
         label = CASE WHEN $5 = 1 THEN $6 ELSE label END, \
         status = COALESCE($7, status), updated_at = $8 WHERE id = $1 RETURNING {COLUMNS}"
    );
    sqlx::query_as(&sql)
        .bind(id)
        .bind(changes.url.as_deref())
        .bind(changes.events.as_deref())
        .bind(changes.resource_ids.as_deref())
        .bind(i64::from(changes.label.is_some()))
        .bind(changes.label.clone().flatten())
        .bind(changes.status.as_deref())
        .bind(now)
        .fetch_optional(pool)
        .await
}

pub(crate) async fn delete(pool: &SqlitePool, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Makes `secret` the signing key; the key it replaces still signs until `previous_until`.
pub(crate) async fn rotate(
    pool: &SqlitePool,
    id: i64,
    secret: &str,
    previous_until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhooks SET previous_secret = secret, previous_secret_until = $3, secret = $2 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(secret)
    .bind(previous_until)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
