//! An actix-web receiver: verify the exact bytes, run the handler once per `webhook-id`, answer.
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, http::StatusCode, web};
use standard_webhooks::{Verifier, headers};
use standard_webhooks_tower::{Begin, IdempotencyEngine, MemoryStore, REPLAYED_HEADER, Rejection};

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Receiver>) -> HttpResponse {
    let source = headers::from_fn(|name| req.headers().get(name).map(|v| v.as_bytes()));
    let id = match rx.0.verify(&source, &body) {
        Ok(verified) => verified.id().unwrap_or_default().to_owned(),
        Err(e) => return reject(Rejection::Verify(e)),
    };
    match rx.1.begin(&id).await {
        Begin::Claimed(mut guard) => match guard.run(handle(&body)).await {
            Ok(()) => HttpResponse::Ok().body(format!("{:?}", guard.complete().await)),
            Err(e) => {
                HttpResponse::InternalServerError().body(format!("{e} {:?}", guard.release().await))
            }
        },
        Begin::Duplicate => HttpResponse::Ok()
            .insert_header((REPLAYED_HEADER, "true"))
            .finish(),
        // In flight (409) or the store down (503); `Unchecked` only comes with `fail_open(true)`.
        other => match other.rejection() {
            Some(rejection) => reject(rejection),
            None => HttpResponse::ServiceUnavailable().finish(),
        },
    }
}

fn reject(r: Rejection) -> HttpResponse {
    let mut res = HttpResponse::build(
        StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_REQUEST),
    );
    if let Some(after) = r.retry_after() {
        res.insert_header(("retry-after", after.as_secs().max(1).to_string()));
    }
    res.body(r.to_string())
}

/// Your work: here it prints the event, and fails (so the sender retries) on one not UTF-8.
async fn handle(body: &[u8]) -> Result<(), String> {
    println!("{}", std::str::from_utf8(body).map_err(|e| e.to_string())?);
    Ok(())
}

type Receiver = (Verifier, IdempotencyEngine<MemoryStore>);

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
