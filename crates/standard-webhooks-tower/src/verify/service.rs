use std::{
    sync::Arc,
    task::{Context, Poll},
};

use http::{Request, Response, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use standard_webhooks::Verifier;
use tower_service::Service;

use super::{VerifiableBody, VerifiedBody};
use crate::{
    BoxError, ResponseFuture,
    rejection::{JsonRejection, OnRejection, Rejection, respond},
};

/// Verifies each request before calling the inner service; built by
/// [`VerifyWebhookLayer`](super::VerifyWebhookLayer).
#[derive(Debug, Clone)]
pub struct VerifyWebhook<S, R = JsonRejection> {
    pub(super) inner: S,
    pub(super) verifier: Arc<Verifier>,
    pub(super) limit: usize,
    pub(super) on_rejection: R,
}

impl<S, R, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyWebhook<S, R>
where
    S: Service<Request<ReqBody::Rebuilt>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: VerifiableBody + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: Send + 'static,
    R: OnRejection<ResBody> + Clone + Send + Sync + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // The clone that was polled ready is the one we call (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        let limit = self.limit;
        let on_rejection = self.on_rejection.clone();
        ResponseFuture::new(async move {
            let (mut parts, body) = req.into_parts();
            let declared = parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|len| len > limit as u64) {
                return Ok(respond(&on_rejection, Rejection::PayloadTooLarge { limit }));
            }
            let bytes = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) if e.is::<LengthLimitError>() => {
                    return Ok(respond(&on_rejection, Rejection::PayloadTooLarge { limit }));
                }
                Err(_) => return Ok(respond(&on_rejection, Rejection::BodyUnreadable)),
            };
            let verified = match verifier.verify(&parts.headers, &bytes) {
                Ok(v) => v.into_owned(),
                Err(e) => {
                    // Forgeries and stale replays are the layer working, not the server failing.
                    crate::log_debug!(error = %e, code = e.code(), "webhook delivery rejected");
                    return Ok(respond(&on_rejection, Rejection::Verify(e)));
                }
            };
            parts.extensions.insert(verified.clone());
            parts.extensions.insert(VerifiedBody(bytes.clone()));
            let mut res = inner
                .call(Request::from_parts(parts, ReqBody::rebuild(bytes)))
                .await?;
            // Outer layers (logging, metrics) see which delivery this answer is for.
            res.extensions_mut().insert(verified);
            Ok(res)
        })
    }
}
