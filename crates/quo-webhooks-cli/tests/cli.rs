//! The built `quo-webhooks` binary, driven as a user would: `serve` with each sink and store,
//! `send` against it, `sign`, `verify` and `secret generate`, and bad input everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener},
    process::{Command, Output},
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use test_support::process::{Process, free_port, http_get, wait_until};
use test_support::{RedisCluster, RedisServer};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LEGACY_KEY: &str = "c2VjcmV0LWtleS1ieXRlcw==";

/// A command with no secrets inherited from the environment.
fn cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("QUO_WEBHOOK_SECRET")
        .env_remove("QUO_LEGACY_SIGNING_KEY")
        .env_remove("REDIS_URL")
        .env_remove("RUST_LOG");
    c
}

fn run(args: &[&str]) -> Output {
    cmd().args(args).output().expect("run quo-webhooks")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A running `serve` (killed on drop) and the address it announced.
struct Serve {
    proc: Process,
    addr: SocketAddr,
}

impl Serve {
    fn start(args: &[&str]) -> Self {
        Self::start_with(cmd(), args)
    }

    fn start_with(mut command: Command, args: &[&str]) -> Self {
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args);
        let mut proc = Process::spawn(command);
        let addr = proc.address_after("listening on http://");
        Self { proc, addr }
    }

    fn url(&self) -> String {
        format!("http://{}/webhooks", self.addr)
    }

    fn events(&self) -> Vec<serde_json::Value> {
        self.proc
            .stdout()
            .iter()
            .map(|l| serde_json::from_str(l).expect("each stdout line is JSON"))
            .collect()
    }

    fn logs(&self) -> String {
        self.proc.stderr()
    }

    fn get(&self, path: &str) -> (u16, String) {
        http_get(self.addr, path)
    }
}

/// A body and the request head it came with.
type Received = (Vec<u8>, String);

#[test]
fn delivery_is_accepted_duplicates_answered_and_tampering_refused() {
    let serve = Serve::start(&["--secret", SECRET]);
    let sent = run(&[
        "send",
        &serve.url(),
        "--secret",
        SECRET,
        "--repeat",
        "3",
        "--id",
        "msg_cli_1",
    ]);
    assert!(sent.status.success(), "{}", stderr(&sent));
    let out = stdout(&sent);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert_eq!(out.matches("200 OK").count(), 3, "{out}");
    assert_eq!(out.matches("(duplicate)").count(), 2, "{out}");

    let tampered = run(&["send", &serve.url(), "--secret", SECRET, "--tamper"]);
    assert!(tampered.status.success());
    assert!(
        stdout(&tampered).contains("401 Unauthorized"),
        "{}",
        stdout(&tampered)
    );
    assert!(stdout(&tampered).contains("no_matching_signature"));

    wait_until(Duration::from_secs(5), || serve.events().len() == 1);
    let event = &serve.events()[0];
    assert_eq!(event["id"], "msg_cli_1");
    assert_eq!(event["scheme"], "v1");
    assert_eq!(event["event"]["type"], "message.received");
    // One log line per delivery, with its outcome.
    wait_until(Duration::from_secs(5), || {
        serve.logs().matches("outcome=").count() >= 4
    });
    let logs = serve.logs();
    assert!(
        logs.contains("outcome=\"processed\"") || logs.contains("outcome=processed"),
        "{logs}"
    );
    assert!(logs.contains("duplicate"), "{logs}");
    assert!(
        !logs.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "a log line shows the secret"
    );
}

#[test]
fn serve_without_a_secret_generates_and_prints_one() {
    let serve = Serve::start(&[]);
    let logs = serve.logs();
    let secret = logs
        .split_whitespace()
        .find(|w| w.starts_with("whsec_"))
        .unwrap_or_else(|| panic!("no generated secret in {logs}"))
        .to_owned();
    let sent = run(&[
        "send",
        &serve.url(),
        "--secret",
        &secret,
        "--event",
        "call.completed",
    ]);
    assert!(stdout(&sent).contains("200 OK"), "{}", stdout(&sent));
    wait_until(Duration::from_secs(5), || serve.events().len() == 1);
    assert_eq!(serve.events()[0]["event"]["type"], "call.completed");
}

