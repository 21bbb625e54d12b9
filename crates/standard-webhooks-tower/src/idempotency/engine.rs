//! The claim / complete / release protocol over any [`IdempotencyStore`], for any framework.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use super::{
    DEFAULT_LEASE, DEFAULT_RETENTION, DEFAULT_STORE_TIMEOUT, IdempotencyOutcome, REPLAYED_HEADER,
};
use crate::{
    rejection::Rejection,
    store::{Claim, ClaimToken, Fenced, IdempotencyStore, StoreError},
};

/// When the store cannot say how long another attempt holds the key.
pub(crate) const IN_FLIGHT_RETRY_AFTER: Duration = Duration::from_secs(5);
/// When the store is unreachable or full.
pub(crate) const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(30);

/// The engine's settings, shared by every clone.
#[derive(Debug, Clone)]
struct Settings {
    namespace: String,
    lease: Duration,
    retention: Duration,
    store_timeout: Duration,
    fail_open: bool,
}

/// Runs each delivery's handler at most once to success: SPEC section 4's "claim, then complete
/// or release" over any [`IdempotencyStore`], with no framework attached.
///
/// [`begin`](Self::begin) claims a key and answers with a [`Begin`]: either a [`ClaimGuard`] to
/// run the handler under, or a plain value (a duplicate, another attempt in flight, the store
/// unavailable) that your framework turns into its answer. The guard then
///
/// - [`run`](ClaimGuard::run)s the handler while renewing the lease (every third of it), so a
///   slow handler keeps its claim however long it takes;
/// - [`complete`](ClaimGuard::complete)s the key after a success, or
///   [`release`](ClaimGuard::release)s it after a failure, so the sender's retry runs again;
/// - releases the key when it is dropped unfinished: the request was cancelled, or the handler
///   panicked.
///
/// Completion and release keep running when the future awaiting them is dropped (they move to
/// a task of their own), so a client going away can never leave a key claimed but not recorded.
/// The guard needs a tokio runtime with the time driver.
///
/// The tower [`IdempotencyLayer`](crate::IdempotencyLayer) is built on this engine; use the
/// engine directly from actix-web, warp, rocket or plain hyper (see the crate's `examples/`).
///
/// The engine is cheap to clone: clones share the store and the settings.
///
/// # Examples
///
/// ```
/// use standard_webhooks_tower::{Begin, IdempotencyEngine, MemoryStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let engine = IdempotencyEngine::new(MemoryStore::new());
///
/// // The verified `webhook-id` of a delivery, as the key:
/// let answer = match engine.begin("msg_1").await {
///     Begin::Claimed(mut guard) => {
///         let processed = guard.run(async { /* handle the event */ true }).await;
///         if processed {
///             guard.complete().await.ok();
///             "200 processed"
///         } else {
///             guard.release().await.ok();
///             "500 failed: the sender retries"
///         }
///     }
///     Begin::Duplicate => "200 duplicate",
///     Begin::InFlight { .. } => "409 in flight, retry later",
///     other => "503 store unavailable",
/// };
/// assert_eq!(answer, "200 processed");
/// assert!(matches!(engine.begin("msg_1").await, Begin::Duplicate));
/// # });
/// ```
pub struct IdempotencyEngine<St: ?Sized> {
    store: Arc<St>,
    settings: Arc<Settings>,
}

impl<St: ?Sized> Clone for IdempotencyEngine<St> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            settings: self.settings.clone(),
        }
    }
}

impl<St: fmt::Debug + ?Sized> fmt::Debug for IdempotencyEngine<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        f.debug_struct("IdempotencyEngine")
            .field("store", &self.store)
            .field("namespace", &s.namespace)
            .field("lease", &s.lease)
            .field("retention", &s.retention)
            .field("store_timeout", &s.store_timeout)
            .field("fail_open", &s.fail_open)
            .finish()
    }
}

