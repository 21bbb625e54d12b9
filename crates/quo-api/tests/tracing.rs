//! The `tracing` feature: one span per request with method, path, status and duration, and
//! never the key.
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used)]

mod support;

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use support::{API_KEY, Reply, Script, documented};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_request_has_a_span_with_method_path_status_and_duration() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let script = Script::new([Reply::empty(503), Reply::ok(&documented::get())]);
    script.client().webhooks().get("123").await.unwrap();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("quo_api.request"), "{logs}");
    assert!(logs.contains("method=GET"), "{logs}");
    assert!(logs.contains("path=/webhooks/123"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("attempts=2"), "{logs}");
    assert!(logs.contains("duration_ms="), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains(API_KEY), "{logs}");
}
