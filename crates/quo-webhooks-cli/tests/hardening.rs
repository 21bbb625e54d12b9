//! `serve` under faults and hostile clients (issue 14): slow clients, signals during a
//! half-sent request, a stalled standard output, a full store, oversized bodies, protocol
//! edges and credential-bearing URLs. Every limit is set small so that each test takes seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    process::{Command, Output},
    sync::{Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use test_support::process::{Process, Stdout, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `serve` (killed on drop) and the address it announced. Standard error is
/// collected; standard output is left to the test when `read_stdout` is false.
struct Serve {
    proc: Process,
    addr: SocketAddr,
}

impl Serve {
    fn start(args: &[&str]) -> Self {
        Self::start_with(cmd(), args, true)
    }

    fn start_with(mut command: Command, args: &[&str], read_stdout: bool) -> Self {
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--secret", SECRET])
            .args(args);
        let stdout = if read_stdout {
            Stdout::Discard
        } else {
            Stdout::Leave
        };
        let mut proc = Process::spawn_with(command, stdout);
        let addr = proc.address_after("listening on http://");
        Self { proc, addr }
    }

    fn url(&self) -> String {
        format!("http://{}/webhooks", self.addr)
    }

    fn logs(&self) -> String {
        self.proc.stderr()
    }

    fn signal(&self) {
        self.proc.signal("TERM");
    }

    /// Wait for the process to exit, for at most `limit`; how long it took.
    fn exits_within(&mut self, limit: Duration) -> Duration {
        self.proc.exits_within(limit)
    }
}

/// Send `raw` on a new connection and read the answer until the server closes it (or 5 s).
fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(raw).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    text(&answer)
}

/// `GET /healthz` on a new connection: the whole answer.
fn healthz(addr: SocketAddr) -> String {
    exchange(
        addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
}

fn status_of(answer: &str) -> u16 {
    answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// A forward target that holds every request for `delay`, then answers 200; its port.
fn slow_target(delay: Duration) -> u16 {
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in target.incoming() {
            let mut stream = stream.unwrap();
            thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let _ = stream.read(&mut buf);
                thread::sleep(delay);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            });
        }
    });
    port
}

fn send(url: &str, extra: &[&str]) -> String {
    let out = run(&[&["send", url, "--secret", SECRET], extra].concat());
    text(&out.stdout) + &text(&out.stderr)
}

