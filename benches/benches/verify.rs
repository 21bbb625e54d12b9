//! `verify/`: one signed delivery checked, in the same run, by
//!
//! - `hmac`: a bare HMAC-SHA256 (`hmac` + `sha2`) over the same signed content, keyed per call
//!   and compared in constant time: the floor, what a hand-written check costs;
//! - `hmac-prekeyed`: the same from an already keyed state (the strictest floor: no key set-up);
//! - `v1`: our `Verifier::verify` on an `http::HeaderMap`;
//! - `v1-pairs`: the same on a slice of `(name, value)` pairs, which shows what looking names
//!   up in a `HeaderMap` costs;
//! - `svix` and `standardwebhooks`: the peer crates on the same `HeaderMap` and body;
//!
//! at 256 B, 1 KiB, 16 KiB, 256 KiB and 1 MiB. At 1 KiB also: three secrets with the match
//! last, a header of 16 entries with the match last, the legacy scheme, and `v1a` (ed25519).
//!
//! Every verifier is checked to accept its delivery before it is timed.
// Benchmark set-up unwraps, and criterion's macros generate undocumented items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::{hint::black_box, time::Duration};

use benches::{ID, KEY, SIZES, body, now_secs, secret, size_label};
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use standard_webhooks::{LEGACY_HEADER, LegacySecret, Secret, SigningKey, Verifier};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn header_map(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn standard_headers(id: &str, ts: u64, signature: String) -> HeaderMap {
    header_map(&[
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", signature),
    ])
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    let secret = secret();
    let verifier = Verifier::new(secret.clone());
    let svix = svix::webhooks::Webhook::from_bytes(KEY.to_vec()).unwrap();
    let sw = standardwebhooks::Webhook::from_bytes(KEY.to_vec()).unwrap();
    let keyed = HmacSha256::new_from_slice(KEY).unwrap();

    for size in SIZES {
        let label = size_label(size);
        let body = body(size);
        assert_eq!(body.len(), size);
        // Signed afresh per size: the peers check the timestamp against the real clock.
        let ts = now_secs();
        let headers = standard_headers(ID, ts, secret.sign(ID, ts, &body));
        let pairs: Vec<(&str, &[u8])> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .map(|name| (name, headers[name].as_bytes()))
            .to_vec();
        let signed: Vec<u8> = [format!("{ID}.{ts}.").as_bytes(), &body].concat();
        let tag: [u8; 32] = {
            let mut mac = keyed.clone();
            mac.update(&signed);
            mac.finalize().into_bytes().into()
        };

        // Everyone accepts the delivery before anything is timed.
        let mut floor = HmacSha256::new_from_slice(KEY).unwrap();
        floor.update(&signed);
        assert!(floor.verify_slice(&tag).is_ok());
        assert!(verifier.verify(&headers, &body).is_ok());
        assert!(verifier.verify(&pairs[..], &body).is_ok());
        svix.verify(&body, &headers).unwrap();
        sw.verify(&body, &headers).unwrap();

        group.throughput(Throughput::Bytes(size as u64));
        if size >= 256 * 1024 {
            group.sampling_mode(SamplingMode::Flat).sample_size(30);
        } else {
            group.sampling_mode(SamplingMode::Auto).sample_size(100);
        }

        group.bench_function(BenchmarkId::new("hmac", &label), |b| {
            b.iter(|| {
                let mut mac = HmacSha256::new_from_slice(black_box(KEY)).unwrap();
                mac.update(black_box(&signed));
                mac.verify_slice(black_box(&tag)).is_ok()
            });
        });
        group.bench_function(BenchmarkId::new("hmac-prekeyed", &label), |b| {
            b.iter(|| {
                let mut mac = black_box(&keyed).clone();
                mac.update(black_box(&signed));
                mac.verify_slice(black_box(&tag)).is_ok()
            });
        });
        group.bench_function(BenchmarkId::new("v1", &label), |b| {
            b.iter(|| {
                verifier
                    .verify(black_box(&headers), black_box(&body))
                    .is_ok()
            });
        });
        group.bench_function(BenchmarkId::new("v1-pairs", &label), |b| {
            b.iter(|| {
                verifier
                    .verify(black_box(&pairs[..]), black_box(&body))
                    .is_ok()
            });
        });
        group.bench_function(BenchmarkId::new("svix", &label), |b| {
            b.iter(|| svix.verify(black_box(&body), black_box(&headers)).is_ok());
        });
        group.bench_function(BenchmarkId::new("standardwebhooks", &label), |b| {
            b.iter(|| sw.verify(black_box(&body), black_box(&headers)).is_ok());
        });
    }
    group.finish();
}

/// The other shapes of a delivery, at 1 KiB.
fn verify_variants(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    let size = 1024;
    let label = size_label(size);
    let body = body(size);
    let secret = secret();
    group.throughput(Throughput::Bytes(size as u64));

    // Three configured secrets (a rotation and one more), the match last.
    let others = [Secret::generate(), Secret::generate()];
    let three = Verifier::builder()
        .secrets(others.iter().cloned())
        .secret(secret.clone())
        .build()
        .unwrap();
    let ts = now_secs();
    let headers = standard_headers(ID, ts, secret.sign(ID, ts, &body));
    assert_eq!(three.verify(&headers, &body).unwrap().key_index(), 2);
    group.bench_function(BenchmarkId::new("v1-3-secrets", &label), |b| {
        b.iter(|| three.verify(black_box(&headers), black_box(&body)).is_ok());
    });

    // One secret, a header of 16 entries, the match last.
    let verifier = Verifier::new(secret.clone());
    let mut entries: Vec<String> = (0..15)
        .map(|i| others[i % 2].sign(&format!("msg_{i}"), ts, &body))
        .collect();
    entries.push(secret.sign(ID, ts, &body));
    let headers = standard_headers(ID, ts, entries.join(" "));
    assert!(verifier.verify(&headers, &body).is_ok());
    group.bench_function(BenchmarkId::new("v1-16-entries", &label), |b| {
        b.iter(|| {
            verifier
                .verify(black_box(&headers), black_box(&body))
                .is_ok()
        });
    });

    // Quo's legacy scheme (millisecond timestamp).
    let legacy = LegacySecret::from_bytes(KEY).unwrap();
    let legacy_verifier = Verifier::builder()
        .legacy_secret(legacy.clone())
        .build()
        .unwrap();
    let headers = header_map(&[(LEGACY_HEADER, legacy.sign(now_secs() * 1000, &body))]);
    assert!(legacy_verifier.verify(&headers, &body).is_ok());
    group.bench_function(BenchmarkId::new("legacy", &label), |b| {
        b.iter(|| {
            legacy_verifier
                .verify(black_box(&headers), black_box(&body))
                .is_ok()
        });
    });

    // v1a: ed25519.
    let signing = SigningKey::from_bytes(KEY).unwrap();
    let v1a = Verifier::builder()
        .public_key(signing.public_key())
        .build()
        .unwrap();
    let headers = standard_headers(ID, ts, signing.sign(ID, ts, &body));
    assert!(v1a.verify(&headers, &body).is_ok());
    group.bench_function(BenchmarkId::new("v1a", &label), |b| {
        b.iter(|| v1a.verify(black_box(&headers), black_box(&body)).is_ok());
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = verify, verify_variants
}
criterion_main!(benches);
