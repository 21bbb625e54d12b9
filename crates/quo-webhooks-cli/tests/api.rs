//! `quo-webhooks webhooks ...` and `quo-webhooks deliveries ...`, run as a user would, against
//! a scripted local server that answers each request with the next scripted reply and records
//! what it was sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::VecDeque,
    net::SocketAddr,
    process::{Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Body, extract::State, response::Response};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const API_KEY: &str = "qk_cli_test_4be1d6a09c";
const KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct Server {
    replies: Arc<Mutex<VecDeque<(u16, String)>>>,
    /// The answer once the script is spent.
    otherwise: Arc<Mutex<Option<(u16, String)>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    addr: Option<SocketAddr>,
}

impl Server {
    /// A server on a free port that answers with `replies`, in order.
    fn start(replies: impl IntoIterator<Item = (u16, String)>) -> Self {
        let mut server = Self::default();
        server.replies.lock().unwrap().extend(replies);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        server.addr = Some(listener.local_addr().unwrap());
        let router = Router::new().fallback(answer).with_state(server.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, router).await.unwrap();
            });
        });
        server
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr.unwrap())
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn only(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(seen.len(), 1, "{seen:#?}");
        seen.into_iter().next().unwrap()
    }

    /// Runs `quo-webhooks ARGS --api-key KEY --base-url URL`.
    fn run(&self, args: &[&str]) -> Output {
        cmd()
            .args(args)
            .args(["--api-key", API_KEY, "--base-url", &self.url()])
            .output()
            .unwrap()
    }
}

async fn answer(State(server): State<Server>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    server.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body: body.to_vec(),
    });
    let next = server.replies.lock().unwrap().pop_front();
    let (status, body) = next.unwrap_or_else(|| {
        server
            .otherwise
            .lock()
            .unwrap()
            .clone()
            .unwrap_or((418, "no more replies".to_owned()))
    });
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap()
}

/// The binary with no API settings inherited from the environment.
fn cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("QUO_API_KEY")
        .env_remove("QUO_API_BASE_URL")
        .env_remove("QUO_WEBHOOK_SECRET")
        .env_remove("RUST_LOG");
    c
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    assert!(!stdout(o).contains(API_KEY) && !stderr(o).contains(API_KEY));
}

const WEBHOOK: &str = r#"{"id":"123","orgId":"OR123","label":"Production webhook","status":"enabled","url":"https://example.com/webhooks/quo","createdAt":"2026-04-13T12:00:00.000Z","updatedAt":"2026-04-13T12:00:00.000Z","events":["call.summary.completed","contact.updated"],"resourceIds":["PNabc123"],"apiVersion":"2026-03-30"}"#;

fn data(inner: &str) -> String {
    format!(r#"{{"data":{inner}}}"#)
}

fn created() -> String {
    data(&WEBHOOK.replace(
        r#""status":"enabled""#,
        &format!(r#""status":"enabled","key":"{KEY}""#),
    ))
}

fn summary(id: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","eventType":"message.received","status":"{status}","nextAttemptAt":null,"createdAt":"2026-04-13T12:00:00.000Z"}}"#
    )
}

fn page(items: &[String], next: Option<&str>) -> String {
    let next = next.map_or("null".to_owned(), |c| format!("\"{c}\""));
    format!(r#"{{"data":[{}],"nextCursor":{next}}}"#, items.join(","))
}

fn attempt(id: &str, status: &str, code: u16, body: &str) -> String {
    format!(
        r#"{{"id":"{id}","timestamp":"2026-04-13T12:00:01.000Z","status":"{status}","responseStatusCode":{code},"responseBody":{},"responseDurationMs":123,"triggerType":"scheduled","url":"https://example.com/webhooks/quo"}}"#,
        serde_json::to_string(body).unwrap()
    )
}

fn delivery(id: &str, status: &str, attempts: &[String]) -> String {
    data(&format!(
        r#"{{"id":"{id}","eventType":"message.received","status":"{status}","createdAt":"2026-04-13T12:00:00.000Z","requestBody":{{"id":"EV123","apiVersion":"2026-03-30","createdAt":"2026-04-13T12:00:00.000Z","type":"message.received","data":{{"resource":{{"id":"AC1","direction":"incoming","text":"hello","status":"received","createdAt":"2026-04-13T12:00:00.000Z"}}}}}},"attempts":[{}]}}"#,
        attempts.join(",")
    ))
}

#[test]
fn webhooks_list_prints_an_aligned_table_or_the_apis_json() {
    let server = Server::start([
        (200, data(&format!("[{WEBHOOK}]"))),
        (200, data(&format!("[{WEBHOOK}]"))),
    ]);
    let out = server.run(&["webhooks", "list"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID", "STATUS", "URL", "EVENTS", "NUMBERS", "LABEL", "CREATED"
        ]
    );
    assert!(lines[1].starts_with("123  "), "{text}");
    assert!(lines[1].contains("call.summary.completed,contact.updated"));
    // Columns line up: each value starts where its heading does.
    assert_eq!(lines[0].find("URL"), lines[1].find("https://"));

    let out = server.run(&["webhooks", "list", "--json"]);
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        printed,
        json!({ "data": [serde_json::from_str::<Value>(WEBHOOK).unwrap()] })
    );

    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("GET", "/webhooks")
    );
    assert_eq!(seen[0].headers["authorization"], API_KEY);
    assert_eq!(seen[0].headers["x-quo-api-version"], "2026-03-30");
}

