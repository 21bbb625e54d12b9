//! `serve`: the verifying, deduplicating receiver.

use std::{net::SocketAddr, sync::Arc, time::Duration, time::Instant};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use quo_webhooks::parity::{ParityChecker, ParityLayer};
use serde_json::json;
use standard_webhooks::{Scheme, Verified};
use standard_webhooks_tower::{
    IdempotencyLayer, IdempotencyOutcome, IdempotencyStore, MemoryStore, RedisStore, Rejection,
    VerifiedBody, VerifyWebhookLayer,
};
use tower::ServiceBuilder;

use crate::{
    KeyArgs,
    client::{HttpClient, parse_http_url},
    keys,
    metrics::Metrics,
    observed_store::ObservedStore,
    parse_seconds, redact, server,
    sink::{RedisConnection, SharedSink, Sink, SinkError, StreamCommands, event_type},
};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR:PORT")]
    listen: SocketAddr,

    /// Path that receives deliveries.
    #[arg(long, default_value = "/webhooks")]
    path: String,

    #[command(flatten)]
    keys: KeyArgs,

    /// Deduplicate on this Redis (shared by every replica) instead of in memory. Needs Redis
    /// 7.0 or later; for exactly-once across a Redis restart, run it with `appendonly yes` and
    /// `appendfsync everysec` (a warning is printed at startup otherwise).
    #[arg(
        long,
        env = "REDIS_URL",
        value_name = "URL",
        conflicts_with = "redis_cluster",
        hide_env_values = true
    )]
    redis_url: Option<String>,

    /// Deduplicate on a Redis Cluster, given one or more of its nodes (comma-separated). Every
    /// primary must run Redis 7.0 or later (checked at startup).
    #[arg(long, value_name = "URL,...", value_delimiter = ',')]
    redis_cluster: Option<Vec<String>>,

    /// What makes two deliveries the same: the delivery id (`webhook-id`, or a legacy body's
    /// `id`), or the business event (type and resource id), which also merges the legacy and
    /// the new delivery of one event while both webhook systems run.
    #[arg(long, value_enum, default_value_t = DedupeOn::Delivery)]
    dedupe_on: DedupeOn,

    /// Prefix of the deduplication keys, so several receivers can share one Redis.
    #[arg(long, default_value = "quo")]
    namespace: String,

    /// Print events normalised to the new (2026-03-30) format, legacy ones included.
    #[arg(long, conflicts_with_all = ["forward_url", "redis_stream"])]
    normalize: bool,

    /// POST each verified body, unchanged, to this internal URL; the sender gets 2xx only
    /// after that service answered 2xx.
    #[arg(long, value_name = "URL", conflicts_with = "redis_stream")]
    forward_url: Option<String>,

    /// Time limit for the forward target's answer, in seconds (senders wait about 15).
    #[arg(long, default_value = "10", value_parser = parse_seconds, value_name = "SECONDS")]
    forward_timeout: Duration,

    /// XADD each verified delivery to this Redis stream (on --redis-url or --redis-cluster);
    /// the sender gets 2xx only after Redis accepted it.
    #[arg(long, value_name = "KEY")]
    redis_stream: Option<String>,

    /// Largest body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    body_limit: usize,

    /// How far a delivery's timestamp may be from this machine's clock, in seconds.
    #[arg(long, default_value = "300", value_parser = parse_seconds, value_name = "SECONDS")]
    tolerance: Duration,

    /// Process deliveries unchecked while the deduplication store is unreachable, instead of
    /// answering 503 (a retry may then be processed twice).
    #[arg(long)]
    fail_open: bool,

    /// Log line format (logs go to standard error; RUST_LOG filters them).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits that keep slow or hostile clients, a stalled consumer and a full store from taking
