//! The migration's compare step: [`ParityChecker`].
//!
//! While a receiver gets each business event from both of Quo's webhook systems, feed every
//! event to one [`ParityChecker`]. It pairs the legacy and the new delivery of each business
//! event by [`CorrelationKey`], compares the fields the migration guide maps (text, sender and
//! recipients of messages, contact ids, deep link) and counts what it finds per event type and field, in a
//! [`summary`](ParityChecker::summary) you can query at any time. With the `tracing` feature it
//! also logs each disagreement (field names only, never values, which may be personal data)
//! and each event whose twin never came.
//!
//! In a tower or axum app, `ParityLayer` (feature `tower`) feeds a shared checker from the
//! verified deliveries themselves: see `QuoConfig::layer_with_parity` in the
//! [`preset`](crate::preset) module.
//!
//! Memory stays bounded: the checker remembers at most
//! [`max_entries`](ParityChecker::with_max_entries) keys, each for at most
//! [`max_age`](ParityChecker::with_max_age), evicting the oldest first. A key is remembered
//! after its pair was compared too, so that a retry arriving later counts as a duplicate and
//! not as a new unpaired event.
//!
//! # Examples
//!
//! ```
//! use quo_webhooks::parity::{Observation, ParityChecker, ParityField};
//! use quo_webhooks::{parse_any, samples, EventType};
//!
//! let checker = ParityChecker::new();
//! let legacy = parse_any(samples::LEGACY_V4_MESSAGE_RECEIVED.as_bytes())?;
//! let new = parse_any(samples::get(&EventType::MessageReceived).unwrap().as_bytes())?;
//!
//! assert!(matches!(checker.observe(&legacy), Observation::Waiting));
//! let Observation::Paired(report) = checker.observe(&new) else { panic!() };
//! assert!(report.is_match());
//!
//! let summary = checker.summary();
//! assert_eq!(summary.event_type(&EventType::MessageReceived).unwrap().matched, 1);
//! assert_eq!(summary.mismatches(&EventType::MessageReceived, ParityField::Text), 0);
//! # Ok::<(), quo_webhooks::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::{AnyEvent, CorrelationKey, Event, EventType};

#[cfg(feature = "tower")]
mod layer;
#[cfg(feature = "tower")]
pub use layer::{Parity, ParityLayer};

/// Which webhook system delivered an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// The legacy system (`v2`/`v3`/`v4` payloads).
    Legacy,
    /// The new system (`2026-03-30` payloads).
    New,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Legacy => "legacy",
            Self::New => "new",
        })
    }
}

/// A field the parity check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ParityField {
    /// `data.resource.text` (legacy `text` or `body`).
    Text,
    /// `data.context.senderIdentifier` (legacy `from`); messages only, since call contexts
    /// carry participants instead.
    Sender,
    /// `data.context.recipientIdentifiers` (legacy `to`), compared as a set; messages only.
    Recipients,
    /// `data.context.contacts.ids` (legacy `contactIds`), compared as a set.
    ContactIds,
    /// `data.links.quo` (legacy `deepLink`).
    DeepLink,
}

impl ParityField {
    /// Every compared field.
    pub const ALL: [ParityField; 5] = [
        ParityField::Text,
        ParityField::Sender,
        ParityField::Recipients,
        ParityField::ContactIds,
        ParityField::DeepLink,
    ];

    /// The field's path in the new format, such as `context.contacts.ids`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "resource.text",
            Self::Sender => "context.senderIdentifier",
            Self::Recipients => "context.recipientIdentifiers",
            Self::ContactIds => "context.contacts.ids",
            Self::DeepLink => "links.quo",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Text => 0,
            Self::Sender => 1,
            Self::Recipients => 2,
            Self::ContactIds => 3,
            Self::DeepLink => 4,
        }
    }
}

impl fmt::Display for ParityField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one field differs between the two deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Difference {
    /// Both deliveries carry the field, with different values.
    Mismatch,
    /// Only the new delivery carries it (the legacy payload often lacks fields: not an error
    /// in itself).
    MissingInLegacy,
    /// Only the legacy delivery carries it.
    MissingInNew,
}