#[test]
fn webhooks_get_shows_every_field() {
    let server = Server::start([(200, data(WEBHOOK))]);
    let out = server.run(&["webhooks", "get", "123"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    for expected in [
        "id:",
        "123",
        "url:",
        "https://example.com/webhooks/quo",
        "numbers:",
        "PNabc123",
        "api version:",
        "2026-03-30",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert_eq!(server.only().path, "/webhooks/123");
}

#[test]
fn webhooks_create_sends_the_body_and_prints_the_key_once_with_how_to_use_it() {
    let server = Server::start([(201, created())]);
    let out = server.run(&[
        "webhooks",
        "create",
        "--url",
        "https://example.com/webhooks/quo",
        "--event",
        "call.completed,message.received",
        "--event",
        "contact.updated",
        "--resource-id",
        "PNabc123",
        "--label",
        "Production webhook",
        "--disabled",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.matches(KEY).count(), 1, "{text}");
    assert!(text.contains("shown only once"), "{text}");
    assert!(
        text.contains("QUO_WEBHOOK_SECRET=<the key above> quo-webhooks serve"),
        "{text}"
    );
    let seen = server.only();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/webhooks")
    );
    assert_eq!(
        seen.json(),
        json!({
            "url": "https://example.com/webhooks/quo",
            "events": ["call.completed", "message.received", "contact.updated"],
            "resourceIds": ["PNabc123"],
            "label": "Production webhook",
            "status": "disabled"
        })
    );
}

#[test]
fn webhooks_create_json_prints_the_answer_with_the_key() {
    let server = Server::start([(201, created())]);
    let out = server.run(&[
        "webhooks",
        "create",
        "--url",
        "https://x.test",
        "--event",
        "call.completed",
        "--json",
    ]);
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(printed["data"]["key"], KEY);
    assert_eq!(printed["data"]["id"], "123");
}

#[test]
fn webhooks_create_refuses_an_unknown_event_type_before_sending() {
    let server = Server::start([]);
    let out = server.run(&[
        "webhooks",
        "create",
        "--url",
        "https://x.test",
        "--event",
        "call.nonsense",
    ]);
    assert_exit(&out, 2);
    assert!(
        stderr(&out).contains("unknown event type \"call.nonsense\""),
        "{}",
        stderr(&out)
    );
    assert!(server.seen().is_empty());
}

#[test]
fn webhooks_update_sends_only_the_changes_and_null_to_clear() {
    let server = Server::start([(200, data(WEBHOOK)), (200, data(WEBHOOK))]);
    let out = server.run(&[
        "webhooks",
        "update",
        "123",
        "--event",
        "contact.updated",
        "--clear-label",
        "--all-numbers",
        "--disable",
    ]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("123"));
    let out = server.run(&[
        "webhooks",
        "update",
        "123",
        "--url",
        "https://new.test/h",
        "--label",
        "L",
        "--resource-id",
        "PN1,PN2",
        "--enable",
    ]);
    assert_exit(&out, 0);
    let seen = server.seen();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("PATCH", "/webhooks/123")
    );
    assert_eq!(
        seen[0].json(),
        json!({ "events": ["contact.updated"], "resourceIds": ["*"], "label": null, "status": "disabled" })
    );
    assert_eq!(
        seen[1].json(),
        json!({ "url": "https://new.test/h", "resourceIds": ["PN1", "PN2"], "label": "L", "status": "enabled" })
    );
}

#[test]
fn webhooks_update_with_nothing_to_change_is_a_usage_error() {
    let server = Server::start([]);
    let out = server.run(&["webhooks", "update", "123"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("nothing to change"));
    let out = server.run(&["webhooks", "update", "123", "--label", "a", "--clear-label"]);
    assert_exit(&out, 2);
    assert!(server.seen().is_empty());
}

#[test]
fn webhooks_delete_rotate_and_test() {
    let server = Server::start([
        (204, String::new()),
        (200, data(&format!(r#"{{"key":"{KEY}"}}"#))),
        (200, r#"{"id":"EV-test-call-completed","apiVersion":"2026-03-30","createdAt":"2026-03-30T18:00:00.000Z","type":"call.completed","data":{"resource":{"id":"ACx"}}}"#.to_owned()),
    ]);
    let out = server.run(&["webhooks", "delete", "123"]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out).trim(), "deleted webhook 123");

    let out = server.run(&["webhooks", "rotate", "123"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.matches(KEY).count(), 1, "{text}");
    assert!(text.contains("shown only once"));

    let out = server.run(&["webhooks", "test", "123", "--event", "call.completed"]);
    assert_exit(&out, 0);
    assert!(
        stdout(&out).contains(
            "sent a test call.completed to webhook 123 (sample event EV-test-call-completed)"
        ),
        "{}",
        stdout(&out)
    );

    let seen = server.seen();
    let routes: Vec<(&str, &str)> = seen
        .iter()
        .map(|s| (s.method.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        routes,
        [
            ("DELETE", "/webhooks/123"),
            ("POST", "/webhooks/123/rotate"),
            ("POST", "/webhooks/123/events/test")
        ]
    );
    assert_eq!(seen[2].json(), json!({ "eventType": "call.completed" }));
}

#[test]
fn deliveries_list_prints_a_page_and_says_how_to_get_the_next() {
    let server = Server::start([(
        200,
        page(
            &[summary("msg_1", "failed"), summary("msg_2", "success")],
            Some("c2"),
        ),
    )]);
    let out = server.run(&[
        "deliveries",
        "list",
        "123",
        "--limit",
        "2",
        "--status",
        "failed",
        "--event",
        "message.received",
        "--created-after",
        "2026-04-13T00:00:00Z",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "EVENT", "STATUS", "CREATED", "NEXT", "ATTEMPT"]
    );
    assert!(
        lines[1].starts_with("msg_1  ") && lines[1].contains("failed"),
        "{text}"
    );
    assert!(stderr(&out).contains("--after c2"), "{}", stderr(&out));
    let seen = server.only();
    assert_eq!(seen.path, "/webhooks/123/events");
    assert_eq!(
        seen.query.as_deref(),
        Some(
            "limit=2&status=failed&eventTypes=message.received&createdAfter=2026-04-13T00%3A00%3A00.000Z"
        )
    );
}

#[test]
fn deliveries_list_all_walks_every_page() {
    let server = Server::start([
        (
            200,
            page(
                &[summary("msg_1", "failed"), summary("msg_2", "failed")],
                Some("c2"),
            ),
        ),
        (
            200,
            page(
                &[summary("msg_3", "failed"), summary("msg_4", "failed")],
                Some("c3"),
            ),
        ),
        (200, page(&[summary("msg_5", "failed")], None)),
    ]);
    let out = server.run(&[
        "deliveries",
        "list",
        "123",
        "--all",
        "--limit",
        "2",
        "--json",
    ]);
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ids: Vec<&str> = printed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["msg_1", "msg_2", "msg_3", "msg_4", "msg_5"]);
    assert_eq!(printed["nextCursor"], Value::Null);
    let queries: Vec<String> = server
        .seen()
        .into_iter()
        .map(|s| s.query.unwrap())
        .collect();
    assert_eq!(queries, ["limit=2", "limit=2&after=c2", "limit=2&after=c3"]);
}

#[test]
fn deliveries_list_pages_hold_10_or_with_all_50() {
    let server = Server::start([(200, page(&[], None)), (200, page(&[], None))]);
    assert_exit(&server.run(&["deliveries", "list", "123"]), 0);
    assert_exit(&server.run(&["deliveries", "list", "123", "--all"]), 0);
    let queries: Vec<String> = server
        .seen()
        .into_iter()
        .map(|s| s.query.unwrap())
        .collect();
    assert_eq!(queries, ["limit=10", "limit=50"]);
}

#[test]
fn deliveries_list_refuses_a_limit_out_of_range() {
    let server = Server::start([]);
    let out = server.run(&["deliveries", "list", "123", "--limit", "51"]);
    assert_exit(&out, 2);
    assert!(server.seen().is_empty());
}

#[test]
fn deliveries_get_shows_every_attempt_with_code_duration_and_answer() {
    let attempts = [
        attempt("atmpt_2", "success", 200, "{\"ok\":true}"),
        attempt("atmpt_1", "failed", 0, ""),
    ];
    let server = Server::start([(200, delivery("msg_1", "success", &attempts))]);
    let out = server.run(&["deliveries", "get", "123", "msg_1"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("event id:") && text.contains("EV123"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("atmpt_")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0].contains("200") && rows[0].contains("123 ms") && rows[0].contains("{\"ok\":true}"),
        "{text}"
    );
    assert!(
        rows[1].contains("none") && rows[1].contains("failed"),
        "{text}"
    );
    assert_eq!(server.only().path, "/webhooks/123/events/msg_1");
}

#[test]
fn deliveries_retry_queues_an_attempt() {
    let server = Server::start([(202, "{}".to_owned())]);
    let out = server.run(&["deliveries", "retry", "123", "msg_1"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("queued a retry of msg_1"));
    let seen = server.only();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("POST", "/webhooks/123/events/msg_1/retry")
    );
}

#[test]
fn deliveries_tail_prints_new_deliveries_and_attempts_as_they_happen() {
    let server = Server::start([
        // poll 1: one delivery in flight, with a failed attempt
        (200, page(&[summary("msg_1", "sending")], None)),
        (
            200,
            delivery(
                "msg_1",
                "sending",
                &[attempt("atmpt_1", "failed", 500, "boom")],
            ),
        ),
        // poll 2: it succeeded on its second attempt; a new one is queued
        (
            200,
            page(
                &[summary("msg_2", "pending"), summary("msg_1", "success")],
                None,
            ),
        ),
        (
            200,
            delivery(
                "msg_1",
                "success",
                &[
                    attempt("atmpt_2", "success", 200, "ok"),
                    attempt("atmpt_1", "failed", 500, "boom"),
                ],
            ),
        ),
        (200, delivery("msg_2", "pending", &[])),
        // poll 3: the new one succeeded; the first, settled, is not fetched again
        (
            200,
            page(
                &[summary("msg_2", "success"), summary("msg_1", "success")],
                None,
            ),
        ),
        (
            200,
            delivery(
                "msg_2",
                "success",
                &[attempt("atmpt_3", "success", 204, "")],
            ),
        ),
    ]);
    let out = server.run(&[
        "deliveries",
        "tail",
        "123",
        "--interval",
        "0.05",
        "--max-polls",
        "3",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let expected = [
        ("delivery msg_1", "sending"),
        ("attempt  atmpt_1 of msg_1", "500"),
        ("delivery msg_1", "success"),
        ("attempt  atmpt_2 of msg_1", "200"),
        ("delivery msg_2", "pending"),
        ("delivery msg_2", "success"),
        ("attempt  atmpt_3 of msg_2", "204"),
    ];
    assert_eq!(lines.len(), expected.len(), "{text}");
    for (line, (what, detail)) in lines.iter().zip(expected) {
        assert!(
            line.contains(what) && line.contains(detail),
            "{line:?} should show {what} {detail}\n{text}"
        );
    }
    assert_eq!(server.seen().len(), 7);
}

#[test]
fn deliveries_tail_json_prints_one_object_per_line() {
    let server = Server::start([
        (200, page(&[summary("msg_1", "sending")], None)),
        (
            200,
            delivery(
                "msg_1",
                "sending",
                &[attempt("atmpt_1", "failed", 500, "boom")],
            ),
        ),
    ]);
    let out = server.run(&["deliveries", "tail", "123", "--max-polls", "1", "--json"]);
    assert_exit(&out, 0);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "delivery");
    assert_eq!(lines[0]["data"]["status"], "sending");
    assert_eq!(lines[1]["type"], "attempt");
    assert_eq!(lines[1]["data"]["delivery"], "msg_1");
    assert_eq!(lines[1]["data"]["attempt"]["responseStatusCode"], 500);
    assert_eq!(lines[1]["data"]["attempt"]["responseBody"], "boom");
}

#[test]
fn deliveries_tail_runs_until_ctrl_c() {
    let server = Server::start([]);
    *server.otherwise.lock().unwrap() = Some((200, page(&[], None)));
    let mut child = cmd()
        .args(["deliveries", "tail", "123", "--interval", "0.05"])
        .args(["--api-key", API_KEY, "--base-url", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.seen().len() < 3 {
        assert!(Instant::now() < deadline, "tail did not poll");
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("tail did not stop on SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let out = child.wait_with_output().unwrap();
    assert!(stderr(&out).contains("watching deliveries of webhook 123"));
}

#[test]
fn an_api_error_exits_1_with_its_message() {
    let server = Server::start([(
        404,
        r#"{"title":"Not Found","message":"Webhook not found","docs":"https://quo.com/docs"}"#
            .to_owned(),
    )]);
    let out = server.run(&["webhooks", "get", "999"]);
    assert_exit(&out, 1);
    assert_eq!(
        stderr(&out).trim(),
        "error: the Quo API answered 404 Not Found: Webhook not found (see https://quo.com/docs)"
    );
}

#[test]
fn an_unreachable_api_exits_1() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = cmd()
        .args(["webhooks", "list", "--retries", "0", "--api-key", API_KEY])
        .args(["--base-url", &format!("http://127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
}

#[test]
fn the_key_and_base_url_come_from_the_environment() {
    let server = Server::start([(200, data("[]"))]);
    let out = cmd()
        .args(["webhooks", "list"])
        .env("QUO_API_KEY", API_KEY)
        .env("QUO_API_BASE_URL", server.url())
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(server.only().headers["authorization"], API_KEY);
}

#[test]
fn rust_log_shows_each_request_without_the_key() {
    let server = Server::start([(200, data("[]"))]);
    let out = cmd()
        .args([
            "webhooks",
            "list",
            "--api-key",
            API_KEY,
            "--base-url",
            &server.url(),
        ])
        .env("RUST_LOG", "quo_api=debug")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let logs = stderr(&out);
    assert!(
        logs.contains("quo_api.request") && logs.contains("path=/webhooks"),
        "{logs}"
    );
    assert!(logs.contains("status=200"), "{logs}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["webhooks", "list"],
        vec![
            "webhooks",
            "list",
            "--api-key",
            "k",
            "--base-url",
            "ftp://x",
        ],
        vec!["webhooks", "frobnicate"],
        vec!["deliveries", "get", "123"],
        vec![
            "deliveries",
            "tail",
            "123",
            "--api-key",
            "k",
            "--interval",
            "0",
        ],
    ] {
        let out = cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn send_speaks_tls_to_an_https_url() {
    // A plain-HTTP server behind an https:// URL: the TLS handshake is attempted and fails,
    // rather than the URL being refused.
    let server = Server::start([]);
    let url = format!("https://{}/webhooks", server.addr.unwrap());
    let out = cmd()
        .args(["send", "--secret", KEY, &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("#1 failed") && text.contains("corrupt message"),
        "{text}"
    );
}