/// the receiver down. Durations take `ms`, `s`, `m` or `h` (bare numbers are seconds).
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Time for a request's head (request line and headers) to arrive; also how long a
    /// kept-alive HTTP/1 connection waits for its next request.
    #[arg(long, default_value = "10s", value_parser = crate::duration::parse, value_name = "DURATION")]
    header_timeout: Duration,

    /// Time for a request's whole body to arrive, once its head has.
    #[arg(long, default_value = "10s", value_parser = crate::duration::parse, value_name = "DURATION")]
    body_timeout: Duration,

    /// Close a connection that carried no traffic, with no request being answered, this long.
    #[arg(long, default_value = "60s", value_parser = crate::duration::parse, value_name = "DURATION")]
    idle_timeout: Duration,

    /// Connections served at once; one more is answered 503 with Retry-After and closed.
    #[arg(long, default_value_t = 512, value_name = "N")]
    max_connections: usize,

    /// Deliveries handed to the output at once (forward target, stream, standard output); one
    /// more is answered 503 with Retry-After, so the sender retries later.
    #[arg(long, default_value_t = 128, value_name = "N")]
    max_in_flight: usize,

    /// After SIGTERM or Ctrl-C, time for in-flight deliveries to finish before the process
    /// exits (senders wait about 15 s). A second signal exits at once.
    #[arg(long, default_value = "8s", value_parser = crate::duration::parse, value_name = "DURATION")]
    shutdown_grace: Duration,

    /// Delivery ids the in-memory store remembers. When full, the oldest completed ones are
    /// forgotten first (see /metrics); ids in flight never are.
    #[arg(long, default_value_t = MemoryStore::DEFAULT_MAX_RECORDS, value_name = "N")]
    store_capacity: usize,

    /// How long a processed delivery id is remembered, to answer the sender's retries as
    /// duplicates; longer than the sender's whole retry schedule.
    #[arg(long, default_value = "76h", value_parser = crate::duration::parse, value_name = "DURATION")]
    retention: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DedupeOn {
    /// The delivery id: retries of one delivery run once.
    Delivery,
    /// The business event: also merges a legacy and a new delivery of one event.
    Correlation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
struct AppState {
    sink: SharedSink,
    /// Deliveries handed to the sink at once.
    in_flight: Arc<tokio::sync::Semaphore>,
    max_in_flight: usize,
    store: Arc<dyn IdempotencyStore>,
    /// The in-memory store, for its fill level in /metrics.
    memory: Option<Arc<MemoryStore>>,
    store_kind: &'static str,
    stream: Option<RedisConnection>,
    metrics: Arc<Metrics>,
}

/// The event type of a delivery, put on its response by a layer inside verification so that
/// the outer metrics layer sees it, duplicates included.
#[derive(Debug, Clone)]
struct EventTypeLabel(String);

pub(crate) async fn run(args: ServeArgs) -> Result<(), String> {
    init_logging(args.log_format);
    if !args.path.starts_with('/') {
        return Err(format!("--path {:?} must start with '/'", args.path));
    }
    let (verifier, generated) = keys::verifier(&args.keys, args.tolerance)?;

    let mut memory = None;
    let (store, store_kind, stream_connection): (Arc<dyn IdempotencyStore>, _, _) = match (
        &args.redis_url,
        &args.redis_cluster,
    ) {
        (Some(url), _) => {
            let shown = redact::url(url);
            let hide = |e: &dyn std::fmt::Display| redact::text(&e.to_string(), &[url]);
            let store = RedisStore::open(url)
                .await
                .map_err(|e| format!("cannot reach Redis at {shown}: {}", hide(&e)))?;
            store
                .health()
                .await
                .map_err(|e| format!("cannot reach Redis at {shown}: {}", hide(&e)))?;
            match store.persistence_warning().await {
                Ok(Some(warning)) => tracing::warn!("{warning}"),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %hide(&e), "cannot read Redis's persistence settings")
                }
            }
            let connection = args.redis_stream.as_ref().map(|_| store.connection());
            (
                Arc::new(store) as Arc<dyn IdempotencyStore>,
                "redis",
                connection,
            )
        }
        (None, Some(urls)) => {
            let all: Vec<&str> = urls.iter().map(String::as_str).collect();
            let store = RedisStore::open_cluster(urls).await.map_err(|e| {
                let shown: Vec<String> = urls.iter().map(|u| redact::url(u)).collect();
                let e = redact::text(&e.to_string(), &all);
                format!("cannot reach the Redis Cluster at {}: {e}", shown.join(","))
            })?;
            store
                .health()
                .await
                .map_err(|e| format!("cannot reach the Redis Cluster: {e}"))?;
            let connection = args.redis_stream.as_ref().map(|_| store.connection());
            (
                Arc::new(store) as Arc<dyn IdempotencyStore>,
                "redis-cluster",
                connection,
            )
        }
        (None, None) => {
            let store = Arc::new(MemoryStore::new().with_max_records(args.limits.store_capacity));
            memory = Some(store.clone());
            (store as Arc<dyn IdempotencyStore>, "memory", None)
        }
    };

    let sink = match (&args.forward_url, &args.redis_stream) {
        (Some(url), _) => Sink::Forward {
            client: HttpClient::new(args.forward_timeout)?,
            url: parse_http_url(url)
                .map_err(|e| format!("--forward-url: {}", redact::text(&e, &[url])))?,
        },
        (None, Some(key)) => Sink::RedisStream {
            connection: stream_connection.clone().ok_or_else(|| {
                "--redis-stream needs a Redis: pass --redis-url or --redis-cluster".to_owned()
            })?,
            key: key.clone(),
        },
        (None, None) => Sink::stdout(args.normalize),
    };

    // Dual running (both systems' keys given): count what arrives through each system and
    // pair the twins, for /metrics and `migrate compare --serve-url`. The checker's memory is
    // bounded (its entries and their age); the metrics are counts per event type.
    let parity = (args.keys.secret.is_some() && args.keys.legacy_key.is_some())
        .then(|| Arc::new(ParityChecker::new()));

    // Store failures (a frozen or unreachable Redis) are counted for /metrics.
    let shared_metrics = Arc::new(Metrics::new(parity.clone()));
    let store: Arc<dyn IdempotencyStore> =
        Arc::new(ObservedStore::new(store, shared_metrics.clone()));

    let state = AppState {
        sink: Arc::new(sink),
        in_flight: Arc::new(tokio::sync::Semaphore::new(args.limits.max_in_flight)),
        max_in_flight: args.limits.max_in_flight,
        store: store.clone(),
        memory,
        store_kind,
        stream: stream_connection,
        metrics: shared_metrics,
    };

    // The lease is renewed while a delivery is handed on, so it outlives any forward timeout;
    // the handler runs to its end even if the sender hangs up, so that what it wrote (a line,
    // a stream entry, a forwarded request) is recorded as done and never written twice.
    let mut idempotency = IdempotencyLayer::from_arc(store)
        .namespace(args.namespace.clone())
        .retention(args.limits.retention)
        .run_to_completion(true)
        .fail_open(args.fail_open);
    if args.dedupe_on == DedupeOn::Correlation {
        idempotency = idempotency.key_fn(quo_webhooks::tower::correlation_key);
    }
    // The method router's `route_layer`: a GET on the path is answered 405, not 401 by
    // verification.
    let webhooks = Router::new()
        .route(
            &args.path,
            post(deliver).route_layer(
                ServiceBuilder::new()
                    .layer(VerifyWebhookLayer::new(verifier).body_limit(args.body_limit))
                    .layer(middleware::from_fn(label_event_type))
                    // Outside the idempotency layer, so that it sees the twin and the retries
                    // that layer answers itself.
                    .option_layer(parity.map(ParityLayer::new))
                    .layer(idempotency),
            ),
        )
        .layer(middleware::from_fn_with_state(state.clone(), observe));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(webhooks)
        .with_state(state.clone());

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    if let Some(secret) = generated {
        eprintln!(
            "no secret given (--secret or QUO_WEBHOOK_SECRET); generated one for this run:\n  {}",
            secret.to_whsec_string()
        );
    }
    eprintln!(
        "listening on http://{addr}{} (dedupe: {store_kind} on {}, output: {})",
        args.path,
        match args.dedupe_on {
            DedupeOn::Delivery => "delivery id",
            DedupeOn::Correlation => "business event",
        },
        state.sink.name()
    );
    let limits = server::Limits {
        header_timeout: args.limits.header_timeout,
        body_timeout: args.limits.body_timeout,
        idle_timeout: args.limits.idle_timeout,
        max_connections: args.limits.max_connections.max(1),
        shutdown_grace: args.limits.shutdown_grace,
    };
    let finished = server::serve(listener, app, limits)
        .await
        .map_err(|e| format!("server failed: {e}"))?;
    if finished {
        eprintln!("stopped: in-flight deliveries finished");
    } else {
        eprintln!(
            "stopped: the shutdown grace period ({:?}) ended with requests still open",
            args.limits.shutdown_grace
        );
    }
    Ok(())
}

