//! Every client method against a scripted server: the exact method, path, headers, query and
//! body it sends, and the documented example answers of Quo's beta reference decoded.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used)]

mod support;

use futures_util::{StreamExt, TryStreamExt};
use http::Method;
use quo_api::{
    DeliveryFilter, DeliveryStatus, NewWebhook, ResourceIds, TriggerType, WebhookStatus,
    WebhookUpdate, client::Client,
};
use quo_webhooks::EventType;
use serde_json::json;
use support::{API_KEY, Reply, Script, Seen, documented};

/// The headers every request carries, and `content-type` exactly when it has a body.
fn assert_standard_headers(seen: &Seen) {
    assert_eq!(
        seen.header("authorization"),
        Some(API_KEY),
        "raw key, no Bearer"
    );
    assert_eq!(seen.header("x-quo-api-version"), Some("2026-03-30"));
    assert_eq!(
        seen.header("user-agent"),
        Some(concat!("quo-api/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(seen.header("accept"), Some("application/json"));
    if seen.body.is_empty() {
        assert_eq!(seen.header("content-type"), None);
    } else {
        assert_eq!(seen.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn list_sends_get_webhooks_and_reads_the_documented_answer() {
    let script = Script::new([Reply::ok(&documented::list())]);
    let webhooks = script.client().webhooks().list().await.unwrap();
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0].id.as_str(), "123");
    assert_eq!(webhooks[0].label.as_deref(), Some("Production webhook"));
    assert_eq!(
        webhooks[0].resource_ids,
        ResourceIds::phone_numbers(["PNabc123"])
    );
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::GET, "/webhooks")
    );
    assert_eq!(seen.query, None);
    assert!(seen.body.is_empty());
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn get_sends_the_id_in_the_path() {
    let script = Script::new([Reply::ok(&documented::get())]);
    let webhook = script.client().webhooks().get("123").await.unwrap();
    assert_eq!(webhook.status, WebhookStatus::Enabled);
    assert_eq!(
        webhook.events,
        [EventType::CallSummaryCompleted, EventType::ContactUpdated]
    );
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::GET, "/webhooks/123")
    );
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn ids_cannot_change_the_path() {
    let script = Script::new([Reply::ok(&documented::get())]);
    script.client().webhooks().get("../123?x").await.unwrap();
    assert_eq!(script.only().path, "/webhooks/..%2F123%3Fx");
}

#[tokio::test]
async fn create_posts_the_documented_body_and_returns_the_key_as_a_secret() {
    let script = Script::new([Reply::json(201, documented::CREATED)]);
    let new = NewWebhook::new(
        "https://example.com/webhooks/quo",
        [
            EventType::CallCompleted,
            EventType::MessageReceived,
            EventType::ContactUpdated,
        ],
    )
    .resource_ids(ResourceIds::phone_numbers(["PNabc123"]))
    .label("Production webhook")
    .status(WebhookStatus::Enabled);
    let created = script.client().webhooks().create(&new).await.unwrap();
    assert_eq!(created.webhook.id.as_str(), "123");
    assert_eq!(
        created.key.to_whsec_string(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    );
    assert!(!format!("{created:?}").contains("MfKQ9r8"));

    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::POST, "/webhooks")
    );
    assert_standard_headers(&seen);
    // The curl example of the reference, field for field.
    assert_eq!(
        seen.json(),
        json!({
            "url": "https://example.com/webhooks/quo",
            "events": ["call.completed", "message.received", "contact.updated"],
            "resourceIds": ["PNabc123"],
            "label": "Production webhook",
            "status": "enabled"
        })
    );
}

#[tokio::test]
async fn the_created_key_verifies_what_it_signs() {
    let script = Script::new([Reply::json(201, documented::CREATED)]);
    let created = script
        .client()
        .webhooks()
        .create(&NewWebhook::new(
            "https://x.test",
            [EventType::CallCompleted],
        ))
        .await
        .unwrap();
    let signature = created.key.sign("msg_1", 1_700_000_000, b"{}");
    assert!(signature.starts_with("v1,"));
}

#[tokio::test]
async fn update_patches_only_what_was_set_and_sends_null_to_clear() {
    let script = Script::new([Reply::ok(&documented::get()), Reply::ok(&documented::get())]);
    let client = script.client();
    let update = WebhookUpdate::new()
        .events([EventType::CallSummaryCompleted, EventType::ContactUpdated])
        .resource_ids(ResourceIds::phone_numbers(["PNabc123"]))
        .label("Updated webhook");
    let webhook = client.webhooks().update("123", &update).await.unwrap();
    assert_eq!(webhook.id.as_str(), "123");
    let clear = WebhookUpdate::new().clear_label().clear_resource_ids();
    client.webhooks().update(&webhook.id, &clear).await.unwrap();

    let seen = script.seen();
    assert_eq!(
        (seen[0].method.clone(), seen[0].path.as_str()),
        (Method::PATCH, "/webhooks/123")
    );
    assert_standard_headers(&seen[0]);
    assert_eq!(
        seen[0].json(),
        json!({
            "events": ["call.summary.completed", "contact.updated"],
            "resourceIds": ["PNabc123"],
            "label": "Updated webhook"
        })
    );
    assert_eq!(
        seen[1].json(),
        json!({ "resourceIds": null, "label": null })
    );
}

#[tokio::test]
async fn delete_accepts_204_with_no_body() {
    let script = Script::new([Reply::empty(204)]);
    script.client().webhooks().delete("123").await.unwrap();
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::DELETE, "/webhooks/123")
    );
    assert!(seen.body.is_empty());
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn rotate_posts_without_a_body_and_returns_the_new_key() {
    let script = Script::new([Reply::ok(documented::ROTATED)]);
    let rotated = script.client().webhooks().rotate("123").await.unwrap();
    assert_eq!(
        rotated.key.to_whsec_string(),
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    );
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::POST, "/webhooks/123/rotate")
    );
    assert!(seen.body.is_empty());
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn send_test_posts_the_event_type_and_reads_the_bare_sample() {
    let script = Script::new([Reply::ok(documented::TEST_EVENT)]);
    let event = script
        .client()
        .webhooks()
        .send_test("123", EventType::MessageReceived)
        .await
        .unwrap();
    assert_eq!(event.id, "EV-test-message-received");
    assert_eq!(event.event_type, EventType::MessageReceived);
    assert_eq!(
        event.text(),
        Some("Hello from Quo! This is a sample message.")
    );
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (Method::POST, "/webhooks/123/events/test")
    );
    assert_eq!(seen.json(), json!({ "eventType": "message.received" }));
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn deliveries_list_sends_the_filter_and_reads_the_documented_page() {
    let script = Script::new([
        Reply::ok(documented::DELIVERIES),
        Reply::ok(documented::DELIVERIES),
    ]);
    let client = script.client();
    let page = client
        .deliveries("123")
        .list(&DeliveryFilter::new())
        .await
        .unwrap();
    assert_eq!(page.data[0].id.as_str(), "msg_2abcDEFghiJKLmnoPQRstu");
    assert_eq!(page.data[0].status, DeliveryStatus::Success);
    assert_eq!(page.data[0].next_attempt_at, None);
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("eyJsYXN0SWQiOiJtc2dfMmFiY0RFRmdoaUpLTG1ub1BRUnN0dSJ9")
    );
    let filter = DeliveryFilter::new()
        .limit(10)
        .after("c1")
        .status(DeliveryStatus::Failed)
        .event_types([EventType::CallCompleted, EventType::MessageReceived])
        .created_after("2026-04-13T12:00:00Z".parse().unwrap())
        .created_before("2026-04-14T12:00:00Z".parse().unwrap());
    client.deliveries("123").list(&filter).await.unwrap();

    let seen = script.seen();
    assert_eq!(
        (seen[0].method.clone(), seen[0].path.as_str()),
        (Method::GET, "/webhooks/123/events")
    );
    assert_eq!(seen[0].query, None);
    assert_standard_headers(&seen[0]);
    assert_eq!(
        seen[1].query.as_deref(),
        Some(
            "limit=10&after=c1&status=failed&eventTypes=call.completed&eventTypes=message.received\
             &createdBefore=2026-04-14T12%3A00%3A00.000Z&createdAfter=2026-04-13T12%3A00%3A00.000Z"
        )
    );
}