#[test]
fn slowloris_connections_are_cut_off_and_never_stall_real_deliveries() {
    let serve = Serve::start(&["--max-connections", "40", "--header-timeout", "1s"]);
    // 100 clients sending their request head a byte every 100 ms: 40 get a connection, the
    // others a 503 at once.
    let head = b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    let mut slow: Vec<TcpStream> = (0..100)
        .map(|_| {
            let s = TcpStream::connect(serve.addr).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    let (mut refused, mut cut_off) = (0, 0);
    let mut open: Vec<bool> = vec![true; slow.len()];
    let mut delivered_during_attack = None;
    for (step, byte) in head.iter().cycle().take(25).enumerate() {
        for (i, s) in slow.iter_mut().enumerate() {
            if !open[i] {
                continue;
            }
            let _ = s.write_all(&[*byte]);
            let mut buf = [0u8; 512];
            match s.read(&mut buf) {
                Ok(0) => {
                    open[i] = false;
                    cut_off += 1;
                }
                Ok(n) => {
                    assert!(
                        text(&buf[..n]).starts_with("HTTP/1.1 503"),
                        "{}",
                        text(&buf[..n])
                    );
                    assert!(text(&buf[..n]).contains("retry-after"));
                    open[i] = false;
                    refused += 1;
                }
                Err(_) => {}
            }
        }
        if step == 5 {
            // A real delivery while every connection slot is held: a clear answer at once
            // (503 with Retry-After), never a stall.
            let t = Instant::now();
            let answer = send(&serve.url(), &["--timeout", "5"]);
            delivered_during_attack = Some((answer, t.elapsed()));
        }
        thread::sleep(Duration::from_millis(100));
    }
    let (answer, took) = delivered_during_attack.unwrap();
    assert!(
        answer.contains("503") || answer.contains("200 OK"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(2), "answered after {took:?}");
    assert_eq!(refused, 60, "connections over the limit get 503");
    // Every slow connection was closed by the header timeout (1 s), within the 2.5 s run.
    assert_eq!(
        cut_off + refused,
        100,
        "{cut_off} cut off, {refused} refused"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // And the service is whole again.
    let answer = send(&serve.url(), &["--timeout", "5"]);
    assert!(answer.contains("200 OK"), "{answer}");
}

#[test]
fn idle_connection_is_closed_after_the_idle_timeout() {
    let serve = Serve::start(&["--idle-timeout", "500ms"]);
    let mut stream = TcpStream::connect(serve.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // An HTTP/2 client that opens the connection and then sends nothing: no header timeout
    // applies (there is no HTTP/1 head), the idle timeout does.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(3),
        "closed after {took:?}"
    );
}

#[test]
fn sigterm_during_a_half_sent_request_exits_after_the_grace_period() {
    let mut serve = Serve::start(&["--shutdown-grace", "1s"]);
    let mut half = TcpStream::connect(serve.addr).unwrap();
    half.write_all(b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":")
        .unwrap();
    thread::sleep(Duration::from_millis(200));
    serve.signal();
    let took = serve.exits_within(Duration::from_secs(5));
    assert!(took >= Duration::from_millis(900), "exited after {took:?}");
    assert!(serve.logs().contains("grace period"), "{}", serve.logs());
}

#[test]
fn a_second_signal_exits_at_once() {
    let mut serve = Serve::start(&["--shutdown-grace", "60s"]);
    let mut half = TcpStream::connect(serve.addr).unwrap();
    half.write_all(b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    thread::sleep(Duration::from_millis(200));
    serve.signal();
    thread::sleep(Duration::from_millis(300));
    assert!(
        serve.proc.try_wait().is_none(),
        "exited before its grace period"
    );
    serve.signal();
    serve.exits_within(Duration::from_secs(2));
    assert!(serve.logs().contains("second signal"), "{}", serve.logs());
}

#[test]
fn oversized_body_answer_is_read_by_the_client_not_reset() {
    let serve = Serve::start(&[]);
    let mut head = format!(
        "POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    )
    .into_bytes();
    head.extend(std::iter::repeat_n(b'0', 2 * 1024 * 1024));
    let mut read = 0;
    for _ in 0..20 {
        let mut stream = TcpStream::connect(serve.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        // A client that writes its whole request before reading, as most do.
        if stream.write_all(&head).is_err() {
            continue;
        }
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        if text(&answer).starts_with("HTTP/1.1 413") {
            read += 1;
        }
    }
    assert_eq!(read, 20, "clients that saw the 413 instead of a reset");
}

#[test]
fn protocol_edges_get_the_right_answers() {
    let serve = Serve::start(&[]);
    // Both framing headers: the request-smuggling rule of RFC 9112.
    let answer = exchange(
        serve.addr,
        b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert_eq!(status_of(&answer), 400, "{answer}");
    assert!(answer.contains("ambiguous_framing"), "{answer}");
    // Either order.
    let answer = exchange(
        serve.addr,
        b"POST /webhooks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    );
    assert_eq!(status_of(&answer), 400, "{answer}");
    // A keep-alive request first, then the ambiguous one on the same connection.
    let answer = exchange(
        serve.addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nPOST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("ambiguous_framing"), "{answer}");
    // The wrong method on the webhook path.
    let answer = exchange(
        serve.addr,
        b"GET /webhooks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&answer), 405, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("allow: post"),
        "{answer}"
    );
    // HTTP/2 with prior knowledge: served (the server's SETTINGS frame), not reset.
    let mut h2 = TcpStream::connect(serve.addr).unwrap();
    h2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    let mut frame = [0u8; 9];
    h2.read_exact(&mut frame).unwrap();
    assert_eq!(frame[3], 0x4, "the first frame is SETTINGS: {frame:?}");
}

#[test]
fn stalled_stdout_reader_gets_each_delivery_exactly_once() {
    // Nobody reads standard output at first: the pipe fills and writes block. The sender gives
    // up after a second and retries, as a real sender would after its timeout.
    let mut serve = Serve::start_with(cmd(), &["--max-in-flight", "1000"], false);
    let url = serve.url();
    let ids: Vec<String> = (0..60).map(|i| format!("msg_stall_{i}")).collect();
    let first: Vec<_> = ids
        .iter()
        .map(|id| {
            let url = url.clone();
            let id = id.clone();
            thread::spawn(move || send(&url, &["--id", &id, "--timeout", "1"]))
        })
        .collect();
    for t in first {
        t.join().unwrap();
    }
    // Now read, and retry every delivery until each is answered 200.
    let stdout = serve.proc.take_stdout().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let reader_lines = lines.clone();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            reader_lines.lock().unwrap().push(line);
        }
    });
    for id in &ids {
        let started = Instant::now();
        loop {
            let answer = send(&url, &["--id", id, "--timeout", "5"]);
            if answer.contains("200 OK") {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{id}: {answer}"
            );
            thread::sleep(Duration::from_millis(100));
        }
    }
    thread::sleep(Duration::from_millis(300));
    let lines = lines.lock().unwrap();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for line in lines.iter() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is whole JSON");
        *per_id
            .entry(v["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(lines.len(), ids.len(), "one line per delivery");
    for id in &ids {
        assert_eq!(per_id.get(id), Some(&1), "{id}");
    }
}

#[test]
fn stdout_keeps_the_body_as_it_arrived() {
    let serve = Serve::start_with(cmd(), &[], false);
    let mut serve = serve;
    let dir = tempfile::tempdir().unwrap();
    let body = r#"{"type":"message.received","id":"EV1","apiVersion":"2026-03-30","data":{"z":1,"a":[2,1]}}"#;
    let path = dir.path().join("body.json");
    std::fs::write(&path, body).unwrap();
    let answer = send(&serve.url(), &["--body-file", path.to_str().unwrap()]);
    assert!(answer.contains("200 OK"), "{answer}");
    let mut line = String::new();
    BufReader::new(serve.proc.take_stdout().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.ends_with(&format!("\"event\":{body}}}\n")), "{line}");
}

#[test]
fn memory_store_at_capacity_keeps_accepting_and_reports_its_fill() {
    let serve = Serve::start(&["--store-capacity", "5"]);
    for i in 0..12 {
        let answer = send(&serve.url(), &["--id", &format!("msg_cap_{i}")]);
        assert!(answer.contains("200 OK"), "delivery {i}: {answer}");
    }
    // The newest are still remembered.
    let answer = send(&serve.url(), &["--id", "msg_cap_11"]);
    assert!(answer.contains("(duplicate)"), "{answer}");
    let metrics = exchange(
        serve.addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        metrics.contains("quo_webhooks_store_capacity 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("quo_webhooks_store_records 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("quo_webhooks_store_evicted 7"),
        "{metrics}"
    );
    assert!(
        metrics.contains("quo_webhooks_store_fill_ratio 1.0"),
        "{metrics}"
    );
    let health = healthz(serve.addr);
    assert_eq!(status_of(&health), 200, "{health}");
}

#[test]
fn healthz_is_unhealthy_while_the_store_is_full_of_deliveries_in_flight() {
    let port = slow_target(Duration::from_secs(2));
    let serve = Serve::start(&[
        "--store-capacity",
        "2",
        "--forward-url",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    let url = serve.url();
    let running: Vec<_> = (0..2)
        .map(|i| {
            let url = url.clone();
            thread::spawn(move || send(&url, &["--id", &format!("msg_full_{i}")]))
        })
        .collect();
    thread::sleep(Duration::from_millis(700));
    let refused = send(&url, &["--id", "msg_full_x"]);
    assert!(refused.contains("503"), "{refused}");
    let health = healthz(serve.addr);
    assert_eq!(status_of(&health), 503, "{health}");
    assert!(health.contains("full"), "{health}");
    for r in running {
        assert!(r.join().unwrap().contains("200 OK"));
    }
    let health = healthz(serve.addr);
    assert_eq!(status_of(&health), 200, "{health}");
}

#[test]
fn deliveries_over_max_in_flight_get_503_with_retry_after_never_502() {
    let port = slow_target(Duration::from_millis(1500));
    let serve = Serve::start(&[
        "--max-in-flight",
        "2",
        "--forward-url",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    let sends: Vec<_> = (0..6)
        .map(|i| {
            let url = serve.url();
            thread::spawn(move || send(&url, &["--id", &format!("msg_busy_{i}")]))
        })
        .collect();
    let out: String = sends.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(out.matches(" 200 OK in ").count(), 2, "{out}");
    assert_eq!(
        out.matches(" 503 Service Unavailable in ").count(),
        4,
        "{out}"
    );
    assert!(!out.contains("502"), "{out}");
}

#[test]
fn credentials_in_urls_never_show() {
    let password = "hunter2-s3cret";
    // In --help, where REDIS_URL used to be shown as the default.
    let help = cmd()
        .env(
            "REDIS_URL",
            format!("redis://admin:{password}@127.0.0.1:1/0"),
        )
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(
        !text(&help.stdout).contains(password),
        "{}",
        text(&help.stdout)
    );
    // In the startup error of an unreachable Redis.
    let url = format!("redis://admin:{password}@127.0.0.1:{}/0", free_port());
    let failed = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--secret",
        SECRET,
        "--redis-url",
        &url,
    ]);
    assert!(!failed.status.success());
    let err = text(&failed.stderr);
    assert!(err.contains("Redis"), "{err}");
    assert!(!err.contains(password), "{err}");
    assert!(!err.contains("admin"), "{err}");
    let cluster = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--secret",
        SECRET,
        "--redis-cluster",
        &url,
    ]);
    assert!(
        !text(&cluster.stderr).contains(password),
        "{}",
        text(&cluster.stderr)
    );
    // In a bad --forward-url (https is a good one since the forwarder speaks TLS; a scheme
    // it cannot speak is refused at start).
    let bad = run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--secret",
        SECRET,
        "--forward-url",
        &format!("ftp://admin:{password}@svc.internal/"),
    ]);
    assert!(!bad.status.success());
    assert!(
        !text(&bad.stderr).contains(password),
        "{}",
        text(&bad.stderr)
    );
    // In the 502 body and log line of an unreachable forward target.
    let serve = Serve::start(&[
        "--forward-url",
        &format!("http://admin:{password}@127.0.0.1:{}/hook", free_port()),
    ]);
    let answer = send(&serve.url(), &[]);
    assert!(answer.contains("502"), "{answer}");
    assert!(answer.contains("***@127.0.0.1"), "{answer}");
    assert!(!answer.contains(password), "{answer}");
    thread::sleep(Duration::from_millis(200));
    assert!(!serve.logs().contains(password), "{}", serve.logs());
    assert!(!serve.logs().contains("admin:"), "{}", serve.logs());
}

/// Signs one delivery with `id` and POSTs it on a new connection: its status, its
/// `Retry-After` and how long the answer took.
fn deliver_signed(addr: SocketAddr, id: &str) -> (u16, Option<String>, Duration) {
    let secret: standard_webhooks::Secret = SECRET.parse().unwrap();
    let body = quo_webhooks::samples::get(&quo_webhooks::EventType::MessageReceived).unwrap();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let request = format!(
        "POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nwebhook-id: {id}\r\nwebhook-timestamp: {ts}\r\n\
         webhook-signature: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        secret.sign(id, ts, body.as_bytes()),
    );
    let started = Instant::now();
    let answer = exchange(addr, request.as_bytes());
    let elapsed = started.elapsed();
    let retry_after = answer.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("retry-after")
            .then(|| value.trim().to_owned())
    });
    (status_of(&answer), retry_after, elapsed)
}

fn metrics_text(addr: SocketAddr) -> String {
    exchange(
        addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
}

/// The sum of the samples of `name` whose labels contain `labels`.
fn metric_sum(text: &str, name: &str, labels: &str) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(labels))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Redis frozen (SIGSTOP) for over a second, then thawed: deliveries during the freeze get a
/// fast 503 with Retry-After; the claims they sent run when Redis thaws, with no owner, and the
/// store undoes them once Redis answers, so retries of those deliveries get 409 for a moment
/// (at most one lease, 15 s, if the undo failed too) and are then processed exactly once; new
/// deliveries are processed at once after the thaw. The freeze shows in /metrics as store
/// errors and store_unavailable outcomes.
#[test]
fn a_frozen_redis_answers_503_fast_and_each_delivery_runs_once_within_a_lease_of_the_thaw() {
    let redis = test_support::RedisServer::start();
    let mut serve = Serve::start_with(cmd(), &["--redis-url", &redis.url()], false);
    let stdout = serve.proc.take_stdout().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let reader_lines = lines.clone();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            reader_lines.lock().unwrap().push(line);
        }
    });
    let (status, _, _) = deliver_signed(serve.addr, "msg_freeze_before");
    assert_eq!(status, 200, "{}", serve.logs());

    redis.pause();
    let frozen_at = Instant::now();
    let frozen_ids: Vec<String> = (0..3).map(|i| format!("msg_freeze_{i}")).collect();
    for id in &frozen_ids {
        let (status, retry_after, elapsed) = deliver_signed(serve.addr, id);
        eprintln!("during the freeze: {id} answered {status} in {elapsed:?}");
        assert_eq!(status, 503, "{id}: {}", serve.logs());
        assert!(retry_after.is_some(), "{id}: 503 without Retry-After");
        // The command timeout is 1 s and the layer's store timeout 2 s: never a hang.
        assert!(elapsed < Duration::from_millis(2_500), "{id}: {elapsed:?}");
    }
    let during = metrics_text(serve.addr);
    let claim_errors = metric_sum(
        &during,
        "quo_webhooks_store_errors_total",
        "operation=\"claim\",kind=\"timeout\"",
    );
    assert!(claim_errors >= 3, "{during}");
    assert_eq!(
        metric_sum(
            &during,
            "quo_webhooks_deliveries_total",
            "outcome=\"store_unavailable\""
        ),
        3,
        "{during}"
    );
    let health = healthz(serve.addr);
    assert_eq!(status_of(&health), 503, "{health}");
    // Frozen for well over a second.
    thread::sleep(Duration::from_millis(1_500).saturating_sub(frozen_at.elapsed()));
    let frozen_for = frozen_at.elapsed();
    redis.resume();
    let thawed_at = Instant::now();

    // A new delivery is processed at once.
    let fresh = loop {
        let (status, _, _) = deliver_signed(serve.addr, "msg_freeze_after");
        if status == 200 {
            break thawed_at.elapsed();
        }
        assert!(thawed_at.elapsed() < Duration::from_secs(5), "{status}");
        thread::sleep(Duration::from_millis(100));
    };
    // Retries of the frozen deliveries, as a sender would send them (here every 250 ms).
    let lease = Duration::from_secs(15);
    let mut stuck = Duration::ZERO;
    let mut conflicts = 0;
    for id in &frozen_ids {
        loop {
            let (status, retry_after, _) = deliver_signed(serve.addr, id);
            match status {
                200 => break,
                409 => {
                    conflicts += 1;
                    assert!(retry_after.is_some(), "409 without Retry-After");
                }
                other => panic!("{id}: {other} after the thaw\n{}", serve.logs()),
            }
            // The undo takes a second or two; without it the claim would hold for the lease.
            assert!(
                thawed_at.elapsed() < lease - Duration::from_secs(5),
                "{id} still refused {:?} after the thaw",
                thawed_at.elapsed()
            );
            thread::sleep(Duration::from_millis(250));
        }
        stuck = stuck.max(thawed_at.elapsed());
    }
    eprintln!(
        "frozen {frozen_for:?}; after the thaw: a new delivery processed in {fresh:?}, \
         the frozen ones in {stuck:?} ({conflicts} answers 409 meanwhile)"
    );
    thread::sleep(Duration::from_millis(300));
    let lines = lines.lock().unwrap();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for line in lines.iter() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        *per_id
            .entry(v["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for id in frozen_ids
        .iter()
        .map(String::as_str)
        .chain(["msg_freeze_before", "msg_freeze_after"])
    {
        assert_eq!(per_id.get(id), Some(&1), "{id}: {lines:?}");
    }
    assert_eq!(lines.len(), 5, "{lines:?}");
}
