//! A plain hyper receiver: verify the exact bytes, run the handler once per `webhook-id`, answer.
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use standard_webhooks::Verifier;
use standard_webhooks_tower::{Begin, IdempotencyEngine, MemoryStore, Rejection};

type Answer = Result<Response<Full<Bytes>>, hyper::Error>;

async fn receive(
    req: Request<Incoming>,
    rx: Arc<(Verifier, IdempotencyEngine<MemoryStore>)>,
) -> Answer {
    let (parts, body) = req.into_parts();
    let limit = 1 << 20;
    let Ok(body) = Limited::new(body, limit)
        .collect()
        .await
        .map(|b| b.to_bytes())
    else {
        return Ok(Rejection::PayloadTooLarge { limit }.to_json_response());
    };
    let id = match rx.0.verify(&parts.headers, &body) {
        Ok(verified) => verified.id().unwrap_or_default().to_owned(),
        Err(e) => return Ok(Rejection::Verify(e).to_json_response()),
    };
    let begin = rx.1.begin(&id).await;
    let Begin::Claimed(mut guard) = begin else {
        // A duplicate (200), in flight (409) or the store down (503).
        return Ok(begin.response().unwrap_or_default());
    };
    let (status, text) = match guard.run(handle(&body)).await {
        Ok(()) => (200, format!("{:?}", guard.complete().await)),
        Err(e) => (500, format!("{e}; released: {:?}", guard.release().await)),
    };
    Ok(Response::builder()
        .status(status)
        .body(text.into())
        .unwrap_or_default())
}

/// Your work: here it prints the event, and fails (so the sender retries) on one not UTF-8.
async fn handle(body: &[u8]) -> Result<(), String> {
    println!("{}", std::str::from_utf8(body).map_err(|e| e.to_string())?);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let verifier = Verifier::new(std::env::var("QUO_WEBHOOK_SECRET")?.parse()?);
    let rx = Arc::new((verifier, IdempotencyEngine::new(MemoryStore::new())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    loop {
        let (io, rx) = (
            hyper_util::rt::TokioIo::new(listener.accept().await?.0),
            rx.clone(),
        );
        let service = service_fn(move |req| receive(req, rx.clone()));
        tokio::spawn(http1::Builder::new().serve_connection(io, service));
    }
}
