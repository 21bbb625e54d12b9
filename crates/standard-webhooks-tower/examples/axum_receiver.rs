//! A complete webhook receiver: verification and idempotency in front of an axum handler.
//!
//! ```sh
//! WEBHOOK_SECRET=whsec_... cargo run -p standard-webhooks-tower --example axum_receiver --features axum,redis
//! ```
//!
//! - `WEBHOOK_SECRET`: one or more `whsec_` secrets, comma-separated during a rotation. Without
//!   it a secret is generated and printed, so the example runs with no setup.
//! - `REDIS_URL`: deduplicate on Redis (several replicas) instead of in memory.
//! - `PORT`: where to listen on 127.0.0.1 (default 3000).

use std::{env, sync::Arc};

use axum::{Router, routing::post};
use standard_webhooks::{Secret, Verifier};
use standard_webhooks_tower::{
    IdempotencyLayer, IdempotencyStore, MemoryStore, RedisStore, VerifyWebhookLayer,
    extract::{VerifiedDelivery, WebhookJson},
};
use tower::ServiceBuilder;

async fn on_event(
    VerifiedDelivery(delivery): VerifiedDelivery,
    WebhookJson(event): WebhookJson<serde_json::Value>,
) -> &'static str {
    // Runs once per delivery id, however often the sender retries. Answering 2xx says the
    // event was processed: do the work (or queue it durably) before returning.
    println!(
        "accepted {} ({}): type={} id={}",
        delivery.id().unwrap_or("legacy"),
        delivery.scheme(),
        event["type"],
        event["id"],
    );
    "processed"
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets: Vec<Secret> = match env::var("WEBHOOK_SECRET") {
        Ok(list) => list
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("WEBHOOK_SECRET: {e}"))?,
        Err(_) => {
            let secret = Secret::generate();
            println!(
                "no WEBHOOK_SECRET set; generated {}",
                secret.to_whsec_string()
            );
            vec![secret]
        }
    };
    let verifier = Verifier::builder().secrets(secrets).build()?;

    let store: Arc<dyn IdempotencyStore> = match env::var("REDIS_URL") {
        Ok(url) => {
            let store = RedisStore::open(&url)
                .await
                .map_err(|e| format!("REDIS_URL: {e}"))?;
            println!("deduplicating on Redis at {url}");
            Arc::new(store)
        }
        Err(_) => {
            println!("deduplicating in memory (set REDIS_URL for several replicas)");
            Arc::new(MemoryStore::new())
        }
    };

    let app = Router::new().route("/webhooks", post(on_event)).layer(
        ServiceBuilder::new()
            .layer(VerifyWebhookLayer::new(verifier))
            .layer(IdempotencyLayer::from_arc(store)),
    );

    let port: u16 = env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/webhooks", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
