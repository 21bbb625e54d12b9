//! The typed client of the management API.
//!
//! One [`Client`] per API key; it is cheap to clone (the clones share connections, the rate
//! limit and the configuration). Each resource has a handler, as in octocrab:
//! [`Client::webhooks`] and [`Client::deliveries`].
//!
//! # Examples
//!
//! ```no_run
//! use quo_api::{NewWebhook, client::{Client, RateLimit}};
//! use quo_webhooks::EventType;
//!
//! # async fn doc() -> Result<(), quo_api::Error> {
//! let client = Client::builder()
//!     .api_key(std::env::var("QUO_API_KEY").unwrap_or_default())
//!     .rate_limit(RateLimit::QUO)
//!     .build()?;
//! let created = client
//!     .webhooks()
//!     .create(&NewWebhook::new("https://example.com/hooks", [EventType::MessageReceived]))
//!     .await?;
//! let verifier_key = created.key; // a standard_webhooks::Secret
//! # let _ = verifier_key;
//! # Ok(()) }
//! ```

mod deliveries;
mod legacy;
mod rate_limit;
mod retry;
mod transport;
mod webhooks;

use std::{
    fmt,
    sync::Arc,
    time::{Duration, SystemTime},
};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use serde::de::DeserializeOwned;

pub use deliveries::DeliveriesHandler;
pub use legacy::LegacyWebhooksHandler;
pub use rate_limit::RateLimit;
pub use retry::RetryPolicy;
pub use transport::{BoxError, HttpsClient, ResponseBody, Transport, https_client};
pub use webhooks::WebhooksHandler;

use crate::{
    API_VERSION, DEFAULT_BASE_URL, ErrorBody, VERSION_HEADER, WebhookId,
    error::{Error, redact, redact_body, snippet},
};
use rate_limit::RateLimiter;

/// The environment variable [`Client::from_env`] reads the API key from.
pub const API_KEY_ENV: &str = "QUO_API_KEY";

/// The environment variable [`Client::from_env`] reads an optional base URL from.
pub const BASE_URL_ENV: &str = "QUO_API_BASE_URL";

/// The default time limit for one attempt of a request, answer body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer body read; anything longer is an [`Error::Decode`].
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The API key, re-exported here where the client used to define it.
pub use crate::model::ApiKey;

