//! Delivers the `legacy_deliveries` queue: claims due rows, sends each signed with
//! `openphone-signature` through the engine's HTTP client, and records the outcome (done, or
//! due again on the retry schedule). A process that dies mid-attempt leaves the row claimed;
//! the next start releases it and the attempt is made again (at least once).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};
use jiff::SignedDuration;
use standard_webhooks::LegacySecret;
use tokio::sync::{Notify, watch};

use crate::clock::{Clock, to_ms};
use crate::config::Config;
use crate::db::{Db, legacy, legacy::LegacyClaimed};
use crate::engine::{Engine, USER_AGENT};
use crate::ids;

/// Rows claimed at once.
const CLAIM_BATCH: i64 = 64;
/// The longest the dispatcher sleeps without looking at the queue.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// The legacy dispatcher's shared state.
#[derive(Debug)]
pub(crate) struct LegacyDispatcher {
    db: Db,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
    engine: Arc<Engine>,
    wake: Notify,
    in_flight: AtomicUsize,
}

/// The running dispatcher's task.
#[derive(Debug)]
pub(crate) struct LegacyHandle {
    pub(crate) dispatcher: Arc<LegacyDispatcher>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl LegacyDispatcher {
    /// Starts the dispatcher's loop.
    pub(crate) fn start(
        db: Db,
        clock: Arc<dyn Clock>,
        config: Arc<Config>,
        engine: Arc<Engine>,
    ) -> LegacyHandle {
        let dispatcher = Arc::new(Self {
            db,
            clock,
            config,
            engine,
            wake: Notify::new(),
            in_flight: AtomicUsize::new(0),
        });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(Arc::clone(&dispatcher).run(stopped));
        LegacyHandle {
            dispatcher,
            stop,
            task,
        }
    }

    /// Makes the dispatcher look at the queue now.
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }

    /// Attempts in flight.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Whether a delivery is due at `now` (ms) or claimed and not yet recorded.
    pub(crate) async fn due(&self, now: i64) -> bool {
        matches!(legacy::next_due(&self.db.writer, true).await, Ok(Some(at)) if at <= now)
    }

    async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        loop {
            if *stopped.borrow() {
                return;
            }
            let now = to_ms(self.clock.now());
            match legacy::claim_due(&self.db.writer, now, CLAIM_BATCH).await {
                Ok(rows) => {
                    let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) == CLAIM_BATCH;
                    for row in rows {
                        self.in_flight.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(Arc::clone(&self).attempt(row));
                    }
                    if full {
                        continue;
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "claiming legacy deliveries failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
            let wait = match legacy::next_due(&self.db.writer, false).await {
                Ok(Some(at)) => {
                    let now = to_ms(self.clock.now());
                    Duration::from_millis(u64::try_from(at - now).unwrap_or(0)).min(MAX_IDLE)
                }
                Ok(None) => MAX_IDLE,
                Err(error) => {
                    tracing::error!(%error, "reading the legacy queue failed; retrying");
                    Duration::from_millis(200)
                }
            };
            if wait.is_zero() {
                // Due rows that are all claimed: wait for an attempt to finish.
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(Duration::from_millis(50)) => {}
                    _ = stopped.changed() => return,
                }
                continue;
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => return,
            }
        }
    }

    /// Makes one attempt and records it.
    async fn attempt(self: Arc<Self>, row: LegacyClaimed) {
        let status = match row.signing_key.parse::<LegacySecret>() {
            Ok(key) => {
                let ts = self.clock.wall().as_millisecond()
                    + self.config.faults.clock_skew_secs.saturating_mul(1000);
                let body = Bytes::from(row.payload.clone());
                let signature = key.sign(u64::try_from(ts).unwrap_or(0), &body);
                let mut headers = HeaderMap::new();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
                if let Ok(value) = HeaderValue::from_str(&signature) {
                    headers.insert("openphone-signature", value);
                }
                self.engine.post(&row.url, headers, body).await.0
            }
            Err(_) => 0,
        };
        let success = (200..300).contains(&status);
        let made = usize::try_from(row.attempts_made)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let next = if success {
            None
        } else {
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
        let outcome = match (success, next) {
            (true, _) => "success",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        tracing::info!(
            target: "quo_emulator::legacy",
            webhook = %row.webhook_id,
            event = %row.event_id,
            event_type = %row.event_type,
            url = %row.url,
            status,
            attempt = made,
            outcome,
            "legacy attempt"
        );
        // A few tries; if the store stays unreachable the row stays claimed and the attempt is
        // made again at the next start (at least once).
        let mut delay = Duration::from_millis(50);
        for _ in 0..8 {
            match legacy::finish(&self.db.writer, row.seq, outcome, status, next).await {
                Ok(()) => break,
                Err(error) => {
                    tracing::error!(%error, "recording a legacy attempt failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

impl LegacyHandle {
    /// Stops claiming and waits up to `grace` for attempts in flight to be recorded.
    pub(crate) async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let deadline = tokio::time::Instant::now() + grace;
        while self.dispatcher.in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
