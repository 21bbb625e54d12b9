//! Where accepted deliveries go. Each sink answers `Ok` only once the delivery is safely handed
//! on, so that the receiver never acknowledges a delivery it has not passed on.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Uri, header};
use redis::AsyncCommands;
use serde_json::value::RawValue;
use standard_webhooks::Verified;
use tokio::io::AsyncWriteExt;

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
    Stdout {
        normalize: bool,
        out: tokio::sync::Mutex<tokio::io::Stdout>,
    },
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
            out: tokio::sync::Mutex::new(tokio::io::stdout()),
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
                // One lock per line keeps concurrent deliveries' lines whole.
                let mut out = out.lock().await;
                out.write_all(&line)
                    .await
                    .map_err(|e| SinkError::Unavailable(format!("standard output: {e}")))?;
                out.flush()
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