#[test]
fn secrets_come_from_the_environment_too() {
    let mut command = cmd();
    command.env(
        "QUO_WEBHOOK_SECRET",
        format!("{},{SECRET}", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
    );
    let serve = Serve::start_with(command, &[]);
    let mut send = cmd();
    send.env("QUO_WEBHOOK_SECRET", SECRET);
    let sent = send.args(["send", &serve.url()]).output().unwrap();
    assert!(
        stdout(&sent).contains("200 OK"),
        "{}{}",
        stdout(&sent),
        stderr(&sent)
    );
}

#[test]
fn every_sample_event_type_is_accepted() {
    let serve = Serve::start(&["--secret", SECRET]);
    let types: Vec<String> = quo_webhooks::EventType::KNOWN
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(types.len(), 28);
    for t in &types {
        let sent = run(&["send", &serve.url(), "--secret", SECRET, "--event", t]);
        assert!(stdout(&sent).contains("200 OK"), "{t}: {}", stdout(&sent));
    }
    wait_until(Duration::from_secs(5), || {
        serve.events().len() == types.len()
    });
}

#[test]
fn legacy_deliveries_verify_and_normalise_to_the_new_format() {
    let serve = Serve::start(&[
        "--secret",
        SECRET,
        "--legacy-key",
        LEGACY_KEY,
        "--normalize",
    ]);
    let sent = run(&[
        "send",
        &serve.url(),
        "--scheme",
        "legacy",
        "--legacy-key",
        LEGACY_KEY,
        "--repeat",
        "2",
    ]);
    let out = stdout(&sent);
    assert!(out.contains("200 OK"), "{out}{}", stderr(&sent));
    assert_eq!(
        out.matches("(duplicate)").count(),
        1,
        "legacy retries dedupe on the body id: {out}"
    );
    wait_until(Duration::from_secs(5), || serve.events().len() == 1);
    let line = &serve.events()[0];
    assert_eq!(line["scheme"], "legacy");
    assert_eq!(line["id"], serde_json::Value::Null);
    assert_eq!(line["event"]["apiVersion"], "2026-03-30");
    assert!(line["event"]["data"]["resource"]["id"].is_string());
}

/// Regression: Quo's documented call events (object `participants`, fractional `duration`)
/// were refused by `serve --normalize` with a 422, so Quo retried them for 27 hours and gave
/// up.
#[test]
fn normalize_accepts_documented_call_events_with_object_participants_and_fractional_duration() {
    let serve = Serve::start(&[
        "--secret",
        SECRET,
        "--legacy-key",
        LEGACY_KEY,
        "--normalize",
    ]);
    let body = serde_json::json!({
        "id": "EV3f0c9a5e1b7d24c8a6e0f2b4d6c8a1e3",
        "apiVersion": "2026-03-30",
        "createdAt": "2026-04-14T16:13:44.760Z",
        "type": "call.completed",
        "data": {
            "resource": {
                "id": "AC5d7963c4f471e142f5a72214a9666fb1", "direction": "incoming",
                "status": "answered", "createdAt": "2026-04-14T16:10:01.877Z",
                "answeredAt": "2026-04-14T16:10:09.215Z", "completedAt": "2026-04-14T16:13:43.981Z",
                "updatedAt": "2026-04-14T16:13:43.981Z", "duration": 214.6, "hasVoicemail": false
            },
            "context": {
                "orgId": "ORq3Vd8KsN", "phoneNumberId": "PNu7Kx2bQa",
                "conversationId": "CN2ba26a70ebe3b664fca3a53c0b6c63a0", "phoneNumberType": "shared",
                "userId": "USr4Nq8TzW",
                "contacts": { "ids": ["CTe2c41d09bd470b48a339ff"], "lookupStatus": "matched" },
                "participants": { "workspace": ["+14155550123"], "external": ["+16505550187"],
                                  "resolution": "available" }
            },
            "links": { "quo": null }
        }
    });
    let dir = std::env::temp_dir().join(format!("quo-cli-regression-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("call.completed.json");
    std::fs::write(&file, serde_json::to_vec(&body).unwrap()).unwrap();

    let sent = run(&[
        "send",
        &serve.url(),
        "--secret",
        SECRET,
        "--body-file",
        file.to_str().unwrap(),
    ]);
    assert!(
        stdout(&sent).contains("200 OK"),
        "{}{}",
        stdout(&sent),
        stderr(&sent)
    );
    // The legacy twin of the same call, normalised to the documented shape.
    let legacy = run(&[
        "send",
        &serve.url(),
        "--scheme",
        "legacy",
        "--legacy-key",
        LEGACY_KEY,
        "--event",
        "call.completed",
    ]);
    assert!(
        stdout(&legacy).contains("200 OK"),
        "{}{}",
        stdout(&legacy),
        stderr(&legacy)
    );
    let _ = std::fs::remove_dir_all(&dir);

    wait_until(Duration::from_secs(5), || serve.events().len() == 2);
    let events = serve.events();
    let new = events.iter().find(|l| l["scheme"] != "legacy").unwrap();
    assert_eq!(
        new["event"], body,
        "normalised output of a new event is the event"
    );
    let legacy = events.iter().find(|l| l["scheme"] == "legacy").unwrap();
    let event = &legacy["event"];
    assert_eq!(event["apiVersion"], "2026-03-30");
    assert_eq!(
        event["data"]["resource"]["duration"],
        serde_json::json!(214.6)
    );
    assert_eq!(event["data"]["resource"]["status"], "answered");
    assert_eq!(
        event["data"]["context"]["participants"],
        serde_json::json!({ "workspace": ["+14155550123"], "external": ["+16505550187"] })
    );
    assert!(event["data"]["context"].get("senderIdentifier").is_none());
}

#[test]
fn forward_target_down_gets_a_non_2xx_and_a_later_retry_succeeds() {
    let port = free_port();
    let serve = Serve::start(&[
        "--secret",
        SECRET,
        "--forward-url",
        &format!("http://127.0.0.1:{port}/internal"),
        "--forward-timeout",
        "3",
    ]);
    let first = run(&["send", &serve.url(), "--secret", SECRET, "--id", "msg_fwd"]);
    assert!(
        stdout(&first).contains("502 Bad Gateway"),
        "{}",
        stdout(&first)
    );
    assert!(stdout(&first).contains("forward target unreachable"));

    // Bring the internal service up; the sender's retry now goes through.
    // (body, request head) of each request the internal service received
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let target = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let seen = received.clone();
    thread::spawn(move || {
        for stream in target.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.to_ascii_lowercase().starts_with("content-length:") {
                    length = line[15..].trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push((body, head));
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .unwrap();
        }
    });
    let retry = run(&["send", &serve.url(), "--secret", SECRET, "--id", "msg_fwd"]);
    assert!(stdout(&retry).contains("200 OK"), "{}", stdout(&retry));
    assert!(
        !stdout(&retry).contains("duplicate"),
        "the failed attempt must not count as done"
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let (body, head) = &got[0];
    let sample: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(sample["type"], "message.received");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("webhook-id: msg_fwd"), "{head}");
    assert!(head.contains("webhook-signature: v1,"), "{head}");
}

#[test]
fn redis_store_dedupes_across_two_receivers_and_stream_sink_adds_once() {
    let redis = RedisServer::start();
    let url = redis.url();
    let a = Serve::start(&[
        "--secret",
        SECRET,
        "--redis-url",
        &url,
        "--redis-stream",
        "quo-events",
    ]);
    let b = Serve::start(&[
        "--secret",
        SECRET,
        "--redis-url",
        &url,
        "--redis-stream",
        "quo-events",
    ]);
    let s1 = run(&[
        "send",
        &a.url(),
        "--secret",
        SECRET,
        "--id",
        "msg_shared",
        "--repeat",
        "4",
        "--concurrency",
        "4",
    ]);
    let s2 = run(&[
        "send",
        &b.url(),
        "--secret",
        SECRET,
        "--id",
        "msg_shared",
        "--repeat",
        "2",
    ]);
    let all = format!("{}{}", stdout(&s1), stdout(&s2));
    assert_eq!(all.matches("added to stream").count(), 1, "{all}");
    for line in all.lines() {
        assert!(
            line.contains("200 OK") || line.contains("409 Conflict"),
            "{line}"
        );
    }
    let len = Command::new(std::env::var("REDIS_CLI_BIN").unwrap_or_else(|_| "redis-cli".into()))
        .args(["-p", &redis.port().to_string(), "XLEN", "quo-events"])
        .output()
        .unwrap();
    assert_eq!(stdout(&len).trim(), "1");
    let (status, body) = a.get("/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"store\":\"redis\""), "{body}");
}

#[test]
fn redis_cluster_store_dedupes() {
    let cluster = RedisCluster::start();
    let urls = cluster.urls().join(",");
    let serve = Serve::start(&["--secret", SECRET, "--redis-cluster", &urls]);
    let sent = run(&["send", &serve.url(), "--secret", SECRET, "--repeat", "3"]);
    let out = stdout(&sent);
    assert_eq!(
        out.matches("(duplicate)").count(),
        2,
        "{out}{}",
        stderr(&sent)
    );
    wait_until(Duration::from_secs(5), || serve.events().len() == 1);
}

#[test]
fn healthz_and_metrics_report_outcomes() {
    let serve = Serve::start(&["--secret", SECRET]);
    let (status, body) = serve.get("/healthz");
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    run(&[
        "send",
        &serve.url(),
        "--secret",
        SECRET,
        "--repeat",
        "2",
        "--event",
        "call.missed",
    ]);
    run(&["send", &serve.url(), "--secret", SECRET, "--tamper"]);
    let (status, metrics) = serve.get("/metrics");
    assert_eq!(status, 200);
    for expected in [
        r#"quo_webhooks_deliveries_total{outcome="processed",scheme="v1",event_type="call.missed"} 1"#,
        r#"quo_webhooks_deliveries_total{outcome="duplicate",scheme="v1",event_type="call.missed"} 1"#,
        r#"quo_webhooks_deliveries_total{outcome="rejected",scheme="-",event_type="-"} 1"#,
        r#"quo_webhooks_rejections_total{reason="no_matching_signature"} 1"#,
        "quo_webhooks_duplicates_total 1",
        "quo_webhooks_delivery_duration_seconds_count 3",
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected} in\n{metrics}"
        );
    }
}

