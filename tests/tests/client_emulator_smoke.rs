//! The management client drives the emulator in process, through its router (no socket).

use quo_api::client::{Client, Transport};
use quo_api::{NewWebhook, WebhookStatus, WebhookUpdate};
use quo_emulator::Emulator;
use quo_webhooks::EventType;

#[tokio::test]
async fn client_creates_updates_and_lists_webhooks_on_the_emulator() {
    let emulator = Emulator::builder().db(":memory:").build().await.unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key().expose())
        .base_url("http://emulator.test")
        .transport(Transport::from_service(emulator.router()))
        .build()
        .unwrap();

    assert!(client.webhooks().list().await.unwrap().is_empty());
    let created = client
        .webhooks()
        .create(&NewWebhook::new("http://127.0.0.1:9/h", [EventType::CallCompleted]).label("smoke"))
        .await
        .unwrap();
    assert!(created.webhook.id.is_well_formed());
    assert_eq!(format!("{:?}", created.key), "Secret { .. }");

    let updated = client
        .webhooks()
        .update(
            &created.webhook.id,
            &WebhookUpdate::new()
                .clear_label()
                .status(WebhookStatus::Disabled),
        )
        .await
        .unwrap();
    assert_eq!(updated.label, None);
    assert_eq!(updated.status, WebhookStatus::Disabled);

    let listed = client.webhooks().list().await.unwrap();
    assert_eq!(listed, vec![updated]);
    emulator.shutdown().await;
}
