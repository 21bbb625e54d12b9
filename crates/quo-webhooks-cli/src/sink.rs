//! Where accepted deliveries go. Each sink answers `Ok` only once the delivery is safely handed
//! on, so that the receiver never acknowledges a delivery it has not passed on.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use redis::AsyncCommands;
use serde_json::value::RawValue;
use standard_webhooks::Verified;

use crate::client::HttpClient;

/// Why a delivery could not be handed on; each maps to an answer that makes the sender retry.
#[derive(Debug)]
pub(crate) enum SinkError {
    /// The body is not a Quo event (422).
    NotAnEvent(String),
    /// The next hop refused or could not be reached (502).
    Downstream(String),
    /// Local failure: standard output closed, Redis down (503).
    Unavailable(String),
}

/// The stream sink's connection: the idempotency store's own (one connection per process,
/// opened and bounded in one place, `RedisStore::open` / `open_cluster`).
pub(crate) use standard_webhooks_tower::store::RedisConnection;

/// The commands the stream sink and the health check send on it.
pub(crate) trait StreamCommands {
    async fn xadd(&self, key: &str, fields: &[(&str, &[u8])]) -> redis::RedisResult<String>;
    async fn ping(&self) -> redis::RedisResult<()>;
}

impl StreamCommands for RedisConnection {
    async fn xadd(&self, key: &str, fields: &[(&str, &[u8])]) -> redis::RedisResult<String> {
        AsyncCommands::xadd(&mut self.clone(), key, "*", fields).await
    }

    async fn ping(&self) -> redis::RedisResult<()> {
        redis::cmd("PING").query_async(&mut self.clone()).await
    }
}

// One sink per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Sink {
    /// One JSON line per event on standard output.
    Stdout { normalize: bool, out: LineWriter },
    /// POST the exact verified body to an internal URL.
    Forward { client: HttpClient, url: Uri },
    /// XADD to a Redis stream.
    RedisStream {
        connection: RedisConnection,
        key: String,
    },
}

/// The headers passed on to a forward target, so that it can verify the delivery itself.
const FORWARDED: [&str; 8] = [
    "content-type",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "openphone-signature",
];

impl Sink {
    pub(crate) fn stdout(normalize: bool) -> Self {
        Self::Stdout {
            normalize,
            out: LineWriter::stdout(),
        }
    }

    /// `message` without the credentials of the forward target's URL, if it has any.
    pub(crate) fn redact(&self, message: &str) -> String {
        match self {
            Self::Forward { url, .. } => crate::redact::text(message, &[&url.to_string()]),
            _ => message.to_owned(),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Stdout { .. } => "stdout",
            Self::Forward { .. } => "forward",
            Self::RedisStream { .. } => "redis-stream",
        }
    }

    /// Hand one verified delivery on.
    pub(crate) async fn deliver(
        &self,
        verified: &Verified<'static>,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<String, SinkError> {
        match self {
            Self::Stdout { normalize, out } => {
                let event = event_json(body, *normalize)?;
                let line = Line {
                    id: verified.id(),
                    scheme: verified.scheme().as_str(),
                    timestamp: verified.timestamp(),
                    event: &event,
                };
                let mut line = serde_json::to_vec(&line)
                    .map_err(|e| SinkError::NotAnEvent(format!("cannot write the line: {e}")))?;
                line.push(b'\n');
                // The caller runs this to its end even if the sender hangs up (the layer's
                // `run_to_completion`), so a line is written once, whole, and the delivery is
                // answered 2xx only after it was flushed.
                out.write(line)
                    .await
                    .map_err(|e| SinkError::Unavailable(format!("standard output: {e}")))?;
                Ok("written to standard output".to_owned())
            }
            Self::Forward { client, url } => {
                let mut forwarded = HeaderMap::new();
                for name in FORWARDED {
                    if let Some(v) = headers.get(name) {
                        forwarded.insert(HeaderName::from_static(name), v.clone());
                    }
                }
                forwarded
                    .entry(header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static("application/json"));
                forwarded.insert(
                    HeaderName::from_static("quo-webhooks-verified-scheme"),
                    HeaderValue::from_static(verified.scheme().as_str()),
                );
                let reply = client
                    .post(url, forwarded, body.clone())
                    .await
                    .map_err(|e| {
                        SinkError::Downstream(format!("forward target unreachable: {e}"))
                    })?;
                if reply.status.is_success() {
                    Ok(format!("forwarded; target answered {}", reply.status))
                } else {
                    Err(SinkError::Downstream(format!(
                        "forward target answered {}",
                        reply.status
                    )))
                }
            }
            Self::RedisStream { connection, key } => {
                let event_type = event_type(body).unwrap_or_default();
                let scheme = verified.scheme().as_str();
                let fields: [(&str, &[u8]); 4] = [
                    ("id", verified.id().unwrap_or_default().as_bytes()),
                    ("scheme", scheme.as_bytes()),
                    ("type", event_type.as_bytes()),
                    ("body", body),
                ];
                let entry = connection
                    .xadd(key, &fields)
                    .await
                    .map_err(|e| SinkError::Unavailable(format!("redis stream {key}: {e}")))?;
                Ok(format!("added to stream {key} as {entry}"))
            }
        }
    }
}

/// A line and the answer its writer waits for.
type Pending = (Vec<u8>, tokio::sync::oneshot::Sender<std::io::Result<()>>);

