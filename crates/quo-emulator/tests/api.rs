//! Quo's ten endpoints: answers, status codes and error bodies.
#![allow(clippy::unwrap_used)]

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use quo_api::{CreatedWebhook, DeliverySummary, Envelope, ErrorBody, Page, Webhook};
use serde_json::{Value, json};

fn error(answer: &Answer) -> ErrorBody {
    serde_json::from_value(answer.body.clone())
        .unwrap_or_else(|_| panic!("not an error body: {}", answer.text))
}

#[tokio::test]
async fn create_get_list_update_delete_round_trip() {
    let emu = emulator().await;
    let created = post_json(
        &emu,
        "/webhooks",
        json!({"url": "https://example.com/hook", "events": ["call.completed", "message.received", "contact.updated"],
               "resourceIds": ["PNabc123"], "label": "Production webhook"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let body: Envelope<CreatedWebhook> = serde_json::from_value(created.body.clone()).unwrap();
    let webhook = body.data.webhook;
    assert_eq!(webhook.id.as_str(), "1");
    assert!(webhook.id.is_well_formed());
    assert_eq!(webhook.org_id, "OR1emulator");
    assert_eq!(webhook.api_version, "2026-03-30");
    assert_eq!(webhook.status.as_str(), "enabled");
    assert!(
        created.body["data"]["key"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );

    // The key appears only in the create answer.
    let got = get(&emu, "/webhooks/1").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body["data"].get("key").is_none());
    let got: Envelope<Webhook> = serde_json::from_value(got.body).unwrap();
    assert_eq!(got.data, webhook);
    let list = get(&emu, "/webhooks").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.text.contains("whsec_"));
    let list: Envelope<Vec<Webhook>> = serde_json::from_value(list.body).unwrap();
    assert_eq!(list.data, vec![webhook.clone()]);

    // A second webhook gets the next integer.
    let (second, _) = create(&emu, "http://127.0.0.1:9/x", &["call.missed"]).await;
    assert_eq!(second, "2");

    // PATCH: absent = unchanged, label null clears, resourceIds [] clears to ["*"].
    let patched = call(
        &emu,
        Method::PATCH,
        "/webhooks/1",
        Some(json!({"label": null, "resourceIds": []})),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.body["data"]["label"], Value::Null);
    assert_eq!(patched.body["data"]["resourceIds"], json!(["*"]));
    assert_eq!(patched.body["data"]["url"], "https://example.com/hook");
    assert_eq!(
        patched.body["data"]["events"],
        json!(["call.completed", "message.received", "contact.updated"])
    );
    for clear in [json!(null), json!(["*"])] {
        call(
            &emu,
            Method::PATCH,
            "/webhooks/1",
            Some(json!({"resourceIds": ["PN1"]})),
        )
        .await;
        let p = call(
            &emu,
            Method::PATCH,
            "/webhooks/1",
            Some(json!({"resourceIds": clear})),
        )
        .await;
        assert_eq!(p.body["data"]["resourceIds"], json!(["*"]));
    }
    let p = call(
        &emu,
        Method::PATCH,
        "/webhooks/1",
        Some(json!({"events": ["call.missed"], "status": "disabled", "label": "x", "url": "http://localhost:1/y"})),
    )
    .await;
    assert_eq!(p.body["data"]["events"], json!(["call.missed"]));
    assert_eq!(p.body["data"]["status"], "disabled");
    assert_eq!(p.body["data"]["label"], "x");
    assert_eq!(p.body["data"]["url"], "http://localhost:1/y");

    let deleted = call(&emu, Method::DELETE, "/webhooks/1", None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    assert_eq!(get(&emu, "/webhooks/1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&emu, Method::DELETE, "/webhooks/1", None).await.status,
        StatusCode::NOT_FOUND
    );
    // Ids are never reused.
    let (third, _) = create(&emu, "http://127.0.0.1:9/x", &["call.missed"]).await;
    assert_eq!(third, "3");
}

#[tokio::test]
async fn rotate_returns_only_a_new_key() {
    let emu = emulator().await;
    let (id, key) = create(&emu, "http://127.0.0.1:9/x", &["call.missed"]).await;
    let rotated = post_json(&emu, &format!("/webhooks/{id}/rotate"), json!({})).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let new_key = rotated.body["data"]["key"].as_str().unwrap();
    assert!(new_key.starts_with("whsec_"));
    assert_ne!(new_key, key);
    assert_eq!(rotated.body["data"].as_object().unwrap().len(), 1);
    // rotate needs no body
    let bare = call(&emu, Method::POST, &format!("/webhooks/{id}/rotate"), None).await;
    assert_eq!(bare.status, StatusCode::OK);
    assert_eq!(
        call(&emu, Method::POST, "/webhooks/99/rotate", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn auth_version_and_method_errors_use_quo_s_body() {
    let emu = emulator().await;
    // 401 without a key, with a wrong one, with Bearer; the key is never echoed.
    for auth in [None, Some("wrong"), Some("Bearer test-key")] {
        let mut request = Request::get("/webhooks").header("x-quo-api-version", "2026-03-30");
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let answer = send(&emu, request.body(Body::empty()).unwrap()).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        let body = error(&answer);
        assert_eq!(body.title, "Unauthorized");
        assert!(!answer.text.contains("test-key"));
        assert!(!answer.text.contains("wrong"));
    }
    // 400 without the version header, naming it; either spelling works.
    let answer = send(
        &emu,
        Request::get("/webhooks")
            .header("authorization", "test-key")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/headers/x-quo-api-version");
    let answer = send(
        &emu,
        Request::get("/webhooks")
            .header("authorization", "test-key")
            .header("Quo-Api-Version", "2026-03-30")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = send(
        &emu,
        Request::get("/webhooks")
            .header("authorization", "test-key")
            .header("x-quo-api-version", "2020-01-01")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(error(&answer).errors[0].message.contains("2026-03-30"));

    // 405 on a known path, 404 on an unknown one, both with the body.
    let answer = call(&emu, Method::PUT, "/webhooks", None).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error(&answer).title, "Method Not Allowed");
    let answer = call(&emu, Method::DELETE, "/webhooks/1/rotate", None).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    let answer = get(&emu, "/nothing/here").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(error(&answer).title, "Not Found");

    // 400 on a malformed webhook id, 404 on an unknown one.
    let answer = get(&emu, "/webhooks/abc").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/webhookId");
    assert_eq!(
        get(&emu, "/webhooks/12345").await.status,
        StatusCode::NOT_FOUND
    );
    // Digits beyond any id the store can hold: well formed, so 404.
    assert_eq!(
        get(&emu, "/webhooks/99999999999999999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&emu, "/webhooks/1.5").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn every_invalid_field_is_a_400_naming_it() {
    let emu = emulator().await;
    let cases = [
        (json!({"events": ["call.completed"]}), "/body/url"),
        (
            json!({"url": "ftp://x/y", "events": ["call.completed"]}),
            "/body/url",
        ),
        (
            json!({"url": "not a url", "events": ["call.completed"]}),
            "/body/url",
        ),
        (json!({"url": "https://x.test/h"}), "/body/events"),
        (
            json!({"url": "https://x.test/h", "events": []}),
            "/body/events",
        ),
        (
            json!({"url": "https://x.test/h", "events": ["call.exploded"]}),
            "/body/events/0",
        ),
        (
            json!({"url": "https://x.test/h", "events": ["call.completed"], "resourceIds": ["*", "PN1"]}),
            "/body/resourceIds",
        ),
        (
            json!({"url": "https://x.test/h", "events": ["call.completed"], "resourceIds": ["+15550100"]}),
            "/body/resourceIds/0",
        ),
        (
            json!({"url": "https://x.test/h", "events": ["call.completed"], "status": "paused"}),
            "/body/status",
        ),
        (
            json!({"url": "https://x.test/h", "events": ["call.completed"], "label": 5}),
            "/body/label",
        ),
        (json!([1, 2]), "/body"),
    ];
    for (body, path) in cases {
        let answer = post_json(&emu, "/webhooks", body.clone()).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        let error = error(&answer);
        assert_eq!(error.title, "Bad Request");
        assert_eq!(error.errors[0].path, path, "{body}: {}", answer.text);
        assert!(!error.errors[0].message.is_empty());
    }
    // Several invalid fields: one entry each.
    let answer = post_json(&emu, "/webhooks", json!({"url": 1, "events": "x"})).await;
    assert_eq!(error(&answer).errors.len(), 2);
    assert_eq!(error(&answer).message, "Validation failed for 2 fields.");

    // Malformed JSON, wrong content type.
    let request = Request::post("/webhooks")
        .header("authorization", "test-key")
        .header("x-quo-api-version", "2026-03-30")
        .header("content-type", "application/json")
        .body(Body::from("{\"url\":"))
        .unwrap();
    let answer = send(&emu, request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/body");
    let request = Request::post("/webhooks")
        .header("authorization", "test-key")
        .header("x-quo-api-version", "2026-03-30")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let answer = send(&emu, request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/headers/content-type");

    // PATCH: nothing to change, null where not allowed.
    let (id, _) = create(&emu, "http://127.0.0.1:9/x", &["call.missed"]).await;
    let answer = call(
        &emu,
        Method::PATCH,
        &format!("/webhooks/{id}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/body");
    let answer = call(
        &emu,
        Method::PATCH,
        &format!("/webhooks/{id}"),
        Some(json!({"events": null})),
    )
    .await;
    assert_eq!(error(&answer).errors[0].path, "/body/events");
    let answer = call(
        &emu,
        Method::PATCH,
        &format!("/webhooks/{id}"),
        Some(json!({"events": []})),
    )
    .await;
    assert_eq!(error(&answer).errors[0].path, "/body/events");
    let answer = call(
        &emu,
        Method::PATCH,
        "/webhooks/77",
        Some(json!({"label": "x"})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);

    // Test event of an unknown type; list parameters out of range; bad cursor.
    let answer = post_json(
        &emu,
        &format!("/webhooks/{id}/events/test"),
        json!({"eventType": "nope"}),
    )
    .await;
    assert_eq!(error(&answer).errors[0].path, "/body/eventType");
    let answer = get(&emu, &format!("/webhooks/{id}/events?limit=200")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let e = error(&answer);
    assert_eq!(
        (e.errors[0].path.as_str(), e.errors[0].message.as_str()),
        ("/query/limit", "must be <= 50")
    );
    let answer = get(&emu, &format!("/webhooks/{id}/events?limit=0")).await;
    assert_eq!(error(&answer).errors[0].path, "/query/limit");
    let answer = get(
        &emu,
        &format!("/webhooks/{id}/events?after=bm90LWEtY3Vyc29y"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&answer).errors[0].path, "/query/after");
    let answer = get(
        &emu,
        &format!("/webhooks/{id}/events?status=lost&eventTypes=x"),
    )
    .await;
    assert_eq!(error(&answer).errors.len(), 2);
    // Unknown delivery: 404; retry of an unknown delivery: 404.
    assert_eq!(
        get(&emu, &format!("/webhooks/{id}/events/msg_nothing"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &emu,
            Method::POST,
            &format!("/webhooks/{id}/events/msg_nothing/retry"),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_and_fifty_webhooks_is_the_limit() {
    let emu = quo_emulator::Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .body_limit(1024)
        .build()
        .await
        .unwrap();
    let big =
        json!({"url": "https://x.test/h", "events": ["call.completed"], "label": "x".repeat(2000)});
    let answer = post_json(&emu, "/webhooks", big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error(&answer).title, "Payload Too Large");
    for _ in 0..50 {
        create(&emu, "https://x.test/h", &["call.completed"]).await;
    }
    let answer = post_json(
        &emu,
        "/webhooks",
        json!({"url": "https://x.test/h", "events": ["call.completed"]}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error(&answer).message.contains("50"));
}

#[tokio::test]
async fn one_key_over_the_rate_limit_gets_429() {
    let emu = quo_emulator::Emulator::builder()
        .api_key("test-key")
        .rate_limit(5)
        .build()
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get(&emu, "/webhooks").await.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        5,
        "{statuses:?}"
    );
    let answer = get(&emu, "/webhooks").await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error(&answer).title, "Too Many Requests");
    assert!(!answer.text.contains("test-key"));
    // The emulator's own endpoints are not limited.
    let answer = post_json(&emu, "/emulator/events", json!({"type": "call.completed"})).await;
    assert_eq!(answer.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    assert_eq!(get(&emu, "/webhooks").await.status, StatusCode::OK);
}

#[tokio::test]
async fn test_event_answers_the_sample_unwrapped_and_delivers_it() {
    let emu = emulator().await;
    let receiver = Receiver::start().await;
    // Disabled: a test event is still sent (SPEC §6).
    let created = post_json(
        &emu,
        "/webhooks",
        json!({"url": receiver.url, "events": ["message.received"], "status": "disabled"}),
    )
    .await;
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();
    let answer = post_json(
        &emu,
        &format!("/webhooks/{id}/events/test"),
        json!({"eventType": "call.completed"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["id"], "EV-test-call-completed");
    assert_eq!(answer.body["type"], "call.completed");
    assert!(answer.body.get("data").unwrap().get("resource").is_some());
    let again = post_json(
        &emu,
        &format!("/webhooks/{id}/events/test"),
        json!({"eventType": "call.completed"}),
    )
    .await;
    assert_eq!(again.body, answer.body);
    let got = receiver.wait_for(2).await;
    assert_eq!(got[0].json(), answer.body);
    // Each test delivery has its own webhook-id.
    assert_ne!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let list = get(&emu, &format!("/webhooks/{id}/events")).await;
    let page: Page<DeliverySummary> = serde_json::from_value(list.body).unwrap();
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[0].resource_id, None);
    assert_eq!(
        page.data[0].event_id.as_deref(),
        Some("EV-test-call-completed")
    );
}
