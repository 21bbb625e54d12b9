//! The `deliveries` table: the delivery history and, through `next_attempt_at`,
//! `manual_pending` and `claimed`, the engine's queue.

use std::collections::HashMap;

use quo_api::{DeliveryFilter, DeliveryId, DeliveryStatus, DeliverySummary};
use quo_webhooks::EventType;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use crate::clock::from_ms;

/// A delivery to write.
#[derive(Debug, Clone)]
pub(crate) struct Insert {
    pub(crate) id: String,
    pub(crate) webhook_id: i64,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) resource_id: Option<String>,
    pub(crate) payload: std::sync::Arc<str>,
    pub(crate) is_test: bool,
    pub(crate) created_at: i64,
}

/// Writes new deliveries, each due at once, inside the caller's transaction.
pub(crate) async fn insert_all(
    conn: &mut SqliteConnection,
    deliveries: &[&Insert],
) -> Result<(), sqlx::Error> {
    // SQLite allows 32766 parameters per statement: 9 per row, in chunks well below that.
    for chunk in deliveries.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT INTO deliveries (id, webhook_id, event_id, event_type, resource_id, payload, \
             is_test, status, next_attempt_at, created_at) ",
        );
        query.push_values(chunk, |mut row, d| {
            row.push_bind(&d.id)
                .push_bind(d.webhook_id)
                .push_bind(&d.event_id)
                .push_bind(&d.event_type)
                .push_bind(d.resource_id.as_deref())
                .push_bind(&*d.payload)
                .push_bind(i64::from(d.is_test))
                .push_bind("pending")
                .push_bind(d.created_at)
                .push_bind(d.created_at);
        });
        query.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A delivery's row without its payload.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SummaryRow {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) resource_id: Option<String>,
    pub(crate) status: String,
    pub(crate) next_attempt_at: Option<i64>,
    pub(crate) manual_pending: i64,
    pub(crate) created_at: i64,
}

impl SummaryRow {
    /// The API's view. A queued manual attempt is due at once, so `nextAttemptAt` is then
    /// `now`.
    pub(crate) fn to_model(&self, now: i64) -> DeliverySummary {
        let mut summary = DeliverySummary::new(
            DeliveryId::from(self.id.clone()),
            EventType::from(self.event_type.as_str()),
            DeliveryStatus::from(self.status.as_str()),
            from_ms(self.created_at),
        );
        summary.next_attempt_at = self.next_attempt(now).map(from_ms);
        summary.event_id = Some(self.event_id.clone());
        summary.resource_id.clone_from(&self.resource_id);
        summary
    }

    pub(crate) fn next_attempt(&self, now: i64) -> Option<i64> {
        if self.manual_pending > 0 {
            Some(self.next_attempt_at.map_or(now, |at| at.min(now)))
        } else {
            self.next_attempt_at
        }
    }
}

const SUMMARY_COLUMNS: &str = "seq, id, event_id, event_type, resource_id, status, next_attempt_at, manual_pending, created_at";

/// One page, newest first: at most `limit` rows after the row `after_seq`, plus one more if
/// there is one (so the caller knows whether to hand out a cursor).
pub(crate) async fn list(
    pool: &SqlitePool,
    webhook_id: i64,
    filter: &DeliveryFilter,
    after_seq: Option<i64>,
    limit: u32,
) -> Result<Vec<SummaryRow>, sqlx::Error> {
    let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(format!(
        "SELECT {SUMMARY_COLUMNS} FROM deliveries WHERE webhook_id = "
    ));
    query.push_bind(webhook_id);
    if let Some(seq) = after_seq {
        query.push(" AND seq < ").push_bind(seq);
    }
    if let Some(status) = &filter.status {
        query
            .push(" AND status = ")
            .push_bind(status.as_str().to_owned());
    }
    if !filter.event_types.is_empty() {
        query.push(" AND event_type IN (");
        let mut list = query.separated(", ");
        for event_type in &filter.event_types {
            list.push_bind(event_type.as_str().to_owned());
        }
        query.push(")");
    }
    if let Some(before) = filter.created_before {
        query
            .push(" AND created_at < ")
            .push_bind(before.as_millisecond());
    }
    if let Some(after) = filter.created_after {
        // `createdAt` is shown to the millisecond: "after 12:00:00.000Z" excludes that instant.
        query
            .push(" AND created_at > ")
            .push_bind(after.as_millisecond());
    }
    if let Some(resource_id) = &filter.resource_id {
        query
            .push(" AND resource_id = ")
            .push_bind(resource_id.clone());
    }
    query
        .push(" ORDER BY seq DESC LIMIT ")
        .push_bind(i64::from(limit) + 1);
    query.build_query_as().fetch_all(pool).await
}

