//! The migration's compare step.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::sync::Arc;
use std::time::{Duration, Instant};

use quo_webhooks::parity::{Difference, Observation, ParityChecker, ParityField, Source};
use quo_webhooks::{AnyEvent, EventType, parse_any, samples};
use serde_json::{Value, json};

fn legacy_message(id: &str, text: &str) -> AnyEvent {
    AnyEvent::from_value(json!({
        "id": format!("EVlegacy{id}"), "object": "event", "apiVersion": "v4",
        "createdAt": "2026-04-14T15:02:11.530Z", "type": "message.received",
        "data": { "object": { "id": id, "object": "message", "from": "+16505550187",
            "to": ["+14155550123"], "direction": "incoming", "text": text,
            "phoneNumberId": "PNu7Kx2bQa", "userId": "USr4Nq8TzW", "contactIds": ["CT1"] },
            "deepLink": format!("https://my.quo.com/inbox/PNu7Kx2bQa/c/CN1?at={id}") }
    }))
    .unwrap()
}

fn new_message(id: &str, text: &str) -> AnyEvent {
    AnyEvent::from_value(json!({
        "id": format!("EVnew{id}"), "apiVersion": "2026-03-30",
        "createdAt": "2026-04-14T15:02:11.524Z", "type": "message.received",
        "data": {
            "resource": { "id": id, "direction": "incoming", "text": text, "status": "received" },
            "context": { "phoneNumberId": "PNu7Kx2bQa", "userId": "USr4Nq8TzW",
                "contacts": { "ids": ["CT1"], "lookupStatus": "matched" },
                "senderIdentifier": "+16505550187", "recipientIdentifiers": ["+14155550123"] },
            "links": { "quo": format!("https://my.quo.com/inbox/PNu7Kx2bQa/c/CN1?at={id}") }
        }
    }))
    .unwrap()
}

#[test]
fn matching_pair_is_counted_as_matched() {
    let checker = ParityChecker::new();
    assert_eq!(
        checker.observe(&legacy_message("AC1", "hello")),
        Observation::Waiting
    );
    let Observation::Paired(report) = checker.observe(&new_message("AC1", "hello")) else {
        panic!("not paired")
    };
    assert!(report.is_match());
    assert!(report.diffs.is_empty(), "{:?}", report.diffs);
    let summary = checker.summary();
    let counts = summary.event_type(&EventType::MessageReceived).unwrap();
    assert_eq!(
        (counts.paired, counts.matched, counts.mismatched),
        (1, 1, 0)
    );
    assert_eq!((counts.seen_legacy, counts.seen_new), (1, 1));
    assert_eq!(summary.waiting, 0);
}

#[test]
fn finds_a_text_mismatch_and_counts_it_per_type_and_field() {
    let checker = ParityChecker::new();
    checker.observe(&new_message("AC1", "hello"));
    let Observation::Paired(report) = checker.observe(&legacy_message("AC1", "hello!")) else {
        panic!("not paired")
    };
    assert!(!report.is_match());
    let mismatches: Vec<_> = report.mismatches().collect();
    assert_eq!(mismatches.len(), 1);
    assert_eq!(mismatches[0].field, ParityField::Text);
    assert_eq!(mismatches[0].legacy.as_deref(), Some("hello!"));
    assert_eq!(mismatches[0].new.as_deref(), Some("hello"));

    // A second pair of another event, matching, and a third, mismatched again.
    checker.observe(&legacy_message("AC2", "x"));
    checker.observe(&new_message("AC2", "x"));
    checker.observe(&legacy_message("AC3", "a"));
    checker.observe(&new_message("AC3", "b"));

    let summary = checker.summary();
    assert_eq!(
        summary.mismatches(&EventType::MessageReceived, ParityField::Text),
        2
    );
    assert_eq!(
        summary.mismatches(&EventType::MessageReceived, ParityField::Sender),
        0
    );
    assert_eq!(
        summary.mismatches(&EventType::CallCompleted, ParityField::Text),
        0
    );
    let counts = summary.event_type(&EventType::MessageReceived).unwrap();
    assert_eq!(
        (counts.paired, counts.matched, counts.mismatched),
        (3, 1, 2)
    );
    assert_eq!(summary.paired(), 3);
    assert_eq!(summary.mismatched(), 2);
}