/// Standard output, written by one thread of its own.
///
/// Each line is answered only once it has been written and flushed, so a delivery is never
/// acknowledged before its line is out. Under load the lines waiting when the thread gets to
/// them go out together, in one write and one flush, where a write per line through tokio's
/// `Stdout` cost a hand-off to the blocking pool and back for each.
#[derive(Debug)]
pub(crate) struct LineWriter {
    lines: std::sync::mpsc::Sender<Pending>,
}

impl LineWriter {
    fn stdout() -> Self {
        Self::new(std::io::stdout())
    }

    fn new(mut out: impl std::io::Write + Send + 'static) -> Self {
        let (lines, pending) = std::sync::mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("stdout-writer".to_owned())
            .spawn(move || {
                let mut batch = Vec::new();
                let mut acks = Vec::new();
                // Ends when every sender is gone (the sink is dropped).
                while let Ok(first) = pending.recv() {
                    batch.clear();
                    acks.clear();
                    for (line, ack) in std::iter::once(first).chain(pending.try_iter()) {
                        batch.extend_from_slice(&line);
                        acks.push(ack);
                        // Bounded batches: a long backlog is written in pieces.
                        if batch.len() >= 1 << 20 {
                            break;
                        }
                    }
                    let written = out.write_all(&batch).and_then(|()| out.flush());
                    for ack in acks.drain(..) {
                        let answer = match &written {
                            Ok(()) => Ok(()),
                            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                        };
                        // A writer that stopped waiting has nothing to be told.
                        let _ = ack.send(answer);
                    }
                }
            })
            .map_or_else(
                |e| {
                    // No thread: every write fails with this error, nothing is acknowledged.
                    tracing::error!(error = %e, "cannot start the standard output writer");
                    let (lines, _) = std::sync::mpsc::channel();
                    Self { lines }
                },
                |_| Self { lines },
            )
    }

    /// Writes `line` (ending in a line break) and flushes it; returns once it is out.
    async fn write(&self, line: Vec<u8>) -> std::io::Result<()> {
        let (ack, written) = tokio::sync::oneshot::channel();
        self.lines
            .send((line, ack))
            .map_err(|_| std::io::Error::other("the standard output writer stopped"))?;
        written
            .await
            .map_err(|_| std::io::Error::other("the standard output writer stopped"))?
    }
}

/// One line of standard output, its fields in this order.
#[derive(serde::Serialize)]
struct Line<'a> {
    id: Option<&'a str>,
    scheme: &'a str,
    timestamp: u64,
    event: &'a RawValue,
}

/// The event for the output line: the body as received, byte for byte (line breaks, which
/// JSON allows only as whitespace between tokens, become spaces so that each event stays one
/// line), or normalised to the new format in its documented field order.
fn event_json(body: &[u8], normalize: bool) -> Result<Box<RawValue>, SinkError> {
    if normalize {
        let event = quo_webhooks::parse_any(body)
            .map_err(|e| SinkError::NotAnEvent(format!("not a Quo event: {e}")))?;
        serde_json::value::to_raw_value(event.normalized().as_ref())
            .map_err(|e| SinkError::NotAnEvent(format!("cannot normalise: {e}")))
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|e| SinkError::NotAnEvent(format!("body is not JSON: {e}")))?;
        let text = text.trim_ascii();
        let text = if text.contains(['\n', '\r']) {
            std::borrow::Cow::Owned(text.replace(['\n', '\r'], " "))
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        RawValue::from_string(text.into_owned())
            .map_err(|e| SinkError::NotAnEvent(format!("body is not JSON: {e}")))
    }
}

/// The top-level `type` of a JSON body, read without building the whole document.
pub(crate) fn event_type(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Type<'a> {
        #[serde(borrow, rename = "type")]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_slice::<Type<'_>>(body)
        .ok()?
        .kind
        .map(std::borrow::Cow::into_owned)
}

/// Shared by the handler.
pub(crate) type SharedSink = Arc<Sink>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    use super::LineWriter;

    /// An output that keeps what was written, and how many flushes it saw.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Kept {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.0.lock().unwrap().1 += 1;
            Ok(())
        }
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_line_is_written_once_whole_and_answered_after_it_is_out() {
        let kept = Kept::default();
        let writer = Arc::new(LineWriter::new(kept.clone()));
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let (writer, kept) = (Arc::clone(&writer), kept.clone());
                tokio::spawn(async move {
                    let line = format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "x".repeat(i % 97));
                    writer.write(line.clone().into_bytes()).await.unwrap();
                    // Answered only once the line is in the output, flushed.
                    let (out, flushes) = &*kept.0.lock().unwrap();
                    assert!(*flushes > 0);
                    assert!(String::from_utf8_lossy(out).contains(&line));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let (out, flushes) = kept.0.lock().unwrap().clone();
        let text = String::from_utf8(out).unwrap();
        let mut seen: Vec<u64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["n"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..400).collect::<Vec<u64>>(), "each line once");
        assert!(flushes <= 400, "{flushes} flushes for 400 lines");
    }

    #[tokio::test]
    async fn a_failed_write_is_an_error_for_its_line_never_an_answer_of_success() {
        let writer = LineWriter::new(Broken);
        let error = writer.write(b"{}\n".to_vec()).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        // And the writer keeps answering later lines.
        assert!(writer.write(b"{}\n".to_vec()).await.is_err());
    }
}