impl<St: ?Sized> IdempotencyEngine<St> {
    /// Deduplicate on `store` with the defaults: namespace `webhooks`, 15 s lease renewed while
    /// the handler runs, 76 h retention, 2 s store timeout, fail closed.
    #[must_use]
    pub fn new(store: St) -> Self
    where
        St: Sized,
    {
        Self::from_arc(Arc::new(store))
    }

    /// As [`new`](Self::new), sharing a store that is already in an `Arc` (for example an
    /// `Arc<dyn IdempotencyStore>`).
    #[must_use]
    pub fn from_arc(store: Arc<St>) -> Self {
        Self {
            store,
            settings: Arc::new(Settings {
                namespace: "webhooks".to_owned(),
                lease: DEFAULT_LEASE,
                retention: DEFAULT_RETENTION,
                store_timeout: DEFAULT_STORE_TIMEOUT,
                fail_open: false,
            }),
        }
    }

    fn settings_mut(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.settings)
    }

    /// The prefix of every key (default `webhooks`), so several endpoints can share a store.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.settings_mut().namespace = namespace.into();
        self
    }

    /// How long one attempt holds a key without renewing it (default 15 s). A guard renews the
    /// lease every third of it while [`ClaimGuard::run`] runs the handler, so the lease outlives
    /// the handler however long that takes; the lease is what a key stays claimed after the
    /// process holding it died. Keep the [store timeout](Self::store_timeout) under a third of it.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.settings_mut().lease = lease;
        self
    }

    /// How long a completed key is remembered (default 76 h). It must outlive the sender's
    /// whole retry schedule.
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.settings_mut().retention = retention;
        self
    }

    /// The bound on every store call (default 2 s); a call that takes longer counts as the
    /// store being unavailable.
    #[must_use]
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.settings_mut().store_timeout = timeout;
        self
    }

    /// Answer [`Begin::Unchecked`] instead of [`Begin::Unavailable`] while the store is
    /// unreachable (default: no). A full store is still [`Begin::Unavailable`]: it is reachable,
    /// and the sender's retry will find room once records expire.
    #[must_use]
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.settings_mut().fail_open = fail_open;
        self
    }

    /// The store, for health checks.
    pub fn store(&self) -> &Arc<St> {
        &self.store
    }

    /// Whether [`fail_open`](Self::fail_open) is set.
    #[must_use]
    pub fn is_fail_open(&self) -> bool {
        self.settings.fail_open
    }
}

impl<St: IdempotencyStore + ?Sized> IdempotencyEngine<St> {
    /// Claim `key` (prefixed with the namespace) for one attempt.
    ///
    /// The store errors are not errors of this call: they are [`Begin::Unavailable`] (fail
    /// closed) or [`Begin::Unchecked`] (with [`fail_open`](Self::fail_open)), values your
    /// framework answers like the others.
    pub async fn begin(&self, key: &str) -> Begin<St> {
        let s = &*self.settings;
        let mut full = String::with_capacity(s.namespace.len() + 1 + key.len());
        full.push_str(&s.namespace);
        full.push(':');
        full.push_str(key);
        match bounded(s.store_timeout, self.store.claim(&full, s.lease)).await {
            Ok(Claim::Acquired(token)) => Begin::Claimed(ClaimGuard {
                engine: self.clone(),
                claim: Some((full, token)),
            }),
            Ok(Claim::Completed) => Begin::Duplicate,
            Ok(Claim::InFlight { retry_after }) => Begin::InFlight {
                retry_after: retry_after.unwrap_or(IN_FLIGHT_RETRY_AFTER),
            },
            Err(error) if !s.fail_open || matches!(error, StoreError::Full) => {
                crate::log_warn!(key = %full, %error, "idempotency store cannot claim; fail closed");
                Begin::Unavailable {
                    retry_after: UNAVAILABLE_RETRY_AFTER,
                    error,
                }
            }
            Err(error) => {
                crate::log_warn!(key = %full, %error, "idempotency store unavailable; failing open: delivery processed unchecked");
                Begin::Unchecked { error }
            }
        }
    }
}