/// Hands a verified delivery to the sink; only its success is answered with 2xx.
async fn deliver(
    State(state): State<AppState>,
    standard_webhooks_tower::extract::VerifiedDelivery(verified): standard_webhooks_tower::extract::VerifiedDelivery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Our own limit answers 503 with Retry-After (never 502, which blames the target).
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        tracing::warn!(
            id = verified.id(),
            "delivery refused: --max-in-flight deliveries already running"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            axum::Json(json!({
                "error": "busy",
                "message": "too many deliveries in flight; retry later",
            })),
        )
            .into_response();
    };
    match state.sink.deliver(&verified, &headers, &body).await {
        Ok(what) => (
            StatusCode::OK,
            axum::Json(json!({ "status": "processed", "message": what })),
        )
            .into_response(),
        Err(e) => {
            let (status, code, message) = match e {
                SinkError::NotAnEvent(m) => (StatusCode::UNPROCESSABLE_ENTITY, "not_an_event", m),
                SinkError::Downstream(m) => (StatusCode::BAD_GATEWAY, "forward_failed", m),
                SinkError::Unavailable(m) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "sink_unavailable", m)
                }
            };
            let message = state.sink.redact(&message);
            tracing::warn!(id = verified.id(), %message, "delivery not handed on");
            (
                status,
                axum::Json(json!({ "error": code, "message": message })),
            )
                .into_response()
        }
    }
}

