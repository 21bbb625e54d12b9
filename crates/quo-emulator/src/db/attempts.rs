//! The `attempts` table: every HTTP request of every delivery.

use quo_api::{Attempt, AttemptId, AttemptStatus, TriggerType};
use sqlx::{SqliteConnection, SqlitePool};

use crate::clock::from_ms;

/// One attempt, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AttemptRow {
    pub(crate) id: String,
    pub(crate) delivery_seq: i64,
    pub(crate) attempted_at: i64,
    pub(crate) status: String,
    pub(crate) response_status_code: i64,
    pub(crate) response_body: Option<String>,
    pub(crate) duration_ms: i64,
    pub(crate) trigger_type: String,
    pub(crate) url: String,
}

impl AttemptRow {
    pub(crate) fn to_model(&self) -> Attempt {
        let mut attempt = Attempt::new(
            AttemptId::from(self.id.clone()),
            from_ms(self.attempted_at),
            AttemptStatus::from(self.status.as_str()),
            u16::try_from(self.response_status_code).unwrap_or(0),
            TriggerType::from(self.trigger_type.as_str()),
            self.url.clone(),
        );
        attempt.response_body.clone_from(&self.response_body);
        attempt.response_duration_ms = u64::try_from(self.duration_ms).unwrap_or(0);
        attempt
    }
}

/// Writes an attempt inside the caller's transaction, unless its delivery is gone.
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    attempt: &AttemptRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO attempts (id, delivery_seq, attempted_at, status, response_status_code, \
         response_body, duration_ms, trigger_type, url) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 \
         WHERE EXISTS (SELECT 1 FROM deliveries WHERE seq = $2)",
    )
    .bind(&attempt.id)
    .bind(attempt.delivery_seq)
    .bind(attempt.attempted_at)
    .bind(&attempt.status)
    .bind(attempt.response_status_code)
    .bind(attempt.response_body.as_deref())
    .bind(attempt.duration_ms)
    .bind(&attempt.trigger_type)
    .bind(&attempt.url)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every attempt of a delivery, most recent first.
pub(crate) async fn list(
    pool: &SqlitePool,
    delivery_seq: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, delivery_seq, attempted_at, status, response_status_code, response_body, \
         duration_ms, trigger_type, url FROM attempts WHERE delivery_seq = $1 ORDER BY seq DESC",
    )
    .bind(delivery_seq)
    .fetch_all(pool)
    .await
}