impl<St: IdempotencyStore + ?Sized> IdempotencyEngine<St> {
    /// The whole protocol in one call: claim `key`, run `handler` under the claim (renewing
    /// the lease), then complete the key if it returned `Ok` or release it if it returned `Err`,
    /// so that the sender's retry runs it again. Completion and release are awaited (and
    /// recorded) before this returns, so answer 2xx only after it, on
    /// [`Once::Processed`].
    ///
    /// The handler runs only for a key that was free, or unchecked when the store is
    /// unreachable and the engine [fails open](Self::fail_open). Dropping this future while the
    /// handler runs (the request was cancelled) releases the key, as does a panic in the
    /// handler. A completion the store could not record is logged (feature `tracing`) and still
    /// [`Once::Processed`]: the handler did succeed, and a retry may run it again.
    ///
    /// # Examples
    ///
    /// ```
    /// use standard_webhooks_tower::{IdempotencyEngine, MemoryStore, Once};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let engine = IdempotencyEngine::new(MemoryStore::new());
    /// let handle = || async { Ok::<_, String>("done") };
    /// assert!(matches!(engine.once("msg_1", handle()).await, Once::Processed("done")));
    /// assert!(matches!(engine.once("msg_1", handle()).await, Once::Duplicate));
    /// let failing = engine.once("msg_2", async { Err::<(), _>("disk full") }).await;
    /// assert!(matches!(failing, Once::Failed("disk full")));
    /// // Released: the retry runs the handler.
    /// assert!(matches!(engine.once("msg_2", handle()).await, Once::Processed(_)));
    /// # });
    /// ```
    pub async fn once<T, E>(
        &self,
        key: &str,
        handler: impl Future<Output = Result<T, E>>,
    ) -> Once<T, E> {
        let mut guard = match self.begin(key).await {
            Begin::Claimed(guard) => guard,
            Begin::Unchecked { .. } => {
                return match handler.await {
                    Ok(out) => Once::Processed(out),
                    Err(e) => Once::Failed(e),
                };
            }
            Begin::Duplicate => return Once::Duplicate,
            other => {
                return Once::Rejected(other.rejection().unwrap_or(Rejection::StoreUnavailable {
                    retry_after: UNAVAILABLE_RETRY_AFTER,
                }));
            }
        };
        match guard.run(handler).await {
            Ok(out) => {
                let _ = guard.complete().await;
                Once::Processed(out)
            }
            Err(e) => {
                let _ = guard.release().await;
                Once::Failed(e)
            }
        }
    }
}

/// What [`IdempotencyEngine::once`] did with a delivery.
#[must_use]
#[derive(Debug)]
pub enum Once<T, E> {
    /// The handler ran and returned `Ok`; the key is completed: answer 2xx.
    Processed(T),
    /// The handler ran and returned `Err`; the key is released, so the sender's retry runs the
    /// handler again: answer non-2xx (500, say).
    Failed(E),
    /// The key was completed before; the handler did not run: answer 200, saying it was a
    /// duplicate (for example with [`REPLAYED_HEADER`](super::REPLAYED_HEADER)).
    Duplicate,
    /// Another attempt holds the key (409), or the store is unavailable or full (503); the
    /// handler did not run: answer with the rejection's status and `Retry-After`.
    Rejected(Rejection),
}

impl<T, E> Once<T, E> {
    /// The answer for the outcomes whose handler did not run, as the tower layer gives it:
    /// [`Duplicate`](Self::Duplicate) is 200 with [`REPLAYED_HEADER`](super::REPLAYED_HEADER)
    /// and a JSON body, [`Rejected`](Self::Rejected) its [`Rejection`]'s JSON response (409 or
    /// 503, with `Retry-After`). `None` for [`Processed`](Self::Processed) and
    /// [`Failed`](Self::Failed), whose answer is yours.
    #[must_use]
    pub fn response<B: From<Bytes>>(&self) -> Option<Response<B>> {
        match self {
            Self::Duplicate => Some(duplicate_response()),
            Self::Rejected(r) => Some(rejected_response(r)),
            Self::Processed(_) | Self::Failed(_) => None,
        }
    }

