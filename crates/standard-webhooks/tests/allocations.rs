//! Verifying a `v1` delivery allocates nothing on the heap.
#![cfg(feature = "http")]
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::time::{Duration, UNIX_EPOCH};

use standard_webhooks::{LegacySecret, Secret, Verifier};

#[test]
fn verify_allocates_nothing() {
    let old = Secret::generate();
    let new = Secret::generate();
    let legacy = LegacySecret::generate();
    let verifier = Verifier::builder()
        .secret(old)
        .secret(new.clone())
        .legacy_secret(legacy.clone())
        .build()
        .unwrap();
    let body = vec![b'x'; 16 * 1024];
    let sig = format!(
        "v1,AAAA v2,BBBB {} v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        new.sign("msg_1", 1_700_000_000, &body)
    );
    let mut headers = http::HeaderMap::new();
    headers.insert("webhook-id", "msg_1".parse().unwrap());
    headers.insert("webhook-timestamp", "1700000000".parse().unwrap());
    headers.insert("webhook-signature", sig.parse().unwrap());
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);

    let mut legacy_headers = http::HeaderMap::new();
    legacy_headers.insert(
        "openphone-signature",
        legacy.sign(1_700_000_000_000, &body).parse().unwrap(),
    );

    // Warm up anything lazily initialised (CPU feature detection, for one).
    verifier.verify_at(&headers, &body, now).unwrap();

    let counts = allocation_counter::measure(|| {
        for _ in 0..100 {
            assert!(verifier.verify_at(&headers, &body, now).is_ok());
            assert!(verifier.verify_at(&headers, &body[1..], now).is_err());
            assert!(verifier.verify_at(&legacy_headers, &body, now).is_ok());
        }
    });
    assert_eq!(counts.count_total, 0, "verify allocated: {counts:?}");
}