/// A delivery with its payload.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    #[sqlx(flatten)]
    pub(crate) summary: SummaryRow,
    pub(crate) payload: String,
}

pub(crate) async fn get(
    pool: &SqlitePool,
    webhook_id: i64,
    id: &str,
) -> Result<Option<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS}, payload FROM deliveries WHERE webhook_id = $1 AND id = $2"
    ))
    .bind(webhook_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The position of a delivery of `webhook_id`, for a cursor.
pub(crate) async fn seq_of(
    pool: &SqlitePool,
    webhook_id: i64,
    id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT seq FROM deliveries WHERE webhook_id = $1 AND id = $2")
        .bind(webhook_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Queues a manual attempt. A failed delivery is `sending` again until it is made.
pub(crate) async fn request_manual(
    pool: &SqlitePool,
    webhook_id: i64,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE deliveries SET manual_pending = manual_pending + 1, \
         status = CASE WHEN status = 'failed' THEN 'sending' ELSE status END \
         WHERE webhook_id = $1 AND id = $2",
    )
    .bind(webhook_id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Releases every claim: called at start-up, when no attempt of this process is in flight.
pub(crate) async fn release_all_claims(pool: &SqlitePool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE deliveries SET claimed = 0 WHERE claimed = 1")
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// A delivery the engine has claimed, with what it needs to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Claimed {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) webhook_id: i64,
    pub(crate) payload: String,
    pub(crate) attempts_made: i64,
    pub(crate) manual_pending: i64,
    pub(crate) url: String,
    pub(crate) secret: String,
    pub(crate) previous_secret: Option<String>,
    pub(crate) previous_secret_until: Option<i64>,
}

impl Claimed {
    /// Whether the attempt about to be made is a manual one (a queued manual attempt is made
    /// before a scheduled one that is also due).
    pub(crate) fn is_manual(&self) -> bool {
        self.manual_pending > 0
    }
}

/// A webhook as the queue sees it: whether its deliveries go out at all (test events go out
/// whatever the status, SPEC §6).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct QueueWebhook {
    id: i64,
    enabled: bool,
}

async fn queue_webhooks(conn: &mut SqliteConnection) -> Result<Vec<QueueWebhook>, sqlx::Error> {
    sqlx::query_as("SELECT id, status = 'enabled' AS enabled FROM webhooks ORDER BY id")
        .fetch_all(&mut *conn)
        .await
}

const CLAIM_COLUMNS: &str = "d.seq, d.id, d.webhook_id, d.payload, d.attempts_made, \
     d.manual_pending, w.url, w.secret, w.previous_secret, \
     w.previous_secret_until";

/// Webhooks per compound query, well below SQLite's 500 terms.
const WEBHOOKS_PER_QUERY: usize = 100;

/// One webhook's part of a queue query: rows waiting for a scheduled attempt that no attempt
/// holds, oldest due first, read from the partial index `deliveries_queue` (migration 0002).
/// `now` keeps only those due by then.
fn push_queue_of(
    query: &mut QueryBuilder<'_, Sqlite>,
    columns: &str,
    webhook: QueueWebhook,
    now: Option<i64>,
    limit: i64,
) {
    query.push(format!(
        "SELECT * FROM (SELECT {columns} FROM deliveries WHERE webhook_id = "
    ));
    query.push_bind(webhook.id);
    query.push(" AND next_attempt_at IS NOT NULL AND claimed = 0");
    if let Some(now) = now {
        query.push(" AND next_attempt_at <= ").push_bind(now);
    }
    if !webhook.enabled {
        query.push(" AND is_test = 1");
    }
    query
        .push(
            " AND manual_pending = 0 AND status <> 'success' ORDER BY next_attempt_at, seq LIMIT ",
        )
        .push_bind(limit)
        .push(")");
}

/// A row that could be claimed: which webhook it is for and when it fell due.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct Candidate {
    seq: i64,
    webhook_id: i64,
    next_attempt_at: Option<i64>,
}

/// Takes `candidate` if the batch and its webhook have room (and the webhook is enabled or the
/// delivery is a test event).
fn take(
    free: &mut HashMap<i64, (usize, bool)>,
    chosen: &mut Vec<i64>,
    limit: usize,
    candidate: &Candidate,
    test: bool,
) {
    if chosen.len() >= limit {
        return;
    }
    if let Some((left, enabled)) = free.get_mut(&candidate.webhook_id)
        && *left > 0
        && (*enabled || test)
    {
        *left -= 1;
        chosen.push(candidate.seq);
    }
}

/// Claims due deliveries in one transaction: queued manual attempts first, then scheduled
/// ones, oldest due first; at most `limit` in all and at most `room(webhook)` for each
/// webhook (its free slots). Webhooks without a free slot are not read at all, so a dead
/// endpoint's backlog costs nothing here.
pub(crate) async fn claim_due(
    pool: &SqlitePool,
    now: i64,
    limit: usize,
    room: impl Fn(i64) -> usize,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let webhooks = queue_webhooks(&mut tx).await?;
    let mut free: HashMap<i64, (usize, bool)> = webhooks
        .iter()
        .map(|w| (w.id, (room(w.id), w.enabled)))
        .collect();
    let mut chosen: Vec<i64> = Vec::new();
    // Queued manual attempts (few: one per retry asked for through the API).
    let manual: Vec<(i64, i64, bool)> = sqlx::query_as(
        "SELECT seq, webhook_id, is_test = 1 FROM deliveries \
         WHERE manual_pending > 0 AND claimed = 0 ORDER BY seq",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (seq, webhook_id, test) in manual {
        let candidate = Candidate {
            seq,
            webhook_id,
            next_attempt_at: None,
        };
        take(&mut free, &mut chosen, limit, &candidate, test);
    }
    // Scheduled attempts: each webhook with free slots gives its oldest due rows, up to its
    // room; the oldest due of all are taken.
    let open: Vec<(QueueWebhook, usize)> = webhooks
        .iter()
        .filter_map(|w| {
            let left = free.get(&w.id).map_or(0, |(left, _)| *left);
            (left > 0).then_some((*w, left))
        })
        .collect();
    if chosen.len() < limit && !open.is_empty() {
        let mut candidates: Vec<Candidate> = Vec::new();
        for part in open.chunks(WEBHOOKS_PER_QUERY) {
            let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new("");
            for (i, (webhook, left)) in part.iter().enumerate() {
                if i > 0 {
                    query.push(" UNION ALL ");
                }
                let left = i64::try_from((*left).min(limit)).unwrap_or(i64::MAX);
                push_queue_of(
                    &mut query,
                    "seq, webhook_id, next_attempt_at",
                    *webhook,
                    Some(now),
                    left,
                );
            }
            candidates.extend(
                query
                    .build_query_as::<Candidate>()
                    .persistent(false)
                    .fetch_all(&mut *tx)
                    .await?,
            );
        }
        candidates.sort_by_key(|c| (c.next_attempt_at, c.seq));
        for candidate in &candidates {
            // A disabled webhook's part only held test events.
            take(&mut free, &mut chosen, limit, candidate, true);
        }
    }
    let mut claimed: Vec<Claimed> = Vec::with_capacity(chosen.len());
    for part in chosen.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(format!(
            "SELECT {CLAIM_COLUMNS} FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.seq IN ("
        ));
        let mut list = query.separated(", ");
        for seq in part {
            list.push_bind(*seq);
        }
        query.push(")");
        claimed.extend(
            query
                .build_query_as::<Claimed>()
                .persistent(false)
                .fetch_all(&mut *tx)
                .await?,
        );
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "UPDATE deliveries SET claimed = 1, \
             status = CASE WHEN status = 'pending' THEN 'sending' ELSE status END WHERE seq IN (",
        );
        let mut list = query.separated(", ");
        for seq in part {
            list.push_bind(*seq);
        }
        query.push(")");
        query.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    // In the order chosen: manual attempts first, then the oldest due.
    let order: HashMap<i64, usize> = chosen.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    claimed.sort_by_key(|row| order.get(&row.seq).copied().unwrap_or(usize::MAX));
    Ok(claimed)
}

/// When the next attempt falls due: now while a claimed attempt's outcome is not yet
/// committed (so a caller waiting for the queue to settle cannot miss an attempt between its
/// claim and its outcome), otherwise as [`next_claimable`]; `None` when nothing is queued.
pub(crate) async fn next_due(
    pool: &SqlitePool,
    now: i64,
    busy: &[i64],
) -> Result<Option<i64>, sqlx::Error> {
    // In this order: a row claimed between the two reads is seen by the second, and its
    // claim is released only together with its outcome.
    let next = next_claimable(pool, now, busy).await?;
    if next.is_some_and(|at| at <= now) {
        return Ok(next);
    }
    let held: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM deliveries WHERE claimed = 1)")
            .fetch_one(pool)
            .await?;
    Ok(if held { Some(now) } else { next })
}

/// When the next delivery that could be claimed falls due (now, for a queued manual
/// attempt); `None` when nothing is queued. Webhooks in `busy` (no free slot) are left out.
pub(crate) async fn next_claimable(
    pool: &SqlitePool,
    now: i64,
    busy: &[i64],
) -> Result<Option<i64>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let webhooks: Vec<QueueWebhook> = queue_webhooks(&mut conn)
        .await?
        .into_iter()
        .filter(|w| !busy.contains(&w.id))
        .collect();
    let manual: Vec<(i64, bool)> = sqlx::query_as(
        "SELECT webhook_id, is_test = 1 FROM deliveries WHERE manual_pending > 0 AND claimed = 0",
    )
    .fetch_all(&mut *conn)
    .await?;
    if manual.iter().any(|(webhook_id, test)| {
        webhooks
            .iter()
            .any(|w| w.id == *webhook_id && (w.enabled || *test))
    }) {
        return Ok(Some(now));
    }
    let mut next: Option<i64> = None;
    for part in webhooks.chunks(WEBHOOKS_PER_QUERY) {
        let mut query: QueryBuilder<'_, Sqlite> =
            QueryBuilder::new("SELECT MIN(next_attempt_at) FROM (");
        for (i, webhook) in part.iter().enumerate() {
            if i > 0 {
                query.push(" UNION ALL ");
            }
            push_queue_of(&mut query, "next_attempt_at", *webhook, None, 1);
        }
        query.push(")");
        let at: Option<i64> = query.build_query_scalar().fetch_one(&mut *conn).await?;
        next = match (next, at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(next)
}

/// What an attempt changes in its delivery.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) seq: i64,
    pub(crate) success: bool,
    pub(crate) manual: bool,
    /// For a failed scheduled attempt, when the next is due (`None`: none is left).
    pub(crate) next_attempt_at: Option<i64>,
}

/// Records the outcomes of attempts (each of a different delivery) and releases their
/// claims, inside the caller's transaction, a few hundred per statement. A delivery deleted
/// meanwhile (its webhook was) is left alone.
pub(crate) async fn finish_all(
    conn: &mut SqliteConnection,
    outcomes: &[Outcome],
) -> Result<(), sqlx::Error> {
    // column1 = seq, column2 = scheduled (1) or manual (0) attempt, column3 = manual,
    // column4 = success, column5 = next_attempt_at.
    for chunk in outcomes.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "UPDATE deliveries SET claimed = 0, \
             attempts_made = attempts_made + v.column2, \
             manual_pending = CASE WHEN manual_pending > v.column3 \
                 THEN manual_pending - v.column3 ELSE 0 END, \
             next_attempt_at = CASE WHEN v.column4 = 1 OR status = 'success' THEN NULL \
                 WHEN v.column2 = 1 THEN v.column5 ELSE next_attempt_at END, \
             status = CASE WHEN v.column4 = 1 OR status = 'success' THEN 'success' \
                 WHEN (CASE WHEN v.column2 = 1 THEN v.column5 ELSE next_attempt_at END) \
                     IS NOT NULL OR manual_pending > v.column3 THEN 'sending' \
                 ELSE 'failed' END \
             FROM (",
        );
        query.push_values(chunk, |mut row, outcome| {
            row.push_bind(outcome.seq)
                .push_bind(i64::from(!outcome.manual))
                .push_bind(i64::from(outcome.manual))
                .push_bind(i64::from(outcome.success))
                .push_bind(outcome.next_attempt_at);
        });
        query.push(") AS v WHERE deliveries.seq = v.column1");
        query.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many deliveries there are, and how many wait for an attempt (for tests and benches).
/// Each count reads an index, not the table: a progress loop may call it often.
pub(crate) async fn counts(pool: &SqlitePool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM deliveries), \
         (SELECT COUNT(*) FROM deliveries WHERE next_attempt_at IS NOT NULL) \
         + (SELECT COUNT(*) FROM deliveries WHERE manual_pending > 0 AND next_attempt_at IS NULL)",
    )
    .fetch_one(pool)
    .await
}
