//! Property tests on the documented payloads: take any documented fixture, then add unknown
//! fields anywhere, put `null` in any object field, make any number fractional and any text
//! (every enum value included) something this crate has never seen. The result still parses
//! into its typed variant and writes back as exactly the same JSON value.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use proptest::prelude::*;
use quo_webhooks::{Event, EventData, EventType, parse_any};
use serde_json::{Map, Number, Value};

fn fixtures() -> Vec<(EventType, Value)> {
    EventType::KNOWN
        .iter()
        .map(|t| {
            let path = format!(
                "{}/tests/data/documented/{t}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let json = std::fs::read_to_string(&path).unwrap();
            (t.clone(), serde_json::from_str(&json).unwrap())
        })
        .collect()
}

/// A JSON pointer segment path.
type Path = Vec<String>;

fn pointer(path: &Path) -> String {
    path.iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The places a mutation of each kind may touch.
#[derive(Default)]
struct Places {
    objects: Vec<Path>,
    fields: Vec<Path>,
    numbers: Vec<Path>,
    strings: Vec<Path>,
}

fn collect(value: &Value, path: &mut Path, in_object: bool, places: &mut Places) {
    let top_level = path.len() == 1;
    let envelope_key = top_level && matches!(path[0].as_str(), "id" | "type" | "data");
    if in_object && !envelope_key {
        places.fields.push(path.clone());
    }
    match value {
        Value::Object(map) => {
            places.objects.push(path.clone());
            for (key, child) in map {
                path.push(key.clone());
                collect(child, path, true, places);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                collect(child, path, false, places);
                path.pop();
            }
        }
        Value::Number(_) => places.numbers.push(path.clone()),
        // The envelope's `type` selects the shape: changing it is not this test's subject.
        Value::String(_) if !(top_level && path[0] == "type") => places.strings.push(path.clone()),
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    /// An unknown field (its name prefixed so that it is never a modelled one).
    AddField(String, Value),
    /// An explicit `null` in place of an object field.
    Null,
    /// The number plus a fraction.
    Fraction(f64),
    /// Text never seen before (for enums: an unknown value).
    Text(String),
}

fn extra_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        ("[a-zA-Z]{1,10}", extra_value())
            .prop_map(|(k, v)| Mutation::AddField(format!("x_{k}"), v)),
        Just(Mutation::Null),
        (0.001f64..0.999).prop_map(Mutation::Fraction),
        ".{0,16}".prop_map(Mutation::Text),
    ]
}

fn apply(value: &mut Value, selector: usize, mutation: &Mutation) {
    let mut places = Places::default();
    collect(value, &mut Vec::new(), false, &mut places);
    let pick = |list: &Vec<Path>| (!list.is_empty()).then(|| pointer(&list[selector % list.len()]));
    match mutation {
        Mutation::AddField(key, extra) => {
            if let Some(at) = pick(&places.objects)
                && let Some(Value::Object(map)) = value.pointer_mut(&at)
            {
                map.insert(key.clone(), extra.clone());
            }
        }
        Mutation::Null => {
            if let Some(at) = pick(&places.fields) {
                *value.pointer_mut(&at).unwrap() = Value::Null;
            }
        }
        Mutation::Fraction(fraction) => {
            if let Some(at) = pick(&places.numbers) {
                let slot = value.pointer_mut(&at).unwrap();
                let n = slot.as_f64().unwrap() + fraction;
                if let Some(number) = Number::from_f64(n) {
                    *slot = Value::Number(number);
                }
            }
        }
        Mutation::Text(text) => {
            if let Some(at) = pick(&places.strings) {
                *value.pointer_mut(&at).unwrap() = Value::String(text.clone());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_documented_payloads_parse_typed_and_round_trip(
        which in 0usize..28,
        mutations in prop::collection::vec((any::<usize>(), mutation()), 1..8),
    ) {
        let (event_type, mut value) = fixtures().swap_remove(which);
        for (selector, mutation) in &mutations {
            apply(&mut value, *selector, mutation);
        }
        let event: Event = serde_json::from_value(value.clone())
            .map_err(|e| TestCaseError::fail(format!("{e}: {value}")))?;
        prop_assert_eq!(&event.event_type, &event_type);
        prop_assert!(!matches!(event.data, EventData::Unknown(_)));
        prop_assert_eq!(serde_json::to_value(&event).unwrap(), value.clone());

        // And through bytes, as a receiver gets it.
        let bytes = serde_json::to_vec(&value).unwrap();
        let reread: Value = serde_json::from_slice(&bytes).unwrap();
        let any = parse_any(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_value(&any).unwrap(), reread);
        // Reading never loses the key it is correlated on.
        let _ = any.correlation_key();
    }

    #[test]
    fn unknown_event_types_keep_any_data_whole(
        name in "(integration|call|task|x)\\.[a-z.]{1,20}",
        data in extra_value(),
    ) {
        let event_type: EventType = name.parse().unwrap();
        prop_assume!(!event_type.is_known());
        let input = serde_json::json!({ "id": "EV1", "type": name, "data": data });
        let event: Event = serde_json::from_value(input.clone()).unwrap();
        prop_assert!(matches!(event.data, EventData::Unknown(_)));
        prop_assert_eq!(serde_json::to_value(&event).unwrap(), input);
    }
}