/// One field that differs, with both values (lists as sorted, comma-joined text).
///
/// Its `Debug` shows the values' lengths only: they are message text and phone numbers.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldDiff {
    /// The field.
    pub field: ParityField,
    /// How it differs.
    pub difference: Difference,
    /// The legacy delivery's value.
    pub legacy: Option<String>,
    /// The new delivery's value.
    pub new: Option<String>,
}

/// The outcome of comparing the two deliveries of one business event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParityReport {
    /// The business event.
    pub key: CorrelationKey,
    /// Every field that differs, mismatched or missing on one side.
    pub diffs: Vec<FieldDiff>,
}

impl ParityReport {
    /// Whether no field is mismatched (fields missing on one side do not count).
    #[must_use]
    pub fn is_match(&self) -> bool {
        self.mismatches().next().is_none()
    }

    /// The mismatched fields.
    pub fn mismatches(&self) -> impl Iterator<Item = &FieldDiff> {
        self.diffs
            .iter()
            .filter(|d| d.difference == Difference::Mismatch)
    }
}

/// What [`ParityChecker::observe`] did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// The first delivery of its business event: remembered until its twin comes.
    Waiting,
    /// The second delivery: both were compared.
    Paired(ParityReport),
    /// This system already delivered this business event (a retry), or the pair was already
    /// compared.
    Duplicate,
    /// The event carries no id to correlate on; it was only counted.
    Uncorrelated,
}

/// Compares the mapped fields of the legacy (normalised) and the new delivery of one business
/// event. Lists (recipients, contact ids) are compared as sets.
#[must_use]
pub fn compare(legacy: &Event, new: &Event) -> Vec<FieldDiff> {
    Projection::of(legacy).diff(&Projection::of(new))
}

impl fmt::Debug for FieldDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldDiff")
            .field("field", &self.field)
            .field("difference", &self.difference)
            .field("legacy", &Redacted(self.legacy.as_deref()))
            .field("new", &Redacted(self.new.as_deref()))
            .finish()
    }
}

/// Personal data in `Debug`: whether there is a value, and its length, never the value.
struct Redacted<'a>(Option<&'a str>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(v) => write!(f, "<{} chars>", v.chars().count()),
            None => f.write_str("None"),
        }
    }
}

/// The compared fields of one delivery, in canonical form (lists sorted and comma-joined).
#[derive(Clone, Default)]
struct Projection([Option<String>; 5]);

impl fmt::Debug for Projection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|v| Redacted(v.as_deref())))
            .finish()
    }
}

impl Projection {
    fn of(event: &Event) -> Self {
        let set = |items: Option<&[String]>| {
            items.map(|items| {
                let mut items: Vec<&str> = items.iter().map(|s| s.trim()).collect();
                items.sort_unstable();
                items.dedup();
                items.join(",")
            })
        };
        let mut values: [Option<String>; 5] = Default::default();
        values[ParityField::Text.index()] = event.text().map(str::to_owned);
        values[ParityField::Sender.index()] = event.sender().map(str::to_owned);
        values[ParityField::Recipients.index()] = set(event.recipients());
        values[ParityField::ContactIds.index()] = set(event.contact_ids());
        values[ParityField::DeepLink.index()] = event.deep_link().map(str::to_owned);
        Self(values)
    }

    fn diff(&self, new: &Self) -> Vec<FieldDiff> {
        ParityField::ALL
            .iter()
            .filter_map(|&field| {
                let (legacy, new) = (&self.0[field.index()], &new.0[field.index()]);
                let difference = match (legacy, new) {
                    (Some(l), Some(n)) if l != n => Difference::Mismatch,
                    (Some(_), None) => Difference::MissingInNew,
                    (None, Some(_)) => Difference::MissingInLegacy,
                    _ => return None,
                };
                Some(FieldDiff {
                    field,
                    difference,
                    legacy: legacy.clone(),
                    new: new.clone(),
                })
            })
            .collect()
    }
}

