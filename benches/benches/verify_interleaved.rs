//! `verify_interleaved`: the `verify/` comparison made robust to a shared, noisy machine.
//!
//! Criterion times one implementation for seconds, then the next: when other work on the
//! machine comes and goes, the ratios between implementations drift with it. Here the
//! implementations take turns: each round times a batch of calls (about 100 µs) of every
//! implementation in a row, for a few thousand rounds, so that every one of them sees the same
//! load. Reported per implementation: the median and the 10th percentile of the per-call time
//! over the rounds, and the ratios between them (a ratio of 10th percentiles is the least
//! disturbed by preemption).
//!
//! `cargo bench -p benches --bench verify_interleaved` (about 30 s); with `--test`, one short
//! round each, to check that it runs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use benches::{ID, KEY, body, now_secs, secret, size_label};
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use standard_webhooks::Verifier;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const NAMES: [&str; 6] = [
    "hmac",
    "hmac-prekeyed",
    "v1",
    "svix",
    "standardwebhooks",
    "v1 (12 headers)",
];

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let rounds = if quick { 3 } else { 3000 };
    let secret = secret();
    let verifier = Verifier::new(secret.clone());
    let svix = svix::webhooks::Webhook::from_bytes(KEY.to_vec()).unwrap();
    let sw = standardwebhooks::Webhook::from_bytes(KEY.to_vec()).unwrap();
    let keyed = HmacSha256::new_from_slice(KEY).unwrap();

    println!(
        "| body | {} | v1 ÷ hmac | v1 ÷ prekeyed | svix ÷ v1 | standardwebhooks ÷ v1 |",
        NAMES.join(" | ")
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for size in [256, 1024, 16 * 1024] {
        let body = body(size);
        let ts = now_secs();
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static(ID));
        headers.insert(
            "webhook-timestamp",
            HeaderValue::from_str(&ts.to_string()).unwrap(),
        );
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&secret.sign(ID, ts, &body)).unwrap(),
        );
        // The same delivery among the headers a real one arrives with.
        let mut realistic = headers.clone();
        for (name, value) in [
            ("host", "hooks.example.com"),
            ("user-agent", "Svix-Webhooks/1.60"),
            ("content-type", "application/json"),
            ("content-length", "1024"),
            ("accept", "*/*"),
            ("accept-encoding", "gzip"),
            ("x-forwarded-for", "203.0.113.7"),
            ("x-request-id", "6f1c9a8e-5d2b-4c4e-9a4f-1f2e3d4c5b6a"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ] {
            realistic.insert(name, HeaderValue::from_static(value));
        }
        let signed: Vec<u8> = [format!("{ID}.{ts}.").as_bytes(), &body].concat();
        let tag: [u8; 32] = {
            let mut mac = keyed.clone();
            mac.update(&signed);
            mac.finalize().into_bytes().into()
        };
        let run = |which: usize| -> bool {
            match which {
                0 => {
                    let mut mac = HmacSha256::new_from_slice(black_box(KEY)).unwrap();
                    mac.update(black_box(&signed));
                    mac.verify_slice(black_box(&tag)).is_ok()
                }
                1 => {
                    let mut mac = black_box(&keyed).clone();
                    mac.update(black_box(&signed));
                    mac.verify_slice(black_box(&tag)).is_ok()
                }
                2 => verifier
                    .verify(black_box(&headers), black_box(&body))
                    .is_ok(),
                3 => svix.verify(black_box(&body), black_box(&headers)).is_ok(),
                4 => sw.verify(black_box(&body), black_box(&headers)).is_ok(),
                _ => verifier
                    .verify(black_box(&realistic), black_box(&body))
                    .is_ok(),
            }
        };
        for (which, name) in NAMES.iter().enumerate() {
            assert!(run(which), "{name} rejects its delivery");
        }
        // Calls per batch: about 100 µs of the slowest implementation.
        let batch = |which: usize| -> usize {
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed() < Duration::from_millis(20) {
                black_box(run(which));
                n += 1;
            }
            (n / 200).max(1)
        };
        let sizes: Vec<usize> = (0..NAMES.len()).map(batch).collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); NAMES.len()];
        for _ in 0..rounds {
            for (which, &n) in sizes.iter().enumerate() {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(run(which));
                }
                times[which].push(start.elapsed().as_nanos() as f64 / n as f64);
            }
        }
        let pick = |which: usize, q: f64| -> f64 {
            let mut t = times[which].clone();
            t.sort_by(f64::total_cmp);
            t[((t.len() - 1) as f64 * q) as usize]
        };
        for (q, label) in [(0.5, "median"), (0.1, "p10")] {
            let t: Vec<f64> = (0..NAMES.len()).map(|w| pick(w, q)).collect();
            println!(
                "| {} ({label}) | {} | {:.2}x | {:.2}x | {:.2}x | {:.2}x | {:.2}x |",
                size_label(size),
                t.iter()
                    .map(|ns| format!("{ns:.0} ns"))
                    .collect::<Vec<_>>()
                    .join(" | "),
                t[2] / t[0],
                t[2] / t[1],
                t[3] / t[2],
                t[4] / t[2],
                t[5] / t[0],
            );
        }
    }
}
