//! Correlation: one business event, whichever system delivered it, and the idempotency key
//! that makes its side effect happen once while both systems deliver.
//!
//! During the migration Quo delivers each business event twice: once through the legacy
//! system (`openphone-signature`, a `v2`/`v3`/`v4` payload) and once through the new one
//! (Standard Webhooks, a `2026-03-30` payload). The two deliveries have different envelope ids
//! (`EV...`) and different delivery ids, so the idempotency layer's default key (the
//! `webhook-id`) cannot tell that they are one event. Their *business fields* can.
//!
//! - [`CorrelationKey`] names a business event: its (new-format) type, the id of its subject
//!   (the resource id, which for a recording is the call's; the `callId` of summaries,
//!   transcripts and voicemails) and,
//!   for events that can recur for one subject, the subject's `updatedAt`.
//! - [`DedupeRule`] says, per event type, whether deliveries may be merged on that key, and
//!   [`CorrelationRules`] holds the rules (the defaults below, or your own).
//! - [`DedupeKey`] is the idempotency key that results: the correlation key when the rules
//!   allow it, else the delivery's own id.
//! - `tower::correlation_key` (feature `tower`) is the key function for the tower crate's
//!   `IdempotencyLayer::key_fn`, with the default rules; `CorrelationRules::into_key_fn` gives
//!   one with yours.
//!
//! # Why not just the type and the resource id
//!
//! Merging two deliveries on one key means the second one's handler never runs. That is right
//! for the legacy and the new delivery of one event, and for retries of one delivery; it is a
//! silent loss when two *different* events share the key. Some event types legitimately recur
//! for one subject: `contact.updated` fires on every change of a contact, and a message's
//! delivery status can change more than once. For those the key also carries the subject's
//! `updatedAt` (parsed, so that `…Z` and `…+00:00`, or `.5` and `.500`, agree), which differs
//! between two changes and is the same in both systems' copies of one change. When the
//! timestamp is missing or unreadable, the delivery is deduplicated on its own id instead: it
//! may then run once per system during dual running, but it can never swallow another event.
//!
//! # The default rules
//!
//! | event type | rule | key | why |
//! |---|---|---|---|
//! | `message.received` | [`Once`](DedupeRule::Once) | type, message id | a message arrives once |
//! | `message.delivered` | [`Versioned`](DedupeRule::Versioned) | type, message id, `updatedAt` | a status change; Quo does not promise one per message |
//! | `message.failed` | [`Versioned`](DedupeRule::Versioned) | type, message id, `updatedAt` | a retried message can fail again |
//! | `call.ringing` | [`Once`](DedupeRule::Once) | type, call id | a call's first state |
//! | `call.answered` | [`Versioned`](DedupeRule::Versioned) | type, call id, `updatedAt` | a transferred call may be answered again |
//! | `call.completed` | [`Once`](DedupeRule::Once) | type, call id | a final state |
//! | `call.forwarded` | [`Versioned`](DedupeRule::Versioned) | type, call id, `updatedAt` | whether a call can be forwarded twice is not documented |
//! | `call.missed` | [`Once`](DedupeRule::Once) | type, call id | a final state |
//! | `call.recording.completed` | [`PerDelivery`](DedupeRule::PerDelivery) | delivery id | a call can have several recordings; both systems' events carry the call (`id`), not one recording, so nothing both send tells two recordings apart |
//! | `call.summary.completed` | [`Once`](DedupeRule::Once) | type, call id | one summary per call |
//! | `call.transcript.completed` | [`Once`](DedupeRule::Once) | type, call id | one transcript per call |
//! | `call.voicemail.completed` | [`Once`](DedupeRule::Once) | type, call id | one voicemail per call |
//! | `contact.updated` | [`Versioned`](DedupeRule::Versioned) | type, contact id, `updatedAt` | fires on every change |
//! | `contact.deleted` | [`Once`](DedupeRule::Once) | type, contact id | a contact is deleted once |
//! | `message.undelivered`, `call.menu.selected`, `task.*` | [`PerDelivery`](DedupeRule::PerDelivery) | delivery id | added after the beta, never sent by the legacy system: no twin to merge with, and a call's menu or a task changes many times |
//! | any other type | [`PerDelivery`](DedupeRule::PerDelivery) | delivery id | nothing is known of it |
//!
//! # Event types this crate does not know
//!
//! An event of an unknown type still has a [`CorrelationKey`]: its type as sent and the
//! subject's id, which is `data.resource.id` in the new format and `data.object.id` in a
//! legacy payload (the field [`normalize`](crate::normalize()) turns into `data.resource`; a
//! legacy payload's own `data.resource`, if any, is not its subject and is dropped by
//! `normalize`). It carries no version, since nothing is known of how such events recur. The
//! key lets the [`ParityChecker`](crate::ParityChecker) pair the two deliveries of a new kind
//! of event, and it is what a rule given by name ([`CorrelationRules::with_rule`]) merges on
//! (with the subject's `updatedAt` for [`Versioned`](DedupeRule::Versioned)); by default the
//! rule is [`PerDelivery`](DedupeRule::PerDelivery), so no delivery is merged on it. As for
//! every type, a legacy event and its normalised form have the same key, or both none.
//!
//! What this costs: payloads like the shipped `message.delivered` and `message.failed`
//! samples carry no `updatedAt`, so those receipts are deduplicated per delivery and, while
//! both systems deliver, run once per system. Keep their side effects idempotent (setting a
//! status is), or choose [`Once`](DedupeRule::Once) for them (below) if you accept merging two
//! reports of one message.
//!
//! The delivery id is the verified `webhook-id` of a new delivery and the body's `id` of a
//! legacy one: both stay the same across the retries of one delivery. Every key is a function
//! of the body (and, for the fallback, of the `webhook-id`), so retries always share it.
//!
//! Change a rule with [`CorrelationRules::with_rule`] when you know better for your account,
//! for example `message.delivered` as [`Once`](DedupeRule::Once) if your messages never change
//! status twice and you want their receipts merged even without `updatedAt`.
//!
//! # Examples
//!
//! ```
//! use quo_webhooks::correlation::{CorrelationRules, DedupeKey};
//! use quo_webhooks::{parse_any, samples, EventType};
//!
//! let rules = CorrelationRules::new();
//! let legacy = parse_any(samples::LEGACY_V4_MESSAGE_RECEIVED.as_bytes())?;
//! let new = parse_any(samples::get(&EventType::MessageReceived).unwrap().as_bytes())?;
//!
//! // The legacy delivery has no webhook-id; the new one has its own.
//! let a = rules.dedupe_key(&legacy, None).unwrap();
//! let b = rules.dedupe_key(&new, Some("msg_2b7JsQq")).unwrap();
//! assert_eq!(a, b);
//! assert!(matches!(a, DedupeKey::Event(_)));
//! assert_eq!(a.to_string(), "event:message.received:ACa8de58069cddea8555e6027c9162c4f0");
//! # Ok::<(), quo_webhooks::Error>(())
//! ```

