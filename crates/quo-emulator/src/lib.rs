#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod config;
mod db;
mod engine;
mod error;
mod ids;
mod legacy;
mod payload;
mod routes;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use quo_api::{CreatedWebhook, Delivery, DeliveryFilter, DeliveryId, NewWebhook, WebhookId};
use tokio::sync::oneshot;

pub use clock::{Clock, SystemClock, VirtualClock};
pub use config::{Config, DbLocation, Faults};
pub use engine::USER_AGENT;
pub use error::Error;
/// The API key type, defined once in `quo-api` and shared with the client.
pub use quo_api::ApiKey;
pub use routes::emulator::{System, TriggerRequest, TriggeredDelivery, TriggeredEvent};

use routes::{AppState, SharedState, TokenBucket};

/// Sets up an [`Emulator`].
#[derive(Debug)]
pub struct EmulatorBuilder {
    config: Config,
    api_key: Option<String>,
    listen: SocketAddr,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            config: Config::default(),
            api_key: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl EmulatorBuilder {
    /// Starts from `config` (its key, schedule, store and limits).
    #[must_use]
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The API key clients must send (a random one otherwise).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The delays of the retries after the first attempt (Svix's by default).
    #[must_use]
    pub fn retry_schedule(mut self, schedule: impl IntoIterator<Item = Duration>) -> Self {
        self.config.retry_schedule = schedule.into_iter().collect();
        self
    }

    /// Retries exactly on schedule, without ±20% jitter.
    #[must_use]
    pub fn no_jitter(mut self) -> Self {
        self.config.jitter = false;
        self
    }

    /// How long one attempt may take (15 s by default).
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = timeout;
        self
    }

    /// How long the old key still signs after a rotation (24 h by default).
    #[must_use]
    pub fn rotation_grace(mut self, grace: Duration) -> Self {
        self.config.rotation_grace = grace;
        self
    }

    /// Requests per second per key on Quo's endpoints (10 by default); 0 turns it off.
    #[must_use]
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.config.rate_limit = per_second;
        self
    }

    /// The largest request body, in bytes.
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The store: `:memory:` (the default) or a SQLite file path.
    #[must_use]
    pub fn db(mut self, location: &str) -> Self {
        self.config.db = DbLocation::parse(location);
        self
    }

    /// Attempts in flight at once to one webhook.
    #[must_use]
    pub fn per_endpoint_concurrency(mut self, n: usize) -> Self {
        self.config.per_endpoint_concurrency = n;
        self
    }

    /// Attempts in flight at once over all webhooks.
    #[must_use]
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.config.max_in_flight = n;
        self
    }

    /// Fault injection (all off by default).
    #[must_use]
    pub fn faults(mut self, faults: Faults) -> Self {
        self.config.faults = faults;
        self
    }

    /// The address [`start`](Self::start) listens on (`127.0.0.1:0`, a free port, by
    /// default).
    #[must_use]
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Opens the store and starts the delivery engine, without a socket: use
    /// [`Emulator::router`] to serve requests in process.
    ///
    /// # Errors
    ///
    /// An invalid API key, or a store that cannot be opened or migrated.
    pub async fn build(mut self) -> Result<Emulator, Error> {
        if let Some(key) = self.api_key.take() {
            self.config.api_key = ApiKey::new(key).map_err(|e| Error::Config(e.to_string()))?;
        }
        let db = db::Db::open(&self.config.db).await?;
        let virtual_clock = Arc::new(VirtualClock::new());
        // The offset of the last run on this file: its queue's due times are in that time.
        let offset = db::clock_offset(&db.writer).await?;
        virtual_clock.advance(Duration::from_millis(u64::try_from(offset).unwrap_or(0)));
        let clock: Arc<dyn Clock> = virtual_clock.clone();
        let config = Arc::new(self.config);
        let engine = engine::Engine::start(db.clone(), Arc::clone(&clock), Arc::clone(&config));
        let legacy = legacy::LegacyDispatcher::start(
            db.clone(),
            Arc::clone(&clock),
            Arc::clone(&config),
            Arc::clone(&engine.engine),
        );
        let state = Arc::new(AppState {
            db,
            clock,
            virtual_clock,
            limiter: Mutex::new(TokenBucket::new(config.rate_limit)),
            config,
            engine: Arc::clone(&engine.engine),
            legacy: Arc::clone(&legacy.dispatcher),
        });
        Ok(Emulator {
            state,
            engine: Some(engine),
            legacy: Some(legacy),
            addr: None,
            server: None,
        })
    }

    /// [`build`](Self::build)s the emulator and serves it on the listen address.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), and when the address cannot be bound.
    pub async fn start(self) -> Result<Emulator, Error> {
        let listen = self.listen;
        let mut emulator = self.build().await?;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        emulator.addr = Some(listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let app = emulator.router();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "the API server stopped");
            }
        });
        emulator.server = Some((task, stop));
        Ok(emulator)
    }
}

