//! HTTPS end to end: `send` and the management commands against a local TLS server whose
//! self-signed certificate the child process trusts through `SSL_CERT_FILE` (read by
//! rustls-native-certs), and only then.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    convert::Infallible,
    net::SocketAddr,
    path::PathBuf,
    process::{Command, Output},
    sync::{Arc, Mutex},
};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, Version};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use test_support::process::{Process, Stdout};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Seen = Arc<Mutex<Vec<(Version, String, HeaderMap)>>>;

/// A TLS server (HTTP/1.1 and HTTP/2 by ALPN) that answers every request with `reply`.
struct TlsServer {
    addr: SocketAddr,
    seen: Seen,
    cert_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    fn start(reply: &'static str) -> Self {
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert_file = dir.path().join("cert.pem");
        std::fs::write(&cert_file, certified.cert.pem()).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Seen = Arc::default();
        let recorded = seen.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (tcp, _) = listener.accept().await.unwrap();
                    let (acceptor, recorded) = (acceptor.clone(), recorded.clone());
                    tokio::spawn(async move {
                        // A client that does not trust the certificate ends the handshake.
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                            recorded.lock().unwrap().push((
                                req.version(),
                                req.uri().path().to_owned(),
                                req.headers().clone(),
                            ));
                            async move {
                                let mut response = Response::new(Full::new(Bytes::from(reply)));
                                response
                                    .headers_mut()
                                    .insert("content-type", "application/json".parse().unwrap());
                                Ok::<_, Infallible>(response)
                            }
                        });
                        let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    });
                }
            });
        });
        Self {
            addr,
            seen,
            cert_file,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }

    fn seen(&self) -> Vec<(Version, String, HeaderMap)> {
        self.seen.lock().unwrap().clone()
    }

    /// Runs the binary trusting this server's certificate.
    fn run_trusting(&self, args: &[&str]) -> Output {
        cmd()
            .args(args)
            .env("SSL_CERT_FILE", &self.cert_file)
            .output()
            .unwrap()
    }
}

fn cmd() -> Command {
    let mut c = Command::new(BIN);
    for name in [
        "QUO_API_KEY",
        "QUO_API_BASE_URL",
        "QUO_WEBHOOK_SECRET",
        "RUST_LOG",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        c.env_remove(name);
    }
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn send_delivers_over_https_with_http2() {
    let server = TlsServer::start(r#"{"ok":true}"#);
    let out = server.run_trusting(&["send", "--secret", SECRET, &server.url("/webhooks")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("#1 200 OK"), "{}", text(&out));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, Version::HTTP_2, "ALPN chose HTTP/2");
    assert_eq!(seen[0].1, "/webhooks");
    assert!(seen[0].2.contains_key("webhook-signature"));
}

#[test]
fn send_refuses_a_certificate_it_does_not_trust() {
    let server = TlsServer::start("{}");
    let out = cmd()
        .args(["send", "--secret", SECRET, &server.url("/webhooks")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("certificate"), "{}", text(&out));
    assert!(
        server.seen().is_empty(),
        "nothing was sent to an untrusted server"
    );
}

#[test]
fn management_commands_talk_to_an_https_api() {
    let server = TlsServer::start(r#"{"data":[]}"#);
    let out = server.run_trusting(&[
        "webhooks",
        "list",
        "--json",
        "--api-key",
        "qk_tls_test",
        "--base-url",
        &server.url(""),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, Version::HTTP_2);
    assert_eq!(seen[0].1, "/webhooks");
    assert_eq!(seen[0].2["authorization"], "qk_tls_test");
}

#[test]
fn serve_forwards_to_an_https_target() {
    let target = TlsServer::start(r#"{"stored":true}"#);
    let forward_url = target.url("/internal");
    // `serve` itself, forwarding to the TLS target; `send` delivers to it over plain HTTP.
    let mut command = cmd();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--secret", SECRET])
        .args(["--forward-url", &forward_url])
        .env("SSL_CERT_FILE", &target.cert_file);
    let mut serve = Process::spawn_with(command, Stdout::Discard);
    let addr = serve.address_after("listening on http://");
    let out = cmd()
        .args([
            "send",
            "--secret",
            SECRET,
            &format!("http://{addr}/webhooks"),
        ])
        .output()
        .unwrap();
    drop(serve);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("200"), "{}", text(&out));
    let seen = target.seen();
    assert_eq!(seen.len(), 1, "the target got the delivery over HTTPS");
    assert_eq!(seen[0].1, "/internal");
}

/// The emulator delivering to an `https://` receiver: signed, over TLS, recorded as a success;
/// and the same receiver untrusted: a failed attempt with status 0 and the TLS error, and the
/// receiver never sees a request.
#[test]
fn emulator_delivers_to_an_https_receiver_it_trusts_and_only_then() {
    let receiver = TlsServer::start(r#"{"ok":true}"#);
    for trusted in [true, false] {
        let mut command = cmd();
        command.args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--db",
            ":memory:",
            "--api-key",
            "tls-key",
            "--rate-limit",
            "0",
            "--retry-schedule",
            "1h",
        ]);
        if trusted {
            command.env("SSL_CERT_FILE", &receiver.cert_file);
        }
        let mut emulator = Process::spawn(command);
        let base = format!(
            "http://{}",
            emulator.address_after("webhook API on http://")
        );
        let api = |args: &[&str]| {
            let out = cmd()
                .args(args)
                .args(["--api-key", "tls-key", "--base-url", &base, "--json"])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        };
        let created = api(&[
            "webhooks",
            "create",
            "--url",
            &receiver.url("/hook"),
            "--event",
            "call.completed",
        ]);
        let id = created["data"]["id"].as_str().unwrap().to_owned();
        let before = receiver.seen().len();
        let out = cmd()
            .args(["emulator", "trigger", "--event", "call.completed"])
            .args(["--url", &base, "--api-key", "tls-key"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let triggered: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let delivery = triggered["data"]["deliveries"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let started = std::time::Instant::now();
        let detail = loop {
            let detail = api(&["deliveries", "get", &id, &delivery]);
            if detail["data"]["attempts"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
            {
                break detail;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(20),
                "no attempt: {detail}; emulator: {}",
                emulator.stderr()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let attempt = &detail["data"]["attempts"][0];
        let seen = receiver.seen();
        if trusted {
            assert_eq!(detail["data"]["status"], "success", "{detail}");
            assert_eq!(attempt["responseStatusCode"], 200, "{detail}");
            assert_eq!(seen.len(), before + 1);
            let (_, path, headers) = &seen[before];
            assert_eq!(path, "/hook");
            assert_eq!(headers["webhook-id"], delivery.as_str());
            assert!(headers.contains_key("webhook-signature"));
        } else {
            assert_eq!(detail["data"]["status"], "sending", "{detail}");
            assert_eq!(attempt["responseStatusCode"], 0, "{detail}");
            let said = attempt["responseBody"].as_str().unwrap_or_default();
            assert!(said.contains("certificate"), "{detail}");
            assert_eq!(seen.len(), before, "nothing reached an untrusted receiver");
        }
    }
}