/// Reads the verified body's event type and labels the response with it.
async fn label_event_type(req: Request, next: Next) -> Response {
    let label = req
        .extensions()
        .get::<VerifiedBody>()
        .and_then(|b| event_type(&b.0))
        .unwrap_or_else(|| "-".to_owned());
    let mut res = next.run(req).await;
    res.extensions_mut().insert(EventTypeLabel(label));
    res
}

/// One log line and one set of metrics per delivery.
async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    let latency = started.elapsed();
    let verified = res.extensions().get::<Verified<'static>>();
    let id = verified.and_then(|v| v.id()).unwrap_or("-");
    let scheme = verified.map_or("-", |v| scheme_label(v.scheme()));
    let event_type = res
        .extensions()
        .get::<EventTypeLabel>()
        .map_or("-", |l| l.0.as_str());
    let rejection = res.extensions().get::<Rejection>();
    let outcome = match (rejection, res.extensions().get::<IdempotencyOutcome>()) {
        (Some(Rejection::InFlight { .. }), _) => "in_flight",
        (Some(Rejection::StoreUnavailable { .. }), _) => "store_unavailable",
        (Some(_), _) => "rejected",
        (None, Some(IdempotencyOutcome::Processed)) => "processed",
        (None, Some(IdempotencyOutcome::Duplicate)) => "duplicate",
        (None, Some(IdempotencyOutcome::Released)) => "failed",
        (None, Some(IdempotencyOutcome::Unchecked)) if res.status().is_success() => "unchecked",
        (None, Some(IdempotencyOutcome::Unchecked)) => "failed",
        _ => "other",
    };
    let reason = rejection.map(Rejection::code);
    state
        .metrics
        .record(outcome, scheme, event_type, reason, latency);
    let status = res.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    match reason {
        Some(reason) => tracing::info!(
            id, scheme, event_type, outcome, reason, status, latency_ms, "delivery"
        ),
        None => tracing::info!(
            id, scheme, event_type, outcome, status, latency_ms, "delivery"
        ),
    }
    res
}

fn scheme_label(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::V1 => "v1",
        Scheme::V1a => "v1a",
        Scheme::Legacy => "legacy",
        _ => "other",
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    let limit = Duration::from_secs(2);
    let store = tokio::time::timeout(limit, state.store.health())
        .await
        .unwrap_or(Err(standard_webhooks_tower::store::StoreError::Timeout));
    let stream = match &state.stream {
        Some(c) => tokio::time::timeout(limit, c.ping())
            .await
            .map_err(|_| "timed out".to_owned())
            .and_then(|r| r.map_err(|e| e.to_string())),
        None => Ok(()),
    };
    let mut body = json!({ "store": state.store_kind, "sink": state.sink.name() });
    let status = match (&store, &stream) {
        (Ok(()), Ok(())) => {
            body["status"] = "ok".into();
            StatusCode::OK
        }
        _ => {
            body["status"] = "unavailable".into();
            if let Err(e) = &store {
                body["store_error"] = e.to_string().into();
            }
            if let Err(e) = &stream {
                body["sink_error"] = e.clone().into();
            }
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let fill = state.memory.as_ref().map(|m| crate::metrics::StoreFill {
        records: m.len(),
        capacity: m.max_records(),
        evicted: m.evicted(),
    });
    let in_flight = state
        .max_in_flight
        .saturating_sub(state.in_flight.available_permits());
    let mut res = Response::new(Body::from(state.metrics.render_with(fill, in_flight)));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        ),
    );
    res
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A subscriber may already be set (never in this binary); keep the first one then.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
