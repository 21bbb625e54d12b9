//! The `attempts` table: every HTTP request of every delivery.

use quo_api::{Attempt, AttemptId, AttemptStatus, TriggerType};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

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

/// Writes attempts inside the caller's transaction, a few hundred per statement, leaving out
/// those whose delivery is gone.
pub(crate) async fn insert_all(
    conn: &mut SqliteConnection,
    attempts: &[&AttemptRow],
) -> Result<(), sqlx::Error> {
    // 9 parameters per row, well below SQLite's 32766 per statement.
    for chunk in attempts.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT INTO attempts (id, delivery_seq, attempted_at, status, response_status_code, \
             response_body, duration_ms, trigger_type, url) \
             SELECT column1, column2, column3, column4, column5, column6, column7, column8, \
             column9 FROM (",
        );
        query.push_values(chunk, |mut row, attempt| {
            row.push_bind(&attempt.id)
                .push_bind(attempt.delivery_seq)
                .push_bind(attempt.attempted_at)
                .push_bind(&attempt.status)
                .push_bind(attempt.response_status_code)
                .push_bind(attempt.response_body.as_deref())
                .push_bind(attempt.duration_ms)
                .push_bind(&attempt.trigger_type)
                .push_bind(&attempt.url);
        });
        query.push(") WHERE EXISTS (SELECT 1 FROM deliveries WHERE seq = column2)");
        query.build().persistent(false).execute(&mut *conn).await?;
    }
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
