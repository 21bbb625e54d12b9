//! The published Standard Webhooks and Svix test vectors, through one table-driven test.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::time::{Duration, UNIX_EPOCH};

use serde::Deserialize;
use standard_webhooks::{Scheme, Secret, Verifier};

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    secret: String,
    id: String,
    timestamp: String,
    body: String,
    signature: String,
    valid: bool,
}

#[test]
fn every_published_vector_gives_its_stated_answer() {
    let file: File =
        serde_json::from_str(include_str!("data/standard-webhooks.json")).expect("vector file");
    assert!(file.cases.len() >= 10, "the vector file lost its cases");
    let mut failures = Vec::new();
    for case in &file.cases {
        let secret: Secret = case.secret.parse().expect("vector secret");
        let verifier = Verifier::new(secret.clone());
        let now = UNIX_EPOCH + Duration::from_secs(case.timestamp.parse().expect("timestamp"));
        for family in ["webhook", "svix"] {
            let headers = [
                (format!("{family}-id"), case.id.as_str()),
                (format!("{family}-timestamp"), case.timestamp.as_str()),
                (format!("{family}-signature"), case.signature.as_str()),
            ];
            let result = verifier.verify_at(&headers, case.body.as_bytes(), now);
            if result.is_ok() != case.valid {
                failures.push(format!("{} ({family}): {result:?}", case.name));
            }
            if let Ok(v) = result {
                assert_eq!(v.id(), Some(case.id.as_str()));
                assert_eq!(v.scheme(), Scheme::V1);
            }
        }
        // Our signer agrees with every valid vector.
        if case.valid {
            let ours = secret.sign(
                &case.id,
                case.timestamp.parse().expect("ts"),
                case.body.as_bytes(),
            );
            assert!(
                case.signature.split(' ').any(|s| s == ours),
                "{}: our signature {ours} is not among {}",
                case.name,
                case.signature
            );
        }
    }
    assert!(
        failures.is_empty(),
        "vectors gave the wrong answer: {failures:#?}"
    );
}
