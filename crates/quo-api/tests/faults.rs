//! Each error kind from a fault-injecting server, and what is retried and what is not.
//! In-process tests run on tokio's paused clock, so waits cost no real time.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use http::Method;
use quo_api::{
    DeliveryFilter, Error, NewWebhook, SNIPPET_CHARS,
    client::{Client, RateLimit, RetryPolicy},
};
use quo_webhooks::EventType;
use support::{API_KEY, Reply, Script, assert_error_hides_key, documented};
use tokio::time::Instant;

const HTML_502: &str = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

fn new_webhook() -> NewWebhook {
    NewWebhook::new("https://example.com/hooks", [EventType::MessageReceived])
}

#[tokio::test(start_paused = true)]
async fn get_after_429_with_retry_after_waits_as_asked_then_succeeds() {
    let script = Script::new([
        Reply::json(
            429,
            r#"{"title":"Too Many Requests","message":"slow down"}"#,
        )
        .header("retry-after", "2"),
        Reply::ok(&documented::list()),
    ]);
    let started = Instant::now();
    let webhooks = script.client().webhooks().list().await.unwrap();
    assert_eq!(webhooks.len(), 1);
    assert_eq!(script.seen().len(), 2);
    // Retry-After (2 s) is honoured, not the policy's 10 ms backoff.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn get_after_429_without_retry_after_backs_off_and_gives_up_after_max_retries() {
    let script = Script::new((0..10).map(|_| Reply::json(429, "{}")));
    let client = script
        .builder()
        .retry_policy(
            RetryPolicy::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.webhooks().list().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        script.seen().len(),
        4,
        "the first attempt and three retries"
    );
    // Backoffs of at least 50 + 100 + 200 ms (half of 100, 200, 400) and at most 700 ms.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(350), "{waited:?}");
    assert!(waited <= Duration::from_millis(700), "{waited:?}");
    assert_eq!(error.status().unwrap().as_u16(), 429);
    assert!(
        error.to_string().contains("no Retry-After given"),
        "{error}"
    );
    assert_error_hides_key(&error);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_error_carries_the_retry_after_it_was_given() {
    let script =
        Script::new([Reply::json(429, r#"{"message":"too many"}"#).header("retry-after", "7")]);
    let client = script
        .builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.webhooks().get("1").await.unwrap_err();
    match &error {
        Error::RateLimited { retry_after, body } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
            assert_eq!(body.as_ref().unwrap().message, "too many");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "rate limited by the Quo API (429 Too Many Requests): too many; it asked to retry after 7 s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_past_the_time_budget_is_not_waited_for() {
    let script = Script::new([
        Reply::json(429, "{}").header("retry-after", "120"),
        Reply::ok("{}"),
    ]);
    let started = Instant::now();
    let error = script.client().webhooks().list().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120))
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_total_time_budget() {
    let script = Script::new((0..50).map(|_| Reply::empty(503)));
    let client = script
        .builder()
        .retry_policy(
            RetryPolicy::default()
                .max_retries(40)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_millis(200))
                .max_elapsed(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.webhooks().list().await.unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 503);
    assert!(started.elapsed() <= Duration::from_secs(1));
    let n = script.seen().len();
    assert!(
        (5..=11).contains(&n),
        "{n} attempts in a 1 s budget of 100-200 ms waits"
    );
}

#[tokio::test(start_paused = true)]
async fn a_500_is_an_api_error_with_quos_body_and_is_not_retried() {
    let script = Script::new([
        Reply::json(
            500,
            r#"{"title":"Internal Server Error","message":"Something broke","docs":"https://quo.com/docs","trace":"t-1"}"#,
        ),
        Reply::ok(&documented::list()),
    ]);
    let error = script.client().webhooks().list().await.unwrap_err();
    match &error {
        Error::Api { status, body } => {
            assert_eq!(status.as_u16(), 500);
            assert_eq!(body.message, "Something broke");
            assert_eq!(body.trace.as_deref(), Some("t-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "the Quo API answered 500 Internal Server Error: Something broke (see https://quo.com/docs)"
    );
    assert_eq!(script.seen().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_validation_error_keeps_its_field_errors() {
    let script = Script::new([Reply::json(400, documented::VALIDATION_ERROR)]);
    let error = script
        .client()
        .deliveries("123")
        .list(&DeliveryFilter::new().limit(200))
        .await
        .unwrap_err();
    let body = error.body().unwrap();
    assert_eq!(body.errors[0].path, "/query/limit");
    assert_eq!(body.errors[0].message, "must be <= 50");
    assert_eq!(body.docs.as_deref(), Some("https://quo.com/docs"));
    assert!(error.to_string().contains("/query/limit must be <= 50"));
    assert!(!error.is_not_found());
}

#[tokio::test(start_paused = true)]
async fn a_404_says_not_found() {
    let script = Script::new([Reply::json(
        404,
        r#"{"title":"Not Found","message":"Webhook not found","code":"0303404","status":404}"#,
    )]);
    let error = script.client().webhooks().get("999").await.unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(error.body().unwrap().code.as_deref(), Some("0303404"));
}

#[tokio::test(start_paused = true)]
async fn a_get_that_gets_503_then_200_succeeds_on_the_retry() {
    let script = Script::new([
        Reply::json(503, r#"{"message":"unavailable"}"#),
        Reply::ok(&documented::get()),
    ]);
    let webhook = script.client().webhooks().get("123").await.unwrap();
    assert_eq!(webhook.id.as_str(), "123");
    let seen = script.seen();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|s| s.method == Method::GET && s.path == "/webhooks/123")
    );
}

#[tokio::test(start_paused = true)]
async fn a_delete_is_retried_on_502_and_504() {
    let script = Script::new([
        Reply::html(502, HTML_502),
        Reply::empty(504),
        Reply::empty(204),
    ]);
    script.client().webhooks().delete("123").await.unwrap();
    assert_eq!(script.seen().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_post_that_gets_503_is_not_retried() {
    let script = Script::new([
        Reply::json(
            503,
            r#"{"title":"Service Unavailable","message":"try later"}"#,
        ),
        Reply::json(201, documented::CREATED),
    ]);
    let error = script
        .client()
        .webhooks()
        .create(&new_webhook())
        .await
        .unwrap_err();
    assert_eq!(error.status().unwrap().as_u16(), 503);
    // Exactly one request arrived: a retried create could make a second subscription.
    let seen = script.only();
    assert_eq!(seen.method, Method::POST);
}

#[tokio::test(start_paused = true)]
async fn no_post_or_patch_is_retried_on_429_either() {
    let script = Script::new((0..6).map(|_| Reply::json(429, "{}").header("retry-after", "0")));
    let client = script.client();
    assert!(client.webhooks().rotate("1").await.is_err());
    assert!(
        client
            .webhooks()
            .send_test("1", EventType::CallCompleted)
            .await
            .is_err()
    );
    assert!(client.deliveries("1").retry("msg_1").await.is_err());
    assert!(
        client
            .webhooks()
            .update("1", &quo_api::WebhookUpdate::new().label("x"))
            .await
            .is_err()
    );
    assert_eq!(script.seen().len(), 4, "one request each");
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_past_the_timeout_is_a_timeout_and_not_retried() {
    let script = Script::new([Reply::ok(&documented::list()).after(Duration::from_secs(60))]);
    let client = script
        .builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.webhooks().list().await.unwrap_err();
    assert!(
        matches!(error, Error::Timeout { after } if after == Duration::from_secs(5)),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(script.seen().len(), 1);
    assert_eq!(error.to_string(), "no answer from the Quo API within 5 s");
}

#[tokio::test(start_paused = true)]
async fn malformed_json_is_a_decode_error_with_a_snippet() {
    let script = Script::new([Reply::ok(r#"{"data": [{"id": "123", "orgId": "#)]);
    let error = script.client().webhooks().list().await.unwrap_err();
    match &error {
        Error::Decode {
            status,
            message,
            snippet,
        } => {
            assert_eq!(status.as_u16(), 200);
            assert!(message.contains("EOF"), "{message}");
            assert_eq!(snippet, r#"{"data": [{"id": "123", "orgId": "#);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn json_of_the_wrong_shape_is_a_decode_error() {
    let script = Script::new([Reply::ok(r#"{"data": {"not": "a list"}}"#)]);
    let error = script.client().webhooks().list().await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { message, .. } if message.contains("invalid type")),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_html_error_page_is_a_decode_error_with_a_bounded_snippet() {
    let page = format!("{HTML_502}{}", "<p>padding</p>".repeat(200));
    let script = Script::new((0..4).map(|_| Reply::html(502, &page)));
    let error = script.client().webhooks().list().await.unwrap_err();
    match &error {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(status.as_u16(), 502);
            assert!(
                snippet.starts_with("<html><head><title>502 Bad Gateway"),
                "{snippet}"
            );
            assert_eq!(snippet.chars().count(), SNIPPET_CHARS + 1);
            assert!(snippet.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().len() < 600);
    // A GET on 502 was retried as the policy allows (3 retries).
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_key_echoed_by_the_server_is_removed_from_the_error() {
    let echo = format!(
        r#"{{"title":"Unauthorized","message":"key {API_KEY} is not valid","errors":[{{"path":"/headers/authorization","message":"{API_KEY} unknown","value":"{API_KEY}"}}]}}"#
    );
    let script = Script::new([
        Reply::json(401, &echo),
        Reply::html(
            400,
            &format!("<p>bad key {API_KEY} and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw</p>"),
        ),
        Reply::ok(&format!(r#"{{"data": "{API_KEY}"}}"#)),
    ]);
    let client = script.client();
    for _ in 0..3 {
        let error = client.webhooks().list().await.unwrap_err();
        assert_error_hides_key(&error);
        assert!(!format!("{error:?}").contains("MfKQ9r8"), "{error:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_create_answer_that_cannot_be_read_does_not_show_the_signing_key() {
    let broken = documented::CREATED.replace("\"orgId\": \"OR123\",", "\"orgId\": 5,");
    let script = Script::new([Reply::json(201, &broken)]);
    let error = script
        .client()
        .webhooks()
        .create(&new_webhook())
        .await
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(matches!(error, Error::Decode { .. }));
    assert!(!text.contains("MfKQ9r8"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_spaces_requests() {
    let script = Script::new((0..5).map(|_| Reply::ok(&documented::list())));
    let client = script
        .builder()
        .rate_limit(RateLimit::per_second(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let calls = (0..5).map(|_| {
        let client = client.clone();
        async move { client.webhooks().list().await }
    });
    for result in futures_util::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(started.elapsed(), Duration::from_millis(400));
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    // A port that was free a moment ago, now closed.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{addr}"))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let error = client.webhooks().list().await.unwrap_err();
    assert!(
        matches!(&error, Error::Connection { message } if message.contains("refused")),
        "{error:?}"
    );
    assert_eq!(error.status(), None);
    assert_error_hides_key(&error);
}

#[tokio::test]
async fn a_slow_answer_over_a_socket_times_out() {
    let script = Script::new([Reply::ok("{}").after(Duration::from_secs(10))]);
    let addr = script.listen().await;
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(format!("http://{addr}"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.webhooks().get("1").await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn debug_of_the_client_and_builder_shows_no_key() {
    let script = Script::default();
    let client = script.client();
    let debug = format!("{client:?}");
    support::assert_no_key(&debug);
    assert!(debug.contains("ApiKey { .. }"), "{debug}");
    support::assert_no_key(&format!("{:?}", script.builder()));
}

#[test]
fn configuration_errors_show_no_key() {
    let errors = [
        Client::builder().api_key("").build().unwrap_err(),
        Client::builder()
            .api_key(format!("{API_KEY} tail"))
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key(API_KEY)
            .base_url("ftp://x")
            .build()
            .unwrap_err(),
        Client::builder().build().unwrap_err(),
    ];
    for error in &errors {
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
        assert_error_hides_key(error);
    }
}
