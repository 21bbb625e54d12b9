//! A small HTTP client with a time limit, for `send` and the forwarding sink: the workspace's
//! one HTTP stack (`quo_api::client::https_client`: hyper, rustls, HTTP/1.1 and HTTP/2), so
//! `https://` targets work.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use quo_api::client::{HttpsClient, https_client};

/// The largest answer body read back; a receiver's answer is a status line's worth of text.
const MAX_REPLY: usize = 64 * 1024;

/// An HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    // Shared, not inlined: the TLS connector is large and clones share the pool anyway.
    inner: Arc<HttpsClient>,
    timeout: Duration,
}

impl HttpClient {
    pub(crate) fn new(timeout: Duration) -> Result<Self, String> {
        Ok(Self {
            inner: Arc::new(https_client(Some(timeout)).map_err(|e| e.to_string())?),
            timeout,
        })
    }

    /// GET `url`; the whole exchange is bounded by the time limit.
    pub(crate) async fn get(&self, url: &Uri) -> Result<Reply, String> {
        self.send(Request::get(url.clone()), HeaderMap::new(), Bytes::new())
            .await
    }

    /// POST `body` to `url` with `headers`; the whole exchange is bounded by the time limit.
    pub(crate) async fn post(
        &self,
        url: &Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Reply, String> {
        self.send(Request::post(url.clone()), headers, body).await
    }

    async fn send(
        &self,
        builder: http::request::Builder,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Reply, String> {
        let url = builder.uri_ref().cloned().unwrap_or_default();
        let mut req = builder
            .body(Full::new(body))
            .map_err(|e| format!("bad request for {url}: {e}"))?;
        *req.headers_mut() = headers;
        let exchange = async {
            let res = self
                .inner
                .request(req)
                .await
                .map_err(|e| format!("{url}: {}", describe(&e)))?;
            let (parts, body) = res.into_parts();
            let body = Limited::new(body, MAX_REPLY)
                .collect()
                .await
                .map(|c| c.to_bytes())
                .map_err(|e| format!("{url}: reading the answer: {e}"))?;
            Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(format!("{url}: no answer within {:?}", self.timeout)))
    }
}

/// The innermost cause of a client error, which is the one that says what happened
/// ("Connection refused"), not the wrapper's "client error (Connect)".
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An `http://` or `https://` URL with a host.
pub(crate) fn parse_http_url(s: &str) -> Result<Uri, String> {
    let uri: Uri = s.parse().map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(uri),
        _ => Err(format!("{s:?} is not an http:// or https:// URL")),
    }
}