/// `key` as the `Authorization` header, marked sensitive so it is never logged.
fn header_value(key: &ApiKey) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(key.expose())
        .map_err(|_| Error::config("the API key cannot be sent in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// A client of Quo's webhook management API.
///
/// Every request carries the key in `Authorization` (raw, no `Bearer`), the API version in
/// `x-quo-api-version`, and `user-agent: quo-api/VERSION`. `GET` and `DELETE` are retried by
/// the [`RetryPolicy`]; `POST` and `PATCH` never are.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api_key: ApiKey,
    base_url: String,
    api_version: HeaderValue,
    timeout: Duration,
    retry: RetryPolicy,
    rate_limit: Option<(RateLimit, RateLimiter)>,
    transport: Transport,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_version", &self.inner.api_version)
            .field("api_key", &self.inner.api_key)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field(
                "rate_limit",
                &self.inner.rate_limit.as_ref().map(|(l, _)| l),
            )
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `https://api.quo.com` with `api_key` and the defaults.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is unusable or the TLS roots cannot be loaded.
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// A client configured from `QUO_API_KEY` and, when set, `QUO_API_BASE_URL`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `QUO_API_KEY` is not set or either value is unusable.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let key =
            var(API_KEY_ENV).ok_or_else(|| Error::config(format!("{API_KEY_ENV} is not set")))?;
        let mut builder = Self::builder().api_key(key);
        if let Some(url) = var(BASE_URL_ENV).filter(|url| !url.trim().is_empty()) {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A builder, for the base URL, version, timeout, retries, rate limit and transport.
    #[must_use]
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The webhooks (subscriptions) of the workspace.
    #[must_use]
    pub fn webhooks(&self) -> WebhooksHandler<'_> {
        WebhooksHandler::new(self)
    }

    /// The deliveries of one webhook.
    #[must_use]
    pub fn deliveries(&self, webhook_id: impl Into<WebhookId>) -> DeliveriesHandler<'_> {
        DeliveriesHandler::new(self, webhook_id.into())
    }

    /// The legacy webhooks (`/v1/webhooks`, sent without the version header).
    #[must_use]
    pub fn legacy_webhooks(&self) -> LegacyWebhooksHandler<'_> {
        LegacyWebhooksHandler::new(self)
    }

    /// The base URL requests go to.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends `body` (JSON) with `method` to `path_and_query` and reads a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let answer = self.execute(method, path_and_query, body).await?;
        serde_json::from_slice(&answer.body).map_err(|e| self.decode_error(&answer, &e))
    }

    /// Sends a request whose answer body is not needed (`204`, `202 {}`).
    pub(crate) async fn empty(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(), Error> {
        self.execute(method, path_and_query, body).await.map(drop)
    }

    fn decode_error(&self, answer: &Answer, error: &serde_json::Error) -> Error {
        let key = self.inner.api_key.expose();
        Error::Decode {
            status: answer.status,
            message: redact(&error.to_string(), key),
            snippet: snippet(&answer.body, key),
        }
    }

    /// Sends the request, retrying as the policy allows, and returns a 2xx answer or the
    /// error the last attempt ended with.
    async fn execute(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let uri: Uri = format!("{}{path_and_query}", self.inner.base_url)
            .parse()
            .map_err(|e| Error::config(format!("cannot build a URL for {path_and_query}: {e}")))?;
        let body = body.map(Bytes::from);
        let run = self.with_retries(&method, &uri, body);
        #[cfg(feature = "tracing")]
        let run = {
            let path = path_and_query
                .split_once('?')
                .map_or(path_and_query, |(path, _)| path);
            let span = tracing::debug_span!(
                "quo_api.request",
                method = %method,
                path = %path,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
                attempts = tracing::field::Empty,
            );
            tracing::Instrument::instrument(run, span)
        };
        let answer = run.await?;
        self.check(answer)
    }

    /// Attempts until one gets an answer that is not worth retrying, or the policy says stop.
    async fn with_retries(
        &self,
        method: &Method,
        uri: &Uri,
        body: Option<Bytes>,
    ) -> Result<Answer, Error> {
        let started = tokio::time::Instant::now();
        let repeatable = retry::is_repeatable(method);
        let policy = &self.inner.retry;
        let mut retries = 0;
        loop {
            if let Some((_, limiter)) = &self.inner.rate_limit {
                limiter.acquire().await;
            }
            #[cfg(feature = "tracing")]
            let attempt_started = tokio::time::Instant::now();
            let outcome = self.attempt(method, uri, body.clone()).await;
            #[cfg(feature = "tracing")]
            {
                let elapsed_ms = attempt_started.elapsed().as_millis();
                match &outcome {
                    Ok(answer) => {
                        tracing::debug!(status = answer.status.as_u16(), elapsed_ms, "answer");
                    }
                    Err(error) => tracing::debug!(%error, elapsed_ms, "no answer"),
                }
            }
            // `Some(retry_after)` when the outcome is worth another attempt.
            let retryable = match &outcome {
                Ok(answer) if retry::is_retryable_status(answer.status) => {
                    Some(retry::retry_after(&answer.headers, SystemTime::now()))
                }
                Err(Error::Connection { .. }) => Some(None),
                _ => None,
            };
            if let Some(asked) = retryable
                && repeatable
                && retries < policy.retries()
            {
                let wait = asked.unwrap_or_else(|| policy.backoff(retries));
                if started.elapsed() + wait <= policy.elapsed_budget() {
                    #[cfg(feature = "tracing")]
                    tracing::debug!(retry = retries + 1, wait_ms = wait.as_millis(), "retrying");
                    tokio::time::sleep(wait).await;
                    retries += 1;
                    continue;
                }
            }
            #[cfg(feature = "tracing")]
            {
                let span = tracing::Span::current();
                if let Ok(answer) = &outcome {
                    span.record("status", answer.status.as_u16());
                }
                span.record("duration_ms", started.elapsed().as_millis());
                span.record("attempts", retries + 1);
            }
            return outcome;
        }
    }

    /// One attempt: the request sent and the whole answer read, within the timeout.
    async fn attempt(
        &self,
        method: &Method,
        uri: &Uri,
        body: Option<Bytes>,
    ) -> Result<Answer, Error> {
        let inner = &self.inner;
        let mut request = Request::builder().method(method.clone()).uri(uri.clone());
        let headers = request
            .headers_mut()
            .ok_or_else(|| Error::config(format!("cannot build a request for {uri}")))?;
        headers.insert(header::AUTHORIZATION, header_value(&inner.api_key)?);
        // The legacy `/v1` API has no version header.
        if !uri.path().starts_with("/v1/") {
            headers.insert(VERSION_HEADER, inner.api_version.clone());
        }
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        if body.is_some() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| Error::config(format!("cannot build a request for {uri}: {e}")))?;

        let key = inner.api_key.expose();
        let exchange = async {
            let response = inner
                .transport
                .call(request)
                .await
                .map_err(|e| Error::Connection {
                    message: redact(&transport::innermost(&*e), key),
                })?;
            let (parts, mut body) = response.into_parts();
            let mut read = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Error::Connection {
                    message: format!(
                        "reading the answer: {}",
                        redact(&transport::innermost(&*e), key)
                    ),
                })?;
                if let Ok(data) = frame.into_data() {
                    if read.len() + data.len() > MAX_RESPONSE_BYTES {
                        return Err(Error::Decode {
                            status: parts.status,
                            message: format!(
                                "the answer is longer than {MAX_RESPONSE_BYTES} bytes"
                            ),
                            snippet: snippet(&read, key),
                        });
                    }
                    read.extend_from_slice(&data);
                }
            }
            Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body: Bytes::from(read),
            })
        };
        tokio::time::timeout(inner.timeout, exchange)
            .await
            .unwrap_or(Err(Error::Timeout {
                after: inner.timeout,
            }))
    }

    /// A 2xx answer as it is; any other status as the error it means.
    fn check(&self, answer: Answer) -> Result<Answer, Error> {
        if answer.status.is_success() {
            return Ok(answer);
        }
        let key = self.inner.api_key.expose();
        let body = serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .filter(serde_json::Value::is_object)
            .and_then(|value| serde_json::from_value::<ErrorBody>(value).ok())
            .map(|body| Box::new(redact_body(body, key)));
        match (answer.status, body) {
            (StatusCode::TOO_MANY_REQUESTS, body) => Err(Error::RateLimited {
                retry_after: retry::retry_after(&answer.headers, SystemTime::now()),
                body,
            }),
            (status, Some(body)) => Err(Error::Api { status, body }),
            (status, None) => Err(Error::Decode {
                status,
                message: "the error answer is not Quo's JSON error body".to_owned(),
                snippet: snippet(&answer.body, key),
            }),
        }
    }
}

