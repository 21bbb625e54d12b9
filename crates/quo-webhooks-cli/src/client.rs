//! A small HTTP/1 client with a time limit, for `send` and the forwarding sink.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

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
    inner: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    pub(crate) fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        Self {
            inner: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    /// POST `body` to `url` with `headers`; the whole exchange is bounded by the time limit.
    pub(crate) async fn post(
        &self,
        url: &Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Reply, String> {
        let mut req = Request::post(url.clone())
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

/// An `http://` URL; `https://` needs a TLS-terminating proxy in front of this tool.
pub(crate) fn parse_http_url(s: &str) -> Result<Uri, String> {
    let uri: Uri = s.parse().map_err(|e| format!("{s:?} is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http") if uri.host().is_some() => Ok(uri),
        Some("https") => Err(format!(
            "{s}: https is not supported by this tool; use an http:// URL (for example a local \
             receiver, or a TLS-terminating proxy)"
        )),
        _ => Err(format!("{s:?} is not an http:// URL")),
    }
}
