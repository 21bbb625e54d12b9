//! The delivery engine: claims due deliveries from the store, sends each as a signed HTTP
//! POST, and records every attempt.
//!
//! The queue is the `deliveries` table. A dispatcher claims due rows in a transaction (queued
//! manual attempts first, then scheduled ones, oldest due first), skipping webhooks that
//! already have `per_endpoint_concurrency` attempts in flight, so a dead or slow receiver
//! holds at most that many of the `max_in_flight` slots and never delays the others. Each
//! claimed row is sent by its own task; their outcomes are committed by one writer in
//! batches, and only then is the claim released. A process that dies mid-attempt leaves the
//! row claimed; the next start releases it and the attempt is made again (at least once).
//! The dispatcher sleeps until the next row falls due or until it is woken: by a new
//! delivery, a finished attempt, a manual retry, or the virtual clock moving.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use jiff::SignedDuration;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use crate::clock::{Clock, to_ms};
use crate::config::{Config, RESPONSE_BODY_LIMIT};
use crate::db::{self, Db, attempts::AttemptRow, deliveries::Claimed, deliveries::Outcome};
use crate::db::{deliveries::Insert, legacy::LegacyInsert};
use crate::ids;

/// Rows claimed in one transaction at most.
const CLAIM_BATCH: usize = 256;
/// Writes (attempt outcomes, new events' deliveries) committed in one transaction at most.
const WRITE_BATCH: usize = 1024;
/// The longest the dispatcher sleeps without looking at the queue.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// The `user-agent` of every attempt.
pub const USER_AGENT: &str = concat!("Quo-Webhooks-Emulator/", env!("CARGO_PKG_VERSION"));

/// HTTP and HTTPS clients for attempts.
#[derive(Debug, Clone)]
struct Sender {
    plain: Client<HttpConnector, Full<Bytes>>,
    /// `None` when the system has no root certificates.
    tls: Option<quo_api::client::HttpsClient>,
    timeout: Duration,
}

/// What a receiver answered, or why nothing came.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Option<String>,
}

impl Sender {
    fn new(timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let plain = Client::builder(TokioExecutor::new()).build(http);
        // https receivers: the workspace's one HTTPS client (rustls with the ring provider, the
        // system's roots, HTTP/1.1 or HTTP/2 by ALPN). Plain http keeps its own client, with no
        // TLS layer in the way of the throughput path.
        let tls = match quo_api::client::https_client(Some(timeout)) {
            Ok(client) => Some(client),
            Err(error) => {
                tracing::warn!(%error, "no system root certificates: https receivers will fail");
                None
            }
        };
        Self {
            plain,
            tls,
            timeout,
        }
    }

    /// POSTs `body`; a 2xx or any other answer, or status 0 with what went wrong.
    async fn post(&self, url: &str, headers: HeaderMap, body: Bytes) -> Answer {
        let uri: Uri = match url.parse() {
            Ok(uri) => uri,
            Err(error) => return failure(format!("invalid URL: {error}")),
        };
        let https = uri.scheme_str() == Some("https");
        let mut request = match Request::post(uri).body(Full::new(body)) {
            Ok(request) => request,
            Err(error) => return failure(format!("invalid request: {error}")),
        };
        *request.headers_mut() = headers;
        let exchange = async {
            let response = if https {
                match &self.tls {
                    Some(client) => client.request(request).await,
                    None => {
                        return failure(
                            "https is unavailable: the system has no root certificates".into(),
                        );
                    }
                }
            } else {
                self.plain.request(request).await
            };
            let response = match response {
                Ok(response) => response,
                Err(error) => return failure(describe(&error)),
            };
            let status = response.status().as_u16();
            let body = read_prefix(response.into_body(), RESPONSE_BODY_LIMIT).await;
            Answer {
                status,
                body: Some(body),
            }
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => failure(format!(
                "timed out: no answer within {} ms",
                self.timeout.as_millis()
            )),
        }
    }
}

fn failure(message: String) -> Answer {
    Answer {
        status: 0,
        body: Some(message),
    }
}

/// The first `limit` bytes of a body as text (lossy), the rest left unread.
async fn read_prefix(mut body: hyper::body::Incoming, limit: usize) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let take = (limit - bytes.len()).min(data.len());
                    bytes.extend_from_slice(&data[..take]);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The innermost cause, which says what happened ("Connection refused").
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("no response: {cause}")
}

/// An attempt's outcome on its way to the writer.
#[derive(Debug)]
struct Finished {
    webhook_id: i64,
    attempt: AttemptRow,
    /// The request headers as sent (signatures shortened), for the dashboard.
    headers: Option<String>,
    outcome: Outcome,
}