#[test]
fn compares_sender_recipients_contact_ids_and_deep_link() {
    let legacy = legacy_message("AC1", "t");
    let mut new: Value = serde_json::to_value(new_message("AC1", "t")).unwrap();
    new["data"]["context"]["senderIdentifier"] = json!("+10000000000");
    new["data"]["context"]["recipientIdentifiers"] = json!(["+14155550123", "+19999999999"]);
    new["data"]["context"]["contacts"]["ids"] = json!(["CT2"]);
    new["data"]["links"]["quo"] = json!(null);
    let new = AnyEvent::from_value(new).unwrap();

    let checker = ParityChecker::new();
    checker.observe(&legacy);
    let Observation::Paired(report) = checker.observe(&new) else {
        panic!("not paired")
    };
    let found: Vec<_> = report
        .diffs
        .iter()
        .map(|d| (d.field, d.difference))
        .collect();
    assert_eq!(
        found,
        [
            (ParityField::Sender, Difference::Mismatch),
            (ParityField::Recipients, Difference::Mismatch),
            (ParityField::ContactIds, Difference::Mismatch),
            (ParityField::DeepLink, Difference::MissingInNew),
        ]
    );
    let summary = checker.summary();
    let fields = &summary
        .event_type(&EventType::MessageReceived)
        .unwrap()
        .fields;
    assert_eq!(fields[&ParityField::DeepLink].missing_in_new, 1);
    assert_eq!(fields[&ParityField::ContactIds].mismatches, 1);
}

#[test]
fn recipients_and_contact_ids_compare_as_sets() {
    let legacy = AnyEvent::from_value(
        json!({ "id": "EV1", "apiVersion": "v3", "type": "message.received",
        "data": { "object": { "id": "AC1", "to": "+2, +1" } } }),
    )
    .unwrap();
    let new = AnyEvent::from_value(json!({ "id": "EV2", "apiVersion": "2026-03-30", "type": "message.received",
        "data": { "resource": { "id": "AC1" }, "context": { "recipientIdentifiers": ["+1", "+2"] } } })).unwrap();
    let checker = ParityChecker::new();
    checker.observe(&legacy);
    let Observation::Paired(report) = checker.observe(&new) else {
        panic!()
    };
    assert!(report.diffs.is_empty(), "{:?}", report.diffs);
}

#[test]
fn retries_and_late_deliveries_are_duplicates() {
    let checker = ParityChecker::new();
    assert_eq!(
        checker.observe(&legacy_message("AC1", "a")),
        Observation::Waiting
    );
    assert_eq!(
        checker.observe(&legacy_message("AC1", "a")),
        Observation::Duplicate
    );
    assert!(matches!(
        checker.observe(&new_message("AC1", "a")),
        Observation::Paired(_)
    ));
    assert_eq!(
        checker.observe(&new_message("AC1", "a")),
        Observation::Duplicate
    );
    assert_eq!(
        checker.observe(&legacy_message("AC1", "a")),
        Observation::Duplicate
    );
    let summary = checker.summary();
    let counts = summary.event_type(&EventType::MessageReceived).unwrap();
    assert_eq!((counts.paired, counts.duplicates), (1, 3));
    assert_eq!((counts.seen_legacy, counts.seen_new), (3, 2));
}

#[test]
fn bounded_memory_evicts_the_oldest_unpaired_events() {
    let checker = ParityChecker::new().with_max_entries(3);
    for i in 0..10 {
        assert_eq!(
            checker.observe(&legacy_message(&format!("AC{i}"), "a")),
            Observation::Waiting
        );
    }
    let summary = checker.summary();
    assert_eq!(summary.waiting, 3);
    assert_eq!(
        summary
            .event_type(&EventType::MessageReceived)
            .unwrap()
            .unpaired_legacy,
        7
    );

    // An evicted event's twin finds nothing to pair with; a kept one does.
    assert_eq!(
        checker.observe(&new_message("AC0", "a")),
        Observation::Waiting
    );
    assert!(matches!(
        checker.observe(&new_message("AC9", "a")),
        Observation::Paired(_)
    ));
}

#[test]
fn events_older_than_max_age_are_forgotten() {
    let checker = ParityChecker::new().with_max_age(Duration::from_secs(60));
    let t0 = Instant::now();
    checker.observe_at(&legacy_message("AC1", "a"), t0);
    checker.observe_at(&legacy_message("AC2", "a"), t0 + Duration::from_secs(30));
    // AC1 expired; AC2 has not.
    let late = checker.observe_at(&new_message("AC1", "a"), t0 + Duration::from_secs(61));
    assert_eq!(late, Observation::Waiting);
    let on_time = checker.observe_at(&new_message("AC2", "a"), t0 + Duration::from_secs(62));
    assert!(matches!(on_time, Observation::Paired(_)));

    let summary = checker.summary();
    assert_eq!(
        summary
            .event_type(&EventType::MessageReceived)
            .unwrap()
            .unpaired_legacy,
        1
    );
    assert_eq!(summary.waiting, 1);
    // After another minute the waiting new AC1 is gone too.
    checker.observe_at(&legacy_message("AC9", "a"), t0 + Duration::from_secs(200));
    let counts = checker.summary();
    assert_eq!(
        counts
            .event_type(&EventType::MessageReceived)
            .unwrap()
            .unpaired_new,
        1
    );
}