use std::fmt;

use crate::{AnyEvent, EventType, parse_any};

/// Longest subject or delivery id put into a key; longer ones are not real Quo ids. Equal to
/// the verifier's bound on `webhook-id`.
const MAX_ID_LEN: usize = standard_webhooks::MAX_ID_LEN;

/// Identifies one business event across Quo's two webhook systems.
///
/// Built from stable business fields only: the (new-format) event type, the id of the event's
/// subject, which is the resource id, or the call id for recordings, summaries, transcripts
/// and voicemails (a legacy summary or transcript has no id of its own), and, for event types
/// that recur for one subject (see the [module docs](self)), the subject's `updatedAt` as
/// milliseconds since the Unix epoch. The legacy and the new delivery of one event give equal
/// keys; their envelope ids (`EV...`) differ and are not part of the key.
///
/// `Display` gives `TYPE:ID`, or `TYPE:ID@MILLIS` with a version (for example
/// `message.received:AC123`, `contact.updated:CT1@1776180643987`).
///
/// # Examples
///
/// ```
/// use quo_webhooks::{normalize, parse_any, samples, AnyEvent};
///
/// let legacy = parse_any(samples::LEGACY_CALL_SUMMARY.as_bytes())?;
/// let new = parse_any(samples::get(&quo_webhooks::EventType::CallSummaryCompleted).unwrap().as_bytes())?;
/// assert!(matches!(legacy, AnyEvent::Legacy(_)));
/// assert_eq!(legacy.correlation_key(), new.correlation_key());
/// # Ok::<(), quo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationKey {
    event_type: EventType,
    subject: String,
    version: Option<i64>,
}