const USER_AGENT: &str = concat!("quo-api/", env!("CARGO_PKG_VERSION"));

/// A whole answer.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// Configures a [`Client`]. Only the API key is required.
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<Result<ApiKey, Error>>,
    base_url: Option<String>,
    api_version: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    rate_limit: Option<RateLimit>,
    transport: Option<Transport>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "ApiKey { .. }"))
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API key (required), as Quo shows it.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(key).map_err(|e| Error::config(e.to_string())));
        self
    }

    /// Where the API is: `https://api.quo.com` by default; `http://127.0.0.1:8788` for the
    /// emulator. A path prefix is kept (`https://proxy.example/quo`).
    #[must_use]
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API version sent on every request (default [`API_VERSION`], `2026-03-30`).
    #[must_use]
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The time limit for one attempt, from sending to the end of the answer (default 30 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time limit for opening a connection with the default transport (default: the
    /// timeout).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Which failures are retried and how (default [`RetryPolicy::default`]).
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Spaces requests to stay under a rate (default: none).
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Sends requests through `transport` instead of HTTPS.
    #[must_use]
    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without an API key, with an unusable key, base URL or version, or when
    /// the default transport cannot load the system's root certificates.
    pub fn build(self) -> Result<Client, Error> {
        let api_key = self
            .api_key
            .ok_or_else(|| Error::config(format!("no API key (set {API_KEY_ENV})")))??;
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let api_version = HeaderValue::try_from(self.api_version.as_deref().unwrap_or(API_VERSION))
            .map_err(|_| Error::config("the API version cannot be sent in a header"))?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let transport = match self.transport {
            Some(transport) => transport,
            None => Transport::https(Some(self.connect_timeout.unwrap_or(timeout)))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                api_key,
                base_url,
                api_version,
                timeout,
                retry: self.retry.unwrap_or_default(),
                rate_limit: self.rate_limit.map(|l| (l, RateLimiter::new(l))),
                transport,
            }),
        })
    }
}

