//! The dashboard as the server sees it: the page and its assets are served without a key and
//! hold no data; the headers endpoint it reads is behind the key and never shows a whole
//! signature. The page itself is driven in a real browser by `tests/browser/run.sh`.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::*;
use quo_emulator::Emulator;
use serde_json::json;

const SETTLE: Duration = Duration::from_secs(10);

/// A request without any key.
async fn anonymous(emu: &Emulator, method: Method, path: &str) -> Answer {
    send(
        emu,
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn content_type(answer: &Answer) -> &str {
    answer
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn page_and_assets_are_served_without_a_key_with_their_content_types() {
    let emu = emulator().await;
    let page = anonymous(&emu, Method::GET, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(content_type(&page), "text/html; charset=utf-8");
    assert!(page.text.starts_with("<!doctype html>"));
    assert!(
        page.text
            .contains(r#"<script src="/assets/dashboard.js" defer></script>"#)
    );
    // The event types are filled in, from the one list the API validates against.
    assert!(!page.text.contains("{{EVENT_TYPES}}"));
    let every_type: Vec<&str> = quo_webhooks::EventType::KNOWN
        .iter()
        .map(quo_webhooks::EventType::as_str)
        .collect();
    assert!(
        page.text
            .contains(&serde_json::to_string(&every_type).unwrap())
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    for (path, expected, marker) in [
        (
            "/assets/dashboard.js",
            "text/javascript; charset=utf-8",
            "\"use strict\";",
        ),
        ("/assets/dashboard.css", "text/css; charset=utf-8", ".badge"),
        ("/assets/favicon.svg", "image/svg+xml", "<svg"),
    ] {
        let asset = anonymous(&emu, Method::GET, path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&asset), expected, "{path}");
        assert!(asset.text.contains(marker), "{path}");
        assert_eq!(asset.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    let missing = anonymous(&emu, Method::GET, "/assets/missing.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let head = anonymous(&emu, Method::HEAD, "/").await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(content_type(&head), "text/html; charset=utf-8");
}

#[tokio::test]
async fn page_holds_no_data_and_the_api_still_needs_the_key() {
    let emu = emulator().await;
    let before = anonymous(&emu, Method::GET, "/").await.text;
    let receiver = Receiver::start().await;
    let answer = post_json(
        &emu,
        "/webhooks",
        json!({"url": receiver.url, "events": ["call.completed"], "label": "Secret project X"}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let key = answer.body["data"]["key"].as_str().unwrap().to_owned();
    let triggered = trigger(&emu, json!({"type": "call.completed"})).await;
    let delivery = triggered["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let after = anonymous(&emu, Method::GET, "/").await;
    assert_eq!(
        after.text, before,
        "the page is the same whatever the store holds"
    );
    for secret in [
        &receiver.url,
        "Secret project X",
        &key,
        &delivery,
        "test-key",
    ] {
        assert!(
            !after.text.contains(secret),
            "the page must not contain {secret}"
        );
    }
    for path in [
        "/webhooks".to_owned(),
        format!("/emulator/webhooks/1/events/{delivery}/headers"),
    ] {
        let refused = anonymous(&emu, Method::GET, &path).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(!refused.text.contains(&delivery));
    }
}

#[tokio::test]
async fn headers_endpoint_lists_every_attempt_with_signatures_shortened() {
    let emu = Emulator::builder()
        .api_key("test-key")
        .rate_limit(0)
        .no_jitter()
        .retry_schedule([Duration::from_secs(60)])
        .build()
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    receiver.fail_next(1);
    let (webhook, _key) = create(&emu, &receiver.url, &["message.received"]).await;
    let triggered = trigger(&emu, json!({"type": "message.received"})).await;
    let delivery = triggered["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    receiver.wait_for(1).await;
    emu.settle(SETTLE).await;
    emu.advance(Duration::from_secs(61)).await;
    let received = receiver.wait_for(2).await;
    // The receiver can answer before the attempt is committed: wait until it is recorded.
    let detail_path = format!("/webhooks/{webhook}/events/{delivery}");
    let mut detail = get(&emu, &detail_path).await;
    for _ in 0..1000 {
        if detail.body["data"]["attempts"].as_array().map(Vec::len) == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        detail = get(&emu, &detail_path).await;
    }

    let path = format!("/emulator/webhooks/{webhook}/events/{delivery}/headers");
    let answer = get(&emu, &path).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let entries = answer.body["data"].as_array().unwrap();
    assert_eq!(entries.len(), 2);

    // Most recent first, the same attempts as the delivery's, in the same order.
    let attempts = detail.body["data"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{}", detail.text);
    for (entry, attempt) in entries.iter().zip(attempts) {
        assert_eq!(entry["attemptId"], attempt["id"]);
    }

    for (entry, sent) in entries.iter().rev().zip(&received) {
        let headers: Vec<(String, String)> = entry["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().unwrap().to_owned(),
                    pair[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no {name} header"))
        };
        assert_eq!(value("webhook-id"), delivery);
        assert_eq!(value("webhook-timestamp"), sent.header("webhook-timestamp"));
        assert_eq!(value("content-type"), "application/json");
        let full = sent.header("webhook-signature");
        let shown = value("webhook-signature");
        assert_eq!(shown.chars().count(), "v1,".len() + 8 + 1, "{shown}");
        assert!(shown.ends_with('…'));
        assert!(full.starts_with(shown.trim_end_matches('…')));
        assert!(!answer.text.contains(full), "a whole signature was shown");
    }

    let missing = get(
        &emu,
        &format!("/emulator/webhooks/{webhook}/events/msg_nope/headers"),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = get(
        &emu,
        &format!("/emulator/webhooks/abc/events/{delivery}/headers"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