#[test]
fn healthz_reports_an_unreachable_redis() {
    let mut redis = RedisServer::start();
    let serve = Serve::start(&["--secret", SECRET, "--redis-url", &redis.url()]);
    assert_eq!(serve.get("/healthz").0, 200);
    redis.stop();
    let (status, body) = serve.get("/healthz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("unavailable"));
    let sent = run(&["send", &serve.url(), "--secret", SECRET]);
    assert!(
        stdout(&sent).contains("503 Service Unavailable"),
        "{}",
        stdout(&sent)
    );
}

#[test]
fn sign_then_verify_a_capture_and_explain_failures() {
    let dir = tempfile::tempdir().unwrap();
    let body_path = dir.path().join("body.json");
    std::fs::write(
        &body_path,
        b"{\"id\": \"EV1\",\n \"type\": \"message.received\"}\n",
    )
    .unwrap();
    let signed = run(&[
        "sign",
        "--secret",
        SECRET,
        "--body-file",
        body_path.to_str().unwrap(),
        "--id",
        "msg_cap",
    ]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let headers_path = dir.path().join("headers.txt");
    std::fs::write(
        &headers_path,
        format!("POST /webhooks HTTP/1.1\n{}", stdout(&signed)),
    )
    .unwrap();

    let ok = run(&[
        "verify",
        "--secret",
        SECRET,
        "--headers-file",
        headers_path.to_str().unwrap(),
        "--body-file",
        body_path.to_str().unwrap(),
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("valid: id msg_cap, scheme v1"),
        "{}",
        stdout(&ok)
    );

    // The body re-serialised (the classic bug): refused, with the reason and a hint.
    std::fs::write(&body_path, br#"{"id":"EV1","type":"message.received"}"#).unwrap();
    let bad = run(&[
        "verify",
        "--secret",
        SECRET,
        "--headers-file",
        headers_path.to_str().unwrap(),
        "--body-file",
        body_path.to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.starts_with("error: invalid: no matching signature"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn verify_old_captures_with_now() {
    let signed = run(&[
        "sign",
        "--secret",
        SECRET,
        "--body",
        "{}",
        "--id",
        "msg_old",
        "--timestamp",
        "1600000000",
    ]);
    let headers: Vec<String> = stdout(&signed)
        .lines()
        .flat_map(|l| ["-H".to_owned(), l.to_owned()])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("b");
    std::fs::write(&body, "{}").unwrap();
    let mut args = vec![
        "verify",
        "--secret",
        SECRET,
        "--body-file",
        body.to_str().unwrap(),
    ];
    args.extend(headers.iter().map(String::as_str));
    let stale = run(&args);
    assert!(
        stderr(&stale).contains("timestamp outside tolerance"),
        "{}",
        stderr(&stale)
    );
    args.extend(["--now", "1600000100"]);
    let ok = run(&args);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn sign_prints_a_working_curl_line_and_legacy_headers() {
    let serve = Serve::start(&["--secret", SECRET]);
    let out = run(&[
        "sign",
        "--secret",
        SECRET,
        "--event",
        "call.completed",
        "--curl",
        &serve.url(),
    ]);
    let text = stdout(&out);
    assert!(text.contains("webhook-signature: v1,"), "{text}");
    let curl = &text[text.find("curl -sS -X POST").expect("a curl line")..];
    let answer = Command::new("sh").args(["-c", curl]).output().unwrap();
    assert!(
        stdout(&answer).contains("\"status\":\"processed\""),
        "{}{}",
        stdout(&answer),
        stderr(&answer)
    );
    wait_until(Duration::from_secs(5), || serve.events().len() == 1);
    assert_eq!(serve.events()[0]["event"]["type"], "call.completed");

    let legacy = run(&[
        "sign",
        "--scheme",
        "legacy",
        "--legacy-key",
        LEGACY_KEY,
        "--body",
        "{}",
    ]);
    assert!(
        stdout(&legacy).starts_with("openphone-signature: hmac;1;"),
        "{}",
        stdout(&legacy)
    );
}

#[test]
fn secret_generate_prints_usable_keys() {
    let out = run(&["secret", "generate"]);
    let secret = stdout(&out).trim().to_owned();
    assert!(secret.starts_with("whsec_"));
    let signed = run(&["sign", "--secret", &secret, "--body", "{}"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    let ed = run(&["secret", "generate", "--kind", "ed25519"]);
    let lines: Vec<String> = stdout(&ed).lines().map(str::to_owned).collect();
    assert!(
        lines[0].starts_with("whsk_") && lines[1].starts_with("whpk_"),
        "{lines:?}"
    );
}

#[test]
fn bad_input_gets_a_one_line_error_and_a_non_zero_exit() {
    let port_in_use = TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = port_in_use.local_addr().unwrap().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["send", "--secret", SECRET, "--event", "call.nonsense"],
            "unknown event type",
        ),
        (
            vec!["send", "--secret", "whsec_!!!", "http://127.0.0.1:1/"],
            "QUO_WEBHOOK_SECRET",
        ),
        (vec!["send", "http://127.0.0.1:1/webhooks"], "no secret"),
        (
            vec!["send", "--secret", SECRET, "ftp://example.com/"],
            "is not an http:// or https:// URL",
        ),
        (
            vec!["serve", "--secret", "not base64!"],
            "QUO_WEBHOOK_SECRET",
        ),
        (
            vec!["serve", "--secret", SECRET, "--listen", &busy],
            "cannot listen",
        ),
        (
            vec![
                "serve",
                "--secret",
                SECRET,
                "--redis-url",
                "redis://127.0.0.1:1",
            ],
            "cannot reach Redis",
        ),
        (
            vec!["serve", "--secret", SECRET, "--forward-url", "ftp://x"],
            "--forward-url",
        ),
        (
            vec!["verify", "--secret", SECRET, "-H", "webhook-id: x"],
            "no body",
        ),
    ];
    for (args, expected) in cases {
        let out = run(&args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("!!!") && !err.contains("not base64!"),
            "{args:?} echoed a secret: {err}"
        );
    }
    drop(port_in_use);
}

#[test]
fn sigterm_finishes_in_flight_deliveries_before_exiting() {
    // A forward target that answers after a second.
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in target.incoming() {
            let mut stream = stream.unwrap();
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                thread::sleep(Duration::from_millis(1000));
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            });
        }
    });
    let mut serve = Serve::start(&[
        "--secret",
        SECRET,
        "--forward-url",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    let url = serve.url();
    let sender = thread::spawn(move || run(&["send", &url, "--secret", SECRET]));
    thread::sleep(Duration::from_millis(300));
    serve.proc.signal("TERM");
    let sent = sender.join().unwrap();
    assert!(stdout(&sent).contains("200 OK"), "{}", stdout(&sent));
    let status = serve.proc.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(serve.logs().contains("in-flight deliveries finished"));
}

#[test]
fn help_reads_well() {
    let help = stdout(&run(&["--help"]));
    for sub in ["serve", "send", "sign", "verify", "secret"] {
        assert!(help.contains(sub), "{help}");
    }
    let serve_help = stdout(&run(&["serve", "--help"]));
    for flag in [
        "--redis-url",
        "--redis-cluster",
        "--forward-url",
        "--redis-stream",
        "--normalize",
        "--log-format",
        "QUO_WEBHOOK_SECRET",
    ] {
        assert!(
            serve_help.contains(flag),
            "{flag} missing from serve --help"
        );
    }
}

#[test]
fn json_logs_are_one_json_object_per_delivery() {
    let serve = Serve::start(&["--secret", SECRET, "--log-format", "json"]);
    run(&["send", &serve.url(), "--secret", SECRET, "--id", "msg_json"]);
    wait_until(Duration::from_secs(5), || serve.logs().contains("msg_json"));
    let line = serve
        .logs()
        .lines()
        .find(|l| l.contains("msg_json"))
        .unwrap()
        .to_owned();
    let log: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(log["id"], "msg_json");
    assert_eq!(log["scheme"], "v1");
    assert_eq!(log["outcome"], "processed");
    assert_eq!(log["status"], 200);
    assert!(log["latency_ms"].as_f64().unwrap() >= 0.0);
}
