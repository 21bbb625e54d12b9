//! Prometheus metrics for `GET /metrics`: deliveries by outcome, scheme and event type;
//! duplicates; rejections by reason; a latency histogram.

use std::time::Duration;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    outcome: &'static str,
    scheme: &'static str,
    event_type: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

/// The receiver's metrics. Label values come from fixed sets (event types outside Quo's
/// fourteen count as `unknown`), so the number of series is bounded.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    deliveries: Family<DeliveryLabels, Counter>,
    duplicates: Counter,
    rejections: Family<ReasonLabels, Counter>,
    latency: Histogram,
    store_records: Gauge,
    store_capacity: Gauge,
    store_evicted: Gauge,
    store_fill: Gauge<f64, std::sync::atomic::AtomicU64>,
    in_flight: Gauge,
}

/// The deduplication store's fill level, when it is in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreFill {
    pub(crate) records: usize,
    pub(crate) capacity: usize,
    pub(crate) evicted: u64,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("quo_webhooks");
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Deliveries answered, by outcome, signature scheme and event type",
            deliveries.clone(),
        );
        let duplicates = Counter::default();
        registry.register(
            "duplicates",
            "Deliveries of an already processed webhook, answered without processing",
            duplicates.clone(),
        );
        let rejections = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rejections",
            "Deliveries refused, by reason",
            rejections.clone(),
        );
        // 1 ms to about 16 s: verification alone is microseconds, forwarding can take seconds.
        let latency = Histogram::new([
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
        ]);
        registry.register(
            "delivery_duration_seconds",
            "Time from a delivery's arrival to its answer",
            latency.clone(),
        );
        let store_records = Gauge::default();
        registry.register(
            "store_records",
            "Delivery ids the in-memory deduplication store holds (in flight or completed)",
            store_records.clone(),
        );
        let store_capacity = Gauge::default();
        registry.register(
            "store_capacity",
            "Delivery ids the in-memory deduplication store can hold (--store-capacity)",
            store_capacity.clone(),
        );
        let store_fill = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "store_fill_ratio",
            "store_records / store_capacity; at 1 the oldest completed ids are evicted",
            store_fill.clone(),
        );
        let store_evicted = Gauge::default();
        registry.register(
            "store_evicted",
            "Completed delivery ids evicted before their retention ended, to make room; a retry of one would run again",
            store_evicted.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "deliveries_in_flight",
            "Deliveries being handed to the output now (at most --max-in-flight)",
            in_flight.clone(),
        );
        Self {
            registry,
            store_records,
            store_capacity,
            store_evicted,
            store_fill,
            in_flight,
            deliveries,
            duplicates,
            rejections,
            latency,
        }
    }

    pub(crate) fn record(
        &self,
        outcome: &'static str,
        scheme: &'static str,
        event_type: &str,
        rejection: Option<&'static str>,
        latency: Duration,
    ) {
        let event_type = match event_type.parse::<quo_webhooks::EventType>() {
            Ok(t) if !matches!(t, quo_webhooks::EventType::Unknown(_)) => t.to_string(),
            _ if event_type == "-" => "-".to_owned(),
            _ => "unknown".to_owned(),
        };
        self.deliveries
            .get_or_create(&DeliveryLabels {
                outcome,
                scheme,
                event_type,
            })
            .inc();
        if outcome == "duplicate" {
            self.duplicates.inc();
        }
        if let Some(reason) = rejection {
            self.rejections
                .get_or_create(&ReasonLabels { reason })
                .inc();
        }
        self.latency.observe(latency.as_secs_f64());
    }

    /// The OpenMetrics text exposition, which Prometheus reads, with the gauges read now.
    pub(crate) fn render_with(&self, store: Option<StoreFill>, in_flight: usize) -> String {
        if let Some(fill) = store {
            self.store_records.set(gauge(fill.records as u64));
            self.store_capacity.set(gauge(fill.capacity as u64));
            self.store_evicted.set(gauge(fill.evicted));
            let ratio = if fill.capacity == 0 {
                1.0
            } else {
                fill.records as f64 / fill.capacity as f64
            };
            self.store_fill.set(ratio);
        }
        self.in_flight.set(gauge(in_flight as u64));
        self.render()
    }

    /// The OpenMetrics text exposition, which Prometheus reads.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
