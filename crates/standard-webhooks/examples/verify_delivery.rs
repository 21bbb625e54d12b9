//! Sign a Quo-style delivery, verify it, then show what a receiver answers for a replay, a
//! tampered body and a legacy `openphone-signature` delivery.
//!
//! Run: `cargo run -p standard-webhooks --example verify_delivery`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use standard_webhooks::{LegacySecret, Secret, Verifier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = Secret::generate();
    let legacy = LegacySecret::generate();
    let verifier = Verifier::builder()
        .secret(secret.clone())
        .legacy_secret(legacy.clone())
        .build()?;
    println!("receiver configured: {verifier:?}");

    let body = br#"{"id":"EV123","apiVersion":"2026-03-30","type":"message.received","data":{"resource":{"id":"AC1","text":"hello"}}}"#;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let id = "msg_2bYdL0xkqQ3dZ1";
    let headers = [
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", now.to_string()),
        ("webhook-signature", secret.sign(id, now, body)),
    ];

    report("genuine delivery", verifier.verify(&headers, body));
    let mut tampered = body.to_vec();
    tampered[body.len() - 4] = b'X';
    report("tampered body", verifier.verify(&headers, &tampered));
    let later = SystemTime::now() + Duration::from_secs(600);
    report(
        "replayed 10 minutes later",
        verifier.verify_at(&headers, body, later),
    );

    let legacy_headers = [("openphone-signature", legacy.sign(now * 1000, body))];
    report("legacy delivery", verifier.verify(&legacy_headers, body));
    Ok(())
}

fn report(
    what: &str,
    result: Result<standard_webhooks::Verified<'_>, standard_webhooks::VerifyError>,
) {
    match result {
        Ok(v) => println!(
            "{what:>28}: accepted (id {:?}, scheme {}, key #{})",
            v.id(),
            v.scheme(),
            v.key_index()
        ),
        Err(e) => println!("{what:>28}: rejected [{}] {e}", e.code()),
    }
}
