//! What carries requests: HTTPS by default, or any tower `Service`.

use std::{fmt, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, combinators::UnsyncBoxBody};
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client as HyperClient, connect::HttpConnector},
    rt::TokioExecutor,
};
use tower::{Service, ServiceExt, util::BoxCloneSyncService};

use crate::Error;

/// A boxed error from a transport.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of the answers a [`Transport`] gives back.
pub type ResponseBody = UnsyncBoxBody<Bytes, BoxError>;

/// A hyper client for `http://` and `https://` URLs: rustls with the `ring` provider and the
/// system's root certificates, HTTP/1.1 and HTTP/2 (chosen by ALPN), pooled connections.
///
/// The one HTTP client of this workspace: the management API client uses it, and so do the
/// command-line tool's `send` and `serve --forward-url`.
pub type HttpsClient = HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Builds an [`HttpsClient`]. `connect_timeout` bounds the TCP connect (the TLS handshake and
/// the answer are bounded by the caller).
///
/// # Errors
///
/// [`Error::Config`] when the system's root certificates cannot be loaded.
pub fn https_client(connect_timeout: Option<Duration>) -> Result<HttpsClient, Error> {
    // Named explicitly: when another crate in the build turns on rustls's aws-lc-rs provider
    // too, rustls cannot pick a default on its own.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(connect_timeout);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| Error::config(format!("cannot load the system's root certificates: {e}")))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(HyperClient::builder(TokioExecutor::new()).build(https))
}

/// What the [`Client`](super::Client) sends its requests through.
///
/// [`Transport::https`] is the default. [`Transport::from_service`] takes any tower `Service`
/// from `http::Request<Full<Bytes>>` to `http::Response<B>`, so tests and programs can drive an
/// in-process server (an `axum::Router`, such as the emulator's) with no socket, or add their
/// own middleware.
///
/// ```
/// # async fn doc() -> Result<(), quo_api::Error> {
/// use quo_api::client::{Client, Transport};
///
/// let service = tower::service_fn(|_req: http::Request<http_body_util::Full<bytes::Bytes>>| async {
///     let body = http_body_util::Full::new(bytes::Bytes::from_static(b"{\"data\":[]}"));
///     Ok::<_, std::convert::Infallible>(http::Response::new(body))
/// });
/// let client = Client::builder()
///     .api_key("my-key")
///     .transport(Transport::from_service(service))
///     .build()?;
/// assert!(client.webhooks().list().await?.is_empty());
/// # Ok(()) }
/// # tokio::runtime::Runtime::new().unwrap().block_on(doc()).unwrap();
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: BoxCloneSyncService<Request<Full<Bytes>>, Response<ResponseBody>, BoxError>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport { .. }")
    }
}

impl Transport {
    /// HTTPS (and plain HTTP) over [`https_client`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the system's root certificates cannot be loaded.
    pub fn https(connect_timeout: Option<Duration>) -> Result<Self, Error> {
        Ok(Self::from_service(https_client(connect_timeout)?))
    }

    /// Any tower service that answers HTTP requests.
    pub fn from_service<S, B>(service: S) -> Self
    where
        S: Service<Request<Full<Bytes>>, Response = Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let service = service
            .map_response(|response: Response<B>| {
                response.map(|body| body.map_err(Into::into).boxed_unsync())
            })
            .map_err(Into::into);
        Self {
            inner: BoxCloneSyncService::new(service),
        }
    }

    pub(crate) async fn call(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<Response<ResponseBody>, BoxError> {
        self.inner.clone().oneshot(request).await
    }
}

/// The innermost cause of an error: the one that says what happened ("Connection refused"),
/// not a wrapper's "client error (Connect)".
pub(crate) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let inner = cause.to_string();
    let outer = error.to_string();
    if inner == outer {
        inner
    } else {
        format!("{outer}: {inner}")
    }
}
