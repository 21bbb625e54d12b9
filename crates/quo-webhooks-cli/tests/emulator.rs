//! `quo-webhooks emulator` as a process: it survives `kill -9` mid-schedule, and it delivers
//! to our own `serve`, which verifies and prints each event.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use standard_webhooks::{Secret, Verifier};
use test_support::process::{Process, free_port, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");

fn cmd() -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("QUO_API_KEY")
        .env_remove("QUO_WEBHOOK_SECRET")
        .env_remove("RUST_LOG");
    c
}

/// Starts the emulator; returns it and its address.
fn emulator(args: &[&str]) -> (Process, SocketAddr) {
    let mut command = cmd();
    command
        .args(["emulator", "--listen", "127.0.0.1:0", "--rate-limit", "0"])
        .args(args);
    let mut proc = Process::spawn(command);
    let addr = proc.address_after("webhook API on http://");
    (proc, addr)
}

/// One JSON request over HTTP/1.1 with the key and the version header.
fn api(addr: SocketAddr, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: {key}\r\n\
         x-quo-api-version: 2026-03-30\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// A request the test receiver got: its headers (lower-case names) and body.
type Got = (Vec<(String, String)>, Vec<u8>);

/// A minimal receiver: answers 500 to its first `fail` requests, then 200.
fn receiver(fail: usize) -> (String, Arc<Mutex<Vec<Got>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let seen = got.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(':') {
                    headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let n = {
                let mut seen = seen.lock().unwrap();
                seen.push((headers, body));
                seen.len()
            };
            let status = if n <= fail {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    (url, got)
}

fn verify(key: &str, (headers, body): &Got) {
    let secret: Secret = key.parse().unwrap();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    Verifier::new(secret)
        .verify(&pairs, body)
        .expect("the delivery verifies");
}

#[test]
fn kill_9_mid_schedule_then_restart_on_the_same_file_resumes_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emu.sqlite");
    let db = db.to_str().unwrap();
    let args = [
        "--db",
        db,
        "--api-key",
        "k1",
        "--retry-schedule",
        "2s",
        "--no-jitter",
    ];
    let (url, got) = receiver(1);

    let (mut first, addr) = emulator(&args);
    let (detail_path, key, delivery) = one_delivery(addr, &url);
    let webhook_path = detail_path.split("/events/").next().unwrap().to_owned();
    let (_, before) = api(addr, "k1", "GET", &detail_path, None);
    assert_eq!(before["data"]["status"], "sending");
    assert!(before["data"]["nextAttemptAt"].is_string());

    // SIGKILL: no chance to flush or close anything.
    first.kill();
    let killed_at = Instant::now();

    let (second, addr) = emulator(&args);
    let (status, webhook) = api(addr, "k1", "GET", &webhook_path, None);
    assert_eq!(status, 200);
    assert_eq!(webhook["data"]["url"], url.as_str());
    let (_, after) = api(addr, "k1", "GET", &detail_path, None);
    assert_eq!(after["data"]["attempts"], before["data"]["attempts"]);
    assert_eq!(
        after["data"]["nextAttemptAt"],
        before["data"]["nextAttemptAt"]
    );

    wait_until(Duration::from_secs(15), || got.lock().unwrap().len() >= 2);
    assert!(killed_at.elapsed() < Duration::from_secs(10));
    wait_until(Duration::from_secs(10), || {
        let (_, d) = api(addr, "k1", "GET", &detail_path, None);
        d["data"]["status"] == "success"
    });
    let (_, done) = api(addr, "k1", "GET", &detail_path, None);
    let attempts = done["data"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["responseStatusCode"], 200);
    assert_eq!(attempts[1]["responseStatusCode"], 500);
    let got = got.lock().unwrap();
    for request in got.iter() {
        verify(&key, request);
        let id_header = request.0.iter().find(|(n, _)| n == "webhook-id").unwrap();
        assert_eq!(id_header.1, delivery);
    }
    drop(second);
}

#[test]
fn serve_receives_verifies_and_prints_what_the_emulator_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e.sqlite");
    // No key given: one is made and printed once.
    let (mut emu, addr) = emulator(&["--db", db.to_str().unwrap()]);
    let line = emu.stdout_line_with("API key");
    let key = line.rsplit(' ').next().unwrap().to_owned();
    assert!(key.starts_with("quo_emu_"));
    assert_eq!(emu.stdout().iter().filter(|l| l.contains(&key)).count(), 1);

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/webhooks");
    let (status, created) = api(
        addr,
        &key,
        "POST",
        "/webhooks",
        Some(json!({"url": url, "events": ["call.completed"]})),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let secret = created["data"]["key"].as_str().unwrap().to_owned();

    let mut serve = cmd();
    serve.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--secret",
        &secret,
    ]);
    let serve = Process::spawn(serve);
    wait_until(Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });

    // From a second terminal: `emulator trigger`.
    let output = cmd()
        .args([
            "emulator",
            "trigger",
            "--event",
            "call.completed",
            "--url",
            &format!("http://{addr}"),
        ])
        .env("QUO_API_KEY", &key)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let triggered: Value = serde_json::from_slice(&output.stdout).unwrap();
    let event_id = triggered["data"]["event"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let delivery = triggered["data"]["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    wait_until(Duration::from_secs(10), || {
        serve.stdout().iter().any(|l| l.contains(&event_id))
    });
    let printed: Value = serde_json::from_str(
        serve
            .stdout()
            .iter()
            .find(|l| l.contains(&event_id))
            .unwrap(),
    )
    .unwrap();
    // serve verified it (scheme `webhook`) and printed the event under the delivery's id.
    assert_eq!(printed["id"], delivery.as_str());
    assert_eq!(printed["event"]["type"], "call.completed");
    assert_eq!(printed["event"]["id"], event_id.as_str());
    wait_until(Duration::from_secs(10), || {
        let (_, d) = api(
            addr,
            &key,
            "GET",
            &format!("/webhooks/{id}/events/{delivery}"),
            None,
        );
        d["data"]["status"] == "success"
    });
    // The trigger command with a wrong key fails with the 401 body, not the key.
    let output = cmd()
        .args([
            "emulator",
            "trigger",
            "--event",
            "call.completed",
            "--url",
            &format!("http://{addr}"),
            "--api-key",
            "nope",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("401"));
    // The key is never logged.
    assert!(!emu.stderr().contains(&key));
}

