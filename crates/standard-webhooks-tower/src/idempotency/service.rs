use std::{
    borrow::Cow,
    fmt,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use standard_webhooks::Verified;
use tower_service::Service;

use super::{
    IdempotencyOutcome, REPLAYED_HEADER, Unchecked,
    layer::{KeyContext, Settings},
};
use crate::{
    ResponseFuture,
    rejection::{JsonRejection, OnRejection, Rejection, respond},
    store::{Claim, ClaimToken, Fenced, IdempotencyStore, StoreError},
    verify::VerifiedBody,
};

/// When the store cannot say how long another attempt holds the key.
const IN_FLIGHT_RETRY_AFTER: Duration = Duration::from_secs(5);
/// When the store is unreachable or full.
const UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Runs the inner service at most once to success per key; built by
/// [`IdempotencyLayer`](super::IdempotencyLayer).
pub struct Idempotency<S, St: ?Sized, R = JsonRejection> {
    pub(super) inner: S,
    pub(super) store: Arc<St>,
    pub(super) settings: Arc<Settings>,
    pub(super) on_rejection: R,
}

impl<S: Clone, St: ?Sized, R: Clone> Clone for Idempotency<S, St, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            store: self.store.clone(),
            settings: self.settings.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

impl<S: fmt::Debug, St: fmt::Debug + ?Sized, R: fmt::Debug> fmt::Debug for Idempotency<S, St, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotency")
            .field("inner", &self.inner)
            .field("store", &self.store)
            .field("namespace", &self.settings.namespace)
            .field("on_rejection", &self.on_rejection)
            .finish_non_exhaustive()
    }
}

impl<S, St, R, ReqBody, ResBody> Service<Request<ReqBody>> for Idempotency<S, St, R>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    St: IdempotencyStore + ?Sized,
    ReqBody: Send + 'static,
    ResBody: From<Bytes> + Send + 'static,
    R: OnRejection<ResBody> + Clone + Send + Sync + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let store = self.store.clone();
        let settings = self.settings.clone();
        let on_rejection = self.on_rejection.clone();
        ResponseFuture::new(async move {
            let key = {
                let ctx = KeyContext {
                    verified: req.extensions().get::<Verified<'static>>(),
                    body: req.extensions().get::<VerifiedBody>().map(|b| &b.0),
                    headers: req.headers(),
                };
                match &settings.key_fn {
                    Some(f) => f(&ctx),
                    None => default_key(&ctx),
                }
            };
            let Some(key) = key else {
                return Ok(respond(&on_rejection, Rejection::MissingIdempotencyKey));
            };
            let key = format!("{}:{key}", settings.namespace);

            let claim = bounded(settings.store_timeout, store.claim(&key, settings.lease)).await;
            let token = match claim {
                Ok(Claim::Acquired(token)) => token,
                Ok(Claim::Completed) => return Ok(duplicate()),
                Ok(Claim::InFlight { retry_after }) => {
                    let retry_after = retry_after.unwrap_or(IN_FLIGHT_RETRY_AFTER);
                    return Ok(respond(&on_rejection, Rejection::InFlight { retry_after }));
                }
                // A full store fails closed even when failing open: it is reachable, and the
                // sender's retry will find room once records expire.
                Err(e) if !settings.fail_open || matches!(e, StoreError::Full) => {
                    crate::log_warn!(%key, error = %e, "idempotency store cannot claim; answering 503");
                    return Ok(respond(
                        &on_rejection,
                        Rejection::StoreUnavailable {
                            retry_after: UNAVAILABLE_RETRY_AFTER,
                        },
                    ));
                }
                Err(_e) => {
                    crate::log_warn!(%key, error = %_e, "idempotency store unavailable; failing open: delivery processed unchecked");
                    req.extensions_mut().insert(Unchecked);
                    let mut res = inner.call(req).await?;
                    res.extensions_mut().insert(IdempotencyOutcome::Unchecked);
                    return Ok(res);
                }
            };

            let attempt = run_claimed(inner, req, store, settings.clone(), key, token);
            if !settings.run_to_completion {
                return attempt.await;
            }
            // The attempt runs on its own task, so that a client going away does not cancel a
            // handler half-way through its side effects: it finishes and its outcome is
            // recorded, and the sender's retry finds the key completed (or released).
            match tokio::spawn(attempt).await {
                Ok(result) => result,
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The runtime is shutting down: the guard released the key, or its lease ends.
                Err(_) => Ok(respond(
                    &on_rejection,
                    Rejection::StoreUnavailable {
                        retry_after: UNAVAILABLE_RETRY_AFTER,
                    },
                )),
            }
        })
    }
}

