//! A plain hyper receiver: verify the exact bytes, run the handler once per `webhook-id`, answer.
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use standard_webhooks::Verifier;
use standard_webhooks_tower::{IdempotencyEngine, MemoryStore, Rejection};

type Receiver = (Verifier, IdempotencyEngine<MemoryStore>);

async fn receive(
    req: Request<Incoming>,
    rx: Arc<Receiver>,
) -> hyper::Result<Response<Full<Bytes>>> {
    let (parts, body) = req.into_parts();
    let Ok(body) = Limited::new(body, 1 << 20).collect().await else {
        return Ok(Rejection::PayloadTooLarge { limit: 1 << 20 }.to_json_response());
    };
    let body = body.to_bytes();
    let id = match rx.0.verify(&parts.headers, &body) {
        Ok(verified) => verified.id().unwrap_or_default().to_owned(),
        Err(e) => return Ok(Rejection::Verify(e).to_json_response()),
    };
    // Processed: 200. Failed: 500, the key released for the retry. A duplicate: 200; 409; 503.
    Ok(rx.1.once(&id, handle(&body)).await.into_response())
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
        let (io, rx) = (TokioIo::new(listener.accept().await?.0), rx.clone());
        let service = service_fn(move |req| receive(req, rx.clone()));
        tokio::spawn(http1::Builder::new().serve_connection(io, service));
    }
}
