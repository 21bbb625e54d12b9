//! Prometheus metrics for `GET /metrics`: deliveries by outcome, scheme and event type;
//! duplicates; rejections by reason; a latency histogram; and, while both webhook systems
//! deliver, the parity counts (what arrived through each system, and the twins).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric, text::encode},
    metrics::{
        MetricType,
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::{ConstGauge, Gauge},
        histogram::Histogram,
    },
    registry::Registry,
};
use quo_webhooks::{
    EventType,
    parity::{ParityChecker, ParityField, TypeSummary},
};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    outcome: &'static str,
    scheme: &'static str,
    event_type: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreErrorLabels {
    operation: &'static str,
    kind: &'static str,
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
    store_errors: Family<StoreErrorLabels, Counter>,
}

/// The deduplication store's fill level, when it is in memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreFill {
    pub(crate) records: usize,
    pub(crate) capacity: usize,
    pub(crate) evicted: u64,
}

impl Metrics {
    /// The metrics; with `parity`, also the counts of the checker that `serve` feeds while
    /// both webhook systems deliver.
    pub(crate) fn new(parity: Option<Arc<ParityChecker>>) -> Self {
        let mut registry = Registry::with_prefix("quo_webhooks");
        if let Some(checker) = parity {
            registry.register_collector(Box::new(ParityCollector(checker)));
        }
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
        let store_errors = Family::<StoreErrorLabels, Counter>::default();
        registry.register(
            "store_errors",
            "Deduplication store operations that failed, by operation (claim, complete, renew, release, health) and kind: timeout (no answer within the command timeout), unavailable (an error or no connection), full, abandoned (the layer's store timeout gave up first, or the request was cancelled)",
            store_errors.clone(),
        );
        Self {
            store_errors,
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

    /// A failed store operation.
    pub(crate) fn store_error(&self, operation: &'static str, kind: &'static str) {
        self.store_errors
            .get_or_create(&StoreErrorLabels { operation, kind })
            .inc();
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

/// The event type as a label: one of Quo's types, or `unknown`, so that series stay bounded.
fn event_type_label(event_type: &EventType) -> String {
    match event_type {
        EventType::Unknown(_) => "unknown".to_owned(),
        t => t.to_string(),
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct TypeLabels {
    event_type: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct SystemLabels {
    event_type: String,
    system: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct FieldLabels {
    event_type: String,
    field: &'static str,
}

/// Reads the parity checker's counts at each scrape. They are counts per event type (at most
/// [`ParityChecker::MAX_EVENT_TYPES`]); the checker's own memory is bounded by its entries.
#[derive(Debug)]
struct ParityCollector(Arc<ParityChecker>);

impl Collector for ParityCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let summary = self.0.summary();
        // Unknown types are merged under one label.
        let mut by_type: BTreeMap<String, TypeSummary> = BTreeMap::new();
        for (t, counts) in &summary.by_event_type {
            let row = by_type.entry(event_type_label(t)).or_default();
            row.seen_legacy += counts.seen_legacy;
            row.seen_new += counts.seen_new;
            row.paired += counts.paired;
            row.matched += counts.matched;
            row.mismatched += counts.mismatched;
            row.duplicates += counts.duplicates;
            row.unpaired_legacy += counts.unpaired_legacy;
            row.unpaired_new += counts.unpaired_new;
            for (field, f) in &counts.fields {
                let entry = row.fields.entry(*field).or_default();
                entry.mismatches += f.mismatches;
                entry.missing_in_legacy += f.missing_in_legacy;
                entry.missing_in_new += f.missing_in_new;
            }
        }

        let systems = |pick: fn(&TypeSummary) -> (u64, u64)| {
            by_type
                .iter()
                .flat_map(|(t, row)| {
                    let (legacy, new) = pick(row);
                    [
                        (
                            SystemLabels {
                                event_type: t.clone(),
                                system: "legacy",
                            },
                            legacy,
                        ),
                        (
                            SystemLabels {
                                event_type: t.clone(),
                                system: "new",
                            },
                            new,
                        ),
                    ]
                })
                .collect::<Vec<_>>()
        };
        let per_type = |pick: fn(&TypeSummary) -> u64| {
            by_type
                .iter()
                .map(|(t, row)| {
                    (
                        TypeLabels {
                            event_type: t.clone(),
                        },
                        pick(row),
                    )
                })
                .collect::<Vec<_>>()
        };
        counter_family(
            &mut encoder,
            "parity_arrived",
            "Verified deliveries that arrived, by event type and webhook system (legacy or new), retries included",
            systems(|r| (r.seen_legacy, r.seen_new)),
        )?;
        counter_family(
            &mut encoder,
            "parity_twins",
            "Business events that arrived through both webhook systems and were compared",
            per_type(|r| r.paired),
        )?;
        counter_family(
            &mut encoder,
            "parity_matched",
            "Twins whose mapped fields agree",
            per_type(|r| r.matched),
        )?;
        counter_family(
            &mut encoder,
            "parity_mismatched",
            "Twins that disagree on at least one mapped field",
            per_type(|r| r.mismatched),
        )?;
        counter_family(
            &mut encoder,
            "parity_duplicates",
            "Repeated deliveries of a business event through one system (retries)",
            per_type(|r| r.duplicates),
        )?;
        counter_family(
            &mut encoder,
            "parity_unpaired",
            "Business events forgotten (too old, or to make room) before their twin arrived through the other system, by the system that delivered them",
            systems(|r| (r.unpaired_legacy, r.unpaired_new)),
        )?;
        let fields: Vec<(FieldLabels, u64)> = by_type
            .iter()
            .flat_map(|(t, row)| {
                ParityField::ALL.iter().filter_map(|field| {
                    let n = row.fields.get(field)?.mismatches;
                    Some((
                        FieldLabels {
                            event_type: t.clone(),
                            field: field.as_str(),
                        },
                        n,
                    ))
                })
            })
            .collect();
        counter_family(
            &mut encoder,
            "parity_field_mismatches",
            "Twins whose values of one mapped field differ (the field in the new format)",
            fields,
        )?;
        let waiting = ConstGauge::new(gauge(summary.waiting as u64));
        waiting.encode(encoder.encode_descriptor(
            "parity_waiting",
            "Business events that arrived through one system so far, waiting for their twin",
            None,
            waiting.metric_type(),
        )?)?;
        let uncorrelated = ConstCounter::new(summary.uncorrelated);
        uncorrelated.encode(encoder.encode_descriptor(
            "parity_uncorrelated",
            "Deliveries with no id to pair them on, counted only",
            None,
            uncorrelated.metric_type(),
        )?)?;
        Ok(())
    }
}

fn counter_family<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    rows: Vec<(L, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, n) in &rows {
        ConstCounter::new(*n).encode(family.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauge(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