/// The number of attempts of a delivery, as the API shows them.
fn attempts_of(addr: SocketAddr, path: &str) -> usize {
    let (_, d) = api(addr, "k1", "GET", path, None);
    d["data"]["attempts"].as_array().map_or(0, Vec::len)
}

/// Creates a webhook for `url` and triggers one event; returns the delivery's detail path,
/// the webhook's key and the delivery id, once its first attempt is recorded.
fn one_delivery(addr: SocketAddr, url: &str) -> (String, String, String) {
    let (status, created) = api(
        addr,
        "k1",
        "POST",
        "/webhooks",
        Some(json!({"url": url, "events": ["call.completed"]})),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let key = created["data"]["key"].as_str().unwrap().to_owned();
    let (status, triggered) = api(
        addr,
        "k1",
        "POST",
        "/emulator/events",
        Some(json!({"type": "call.completed"})),
    );
    assert_eq!(status, 200, "{triggered}");
    let delivery = triggered["data"]["deliveries"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/webhooks/{id}/events/{delivery}");
    wait_until(Duration::from_secs(10), || attempts_of(addr, &path) == 1);
    (path, key, delivery)
}

/// `POST /emulator/clock/advance {"by": ...}`: its status and body.
fn advance(addr: SocketAddr, by: &Value) -> (u16, Value) {
    api(
        addr,
        "k1",
        "POST",
        "/emulator/clock/advance",
        Some(json!({ "by": by })),
    )
}

#[test]
fn clock_advance_over_http_makes_the_retries_that_fell_due_before_answering() {
    // In memory: without --db the command keeps a file in its working directory.
    let args = [
        "--db",
        ":memory:",
        "--api-key",
        "k1",
        "--retry-schedule",
        "5m,1h",
        "--no-jitter",
    ];
    // Fails twice: the first attempt and the 5-minute retry.
    let (url, got) = receiver(2);
    let (_emulator, addr) = emulator(&args);
    let (path, key, _) = one_delivery(addr, &url);

    // Not yet due: nothing is sent.
    let (status, body) = advance(addr, &json!("4m"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["offsetMs"], 240_000);
    assert_eq!(attempts_of(addr, &path), 1);

    // The retry falls due and is made and recorded before the answer.
    let (status, body) = advance(addr, &json!("1m"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["offsetMs"], 300_000);
    let now = body["data"]["now"].as_str().unwrap();
    let now: jiff::Timestamp = now.parse().unwrap();
    let ahead = now.duration_since(jiff::Timestamp::now()).as_secs();
    assert!((290..=310).contains(&ahead), "now is {ahead} s ahead");
    assert_eq!(attempts_of(addr, &path), 2);
    let (_, detail) = api(addr, "k1", "GET", &path, None);
    assert_eq!(detail["data"]["status"], "sending");

    let (status, body) = advance(addr, &json!("1h"));
    assert_eq!(status, 200, "{body}");
    let (_, detail) = api(addr, "k1", "GET", &path, None);
    assert_eq!(detail["data"]["status"], "success", "{detail}");
    assert_eq!(detail["data"]["attempts"].as_array().unwrap().len(), 3);
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 3);
    for request in got.iter() {
        // Signatures keep real time, so a receiver's tolerance still accepts them.
        verify(&key, request);
    }
    drop(got);

    // Bad input: a clear 400 naming the field, and the clock does not move.
    for by in [json!("soon"), json!(5), json!("-5m")] {
        let (status, body) = advance(addr, &by);
        assert_eq!(status, 400, "{by}: {body}");
        assert!(body.to_string().contains("/body/by"), "{body}");
    }
    let (status, body) = api(
        addr,
        "k1",
        "POST",
        "/emulator/clock/advance",
        Some(json!({})),
    );
    assert_eq!(status, 400, "{body}");
    let (status, _) = api(
        addr,
        "wrong",
        "POST",
        "/emulator/clock/advance",
        Some(json!({"by": "1h"})),
    );
    assert_eq!(status, 401);
    let (_, body) = advance(addr, &json!("0s"));
    assert_eq!(body["data"]["offsetMs"], 300_000 + 3_600_000);
}

#[cfg(unix)]
#[test]
fn sigterm_then_restart_on_the_same_file_loses_nothing_and_resumes_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emu.sqlite");
    let db = db.to_str().unwrap();
    let args = [
        "--db",
        db,
        "--api-key",
        "k1",
        "--retry-schedule",
        "1h",
        "--no-jitter",
    ];
    let (url, got) = receiver(1);
    let (mut first, addr) = emulator(&args);
    let (path, key, delivery) = one_delivery(addr, &url);
    let (status, body) = advance(addr, &json!("30m"));
    assert_eq!(status, 200, "{body}");
    let (_, before) = api(addr, "k1", "GET", &path, None);
    assert_eq!(before["data"]["status"], "sending");
    assert!(before["data"]["nextAttemptAt"].is_string());

    // SIGTERM, as a service manager stops it: a clean exit.
    first.signal("TERM");
    first.exits_within(Duration::from_secs(10));
    let exit = first.try_wait().unwrap();
    assert!(exit.success(), "{exit:?}; stderr {}", first.stderr());
    let _ = first.stdout_line_with("stopping");

    let (second, addr) = emulator(&args);
    let (_, after) = api(addr, "k1", "GET", &path, None);
    assert_eq!(after["data"]["attempts"], before["data"]["attempts"]);
    assert_eq!(
        after["data"]["nextAttemptAt"],
        before["data"]["nextAttemptAt"]
    );
    // The clock kept its 30 minutes: another 30 bring the retry (due after 1 h) due, and it is
    // made before the answer.
    let (status, body) = advance(addr, &json!("30m"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["offsetMs"], 3_600_000);
    let (_, done) = api(addr, "k1", "GET", &path, None);
    assert_eq!(done["data"]["status"], "success", "{done}");
    let attempts = done["data"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["responseStatusCode"], 200);
    assert_eq!(attempts[1]["responseStatusCode"], 500);
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2);
    for request in got.iter() {
        verify(&key, request);
        let id_header = request.0.iter().find(|(n, _)| n == "webhook-id").unwrap();
        assert_eq!(id_header.1, delivery);
    }
    drop(second);
}