/// `http(s)://host[:port][/prefix]`, without a trailing `/`, query or fragment.
fn parse_base_url(url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    let uri: Uri = trimmed
        .parse()
        .map_err(|_| Error::config(format!("the base URL {trimmed:?} is not a URL")))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some_and(|h| !h.is_empty()) => {}
        _ => {
            return Err(Error::config(format!(
                "the base URL {trimmed:?} is not an http:// or https:// URL"
            )));
        }
    }
    if uri.query().is_some()
        || trimmed.contains('#')
        || uri.authority().is_some_and(|a| a.as_str().contains('@'))
    {
        return Err(Error::config(format!(
            "the base URL {trimmed:?} must not have credentials, a query or a fragment"
        )));
    }
    Ok(trimmed.to_owned())
}

/// `segment` percent-encoded for one path segment (everything but RFC 3986's unreserved
/// characters), so an id cannot change the path.
pub(crate) fn segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    if out == "." || out == ".." {
        out = out.replace('.', "%2E");
    }
    out
}

/// `value` as a JSON request body.
pub(crate) fn to_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| Error::config(format!("cannot write the request body: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_header_is_sensitive_and_a_bad_key_is_a_config_error() {
        let key = ApiKey::new(" secret-key-123\n").unwrap();
        assert!(header_value(&key).unwrap().is_sensitive());
        let error = Client::builder().api_key("bad key").build().unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
        assert!(!error.to_string().contains("bad key"), "{error}");
    }

    #[test]
    fn from_env_reads_the_key_and_an_optional_base_url() {
        let vars = |key: Option<&str>, url: Option<&str>| {
            let (key, url) = (key.map(str::to_owned), url.map(str::to_owned));
            move |name: &str| match name {
                API_KEY_ENV => key.clone(),
                BASE_URL_ENV => url.clone(),
                _ => None,
            }
        };
        let client = Client::from_vars(vars(Some("k1"), None)).unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let client = Client::from_vars(vars(Some("k1"), Some("http://127.0.0.1:8788/"))).unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8788");
        let client = Client::from_vars(vars(Some("k1"), Some(" "))).unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let error = Client::from_vars(vars(None, None)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid client configuration: QUO_API_KEY is not set"
        );
        assert!(Client::from_vars(vars(Some("k1"), Some("nope"))).is_err());
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("https://api.quo.com/").unwrap(),
            "https://api.quo.com"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8788").unwrap(),
            "http://127.0.0.1:8788"
        );
        assert_eq!(
            parse_base_url("https://proxy.example/quo/").unwrap(),
            "https://proxy.example/quo"
        );
        for bad in [
            "",
            "api.quo.com",
            "ftp://x",
            "https://",
            "https://a/?q=1",
            "https://u:p@a",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("123"), "123");
        assert_eq!(segment("msg_2abc"), "msg_2abc");
        assert_eq!(segment("../x"), "..%2Fx");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("a b?c#"), "a%20b%3Fc%23");
    }
}