/// New deliveries of one event, on their way to the writer, and who waits for their commit.
#[derive(Debug)]
struct NewDeliveries {
    inserts: Vec<Insert>,
    legacy: Vec<LegacyInsert>,
    committed: oneshot::Sender<Result<(), sqlx::Error>>,
}

/// What the writer commits: group commit of everything that arrived since its last commit.
#[derive(Debug)]
enum Write {
    Outcome(Finished),
    Deliveries(NewDeliveries),
}

/// The engine's shared state.
#[derive(Debug)]
pub(crate) struct Engine {
    db: Db,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    sender: Sender,
    wake: Notify,
    in_flight: Mutex<HashMap<i64, usize>>,
    total_in_flight: AtomicUsize,
    writes: mpsc::UnboundedSender<Write>,
}

/// The running engine's tasks.
#[derive(Debug)]
pub(crate) struct EngineHandle {
    pub(crate) engine: Arc<Engine>,
    stop: watch::Sender<bool>,
    dispatcher: tokio::task::JoinHandle<()>,
    writer: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Starts the dispatcher and the writer.
    pub(crate) fn start(db: Db, clock: Arc<dyn Clock>, config: Arc<Config>) -> EngineHandle {
        let (writes, rx) = mpsc::unbounded_channel();
        let engine = Arc::new(Self {
            db,
            sender: Sender::new(config.attempt_timeout),
            clock,
            config,
            wake: Notify::new(),
            in_flight: Mutex::new(HashMap::new()),
            total_in_flight: AtomicUsize::new(0),
            writes,
        });
        let (stop, stopped) = watch::channel(false);
        let dispatcher = tokio::spawn(Arc::clone(&engine).dispatch(stopped));
        let writer = tokio::spawn(Arc::clone(&engine).write(rx));
        EngineHandle {
            engine,
            stop,
            dispatcher,
            writer,
        }
    }

    /// Makes the dispatcher look at the queue now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Writes an event's deliveries and returns once they are committed (group commit: the
    /// writer commits everything that arrived meanwhile, from every caller, in one
    /// transaction). The caller wakes the dispatchers.
    pub(crate) async fn insert_deliveries(
        &self,
        inserts: Vec<Insert>,
        legacy: Vec<LegacyInsert>,
    ) -> Result<(), sqlx::Error> {
        let (committed, done) = oneshot::channel();
        let write = Write::Deliveries(NewDeliveries {
            inserts,
            legacy,
            committed,
        });
        if self.writes.send(write).is_err() {
            return Err(sqlx::Error::PoolClosed);
        }
        done.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }

