//! Fixtures shared by the criterion benchmarks (`benches/*.rs`) and the load server
//! (`src/bin/load_server.rs`): bodies of a given size, signed deliveries, and the four receiver
//! configurations that are measured side by side.
//!
//! See `BENCHMARKS.md` at the repository root for how to run everything and what was measured.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{Router, extract::State, http::StatusCode, routing::post};
use bytes::Bytes;
use standard_webhooks::{Secret, Verifier};
use standard_webhooks_tower::{IdempotencyStore, MemoryStore, VerifyWebhookLayer, webhook_layer};

/// The raw key every benchmark signs and verifies with (32 bytes, as `Secret::generate` makes).
pub const KEY: &[u8; 32] = b"benchmark-key-of-thirty-two-byte";

/// A Svix-style message id, as real deliveries carry.
pub const ID: &str = "msg_2KWPBgLlAfxdpx2AI54pPJ85f1W";

/// The body sizes of the `verify/` group: 256 B, 1 KiB, 16 KiB, 256 KiB, 1 MiB.
pub const SIZES: [usize; 5] = [256, 1024, 16 * 1024, 256 * 1024, 1024 * 1024];

/// The secret of [`KEY`].
///
/// # Panics
///
/// Never: the key is not empty.
#[must_use]
pub fn secret() -> Secret {
    Secret::from_bytes(KEY).unwrap_or_else(|e| panic!("KEY: {e}"))
}

/// The current Unix time in seconds, as a sender stamps a delivery.
#[must_use]
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `256B`, `1KiB`, `16KiB`, `1MiB`: the size part of a benchmark id.
#[must_use]
pub fn size_label(len: usize) -> String {
    match len {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{}MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// A JSON event body of exactly `len` bytes (at least 64), shaped like a Quo
/// `message.received` event whose text fills the rest. ASCII only, so that the peer crates,
/// which insist on UTF-8, accept it too.
#[must_use]
pub fn body(len: usize) -> Vec<u8> {
    let head = br#"{"id":"EVbench","apiVersion":"2026-03-30","type":"message.received","data":{"resource":{"text":""#;
    let tail = br#""}}}"#;
    let len = len.max(head.len() + tail.len());
    let fill = len - head.len() - tail.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(head);
    out.extend((0..fill).map(|i| b"abcdefghijklmnopqrstuvwxyz "[i % 27]));
    out.extend_from_slice(tail);
    out
}

/// The three Standard Webhooks headers of a delivery of `body` with `id`, signed now.
#[must_use]
pub fn signed_headers(secret: &Secret, id: &str, body: &[u8]) -> [(&'static str, String); 3] {
    let ts = now_secs();
    [
        ("webhook-id", id.to_owned()),
        ("webhook-timestamp", ts.to_string()),
        ("webhook-signature", secret.sign(id, ts, body)),
    ]
}

/// The receiver configurations of the `layer/` group and the load script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Config {
    /// The handler alone: no verification, no idempotency.
    Bare,
    /// The verification layer in front of the handler.
    Verify,
    /// Verification and idempotency with a [`MemoryStore`].
    Memory,
    /// Verification and idempotency with a `RedisStore`.
    Redis,
}

impl Config {
    /// Every configuration, in the order they are reported.
    pub const ALL: [Self; 4] = [Self::Bare, Self::Verify, Self::Memory, Self::Redis];

    /// `bare`, `verify`, `verify-memory`, `verify-redis`: benchmark ids and table rows.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Verify => "verify",
            Self::Memory => "verify-memory",
            Self::Redis => "verify-redis",
        }
    }

    /// The route the load server answers this configuration on.
    #[must_use]
    pub fn path(self) -> &'static str {
        match self {
            Self::Bare => "/bare",
            Self::Verify => "/verify",
            Self::Memory => "/memory",
            Self::Redis => "/redis",
        }
    }
}

/// Counts handler runs, so that a load run can tell processed deliveries from rejections and
/// duplicates.
pub type Runs = Arc<AtomicU64>;

/// The handler every configuration ends in: takes the body, as a webhook handler does, and
/// answers 200.
async fn handler(State(runs): State<Runs>, body: Bytes) -> StatusCode {
    runs.fetch_add(1, Ordering::Relaxed);
    std::hint::black_box(body.len());
    StatusCode::OK
}

/// The handler alone at `path`.
pub fn bare(path: &str, runs: Runs) -> Router {
    Router::new().route(path, post(handler)).with_state(runs)
}

/// The verification layer (default 1 MiB body limit) in front of the handler.
pub fn verified(path: &str, runs: Runs, verifier: Verifier) -> Router {
    bare(path, runs).layer(VerifyWebhookLayer::new(verifier))
}

/// Verification and idempotency with `store`, with the layers' defaults (as
/// [`webhook_layer`]).
pub fn deduplicated<St: IdempotencyStore>(
    path: &str,
    runs: Runs,
    verifier: Verifier,
    store: St,
) -> Router {
    bare(path, runs).layer(webhook_layer(verifier, store))
}

/// A [`MemoryStore`] that holds every delivery a benchmark run can send (the default bound of
/// one million would answer 503 once a long run filled it), with room for `capacity` keys
/// taken up front (0: it grows as keys arrive, as a new receiver's does).
#[must_use]
pub fn roomy_memory_store(capacity: usize) -> MemoryStore {
    MemoryStore::with_capacity(capacity).with_max_records(64 * 1024 * 1024)
}