#[tokio::test]
async fn deliveries_get_reads_the_documented_detail_with_attempts() {
    let script = Script::new([Reply::ok(documented::DELIVERY)]);
    let delivery = script
        .client()
        .deliveries("123")
        .get("msg_2abcDEFghiJKLmnoPQRstu")
        .await
        .unwrap();
    assert_eq!(delivery.request_body.id, "EV123");
    assert_eq!(delivery.request_body.text(), Some("hello"));
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.response_status_code, 200);
    assert_eq!(attempt.response_body.as_deref(), Some("{\"ok\":true}"));
    assert_eq!(attempt.response_duration_ms, 123);
    assert_eq!(attempt.trigger_type, TriggerType::Scheduled);
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (
            Method::GET,
            "/webhooks/123/events/msg_2abcDEFghiJKLmnoPQRstu"
        )
    );
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn deliveries_retry_posts_and_accepts_202() {
    let script = Script::new([Reply::json(202, "{}")]);
    script
        .client()
        .deliveries("123")
        .retry("msg_2abcDEFghiJKLmnoPQRstu")
        .await
        .unwrap();
    let seen = script.only();
    assert_eq!(
        (seen.method.clone(), seen.path.as_str()),
        (
            Method::POST,
            "/webhooks/123/events/msg_2abcDEFghiJKLmnoPQRstu/retry"
        )
    );
    assert!(seen.body.is_empty());
    assert_standard_headers(&seen);
}