impl CorrelationKey {
    /// A key for the event of `event_type` about `subject` (a resource or call id).
    #[must_use]
    pub fn new(event_type: EventType, subject: impl Into<String>) -> Self {
        Self {
            event_type,
            subject: subject.into(),
            version: None,
        }
    }

    /// The same key for the state of the subject at `updated_at_ms` (its `updatedAt`, in
    /// milliseconds since the Unix epoch).
    #[must_use]
    pub fn with_version(mut self, updated_at_ms: i64) -> Self {
        self.version = Some(updated_at_ms);
        self
    }

    /// The new-format event type.
    #[must_use]
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// The id of the event's subject.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The subject's `updatedAt` in milliseconds since the Unix epoch, for event types that
    /// recur for one subject.
    #[must_use]
    pub fn version(&self) -> Option<i64> {
        self.version
    }
}

impl fmt::Display for CorrelationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.event_type, self.subject)?;
        match self.version {
            Some(version) => write!(f, "@{version}"),
            None => Ok(()),
        }
    }
}

/// Whether, and on what, the deliveries of one event type may be merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DedupeRule {
    /// The event happens at most once per subject: merge on the type and the subject's id.
    Once,
    /// The event can happen again for one subject: merge on the type, the subject's id and its
    /// `updatedAt`; without a readable `updatedAt`, deduplicate per delivery.
    Versioned,
    /// Never merge across systems: deduplicate each delivery on its own id.
    PerDelivery,
}

impl DedupeRule {
    /// The crate's default rule for `event_type`; see the table in the [module docs](self).
    #[must_use]
    pub fn default_for(event_type: &EventType) -> Self {
        match event_type {
            EventType::MessageReceived
            | EventType::CallRinging
            | EventType::CallCompleted
            | EventType::CallMissed
            | EventType::CallSummaryCompleted
            | EventType::CallTranscriptCompleted
            | EventType::CallVoicemailCompleted
            | EventType::ContactDeleted => Self::Once,
            EventType::MessageDelivered
            | EventType::MessageFailed
            | EventType::CallAnswered
            | EventType::CallForwarded
            | EventType::ContactUpdated => Self::Versioned,
            EventType::CallRecordingCompleted
            | EventType::MessageUndelivered
            | EventType::CallMenuSelected
            | EventType::TaskCreated
            | EventType::TaskUpdated
            | EventType::TaskDeleted
            | EventType::TaskCompleted
            | EventType::TaskReopened
            | EventType::TaskAssigned
            | EventType::TaskUnassigned
            | EventType::TaskOverdue
            | EventType::TaskLinked
            | EventType::TaskUnlinked
            | EventType::TaskDuedateUpdated
            | EventType::TaskDuedateRemoved
            | EventType::Unknown(_) => Self::PerDelivery,
        }
    }
}

/// An idempotency key: the business event's, or the delivery's own.
///
/// `Display` gives the text to store: `event:TYPE:SUBJECT` or `event:TYPE:SUBJECT@MILLIS`,
/// and `delivery:ID`. Every part is percent-encoded except ASCII letters, digits and
/// `-._~+`, so that no two keys print the same (real Quo ids need no encoding).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DedupeKey {
    /// Deliveries of this business event, from either system, are merged.
    Event(CorrelationKey),
    /// Only retries of this one delivery are merged: its `webhook-id`, or a legacy event's
    /// `id`.
    Delivery(String),
}

impl fmt::Display for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Event(key) => {
                f.write_str("event:")?;
                write_escaped(f, key.event_type.as_str())?;
                f.write_str(":")?;
                write_escaped(f, &key.subject)?;
                match key.version {
                    Some(version) => write!(f, "@{version}"),
                    None => Ok(()),
                }
            }
            Self::Delivery(id) => {
                f.write_str("delivery:")?;
                write_escaped(f, id)
            }
        }
    }
}