#[test]
fn events_without_an_id_are_counted_as_uncorrelated() {
    let checker = ParityChecker::new();
    let event =
        AnyEvent::from_value(json!({ "id": "EV1", "type": "call.completed", "data": {} })).unwrap();
    assert_eq!(checker.observe(&event), Observation::Uncorrelated);
    assert_eq!(checker.summary().uncorrelated, 1);
}

#[test]
fn sample_pairs_match() {
    let checker = ParityChecker::new();
    let pairs = [
        (
            samples::LEGACY_V4_MESSAGE_RECEIVED,
            EventType::MessageReceived,
        ),
        (
            samples::LEGACY_CALL_SUMMARY,
            EventType::CallSummaryCompleted,
        ),
        (
            samples::LEGACY_CALL_TRANSCRIPT,
            EventType::CallTranscriptCompleted,
        ),
    ];
    for (legacy, event_type) in pairs {
        checker.observe(&parse_any(legacy.as_bytes()).unwrap());
        let new = parse_any(samples::get(&event_type).unwrap().as_bytes()).unwrap();
        let Observation::Paired(report) = checker.observe(&new) else {
            panic!("{event_type}: not paired")
        };
        assert!(report.is_match(), "{event_type}: {report:?}");
    }
    assert_eq!(checker.summary().paired(), 3);
}

#[test]
fn one_checker_serves_many_threads() {
    let checker = Arc::new(ParityChecker::new());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let checker = Arc::clone(&checker);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let id = format!("AC{t}x{i}");
                    checker.observe(&legacy_message(&id, "same"));
                    checker.observe_event(Source::New, &new_message(&id, "same").into_event());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let summary = checker.summary();
    assert_eq!(summary.paired(), 400);
    assert_eq!(summary.mismatched(), 0);
    assert_eq!(summary.waiting, 0);
}

#[cfg(feature = "tracing")]
mod logs {
    use super::*;
    use std::fmt::Write as _;
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);

    struct Line(String);

    impl Visit for Line {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = Line(event.metadata().level().to_string());
            event.record(&mut line);
            self.0.lock().unwrap().push(line.0);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn mismatches_and_unpaired_events_are_logged_without_values() {
        // `tracing` caches per process whether a log call site has a listener; with the other
        // tests as threads beside it, this one's capture could miss its events. Alone, it
        // cannot.
        if !test_support::alone::alone(
            "logs::mismatches_and_unpaired_events_are_logged_without_values",
        ) {
            return;
        }
        let capture = Capture::default();
        tracing::subscriber::with_default(capture.clone(), || {
            let checker = ParityChecker::new().with_max_entries(1);
            checker.observe(&legacy_message("AC1", "secret text one"));
            checker.observe(&new_message("AC1", "secret text two"));
            checker.observe(&legacy_message("AC2", "x"));
            checker.observe(&legacy_message("AC3", "x"));
        });
        let lines = capture.0.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:#?}");
        assert!(lines[0].starts_with("WARN"), "{}", lines[0]);
        assert!(lines[0].contains("message.received:AC1") && lines[0].contains("resource.text"));
        assert!(lines[1].starts_with("INFO") && lines[1].contains("message.received:AC2"));
        assert!(
            lines
                .iter()
                .all(|l| !l.contains("secret") && !l.contains("+1650"))
        );
    }
}

#[test]
fn debug_never_prints_message_text_or_phone_numbers() {
    let checker = ParityChecker::new();
    checker.observe(&legacy_message("AC9", "my secret appointment at 3pm"));
    let debug = format!("{checker:?}");
    assert!(debug.contains("waiting: 1"), "{debug}");
    assert!(!debug.contains("appointment"), "{debug}");
    let Observation::Paired(report) =
        checker.observe(&new_message("AC9", "my secret appointment at 4pm"))
    else {
        panic!("expected a pair");
    };
    let debug = format!("{report:?} {:?}", Observation::Paired(report.clone()));
    assert!(!debug.contains("appointment"), "{debug}");
    assert!(!debug.contains("+1"), "{debug}");
    assert!(debug.contains("chars>"), "{debug}");
}