/// Counts for one field of one event type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSummary {
    /// Pairs whose values differed.
    pub mismatches: u64,
    /// Pairs where only the new delivery had the field.
    pub missing_in_legacy: u64,
    /// Pairs where only the legacy delivery had the field.
    pub missing_in_new: u64,
}

/// Counts for one event type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeSummary {
    /// Events observed from the legacy system, duplicates included.
    pub seen_legacy: u64,
    /// Events observed from the new system, duplicates included.
    pub seen_new: u64,
    /// Business events seen from both systems and compared.
    pub paired: u64,
    /// Compared pairs with no mismatched field.
    pub matched: u64,
    /// Compared pairs with at least one mismatched field.
    pub mismatched: u64,
    /// Repeated deliveries (retries, or a third delivery after the pair).
    pub duplicates: u64,
    /// Legacy events forgotten (too old, or to make room) before their new twin came.
    pub unpaired_legacy: u64,
    /// New events forgotten before their legacy twin came.
    pub unpaired_new: u64,
    /// Per-field counts; a field that never differed has no entry.
    pub fields: BTreeMap<ParityField, FieldSummary>,
}

/// A snapshot of a [`ParityChecker`]'s counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParitySummary {
    /// Events held now, waiting for their twin.
    pub waiting: usize,
    /// Events with no id to correlate on.
    pub uncorrelated: u64,
    /// Counts per event type. At most [`ParityChecker::MAX_EVENT_TYPES`] entries: further
    /// (unknown) types are counted together under `Unknown("*")`.
    pub by_event_type: BTreeMap<EventType, TypeSummary>,
}

impl ParitySummary {
    /// The counts of one event type, if any event of it was seen.
    #[must_use]
    pub fn event_type(&self, event_type: &EventType) -> Option<&TypeSummary> {
        self.by_event_type.get(event_type)
    }

    /// How many compared pairs of `event_type` disagreed on `field`.
    #[must_use]
    pub fn mismatches(&self, event_type: &EventType, field: ParityField) -> u64 {
        self.event_type(event_type)
            .and_then(|t| t.fields.get(&field))
            .map_or(0, |f| f.mismatches)
    }

    /// Compared pairs, over all event types.
    #[must_use]
    pub fn paired(&self) -> u64 {
        self.by_event_type.values().map(|t| t.paired).sum()
    }

    /// Compared pairs with at least one mismatched field, over all event types.
    #[must_use]
    pub fn mismatched(&self) -> u64 {
        self.by_event_type.values().map(|t| t.mismatched).sum()
    }
}

#[derive(Debug)]
enum Entry {
    Waiting {
        source: Source,
        projection: Projection,
    },
    Compared,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<CorrelationKey, Entry>,
    order: VecDeque<(Instant, CorrelationKey)>,
    waiting: usize,
    uncorrelated: u64,
    by_event_type: BTreeMap<EventType, TypeSummary>,
}

impl Inner {
    fn counts(&mut self, event_type: &EventType) -> &mut TypeSummary {
        let key = if self.by_event_type.contains_key(event_type)
            || self.by_event_type.len() < ParityChecker::MAX_EVENT_TYPES - 1
        {
            event_type.clone()
        } else {
            EventType::Unknown("*".to_owned())
        };
        self.by_event_type.entry(key).or_default()
    }

    /// Forgets the oldest entry; counts it if it was still waiting.
    fn evict_oldest(&mut self, reason: &'static str) {
        let Some((_, key)) = self.order.pop_front() else {
            return;
        };
        if let Some(Entry::Waiting { source, .. }) = self.entries.remove(&key) {
            self.waiting = self.waiting.saturating_sub(1);
            let counts = self.counts(key.event_type());
            match source {
                Source::Legacy => counts.unpaired_legacy += 1,
                Source::New => counts.unpaired_new += 1,
            }
            #[cfg(feature = "tracing")]
            tracing::info!(
                target: "quo_webhooks::parity",
                key = %key,
                source = %source,
                reason,
                "event never seen from the other webhook system"
            );
            #[cfg(not(feature = "tracing"))]
            let _ = reason;
        }
    }
}