/// The [`DedupeRule`] of each event type: the crate's defaults, with your changes.
///
/// # Examples
///
/// ```
/// use quo_webhooks::correlation::{CorrelationRules, DedupeRule};
/// use quo_webhooks::EventType;
///
/// let rules = CorrelationRules::new().with_rule(EventType::MessageDelivered, DedupeRule::Once);
/// assert_eq!(rules.rule(&EventType::MessageDelivered), DedupeRule::Once);
/// assert_eq!(rules.rule(&EventType::ContactUpdated), DedupeRule::Versioned);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct CorrelationRules {
    overrides: Vec<(EventType, DedupeRule)>,
}

/// The default rules, for `tower::correlation_key`.
#[cfg(feature = "tower")]
pub(crate) static DEFAULT_RULES: CorrelationRules = CorrelationRules::new();

impl CorrelationRules {
    /// The default rules (see the [module docs](self)).
    pub const fn new() -> Self {
        Self {
            overrides: Vec::new(),
        }
    }

    /// Use `rule` for `event_type`, replacing any earlier choice. Unknown event types may be
    /// given rules too, by name (`EventType::Unknown("call.sentiment.completed".into())`).
    pub fn with_rule(mut self, event_type: EventType, rule: DedupeRule) -> Self {
        match self.overrides.iter_mut().find(|(t, _)| *t == event_type) {
            Some(entry) => entry.1 = rule,
            None => self.overrides.push((event_type, rule)),
        }
        self
    }

    /// The rule for `event_type`.
    #[must_use]
    pub fn rule(&self, event_type: &EventType) -> DedupeRule {
        self.overrides
            .iter()
            .find(|(t, _)| t == event_type)
            .map_or_else(|| DedupeRule::default_for(event_type), |(_, rule)| *rule)
    }

    /// The key on which `event`'s deliveries from both systems may be merged, or `None` when
    /// its rule is [`PerDelivery`](DedupeRule::PerDelivery), or it lacks the subject id, or
    /// (for [`Versioned`](DedupeRule::Versioned)) a readable `updatedAt`.
    #[must_use]
    pub fn correlate(&self, event: &AnyEvent) -> Option<CorrelationKey> {
        let event_type = event.event_type();
        let rule = self.rule(&event_type);
        let subject = subject_of(event)?;
        match rule {
            DedupeRule::Once => Some(CorrelationKey::new(event_type, subject)),
            DedupeRule::Versioned => {
                let version = updated_at_of(event).and_then(rfc3339_millis)?;
                Some(CorrelationKey::new(event_type, subject).with_version(version))
            }
            DedupeRule::PerDelivery => None,
        }
    }

    /// The idempotency key of one delivery of `event`: the [correlation
    /// key](Self::correlate) when there is one, else the delivery's own id,
    /// `delivery_id` (the `webhook-id` of a new delivery) or, when that is `None`, the event's
    /// `id` (what stays the same across the retries of a legacy delivery).
    ///
    /// `None` only when the id to fall back on is empty or implausibly long (over 256 bytes).
    #[must_use]
    pub fn dedupe_key(&self, event: &AnyEvent, delivery_id: Option<&str>) -> Option<DedupeKey> {
        let correlated = self.correlate(event).filter(|key| {
            key.subject.len() <= MAX_ID_LEN && key.event_type.as_str().len() <= MAX_ID_LEN
        });
        if let Some(key) = correlated {
            return Some(DedupeKey::Event(key));
        }
        delivery_key(delivery_id.unwrap_or_else(|| event.id()))
    }

    /// As [`dedupe_key`](Self::dedupe_key), from a raw (verified) request body. A body that is
    /// not a Quo event is keyed on `delivery_id`, else on its top-level `id` if it has one.
    #[must_use]
    pub fn dedupe_key_for_body(&self, body: &[u8], delivery_id: Option<&str>) -> Option<DedupeKey> {
        match parse_any(body) {
            Ok(event) => self.dedupe_key(&event, delivery_id),
            Err(_) => match delivery_id {
                Some(id) => delivery_key(id),
                None => delivery_key(&top_level_id(body)?),
            },
        }
    }