    /// POSTs with the engine's HTTP client and attempt timeout, for the legacy dispatcher:
    /// the answer's status (0 when none came) and the start of its body.
    pub(crate) async fn post(
        &self,
        url: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> (u16, Option<String>) {
        let answer = self.sender.post(url, headers, body).await;
        (answer.status, answer.body)
    }

    /// Attempts in flight.
    pub(crate) fn in_flight(&self) -> usize {
        self.total_in_flight.load(Ordering::SeqCst)
    }

    /// Webhooks with every slot taken, and how many slots are left overall.
    fn room(&self) -> (Vec<i64>, usize) {
        let per_endpoint = self.config.per_endpoint_concurrency.max(1);
        let busy = match self.in_flight.lock() {
            Ok(map) => map
                .iter()
                .filter(|(_, n)| **n >= per_endpoint)
                .map(|(id, _)| *id)
                .collect(),
            Err(_) => Vec::new(),
        };
        (busy, self.free_slots())
    }

    /// Slots left over all webhooks.
    fn free_slots(&self) -> usize {
        self.config
            .max_in_flight
            .max(1)
            .saturating_sub(self.total_in_flight.load(Ordering::SeqCst))
    }

    /// The in-flight count of every webhook with an attempt in flight.
    fn in_flight_by_webhook(&self) -> HashMap<i64, usize> {
        self.in_flight
            .lock()
            .map(|map| map.clone())
            .unwrap_or_default()
    }

    async fn dispatch(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        loop {
            if *stopped.borrow() {
                return;
            }
            let now = to_ms(self.clock.now());
            let free = self.free_slots();
            if free > 0 {
                // Each webhook gets at most its free slots: only the dispatcher takes slots,
                // and finished attempts only give them back, so this never overshoots.
                let per_endpoint = self.config.per_endpoint_concurrency.max(1);
                let taken = self.in_flight_by_webhook();
                let room =
                    |id: i64| per_endpoint.saturating_sub(taken.get(&id).copied().unwrap_or(0));
                let want = free.min(CLAIM_BATCH);
                match db::deliveries::claim_due(&self.db.writer, now, want, room).await {
                    Ok(rows) => {
                        let full = rows.len() == want;
                        self.launch(rows);
                        if full {
                            continue;
                        }
                    }
                    Err(error) => {
                        tracing::error!(%error, "claiming due deliveries failed; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                }
            }
            let wait = if free == 0 {
                MAX_IDLE
            } else {
                let (busy, _) = self.room();
                match db::deliveries::next_claimable(&self.db.writer, now, &busy).await {
                    Ok(Some(at)) => {
                        let now = to_ms(self.clock.now());
                        Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(MAX_IDLE)
                    }
                    Ok(None) => MAX_IDLE,
                    Err(error) => {
                        tracing::error!(%error, "reading the queue failed; retrying");
                        Duration::from_millis(200)
                    }
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => return,
            }
        }
    }

    /// Takes the slots of the claimed rows and starts one task per attempt.
    fn launch(self: &Arc<Self>, rows: Vec<Claimed>) {
        if rows.is_empty() {
            return;
        }
        if let Ok(mut map) = self.in_flight.lock() {
            for row in &rows {
                *map.entry(row.webhook_id).or_insert(0) += 1;
            }
        }
        self.total_in_flight.fetch_add(rows.len(), Ordering::SeqCst);
        for row in rows {
            tokio::spawn(Arc::clone(self).attempt(row));
        }
    }

    fn signature(
        &self,
        row: &Claimed,
        keys: &[standard_webhooks::Secret],
        ts: i64,
        body: &[u8],
    ) -> String {
        let ts = u64::try_from(ts).unwrap_or(0);
        keys.iter()
            .map(|key| key.sign(&row.id, ts, body))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn headers(&self, row: &Claimed, ts: i64, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        if let Ok(id) = HeaderValue::from_str(&row.id) {
            headers.insert("webhook-id", id);
        }
        headers.insert("webhook-timestamp", HeaderValue::from(ts));
        if let Ok(signature) = HeaderValue::from_str(signature) {
            headers.insert("webhook-signature", signature);
        }
        headers
    }

    /// Makes one attempt of a claimed delivery and hands its outcome to the writer.
    async fn attempt(self: Arc<Self>, row: Claimed) {
        let manual = row.is_manual();
        let faults = &self.config.faults;
        if let Some(window) = faults.reorder_window
            && row.attempts_made == 0
            && !manual
        {
            tokio::time::sleep(window.mul_f64(ids::unit_random())).await;
        }
        let attempted_at = self.clock.now();
        let body = Bytes::from(row.payload.clone());
        let keys = crate::db::webhooks::WebhookRow::signing_keys(
            row.webhook_id,
            &row.secret,
            row.previous_secret.as_deref(),
            row.previous_secret_until,
            attempted_at,
        );
        let started = Instant::now();
        let mut sent_headers = None;
        let answer = match keys {
            Ok(keys) => {
                let ts = self.clock.wall().as_second() + faults.clock_skew_secs;
                let signature = self.signature(&row, &keys, ts, &body);
                let headers = self.headers(&row, ts, &signature);
                sent_headers = Some(db::attempt_headers::describe(&headers));
                let send = self.sender.post(&row.url, headers.clone(), body.clone());
                let answer = if faults.duplicate {
                    let twin = self.sender.post(&row.url, headers, body.clone());
                    let (answer, _) = tokio::join!(send, twin);
                    answer
                } else {
                    send.await
                };
                if let Some(age) = faults.replay_old {
                    let old = ts - i64::try_from(age.as_secs()).unwrap_or(i64::MAX);
                    let signature = self.signature(&row, &keys, old, &body);
                    let headers = self.headers(&row, old, &signature);
                    let sender = self.sender.clone();
                    let url = row.url.clone();
                    tokio::spawn(async move {
                        let _ = sender.post(&url, headers, body).await;
                    });
                }
                answer
            }
            Err(error) => failure(format!("not sent: {error}")),
        };
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let success = (200..300).contains(&answer.status);
        let next_attempt_at = if success || manual {
            None
        } else {
            let made = usize::try_from(row.attempts_made)
                .unwrap_or(usize::MAX)
                .saturating_add(1);
            self.config.retry_schedule.get(made - 1).map(|delay| {
                let delay = if self.config.jitter {
                    delay.mul_f64(0.8 + 0.4 * ids::unit_random())
                } else {
                    *delay
                };
                let now = self.clock.now();
                to_ms(
                    now.checked_add(SignedDuration::try_from(delay).unwrap_or(SignedDuration::MAX))
                        .unwrap_or(now),
                )
            })
        };
        tracing::debug!(
            delivery = %row.id,
            url = %row.url,
            status = answer.status,
            manual,
            "attempt made"
        );
        let finished = Finished {
            webhook_id: row.webhook_id,
            headers: sent_headers,
            attempt: AttemptRow {
                id: ids::attempt_id(),
                delivery_seq: row.seq,
                attempted_at: to_ms(attempted_at),
                status: if success { "success" } else { "failed" }.to_owned(),
                response_status_code: i64::from(answer.status),
                response_body: answer.body,
                duration_ms,
                trigger_type: if manual { "manual" } else { "scheduled" }.to_owned(),
                url: row.url.clone(),
            },
            outcome: Outcome {
                seq: row.seq,
                success,
                manual,
                next_attempt_at,
            },
        };
        if self.writes.send(Write::Outcome(finished)).is_err() {
            // The writer is gone (shutting down): the claim is released at the next start.
            self.release(&[row.webhook_id]);
        }
    }

    /// Gives back the slots of finished attempts and wakes the dispatcher.
    fn release(&self, webhook_ids: &[i64]) {
        if let Ok(mut map) = self.in_flight.lock() {
            for id in webhook_ids {
                if let Some(n) = map.get_mut(id) {
                    *n -= 1;
                    if *n == 0 {
                        map.remove(id);
                    }
                }
            }
        }
        self.total_in_flight
            .fetch_sub(webhook_ids.len(), Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Commits what arrives in batches, one transaction each: attempt outcomes (then releases
    /// their claims) and new deliveries (then tells each caller).
    async fn write(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Write>) {
        let mut batch = Vec::with_capacity(WRITE_BATCH);
        while rx.recv_many(&mut batch, WRITE_BATCH).await > 0 {
            let mut outcomes = Vec::new();
            let mut news = Vec::new();
            for write in batch.drain(..) {
                match write {
                    Write::Outcome(finished) => outcomes.push(finished),
                    Write::Deliveries(new) => news.push(new),
                }
            }
            let together = self.commit(&outcomes, &news).await;
            if let Err(error) = together {
                // Each event on its own, so that one that cannot be written fails alone; the
                // outcomes are retried until they are written.
                tracing::warn!(%error, "a group commit failed; writing one by one");
                let mut delay = Duration::from_millis(50);
                while let Err(error) = self.commit(&outcomes, &[]).await {
                    tracing::error!(%error, "recording attempts failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                for new in news.drain(..) {
                    let result = self.commit(&[], std::slice::from_ref(&new)).await;
                    let _ = new.committed.send(result);
                }
            }
            for new in news {
                let _ = new.committed.send(Ok(()));
            }
            if !outcomes.is_empty() {
                let ids: Vec<i64> = outcomes.iter().map(|f| f.webhook_id).collect();
                self.release(&ids);
            }
        }
    }

    async fn commit(&self, batch: &[Finished], news: &[NewDeliveries]) -> Result<(), sqlx::Error> {
        if batch.is_empty()
            && news
                .iter()
                .all(|n| n.inserts.is_empty() && n.legacy.is_empty())
        {
            return Ok(());
        }
        // A few multi-row statements per batch rather than a few per attempt: each statement
        // is a round trip to the connection's thread.
        let mut tx = self.db.writer.begin().await?;
        if !news.is_empty() {
            let inserts: Vec<&Insert> = news.iter().flat_map(|n| &n.inserts).collect();
            let legacy: Vec<&LegacyInsert> = news.iter().flat_map(|n| &n.legacy).collect();
            db::deliveries::insert_all(&mut tx, &inserts).await?;
            db::legacy::insert_deliveries(&mut tx, &legacy).await?;
        }
        if !batch.is_empty() {
            let attempts: Vec<&AttemptRow> = batch.iter().map(|f| &f.attempt).collect();
            let outcomes: Vec<Outcome> = batch.iter().map(|f| f.outcome.clone()).collect();
            db::attempts::insert_all(&mut tx, &attempts).await?;
            let headers: Vec<(&str, &str)> = batch
                .iter()
                .filter_map(|f| Some((f.attempt.id.as_str(), f.headers.as_deref()?)))
                .collect();
            db::attempt_headers::insert_all(&mut tx, &headers).await?;
            db::deliveries::finish_all(&mut tx, &outcomes).await?;
        }
        tx.commit().await
    }
}

impl EngineHandle {
    /// Stops claiming, waits up to `grace` for attempts in flight to be recorded, then stops.
    /// Attempts still unrecorded are made again at the next start.
    pub(crate) async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = self.dispatcher.await;
        let deadline = Instant::now() + grace;
        while self.engine.in_flight() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.writer.abort();
        let _ = self.writer.await;
    }
}