/// Pairs the legacy and the new delivery of each business event and compares them; see the
/// [module docs](self).
///
/// All methods take `&self` and lock briefly: share one checker between request handlers
/// (for example in an `Arc`). A panic while the lock is held does not poison the checker.
pub struct ParityChecker {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_age: Duration,
}

/// Counts and settings only: the events it holds carry message text and phone numbers.
impl fmt::Debug for ParityChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (entries, waiting) = {
            let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            (inner.entries.len(), inner.waiting)
        };
        f.debug_struct("ParityChecker")
            .field("entries", &entries)
            .field("waiting", &waiting)
            .field("max_entries", &self.max_entries)
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl Default for ParityChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl ParityChecker {
    /// Default for [`with_max_entries`](Self::with_max_entries).
    pub const DEFAULT_MAX_ENTRIES: usize = 10_000;
    /// Default for [`with_max_age`](Self::with_max_age): 15 minutes.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(15 * 60);
    /// The most event types the summary counts apart.
    pub const MAX_EVENT_TYPES: usize = 64;

    /// A checker with the default bounds.
    #[must_use]
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_entries: Self::DEFAULT_MAX_ENTRIES,
            max_age: Self::DEFAULT_MAX_AGE,
        }
    }

    /// Remember at most `max_entries` business events (at least 1); when full, the oldest is
    /// forgotten first.
    #[must_use]
    pub fn with_max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries.max(1);
        self
    }

    /// Forget a business event this long after its first delivery. Set it above the longest
    /// delay you expect between the two systems' deliveries of one event (retries included).
    #[must_use]
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The bound on remembered business events.
    #[must_use]
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// How long a business event is remembered.
    #[must_use]
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Observes an event in either format, now.
    pub fn observe(&self, event: &AnyEvent) -> Observation {
        self.observe_at(event, Instant::now())
    }

    /// Observes an event in either format, at `now` (for tests and replays; keep it
    /// non-decreasing).
    pub fn observe_at(&self, event: &AnyEvent, now: Instant) -> Observation {
        let source = if event.is_legacy() {
            Source::Legacy
        } else {
            Source::New
        };
        self.observe_event_at(source, &event.normalized(), now)
    }

    /// Observes a new-format event (a legacy one already [normalised](crate::normalize)) that
    /// `source` delivered, now.
    pub fn observe_event(&self, source: Source, event: &Event) -> Observation {
        self.observe_event_at(source, event, Instant::now())
    }

    /// Observes a new-format event that `source` delivered, at `now`.
    pub fn observe_event_at(&self, source: Source, event: &Event, now: Instant) -> Observation {
        let key = event.correlation_key();
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let inner = &mut *guard;
        while inner
            .order
            .front()
            .is_some_and(|(seen, _)| now.saturating_duration_since(*seen) >= self.max_age)
        {
            inner.evict_oldest("expired");
        }

        let Some(key) = key else {
            inner.uncorrelated += 1;
            let counts = inner.counts(&event.event_type);
            match source {
                Source::Legacy => counts.seen_legacy += 1,
                Source::New => counts.seen_new += 1,
            }
            return Observation::Uncorrelated;
        };
        {
            let counts = inner.counts(key.event_type());
            match source {
                Source::Legacy => counts.seen_legacy += 1,
                Source::New => counts.seen_new += 1,
            }
        }

        match inner.entries.get_mut(&key) {
            None => {
                while inner.entries.len() >= self.max_entries && !inner.order.is_empty() {
                    inner.evict_oldest("capacity");
                }
                inner.entries.insert(
                    key.clone(),
                    Entry::Waiting {
                        source,
                        projection: Projection::of(event),
                    },
                );
                inner.order.push_back((now, key));
                inner.waiting += 1;
                Observation::Waiting
            }
            Some(Entry::Waiting { source: first, .. }) if *first == source => {
                inner.counts(key.event_type()).duplicates += 1;
                Observation::Duplicate
            }
            Some(Entry::Compared) => {
                inner.counts(key.event_type()).duplicates += 1;
                Observation::Duplicate
            }
            Some(entry) => {
                let Entry::Waiting {
                    projection: first, ..
                } = std::mem::replace(entry, Entry::Compared)
                else {
                    return Observation::Duplicate;
                };
                inner.waiting = inner.waiting.saturating_sub(1);
                let this = Projection::of(event);
                let diffs = match source {
                    Source::New => first.diff(&this),
                    Source::Legacy => this.diff(&first),
                };
                let report = ParityReport { key, diffs };
                Self::count(inner, &report);
                Observation::Paired(report)
            }
        }
    }

    fn count(inner: &mut Inner, report: &ParityReport) {
        let counts = inner.counts(report.key.event_type());
        counts.paired += 1;
        if report.is_match() {
            counts.matched += 1;
        } else {
            counts.mismatched += 1;
        }
        for diff in &report.diffs {
            let field = counts.fields.entry(diff.field).or_default();
            match diff.difference {
                Difference::Mismatch => field.mismatches += 1,
                Difference::MissingInLegacy => field.missing_in_legacy += 1,
                Difference::MissingInNew => field.missing_in_new += 1,
            }
        }
        #[cfg(feature = "tracing")]
        if !report.is_match() {
            let fields: Vec<&str> = report.mismatches().map(|d| d.field.as_str()).collect();
            tracing::warn!(
                target: "quo_webhooks::parity",
                key = %report.key,
                event_type = %report.key.event_type(),
                fields = %fields.join(","),
                "legacy and new webhook deliveries disagree"
            );
        }
    }

    /// A snapshot of the counts so far.
    #[must_use]
    pub fn summary(&self) -> ParitySummary {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        ParitySummary {
            waiting: inner.waiting,
            uncorrelated: inner.uncorrelated,
            by_event_type: inner.by_event_type.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(id: &str, text: &str, legacy: bool) -> AnyEvent {
        let value = if legacy {
            json!({ "id": "EVl", "object": "event", "apiVersion": "v4", "type": "message.received",
                "data": { "object": { "id": id, "text": text, "from": "+1", "to": ["+2"] } } })
        } else {
            json!({ "id": "EVn", "apiVersion": "2026-03-30", "type": "message.received",
                "data": { "resource": { "id": id, "text": text },
                    "context": { "senderIdentifier": "+1", "recipientIdentifiers": ["+2"] },
                    "links": { "quo": null } } })
        };
        AnyEvent::from_value(value).unwrap()
    }

    #[test]
    fn pairs_in_either_order() {
        let checker = ParityChecker::new();
        assert_eq!(
            checker.observe(&message("AC1", "hi", false)),
            Observation::Waiting
        );
        let Observation::Paired(report) = checker.observe(&message("AC1", "hi", true)) else {
            panic!()
        };
        assert!(report.is_match());
        assert!(report.diffs.is_empty(), "{report:?}");
    }

    #[test]
    fn diff_sides_are_legacy_then_new_whoever_came_first() {
        let checker = ParityChecker::new();
        checker.observe(&message("AC1", "new", false));
        let Observation::Paired(report) = checker.observe(&message("AC1", "old", true)) else {
            panic!()
        };
        let diff = report.mismatches().next().unwrap();
        assert_eq!(diff.legacy.as_deref(), Some("old"));
        assert_eq!(diff.new.as_deref(), Some("new"));
    }

    #[test]
    fn sets_compare_regardless_of_order() {
        let mut a = Projection::default();
        a.0[ParityField::Recipients.index()] = Some("+1,+2".into());
        let mut b = Projection::default();
        b.0[ParityField::Recipients.index()] = Some("+1,+2".into());
        assert!(a.diff(&b).is_empty());
    }

    #[test]
    fn summary_caps_distinct_event_types() {
        let checker = ParityChecker::new();
        for i in 0..100 {
            let event = AnyEvent::from_value(json!({ "id": "E", "type": format!("x.{i}"),
                "data": { "resource": { "id": "R" } } }))
            .unwrap();
            checker.observe(&event);
        }
        let summary = checker.summary();
        assert_eq!(summary.by_event_type.len(), ParityChecker::MAX_EVENT_TYPES);
        assert!(
            summary
                .event_type(&EventType::Unknown("*".into()))
                .is_some()
        );
    }
}
