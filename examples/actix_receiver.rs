//! An actix-web receiver: verify the exact bytes, run the handler once per `webhook-id`, answer.
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::StatusCode, web};
use standard_webhooks::{Verifier, headers};
use standard_webhooks_tower::{IdempotencyEngine, MemoryStore, Rejection};

type Receiver = (Verifier, IdempotencyEngine<MemoryStore>);

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Receiver>) -> HttpResponse {
    let source = headers::from_fn(|name| req.headers().get(name).map(|v| v.as_bytes()));
    let id = match rx.0.verify(&source, &body) {
        Ok(verified) => verified.id().unwrap_or_default().to_owned(),
        Err(e) => return actix(Rejection::Verify(e).to_json_response()),
    };
    // Processed: 200. Failed: 500, the key released for the retry. A duplicate: 200; 409; 503.
    actix(rx.1.once(&id, handle(&body)).await.into_response())
}

/// The library's answers (`http` 1.x types) as actix-web's.
fn actix(res: http::Response<web::Bytes>) -> HttpResponse {
    let status = StatusCode::from_u16(res.status().as_u16());
    let mut out = HttpResponse::build(status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (name, value) in res.headers() {
        out.insert_header((name.as_str(), value.as_bytes()));
    }
    out.body(res.into_body())
}

/// Your work: here it prints the event, and fails (so the sender retries) on one not UTF-8.
async fn handle(body: &[u8]) -> Result<(), String> {
    println!("{}", std::str::from_utf8(body).map_err(|e| e.to_string())?);
    Ok(())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let secret = std::env::var("QUO_WEBHOOK_SECRET").map_err(std::io::Error::other)?;
    let verifier = Verifier::new(secret.parse().map_err(std::io::Error::other)?);
    let rx = web::Data::new((verifier, IdempotencyEngine::new(MemoryStore::new())));
    let app = move || {
        App::new()
            .app_data(rx.clone())
            .route("/webhooks", web::post().to(receive))
    };
    HttpServer::new(app).bind(("127.0.0.1", 8080))?.run().await
}