#[tokio::test]
async fn stream_follows_next_cursor_across_pages_lazily() {
    let script = Script::new([
        Reply::ok(&documented::page(&["msg_1", "msg_2"], Some("c2"))),
        Reply::ok(&documented::page(&["msg_3", "msg_4"], Some("c3"))),
        Reply::ok(&documented::page(&["msg_5"], None)),
    ]);
    let client = script.client();
    let filter = DeliveryFilter::new()
        .limit(2)
        .status(DeliveryStatus::Failed);
    let mut stream = Box::pin(client.deliveries("123").stream(filter));
    // Nothing is fetched before the stream is read.
    assert!(script.seen().is_empty());
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.id.as_str(), "msg_1");
    assert_eq!(script.seen().len(), 1);
    let rest: Vec<_> = stream.try_collect().await.unwrap();
    let ids: Vec<_> = rest.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["msg_2", "msg_3", "msg_4", "msg_5"]);

    let queries: Vec<_> = script
        .seen()
        .into_iter()
        .map(|s| s.query.unwrap())
        .collect();
    assert_eq!(
        queries,
        [
            "limit=2&status=failed",
            "limit=2&after=c2&status=failed",
            "limit=2&after=c3&status=failed"
        ]
    );
}

#[tokio::test]
async fn stream_ends_with_the_error_of_a_failed_page() {
    let script = Script::new([
        Reply::ok(&documented::page(&["msg_1"], Some("c2"))),
        Reply::json(400, documented::VALIDATION_ERROR),
    ]);
    let client = script.client();
    let items: Vec<_> = client
        .deliveries("123")
        .stream(DeliveryFilter::new())
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert_eq!(
        items[1].as_ref().unwrap_err().status().unwrap().as_u16(),
        400
    );
}

#[tokio::test]
async fn stream_stops_when_the_server_repeats_the_cursor() {
    let script = Script::new([
        Reply::ok(&documented::page(&["msg_1"], Some("c2"))),
        Reply::ok(&documented::page(&["msg_2"], Some("c2"))),
    ]);
    let client = script.client();
    let all: Vec<_> = client
        .deliveries("123")
        .stream(DeliveryFilter::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test]
async fn version_and_base_url_prefix_are_configurable() {
    let script = Script::new([Reply::ok(&documented::list())]);
    let client = script
        .builder()
        .base_url("http://quo.test/proxy/")
        .api_version("2027-01-01")
        .build()
        .unwrap();
    client.webhooks().list().await.unwrap();
    let seen = script.only();
    assert_eq!(seen.path, "/proxy/webhooks");
    assert_eq!(seen.header("x-quo-api-version"), Some("2027-01-01"));
}

#[tokio::test]
async fn the_default_https_transport_speaks_plain_http_to_a_local_server() {
    let script = Script::new([Reply::ok(&documented::list()), Reply::empty(204)]);
    let addr = script.listen().await;
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    assert_eq!(client.webhooks().list().await.unwrap().len(), 1);
    client.webhooks().delete("123").await.unwrap();
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert_standard_headers(&seen[0]);
    // Both requests went over one pooled connection.
    assert!(seen[0].peer.is_some());
    assert_eq!(seen[0].peer, seen[1].peer);
}

#[test]
fn the_client_and_its_stream_can_be_shared_across_tasks() {
    fn shared<T: Send + Sync + Clone + 'static>(_: &T) {}
    fn sendable<T: Send + 'static>(_: T) {}
    let client = Script::default().client();
    shared(&client);
    sendable(client.deliveries("1").stream(DeliveryFilter::new()));
    sendable(quo_api::Error::Timeout {
        after: std::time::Duration::from_secs(1),
    });
}