/// A running emulator: Quo's webhook API, its delivery engine and its store.
///
/// See the [crate documentation](crate) for an example.
#[derive(Debug)]
pub struct Emulator {
    state: SharedState,
    engine: Option<engine::EngineHandle>,
    legacy: Option<legacy::LegacyHandle>,
    addr: Option<SocketAddr>,
    server: Option<(tokio::task::JoinHandle<()>, oneshot::Sender<()>)>,
}

impl Emulator {
    /// Sets one up.
    #[must_use]
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The address it listens on; `None` for one made with [`EmulatorBuilder::build`].
    #[must_use]
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// `http://ADDR` of the API (`http://localhost` when it has no socket, for building
    /// requests to hand to [`router`](Self::router)).
    #[must_use]
    pub fn base_url(&self) -> String {
        self.addr.map_or_else(
            || "http://localhost".to_owned(),
            |addr| format!("http://{addr}"),
        )
    }

    /// The key clients must send as `Authorization`.
    #[must_use]
    pub fn api_key(&self) -> &ApiKey {
        &self.state.config.api_key
    }

    /// The emulator's settings.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.state.config
    }

    /// The API as an axum [`Router`] (a tower `Service`), to call without a socket.
    pub fn router(&self) -> Router {
        routes::router(Arc::clone(&self.state))
    }

    /// The emulator's current time (real time plus every [`advance`](Self::advance)).
    #[must_use]
    pub fn now(&self) -> jiff::Timestamp {
        self.state.clock.now()
    }

    /// Moves the virtual clock `by` forward and waits until every attempt that fell due has
    /// been made and recorded. Signatures keep using real time.
    pub async fn advance(&self, by: Duration) {
        routes::emulator::advance_clock(&self.state, by).await;
    }

    /// Waits until every attempt due now has been made and recorded (at most `limit`).
    pub async fn settle(&self, limit: Duration) {
        routes::emulator::settle(&self.state, limit).await;
    }

    /// Makes an event happen, as `POST /emulator/events` does.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] with Quo's error body for an invalid request.
    pub async fn trigger(&self, request: TriggerRequest) -> Result<TriggeredEvent, Error> {
        Ok(routes::emulator::trigger_event(&self.state, &request).await?)
    }

    /// Creates a webhook, as `POST /webhooks` does, and returns it with its key.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] with Quo's error body for an invalid webhook.
    pub async fn create_webhook(&self, webhook: NewWebhook) -> Result<CreatedWebhook, Error> {
        let value = serde_json::to_value(&webhook).map_err(|e| Error::Config(e.to_string()))?;
        let new = routes::webhooks::validate_new(value)?;
        Ok(routes::webhooks::create_webhook(&self.state, new, quo_api::API_VERSION).await?)
    }

    /// Every delivery of a webhook, newest first, each with its attempts.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] (404) for an unknown webhook.
    pub async fn deliveries(&self, webhook_id: &WebhookId) -> Result<Vec<Delivery>, Error> {
        let id = routes::webhooks::parse_webhook_id(webhook_id.as_str())?;
        let mut out = Vec::new();
        let mut filter = DeliveryFilter::new().limit(50);
        loop {
            let page = routes::deliveries::list_page(&self.state, id, &filter).await?;
            for summary in &page.data {
                out.push(routes::deliveries::detail(&self.state, id, summary.id.as_str()).await?);
            }
            match page.next_cursor {
                Some(cursor) => filter = filter.after(cursor),
                None => return Ok(out),
            }
        }
    }

    /// One delivery with its attempts.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] (404) for an unknown webhook or delivery.
    pub async fn delivery(
        &self,
        webhook_id: &WebhookId,
        delivery_id: &DeliveryId,
    ) -> Result<Delivery, Error> {
        let id = routes::webhooks::parse_webhook_id(webhook_id.as_str())?;
        Ok(routes::deliveries::detail(&self.state, id, delivery_id.as_str()).await?)
    }

    /// How many deliveries the store holds, and how many of them wait for an attempt.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn delivery_counts(&self) -> Result<(u64, u64), Error> {
        let (all, waiting) = db::deliveries::counts(&self.state.db.reader).await?;
        Ok((
            u64::try_from(all).unwrap_or(0),
            u64::try_from(waiting).unwrap_or(0),
        ))
    }

    /// How many legacy deliveries the store holds, by status (`pending`, `success`,
    /// `failed`). The legacy system has no delivery history; this is the emulator's own view.
    ///
    /// # Errors
    ///
    /// When the store cannot be read.
    pub async fn legacy_delivery_counts(&self) -> Result<Vec<(String, u64)>, Error> {
        let rows = db::legacy::counts(&self.state.db.reader).await?;
        Ok(rows
            .into_iter()
            .map(|(status, n)| (status, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// Stops serving, lets attempts in flight finish (up to the attempt timeout), and closes
    /// the store. Anything not finished is attempted again by the next emulator on the same
    /// file.
    pub async fn shutdown(mut self) {
        if let Some((task, stop)) = self.server.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
        if let Some(legacy) = self.legacy.take() {
            legacy.shutdown(self.state.config.attempt_timeout).await;
        }
        if let Some(engine) = self.engine.take() {
            engine.shutdown(self.state.config.attempt_timeout).await;
        }
        self.state.db.close().await;
    }
}