    /// The whole answer, for frameworks built on the `http` crate: [`response`](Self::response)
    /// for a duplicate or a rejection; 200 `{"status":"processed"}` for
    /// [`Processed`](Self::Processed); 500 for [`Failed`](Self::Failed), whose body says the
    /// handler failed but not how (the error may hold what the sender must not see), so that
    /// the sender retries. Each carries its [`IdempotencyOutcome`] (or [`Rejection`]) as an
    /// extension, as the tower layer's answers do.
    pub fn into_response<B: From<Bytes>>(self) -> Response<B> {
        let (status, outcome, body): (_, _, &'static [u8]) = match &self {
            Self::Processed(_) => (
                StatusCode::OK,
                IdempotencyOutcome::Processed,
                br#"{"status":"processed"}"#,
            ),
            Self::Failed(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                IdempotencyOutcome::Released,
                br#"{"error":"handler_failed","message":"the handler failed; retry later"}"#,
            ),
            Self::Duplicate => return duplicate_response(),
            Self::Rejected(r) => return rejected_response(r),
        };
        let mut res = Response::new(B::from(Bytes::from_static(body)));
        *res.status_mut() = status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res.extensions_mut().insert(outcome);
        res
    }
}

/// What [`IdempotencyEngine::begin`] found.
#[must_use]
#[non_exhaustive]
pub enum Begin<St: IdempotencyStore + ?Sized> {
    /// The key is ours: run the handler under the guard, then complete or release it.
    Claimed(ClaimGuard<St>),
    /// The key was completed before: do not run the handler; answer 200 (SPEC: say it was a
    /// duplicate, for example with [`REPLAYED_HEADER`](super::REPLAYED_HEADER)).
    Duplicate,
    /// Another attempt holds the key right now: do not run the handler; answer 409 with
    /// `Retry-After`.
    InFlight {
        /// When to try again.
        retry_after: Duration,
    },
    /// The store could not be reached, timed out or is full: do not run the handler; answer
    /// 503 with `Retry-After` (fail closed).
    Unavailable {
        /// When to try again.
        retry_after: Duration,
        /// What the store said.
        error: StoreError,
    },
    /// The store could not be reached and the engine fails open: run the handler without a
    /// claim (a duplicate may then be processed twice).
    Unchecked {
        /// What the store said.
        error: StoreError,
    },
}

impl<St: IdempotencyStore + ?Sized> Begin<St> {
    /// The [`Rejection`] the layers answer with for [`InFlight`](Self::InFlight) (409) and
    /// [`Unavailable`](Self::Unavailable) (503); `None` for the others.
    #[must_use]
    pub fn rejection(&self) -> Option<Rejection> {
        match self {
            Self::InFlight { retry_after } => Some(Rejection::InFlight {
                retry_after: *retry_after,
            }),
            Self::Unavailable { retry_after, .. } => Some(Rejection::StoreUnavailable {
                retry_after: *retry_after,
            }),
            _ => None,
        }
    }

    /// The answer for the outcomes that do not run the handler, as the tower layer gives it:
    /// [`Duplicate`](Self::Duplicate) is 200 with [`REPLAYED_HEADER`](super::REPLAYED_HEADER)
    /// and a JSON body; [`InFlight`](Self::InFlight) and [`Unavailable`](Self::Unavailable) are
    /// their [`Rejection`]'s JSON response (409 or 503, with `Retry-After`). `None` for
    /// [`Claimed`](Self::Claimed) and [`Unchecked`](Self::Unchecked): run the handler.
    ///
    /// For frameworks built on the `http` crate (hyper, axum, warp, ...); elsewhere build the
    /// answer from [`rejection`](Self::rejection).
    #[must_use]
    pub fn response<B: From<Bytes>>(&self) -> Option<Response<B>> {
        match self {
            Self::Duplicate => Some(duplicate_response()),
            _ => self.rejection().map(|r| {
                let mut res = r.to_json_response();
                res.extensions_mut().insert(r);
                res
            }),
        }
    }
}

/// A rejection's JSON response, carrying the rejection as an extension.
fn rejected_response<B: From<Bytes>>(r: &Rejection) -> Response<B> {
    let mut res = r.to_json_response();
    res.extensions_mut().insert(r.clone());
    res
}