    /// The idempotency key of the request `ctx` describes, as text, for
    /// [`IdempotencyLayer::key_fn`](standard_webhooks_tower::IdempotencyLayer::key_fn):
    /// [`dedupe_key_for_body`](Self::dedupe_key_for_body) of the verified body, with the
    /// verified `webhook-id` as the delivery id.
    ///
    /// Without the verification layer there is no verified body: the key is then the
    /// `webhook-id` (or `svix-id`) header's delivery key, and `None` (the layer answers 400)
    /// when there is none.
    #[cfg(feature = "tower")]
    #[must_use]
    pub fn key_for(&self, ctx: &standard_webhooks_tower::KeyContext<'_>) -> Option<String> {
        let delivery_id = match ctx.verified {
            // A legacy delivery has no id of its own; never read unverified headers then.
            Some(verified) => verified.id(),
            None => ["webhook-id", "svix-id"]
                .iter()
                .find_map(|name| ctx.headers.get(*name))
                .and_then(|value| value.to_str().ok()),
        };
        let key = match ctx.body {
            Some(body) => self.dedupe_key_for_body(body, delivery_id),
            None => delivery_key(delivery_id?),
        };
        key.map(|key| key.to_string())
    }

    /// These rules as a key function for
    /// [`IdempotencyLayer::key_fn`](standard_webhooks_tower::IdempotencyLayer::key_fn); see
    /// [`key_for`](Self::key_for).
    ///
    /// # Examples
    ///
    /// ```
    /// use quo_webhooks::correlation::{CorrelationRules, DedupeRule};
    /// use quo_webhooks::EventType;
    /// use standard_webhooks_tower::{IdempotencyLayer, MemoryStore};
    ///
    /// let rules = CorrelationRules::new().with_rule(EventType::MessageDelivered, DedupeRule::Once);
    /// let layer = IdempotencyLayer::new(MemoryStore::new())
    ///     .namespace(quo_webhooks::tower::NAMESPACE)
    ///     .key_fn(rules.into_key_fn());
    /// # let _ = layer;
    /// ```
    #[cfg(feature = "tower")]
    pub fn into_key_fn(
        self,
    ) -> impl Fn(&standard_webhooks_tower::KeyContext<'_>) -> Option<String>
    + Clone
    + Send
    + Sync
    + 'static {
        move |ctx| self.key_for(ctx)
    }
}

/// The best-effort correlation key of an event, as [`Event::correlation_key`] and
/// [`LegacyEvent::correlation_key`] give it: the subject's `updatedAt` is added for the types
/// whose default rule is [`DedupeRule::Versioned`], when it is readable.
///
/// [`Event::correlation_key`]: crate::Event::correlation_key
/// [`LegacyEvent::correlation_key`]: crate::LegacyEvent::correlation_key
pub(crate) fn key_with_default_version(
    event_type: EventType,
    subject: &str,
    updated_at: Option<&str>,
) -> CorrelationKey {
    let versioned = DedupeRule::default_for(&event_type) == DedupeRule::Versioned;
    let key = CorrelationKey::new(event_type, subject);
    match updated_at.filter(|_| versioned).and_then(rfc3339_millis) {
        Some(version) => key.with_version(version),
        None => key,
    }
}

fn subject_of(event: &AnyEvent) -> Option<&str> {
    match event {
        AnyEvent::New(event) => event.correlation_subject(),
        AnyEvent::Legacy(event) => event.correlation_subject(),
    }
}

fn updated_at_of(event: &AnyEvent) -> Option<&str> {
    match event {
        AnyEvent::New(event) => event.updated_at(),
        AnyEvent::Legacy(event) => event.object()?.updated_at.as_deref(),
    }
}

fn delivery_key(id: &str) -> Option<DedupeKey> {
    (!id.is_empty() && id.len() <= MAX_ID_LEN).then(|| DedupeKey::Delivery(id.to_owned()))
}

/// The top-level string `id` of a JSON body that is not a Quo event.
fn top_level_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: Option<String>,
    }
    serde_json::from_slice::<Id>(body).ok()?.id
}

fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let mut rest = text;
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"-._~+".contains(b))
            .count();
        let (head, tail) = rest.split_at(plain);
        f.write_str(head)?;
        let Some(c) = tail.chars().next() else {
            break;
        };
        let mut buf = [0u8; 4];
        for byte in c.encode_utf8(&mut buf).bytes() {
            write!(f, "%{byte:02X}")?;
        }
        rest = &tail[c.len_utf8()..];
    }
    Ok(())
}

