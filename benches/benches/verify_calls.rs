//! `verify_calls`: a fixed number of calls of one implementation, for instruction counts under
//! `valgrind --tool=callgrind` (which, unlike timings, do not move with the machine's load).
//!
//! ```text
//! cargo bench -p benches --bench verify_calls --no-run     # prints the executable's path
//! valgrind --tool=callgrind EXE v1 256 20000
//! valgrind --tool=callgrind EXE v1 256 0                   # set-up alone, to subtract
//! ```
//!
//! Implementations: `hmac` (the floor: key, update over the joined signed content, compare),
//! `hmac-prekeyed`, `v1` (our `Verifier::verify` on a `HeaderMap` of the three headers, clock
//! included). Sizes in bytes. Per call = (instructions at N - instructions at 0) / N. Under
//! valgrind `sha2` finds no SHA extensions and hashes in software, so the hash weighs more
//! than on the real CPU: compare what lies outside `compress256`. With `--test` (as
//! `cargo bench -- --test` passes) each implementation runs once, checked.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;

use benches::{ID, KEY, body, now_secs, secret};
use hmac::{KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use standard_webhooks::Verifier;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--bench");
    let (which, size, n) = if quick || args.len() < 3 {
        ("all", 256, 1)
    } else {
        (
            args[0].as_str(),
            args[1].parse().unwrap(),
            args[2].parse().unwrap(),
        )
    };
    let body = body(size);
    let secret = secret();
    let verifier = Verifier::new(secret.clone());
    let keyed = HmacSha256::new_from_slice(KEY).unwrap();
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
    let signed: Vec<u8> = [format!("{ID}.{ts}.").as_bytes(), &body].concat();
    let tag: [u8; 32] = {
        let mut mac = keyed.clone();
        mac.update(&signed);
        mac.finalize().into_bytes().into()
    };
    let run = |which: &str| -> bool {
        match which {
            "hmac" => {
                let mut mac = HmacSha256::new_from_slice(black_box(KEY)).unwrap();
                mac.update(black_box(&signed));
                mac.verify_slice(black_box(&tag)).is_ok()
            }
            "hmac-prekeyed" => {
                let mut mac = black_box(&keyed).clone();
                mac.update(black_box(&signed));
                mac.verify_slice(black_box(&tag)).is_ok()
            }
            "v1" => verifier
                .verify(black_box(&headers), black_box(&body))
                .is_ok(),
            other => panic!("unknown implementation {other}"),
        }
    };
    if which == "all" {
        for name in ["hmac", "hmac-prekeyed", "v1"] {
            assert!(run(name), "{name} rejects its delivery");
        }
        return;
    }
    let mut ok = 0usize;
    for _ in 0..n {
        ok += usize::from(run(which));
    }
    assert_eq!(ok, n, "{which} rejects its delivery");
}