/// 200 for a duplicate of a completed delivery, saying so in a header.
pub(crate) fn duplicate_response<B: From<Bytes>>() -> Response<B> {
    let body = Bytes::from_static(
        br#"{"status":"duplicate","message":"this delivery was already processed"}"#,
    );
    let mut res = Response::new(B::from(body));
    *res.status_mut() = StatusCode::OK;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    res.extensions_mut().insert(IdempotencyOutcome::Duplicate);
    res
}

impl<St: IdempotencyStore + ?Sized> fmt::Debug for Begin<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Claimed(guard) => f.debug_tuple("Claimed").field(guard).finish(),
            Self::Duplicate => f.write_str("Duplicate"),
            Self::InFlight { retry_after } => f
                .debug_struct("InFlight")
                .field("retry_after", retry_after)
                .finish(),
            Self::Unavailable { retry_after, error } => f
                .debug_struct("Unavailable")
                .field("retry_after", retry_after)
                .field("error", error)
                .finish(),
            Self::Unchecked { error } => f.debug_struct("Unchecked").field("error", error).finish(),
        }
    }
}

/// One attempt's claim on a key; see [`IdempotencyEngine`].
///
/// Dropping it without [`complete`](Self::complete) or [`release`](Self::release) (the request
/// was cancelled, the handler panicked) releases the key on a task of its own, so the sender's
/// next retry runs the handler.
#[must_use = "dropping the guard releases the key: complete it after a success"]
pub struct ClaimGuard<St: IdempotencyStore + ?Sized> {
    engine: IdempotencyEngine<St>,
    claim: Option<(String, ClaimToken)>,
}

impl<St: IdempotencyStore + ?Sized> fmt::Debug for ClaimGuard<St> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimGuard")
            .field("key", &self.key())
            .finish_non_exhaustive()
    }
}

impl<St: IdempotencyStore + ?Sized> ClaimGuard<St> {
    /// The claimed key, with its namespace.
    #[must_use]
    pub fn key(&self) -> &str {
        self.claim.as_ref().map_or("", |(key, _)| key.as_str())
    }

    /// Await `handler`, renewing the lease every third of it meanwhile, so the lease outlives
    /// the handler however long it runs, and a process that dies frees the key after one lease.
    pub async fn run<F: Future>(&mut self, handler: F) -> F::Output {
        let Some((key, token)) = self.claim.as_ref() else {
            return handler.await;
        };
        let s = &*self.engine.settings;
        let store = &*self.engine.store;
        let every = (s.lease / 3).max(Duration::from_millis(1));
        let mut handler = std::pin::pin!(handler);
        // A handler that is done at its first poll (one with nothing to wait for) needs no
        // renewal timer: a timer set up and cancelled costs a clock read and the timer
        // wheel's lock.
        if let Poll::Ready(out) =
            std::future::poll_fn(|cx| Poll::Ready(handler.as_mut().poll(cx))).await
        {
            return out;
        }
        loop {
            tokio::select! {
                biased;
                out = &mut handler => return out,
                () = tokio::time::sleep(every) => {}
            }
            // The handler keeps running while the store answers. With the store timeout under a
            // third of the lease (the defaults: 2 s and 15 s), a renewal that times out leaves
            // time for the next one before the lease ends.
            let renew = bounded(s.store_timeout, store.renew(key, token, s.lease));
            let renewed = tokio::select! {
                biased;
                out = &mut handler => return out,
                r = renew => r,
            };
            match renewed {
                Ok(Fenced::Applied) => {}
                Ok(Fenced::Stale) => {
                    crate::log_warn!(%key, "lease lost while the handler runs (the store was unreachable for longer than the lease); a retry may run it again");
                }
                Err(_e) => {
                    crate::log_warn!(%key, error = %_e, "could not renew the lease; trying again");
                }
            }
        }
    }

