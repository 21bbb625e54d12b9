use std::{
    borrow::Cow,
    fmt,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{Request, Response};
use standard_webhooks::Verified;
use tower_service::Service;

use super::{
    IdempotencyOutcome, Unchecked,
    engine::{Begin, ClaimGuard, IdempotencyEngine, UNAVAILABLE_RETRY_AFTER, duplicate_response},
    layer::{KeyContext, KeyFn},
};
use crate::{
    ResponseFuture,
    rejection::{JsonRejection, OnRejection, Rejection, respond},
    store::IdempotencyStore,
    verify::VerifiedBody,
};

/// Runs the inner service at most once to success per key; built by
/// [`IdempotencyLayer`](super::IdempotencyLayer) over an [`IdempotencyEngine`].
pub struct Idempotency<S, St: ?Sized, R = JsonRejection> {
    pub(super) inner: S,
    pub(super) engine: IdempotencyEngine<St>,
    pub(super) run_to_completion: bool,
    pub(super) key_fn: Option<KeyFn>,
    pub(super) on_rejection: R,
}

impl<S: Clone, St: ?Sized, R: Clone> Clone for Idempotency<S, St, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            engine: self.engine.clone(),
            run_to_completion: self.run_to_completion,
            key_fn: self.key_fn.clone(),
            on_rejection: self.on_rejection.clone(),
        }
    }
}

impl<S: fmt::Debug, St: fmt::Debug + ?Sized, R: fmt::Debug> fmt::Debug for Idempotency<S, St, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotency")
            .field("inner", &self.inner)
            .field("engine", &self.engine)
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
        let engine = self.engine.clone();
        let key_fn = self.key_fn.clone();
        let run_to_completion = self.run_to_completion;
        let on_rejection = self.on_rejection.clone();
        ResponseFuture::new(async move {
            let key = {
                let ctx = KeyContext {
                    verified: req.extensions().get::<Verified<'static>>(),
                    body: req.extensions().get::<VerifiedBody>().map(|b| &b.0),
                    headers: req.headers(),
                };
                match &key_fn {
                    Some(f) => f(&ctx),
                    None => default_key(&ctx),
                }
            };
            let Some(key) = key else {
                return Ok(respond(&on_rejection, Rejection::MissingIdempotencyKey));
            };

            let guard = match engine.begin(&key).await {
                Begin::Claimed(guard) => guard,
                Begin::Duplicate => return Ok(duplicate_response()),
                Begin::Unchecked { .. } => {
                    req.extensions_mut().insert(Unchecked);
                    let mut res = inner.call(req).await?;
                    res.extensions_mut().insert(IdempotencyOutcome::Unchecked);
                    return Ok(res);
                }
                other => {
                    let rejection = other.rejection().unwrap_or(Rejection::StoreUnavailable {
                        retry_after: UNAVAILABLE_RETRY_AFTER,
                    });
                    return Ok(respond(&on_rejection, rejection));
                }
            };

            let attempt = run_claimed(inner, req, guard);
            if !run_to_completion {
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

/// One attempt that holds the key: run the handler while the guard renews the lease, then
/// record its outcome. Dropping this future (the client went away) or a panic in the handler
/// drops the guard, which releases the key.
async fn run_claimed<S, St, ReqBody, ResBody>(
    mut inner: S,
    req: Request<ReqBody>,
    mut guard: ClaimGuard<St>,
) -> Result<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    St: IdempotencyStore + ?Sized,
{
    let result = guard.run(inner.call(req)).await;
    // Completion and release finish on a task of their own if this future is dropped
    // meanwhile: a key is never left claimed but unrecorded.
    match result {
        Ok(mut res) if res.status().is_success() => {
            let _ = guard.complete().await;
            res.extensions_mut().insert(IdempotencyOutcome::Processed);
            Ok(res)
        }
        other => {
            // Release now rather than waiting for the lease, so the next retry runs.
            let _ = guard.release().await;
            other.map(|mut res| {
                res.extensions_mut().insert(IdempotencyOutcome::Released);
                res
            })
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