/// Milliseconds since the Unix epoch of an RFC 3339 date-time (`2026-04-14T15:30:43.987Z`,
/// any fraction length, `Z` or a numeric offset), or `None` if `text` is not one. Digits
/// beyond milliseconds are dropped. Parsed by `jiff`, the workspace's one time crate.
pub(crate) fn rfc3339_millis(text: &str) -> Option<i64> {
    let timestamp: jiff::Timestamp = text.parse().ok()?;
    Some(timestamp.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_type_subject_and_version() {
        let a = CorrelationKey::new(EventType::MessageReceived, "AC1");
        assert_eq!(a, CorrelationKey::new(EventType::MessageReceived, "AC1"));
        assert_ne!(a, CorrelationKey::new(EventType::MessageDelivered, "AC1"));
        assert_ne!(a, CorrelationKey::new(EventType::MessageReceived, "AC2"));
        assert_ne!(a, a.clone().with_version(1));
        assert_eq!(a.to_string(), "message.received:AC1");
        assert_eq!(a.with_version(5).to_string(), "message.received:AC1@5");
    }

    #[test]
    fn reads_rfc3339_timestamps_to_milliseconds() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("1970-01-01T00:00:01.5Z", Some(1500)),
            ("2026-04-14T15:30:43.987Z", Some(1_776_180_643_987)),
            ("2026-04-14T15:30:43.987000Z", Some(1_776_180_643_987)),
            ("2026-04-14T15:30:43.9879Z", Some(1_776_180_643_987)),
            ("2026-04-14T17:30:43.987+02:00", Some(1_776_180_643_987)),
            ("2026-04-14t15:30:43.987z", Some(1_776_180_643_987)),
            ("2026-04-14 15:30:43.987+00:00", Some(1_776_180_643_987)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800_000)),
            ("1969-12-31T23:59:59Z", Some(-1000)),
            ("2023-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-04-14T24:00:00Z", None),
            ("2026-04-14T15:30:43", None),
            ("2026-04-14T15:30:43.Z", None),
            ("2026-04-14T15:30:43Zjunk", None),
            // jiff reads RFC 3339's superset (ISO 8601 as Temporal takes it): an offset without
            // its colon is still one instant.
            ("2026-04-14T15:30:43+0200", Some(1_776_173_443_000)),
            ("2026-04-14", None),
            ("", None),
            ("２０２６-04-14T15:30:43Z", None),
            ("+026-04-14T15:30:43Z", None),
        ];
        for (text, expected) in cases {
            assert_eq!(rfc3339_millis(text), expected, "{text}");
        }
    }

    #[test]
    fn escaping_keeps_real_ids_readable_and_keys_distinct() {
        let key = |subject: &str| {
            DedupeKey::Event(CorrelationKey::new(EventType::ContactUpdated, subject)).to_string()
        };
        assert_eq!(
            key("CTe2c41d09bd470b48a339ff"),
            "event:contact.updated:CTe2c41d09bd470b48a339ff"
        );
        assert_eq!(key("a:b@c%é"), "event:contact.updated:a%3Ab%40c%25%C3%A9");
        assert_ne!(
            DedupeKey::Event(CorrelationKey::new(EventType::ContactUpdated, "A").with_version(5))
                .to_string(),
            key("A@5")
        );
        assert_eq!(
            DedupeKey::Delivery("msg_1 2".into()).to_string(),
            "delivery:msg_1%202"
        );
    }

    #[test]
    fn rules_default_and_override() {
        let rules = CorrelationRules::new()
            .with_rule(EventType::MessageDelivered, DedupeRule::Once)
            .with_rule(EventType::MessageDelivered, DedupeRule::PerDelivery);
        assert_eq!(
            rules.rule(&EventType::MessageDelivered),
            DedupeRule::PerDelivery
        );
        assert_eq!(
            rules.rule(&EventType::ContactUpdated),
            DedupeRule::Versioned
        );
        assert_eq!(
            rules.rule(&EventType::Unknown("x".into())),
            DedupeRule::PerDelivery
        );
        for t in EventType::KNOWN {
            assert_eq!(
                CorrelationRules::new().rule(&t),
                DedupeRule::default_for(&t)
            );
        }
    }
}