    /// Mark the key completed for the retention: the handler succeeded, and the sender's
    /// retries are duplicates from now on.
    ///
    /// Recording keeps running if this future is dropped (it moves to a task of its own), so
    /// call it as soon as the handler succeeded and before answering.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store could not record it; a retry may then run the handler
    /// again. `Ok(Fenced::Stale)` when the lease was lost (the store was unreachable for longer
    /// than the lease) and another attempt may have claimed the key.
    pub fn complete(mut self) -> Recording {
        let Some((key, token)) = self.claim.take() else {
            return Recording::done();
        };
        let store = self.engine.store.clone();
        let settings = self.engine.settings.clone();
        Recording::new(async move {
            let done = bounded(
                settings.store_timeout,
                store.complete(&key, &token, settings.retention),
            )
            .await;
            match &done {
                Ok(Fenced::Applied) => {}
                Ok(Fenced::Stale) => {
                    crate::log_warn!(%key, "lease lost before the handler finished; completion not recorded");
                }
                Err(_e) => {
                    crate::log_warn!(%key, error = %_e, "could not record completion; a retry may run the handler again");
                }
            }
            done
        })
    }

    /// Free the key now rather than when its lease ends: the handler failed, and the sender's
    /// next retry should run it again.
    ///
    /// Like [`complete`](Self::complete), this keeps running if its future is dropped.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store could not be reached; the key then frees when its lease
    /// ends.
    pub fn release(mut self) -> Recording {
        match self.claim.take() {
            Some((key, token)) => {
                release(self.engine.store.clone(), &self.engine.settings, key, token)
            }
            None => Recording::done(),
        }
    }
}

fn release<St: IdempotencyStore + ?Sized>(
    store: Arc<St>,
    settings: &Settings,
    key: String,
    token: ClaimToken,
) -> Recording {
    let limit = settings.store_timeout;
    Recording::new(async move {
        let done = bounded(limit, store.release(&key, &token)).await;
        if let Err(_e) = &done {
            crate::log_warn!(%key, error = %_e, "could not release the key; it frees when its lease ends");
        }
        done
    })
}

impl<St: IdempotencyStore + ?Sized> Drop for ClaimGuard<St> {
    fn drop(&mut self) {
        let Some((key, token)) = self.claim.take() else {
            return;
        };
        crate::log_warn!(%key, "delivery abandoned before an answer; releasing its key");
        // Dropping the recording moves it to a task of its own (or, with no runtime left, the
        // lease expires by itself).
        drop(release(
            self.engine.store.clone(),
            &self.engine.settings,
            key,
            token,
        ));
    }
}

type RecordFuture = Pin<Box<dyn Future<Output = Result<Fenced, StoreError>> + Send>>;

/// The future of [`ClaimGuard::complete`] and [`ClaimGuard::release`]: the store call, which
/// moves to a task of its own if this future is dropped before it finished, so that nothing
/// can cancel it half-way.
///
/// A store that answers at once (the [`MemoryStore`](crate::MemoryStore)) costs no task.
#[must_use = "the store call runs (on a task of its own) even when this is dropped; await it to know it is recorded"]
pub struct Recording {
    inner: Option<RecordFuture>,
}

impl Recording {
    fn new(fut: impl Future<Output = Result<Fenced, StoreError>> + Send + 'static) -> Self {
        Self {
            inner: Some(Box::pin(fut)),
        }
    }

    fn done() -> Self {
        Self { inner: None }
    }
}

impl fmt::Debug for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recording")
            .field("finished", &self.inner.is_none())
            .finish()
    }
}

impl Future for Recording {
    type Output = Result<Fenced, StoreError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(fut) = self.inner.as_mut() else {
            // Already recorded, or there was nothing to record.
            return Poll::Ready(Ok(Fenced::Applied));
        };
        let out = std::task::ready!(fut.as_mut().poll(cx));
        self.inner = None;
        Poll::Ready(out)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let Some(fut) = self.inner.take() else {
            return;
        };
        // No runtime (the process is shutting down): the lease expires by itself.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(fut);
        }
    }
}

pub(crate) async fn bounded<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or(Err(StoreError::Timeout))
}