/// One attempt that holds the key: run the handler while renewing the lease, then record its
/// outcome.
async fn run_claimed<S, St, ReqBody, ResBody>(
    mut inner: S,
    req: Request<ReqBody>,
    store: Arc<St>,
    settings: Arc<Settings>,
    key: String,
    token: ClaimToken,
) -> Result<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    St: IdempotencyStore + ?Sized,
{
    // From here until the handler's answer is recorded, dropping this future (the client went
    // away) or a panic in the handler releases the key.
    let mut guard = ReleaseGuard {
        store: store.clone(),
        key: Some((key, token)),
        timeout: settings.store_timeout,
    };
    let result = {
        let Some((key, token)) = guard.key.as_ref() else {
            return inner.call(req).await;
        };
        with_renewals(inner.call(req), &*store, key, token, &settings).await
    };
    let Some((key, token)) = guard.key.take() else {
        return result;
    };
    // Recording the outcome runs on its own task: once the guard is disarmed, nothing may
    // cancel it, or a key would stay claimed but never completed (and a retry after the lease
    // would run the handler again). Dropping the handle does not stop the task.
    match result {
        Ok(mut res) if res.status().is_success() => {
            let recorded = tokio::spawn(async move {
                let done = bounded(
                    settings.store_timeout,
                    store.complete(&key, &token, settings.retention),
                )
                .await;
                match done {
                    Ok(Fenced::Applied) => {}
                    Ok(Fenced::Stale) => {
                        crate::log_warn!(%key, "lease lost before the handler finished; completion not recorded");
                    }
                    Err(_e) => {
                        crate::log_warn!(%key, error = %_e, "could not record completion; a retry may run the handler again");
                    }
                }
            });
            let _ = recorded.await;
            res.extensions_mut().insert(IdempotencyOutcome::Processed);
            Ok(res)
        }
        other => {
            // Release now rather than waiting for the lease, so the next retry runs.
            let released = tokio::spawn(async move {
                if let Err(_e) = bounded(settings.store_timeout, store.release(&key, &token)).await
                {
                    crate::log_warn!(%key, error = %_e, "could not release the key; it frees when its lease ends");
                }
            });
            let _ = released.await;
            other.map(|mut res| {
                res.extensions_mut().insert(IdempotencyOutcome::Released);
                res
            })
        }
    }
}

/// Await `handler`, renewing the lease every third of it meanwhile, so the lease outlives the
/// handler however long it runs, and a process that dies frees the key after one lease.
async fn with_renewals<F: Future, St: IdempotencyStore + ?Sized>(
    handler: F,
    store: &St,
    key: &str,
    token: &ClaimToken,
    settings: &Settings,
) -> F::Output {
    let every = (settings.lease / 3).max(Duration::from_millis(1));
    let mut handler = std::pin::pin!(handler);
    loop {
        tokio::select! {
            biased;
            out = &mut handler => return out,
            () = tokio::time::sleep(every) => {}
        }
        // The handler keeps running while the store answers. With the store timeout under a
        // third of the lease (the defaults: 2 s and 15 s), a renewal that times out leaves time
        // for the next one before the lease ends.
        let renew = bounded(
            settings.store_timeout,
            store.renew(key, token, settings.lease),
        );
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

/// The default key: the verified id, else the `webhook-id` / `svix-id` header (when used
/// without verification), else a legacy body's top-level `id`.
fn default_key(ctx: &KeyContext<'_>) -> Option<String> {
    if let Some(id) = ctx.verified.and_then(|v| v.id()) {
        return Some(id.to_owned());
    }
    let header_id = ["webhook-id", "svix-id"]
        .iter()
        .find_map(|name| ctx.headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    if let Some(id) = header_id {
        return Some(id.to_owned());
    }
    ctx.body.and_then(|body| body_id(body))
}

/// The top-level `id` of a JSON body, without building the whole document.
pub(crate) fn body_id(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: Option<Cow<'a, str>>,
    }
    let id = serde_json::from_slice::<Id<'_>>(body).ok()?.id?;
    (!id.is_empty()).then(|| id.into_owned())
}

async fn bounded<T>(
    limit: Duration,
    call: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(limit, call)
        .await
        .unwrap_or(Err(StoreError::Timeout))
}

fn duplicate<B: From<Bytes>>() -> Response<B> {
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

/// Releases a claim whose attempt ended without an answer: the response future was dropped
/// (the client disconnected) or the handler panicked.
struct ReleaseGuard<St: IdempotencyStore + ?Sized> {
    store: Arc<St>,
    key: Option<(String, ClaimToken)>,
    timeout: Duration,
}

impl<St: IdempotencyStore + ?Sized> Drop for ReleaseGuard<St> {
    fn drop(&mut self) {
        let Some((key, token)) = self.key.take() else {
            return;
        };
        // No runtime (the process is shutting down): the lease expires by itself.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = self.store.clone();
        let limit = self.timeout;
        crate::log_warn!(%key, "delivery abandoned before an answer; releasing its key");
        runtime.spawn(async move {
            let _ = bounded(limit, store.release(&key, &token)).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_id_reads_only_a_top_level_string_id() {
        assert_eq!(
            body_id(br#"{"id":"EV1","data":{"id":"x"}}"#),
            Some("EV1".into())
        );
        assert_eq!(body_id(br#"{"data":{"id":"x"}}"#), None);
        assert_eq!(body_id(br#"{"id":""}"#), None);
        assert_eq!(body_id(br#"{"id":7}"#), None);
        assert_eq!(body_id(b"not json"), None);
        assert_eq!(body_id(br#"{"id":"EV\u0031"}"#), Some("EV1".into()));
    }
}
