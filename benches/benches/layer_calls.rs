//! `layer_calls`: a fixed number of signed 1 KiB deliveries through one configuration of the
//! `layer/` group (in process, `oneshot`, one at a time), for instruction counts under
//! `valgrind --tool=callgrind`: what each layer adds per request, independent of the machine's
//! load.
//!
//! ```text
//! cargo bench -p benches --bench layer_calls --no-run     # prints the executable's path
//! valgrind --tool=callgrind EXE memory 20000              # bare | verify | memory | redis
//! ```
//!
//! Every configuration prepares the same N requests before running them, so the difference
//! of two configurations' totals over N is what the extra layer costs per request (for
//! `redis`, the client side only: `redis-server`, started on a free port, is not traced).
//! With `--test` (as `cargo bench -- --test` passes) each configuration runs one request.
#![allow(clippy::unwrap_used, missing_docs)]

use axum::{Router, body::Body, http::Request};
use benches::{Runs, bare, body, deduplicated, roomy_memory_store, secret, verified};
use bytes::Bytes;
use standard_webhooks::Verifier;
use standard_webhooks_tower::RedisStore;
use test_support::RedisServer;
use tower::ServiceExt;

const PATH: &str = "/webhooks";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--test" || a == "--bench") || args.len() < 2;
    let (names, n): (Vec<&str>, usize) = if quick {
        (vec!["bare", "verify", "memory", "redis"], 1)
    } else {
        (vec![args[0].as_str()], args[1].parse().unwrap())
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let secret = secret();
    let body = Bytes::from(body(1024));
    let verifier = Verifier::new(secret.clone());
    let runs = Runs::default();
    for name in names {
        let mut redis = None;
        let router: Router = match name {
            "bare" => bare(PATH, runs.clone()),
            "verify" => verified(PATH, runs.clone(), verifier.clone()),
            "memory" => deduplicated(PATH, runs.clone(), verifier.clone(), roomy_memory_store(0)),
            "redis" => {
                let server = RedisServer::start();
                let store = rt.block_on(RedisStore::open(&server.url())).unwrap();
                redis = Some(server);
                deduplicated(PATH, runs.clone(), verifier.clone(), store)
            }
            other => panic!("unknown configuration {other} (bare, verify, memory, redis)"),
        };
        let requests: Vec<Request<Body>> = (0..n)
            .map(|i| {
                let id = format!("msg_calls{i:016}x{}", benches::now_secs());
                let mut req = Request::post(PATH)
                    .header("content-type", "application/json")
                    .body(Body::from(body.clone()))
                    .unwrap();
                for (k, v) in benches::signed_headers(&secret, &id, &body) {
                    req.headers_mut().insert(k, v.parse().unwrap());
                }
                req
            })
            .collect();
        let before = runs.load(std::sync::atomic::Ordering::Relaxed);
        rt.block_on(async {
            for req in requests {
                let res = router.clone().oneshot(req).await.unwrap();
                assert_eq!(res.status(), 200, "{name}");
            }
        });
        let ran = runs.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert_eq!(
            ran, n as u64,
            "{name}: every delivery runs the handler once"
        );
        drop(redis);
    }
}
