//! `quo-webhooks webhooks ...` and `quo-webhooks deliveries ...` run as child processes
//! against a real emulator served on a free port by this test process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use quo_api::{CreatedWebhook, Delivery, DeliverySummary, Envelope, Page, RotatedKey, Webhook};
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::{Event, EventType};

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const SETTLE: Duration = Duration::from_secs(10);

/// A receiver on a real socket: answers the scripted statuses in order, then 200.
#[derive(Clone)]
struct Receiver {
    script: Arc<Mutex<VecDeque<u16>>>,
    url: String,
}

impl Receiver {
    async fn start() -> Self {
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { script, url }
    }
}

async fn receive(
    State(script): State<Arc<Mutex<VecDeque<u16>>>>,
    _body: Bytes,
) -> (StatusCode, String) {
    let status = script.lock().unwrap().pop_front().unwrap_or(200);
    (
        StatusCode::from_u16(status).unwrap(),
        format!("receiver said {status}"),
    )
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .db(":memory:")
        .retry_schedule([Duration::from_secs(1)])
        .no_jitter()
        .rate_limit(0)
        .attempt_timeout(Duration::from_secs(5))
        .start()
        .await
        .unwrap()
}

/// The command with a clean environment: no key or base URL inherited from the shell.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("QUO_API_KEY")
        .env_remove("QUO_API_BASE_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// Runs `quo-webhooks ARGS --base-url URL --api-key KEY` off the runtime's threads.
async fn cli(emulator: &Emulator, args: &[&str]) -> Output {
    let mut full: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    full.extend([
        "--base-url".to_owned(),
        emulator.base_url(),
        "--api-key".to_owned(),
        emulator.api_key().expose().to_owned(),
    ]);
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = full.iter().map(String::as_str).collect();
        command(&args).output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[track_caller]
fn ok(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    stdout(output)
}

#[track_caller]
fn json<T: serde::de::DeserializeOwned>(output: &Output) -> T {
    serde_json::from_str(&ok(output)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_commands_against_the_emulator() {
    let emulator = emulator().await;
    let receiver = Receiver::start().await;

    let out = cli(&emulator, &["webhooks", "list"]).await;
    assert_eq!(ok(&out), "");
    assert!(stderr(&out).contains("no webhooks"));

    // create: the table, then the key, printed once.
    let out = cli(
        &emulator,
        &[
            "webhooks",
            "create",
            "--url",
            &receiver.url,
            "--event",
            "message.received,call.completed",
            "--resource-id",
            "PNone",
            "--label",
            "cli",
            "--disabled",
        ],
    )
    .await;
    let text = ok(&out);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .unwrap()
        .trim()
        .to_owned();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("signing key: "))
        .unwrap()
        .trim()
        .to_owned();
    assert!(key.starts_with("whsec_"));
    assert_eq!(text.matches(&key).count(), 1, "{text}");
    assert!(text.contains("disabled") && text.contains("PNone") && text.contains("cli"));

    // get and list never show the key.
    let text = ok(&cli(&emulator, &["webhooks", "get", &id]).await);
    assert!(!text.contains(&key));
    assert!(text.contains(&receiver.url) && text.contains("message.received,call.completed"));
    let text = ok(&cli(&emulator, &["webhooks", "list"]).await);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("ID"));
    let row = lines.next().unwrap();
    assert!(row.starts_with(&id) && row.contains("disabled") && row.contains(&receiver.url));
    assert!(!text.contains(&key));

    // --json parses into the model.
    let listed: Envelope<Vec<Webhook>> =
        json(&cli(&emulator, &["webhooks", "list", "--json"]).await);
    assert_eq!(listed.data.len(), 1);
    let got: Envelope<Webhook> = json(&cli(&emulator, &["webhooks", "get", &id, "--json"]).await);
    assert_eq!(got.data, listed.data[0]);
    let created: Envelope<CreatedWebhook> = json(
        &cli(
            &emulator,
            &[
                "webhooks",
                "create",
                "--url",
                &receiver.url,
                "--event",
                "call.ringing",
                "--json",
            ],
        )
        .await,
    );
    assert!(created.data.webhook.id.is_well_formed());

    // update: each kind of change.
    let updated: Envelope<Webhook> = json(
        &cli(
            &emulator,
            &["webhooks", "update", &id, "--enable", "--json"],
        )
        .await,
    );
    assert_eq!(updated.data.label.as_deref(), Some("cli"));
    assert_eq!(updated.data.status.to_string(), "enabled");
    let updated: Envelope<Webhook> = json(
        &cli(
            &emulator,
            &["webhooks", "update", &id, "--clear-label", "--json"],
        )
        .await,
    );
    assert_eq!(updated.data.label, None);
    assert_eq!(updated.data.resource_ids.to_vec(), ["PNone"]);
    let updated: Envelope<Webhook> = json(
        &cli(
            &emulator,
            &["webhooks", "update", &id, "--all-numbers", "--json"],
        )
        .await,
    );
    assert_eq!(updated.data.resource_ids.to_vec(), ["*"]);
    let text = ok(&cli(
        &emulator,
        &[
            "webhooks",
            "update",
            &id,
            "--label",
            "renamed",
            "--event",
            "call.completed",
            "--resource-id",
            "PNtwo",
        ],
    )
    .await);
    assert!(text.contains("renamed") && text.contains("PNtwo"), "{text}");
    assert!(!text.contains("message.received"), "{text}");

    // rotate: a new key, printed once, different from the first.
    let text = ok(&cli(&emulator, &["webhooks", "rotate", &id]).await);
    let new_key = text
        .lines()
        .find_map(|l| {
            l.split_once("new signing key of webhook ")
                .map(|(_, rest)| rest)
        })
        .and_then(|rest| rest.split_once(": "))
        .map(|(_, key)| key.trim().to_owned())
        .unwrap();
    assert!(new_key.starts_with("whsec_") && new_key != key);
    assert_eq!(text.matches(&new_key).count(), 1);
    let rotated: Envelope<RotatedKey> =
        json(&cli(&emulator, &["webhooks", "rotate", &id, "--json"]).await);
    assert_ne!(rotated.data.key.to_whsec_string().as_str(), new_key);

    // test: a real delivery, listed afterwards.
    let text = ok(&cli(
        &emulator,
        &["webhooks", "test", &id, "--event", "call.completed"],
    )
    .await);
    assert!(text.contains("sent a test call.completed"), "{text}");
    let sample: Event = json(
        &cli(
            &emulator,
            &[
                "webhooks",
                "test",
                &id,
                "--event",
                "call.completed",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(sample.event_type, EventType::CallCompleted);
    emulator.settle(SETTLE).await;
    let deliveries = emulator.deliveries(&id.as_str().into()).await.unwrap();
    assert_eq!(deliveries.len(), 2);

    // delete, then the API's 404: exit code 1 with the API's message.
    let text = ok(&cli(&emulator, &["webhooks", "delete", &id]).await);
    assert_eq!(text.trim(), format!("deleted webhook {id}"));
    let out = cli(&emulator, &["webhooks", "get", &id]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: the Quo API answered 404 Not Found"),
        "{err}"
    );
    assert!(!err.contains(emulator.api_key().expose()));

    // Usage errors: exit code 2.
    let out = cli(
        &emulator,
        &["webhooks", "update", created.data.webhook.id.as_str()],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to change"));
    let out = cli(
        &emulator,
        &[
            "webhooks",
            "create",
            "--url",
            &receiver.url,
            "--event",
            "no.such",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let out = cli(&emulator, &["webhooks", "get"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = tokio::task::spawn_blocking(|| command(&["webhooks", "list"]).output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no API key"));

    // A wrong key: the API's 401, exit code 1, the key not echoed.
    let base = emulator.base_url();
    let out = tokio::task::spawn_blocking(move || {
        command(&[
            "webhooks",
            "list",
            "--base-url",
            &base,
            "--api-key",
            "wrong-key-42",
        ])
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("401 Unauthorized"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("wrong-key-42"));

    // The key and base URL from the environment.
    let (base, api_key) = (emulator.base_url(), emulator.api_key().expose().to_owned());
    let out = tokio::task::spawn_blocking(move || {
        command(&["webhooks", "list", "--json"])
            .env("QUO_API_KEY", api_key)
            .env("QUO_API_BASE_URL", base)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let listed: Envelope<Vec<Webhook>> = json(&out);
    assert_eq!(listed.data, std::slice::from_ref(&created.data.webhook));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_commands_against_the_emulator() {
    let emulator = emulator().await;
    let receiver = Receiver::start().await;
    let created = emulator
        .create_webhook(quo_api::NewWebhook::new(
            &receiver.url,
            [EventType::CallCompleted, EventType::ContactUpdated],
        ))
        .await
        .unwrap();
    let id = created.webhook.id.to_string();

    // One delivery that fails twice with answers, then a manual retry.
    receiver.script.lock().unwrap().extend([500, 502]);
    let failed = emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap()
        .deliveries[0]
        .id
        .to_string();
    emulator.settle(SETTLE).await;
    emulator.advance(Duration::from_secs(5)).await;

    let text = ok(&cli(&emulator, &["deliveries", "get", &id, &failed]).await);
    assert!(text.contains("failed"), "{text}");
    let header = text.lines().find(|l| l.starts_with("ATTEMPT")).unwrap();
    assert!(header.contains("CODE") && header.contains("DURATION") && header.contains("RESPONSE"));
    let attempts: Vec<&str> = text.lines().filter(|l| l.starts_with("atmpt_")).collect();
    assert_eq!(attempts.len(), 2, "{text}");
    // Most recent first: the 502, then the 500, each with its duration and body.
    assert!(
        attempts[0].contains(" 502 ") && attempts[0].contains("receiver said 502"),
        "{text}"
    );
    assert!(
        attempts[1].contains(" 500 ") && attempts[1].contains("receiver said 500"),
        "{text}"
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.contains(" ms ") && a.contains("scheduled"))
    );

    let text = ok(&cli(&emulator, &["deliveries", "retry", &id, &failed]).await);
    assert!(
        text.starts_with(&format!("queued a retry of {failed}")),
        "{text}"
    );
    let out = cli(&emulator, &["deliveries", "retry", &id, &failed, "--json"]).await;
    assert_eq!(json::<serde_json::Value>(&out), serde_json::json!({}));
    emulator.settle(SETTLE).await;
    let detail: Envelope<Delivery> =
        json(&cli(&emulator, &["deliveries", "get", &id, &failed, "--json"]).await);
    assert_eq!(detail.data.attempts.len(), 4);
    assert_eq!(detail.data.attempts[0].trigger_type.to_string(), "manual");
    assert_eq!(detail.data.attempts[0].response_status_code, 200);
    let text = ok(&cli(&emulator, &["deliveries", "get", &id, &failed]).await);
    assert!(
        text.lines()
            .filter(|l| l.starts_with("atmpt_") && l.contains("manual"))
            .count()
            == 2
    );

    // Enough deliveries for three pages.
    for _ in 0..26 {
        emulator
            .trigger(TriggerRequest::new(EventType::ContactUpdated))
            .await
            .unwrap();
    }
    emulator.settle(SETTLE).await;

    let out = cli(&emulator, &["deliveries", "list", &id]).await;
    let text = ok(&out);
    assert!(text.lines().next().unwrap().starts_with("ID"));
    assert_eq!(text.lines().filter(|l| l.starts_with("msg_")).count(), 10);
    assert!(
        stderr(&out).contains("more deliveries: add --after"),
        "{}",
        stderr(&out)
    );

    let page: Page<DeliverySummary> = json(
        &cli(
            &emulator,
            &["deliveries", "list", &id, "--limit", "10", "--json"],
        )
        .await,
    );
    assert_eq!(page.data.len(), 10);
    let cursor = page.next_cursor.clone().unwrap();
    let next: Page<DeliverySummary> = json(
        &cli(
            &emulator,
            &[
                "deliveries",
                "list",
                &id,
                "--limit",
                "10",
                "--after",
                &cursor,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(next.data.len(), 10);
    assert!(next.data.iter().all(|d| !page.data.contains(d)));

    let all: Page<DeliverySummary> = json(
        &cli(
            &emulator,
            &[
                "deliveries",
                "list",
                &id,
                "--all",
                "--limit",
                "10",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(all.data.len(), 27);
    assert_eq!(all.next_cursor, None);
    let text = ok(&cli(
        &emulator,
        &["deliveries", "list", &id, "--all", "--limit", "10"],
    )
    .await);
    assert_eq!(text.lines().filter(|l| l.starts_with("msg_")).count(), 27);

    let calls: Page<DeliverySummary> = json(
        &cli(
            &emulator,
            &[
                "deliveries",
                "list",
                &id,
                "--event",
                "call.completed",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(calls.data.len(), 1);
    assert_eq!(calls.data[0].id.as_str(), failed);
    let succeeded: Page<DeliverySummary> = json(
        &cli(
            &emulator,
            &[
                "deliveries",
                "list",
                &id,
                "--status",
                "success",
                "--all",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(succeeded.data.len(), 27);

    // Errors: the API's 400 and 404 exit 1; usage exits 2.
    let out = cli(
        &emulator,
        &["deliveries", "get", &id, "msg_0000000000000000000000"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("404 Not Found"), "{}", stderr(&out));
    let out = cli(&emulator, &["deliveries", "list", &id, "--limit", "51"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = cli(&emulator, &["deliveries", "list", &id, "--status", "nope"]).await;
    assert_eq!(out.status.code(), Some(2));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_get_shows_code_none_for_a_dead_receiver() {
    let emulator = emulator().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/gone", listener.local_addr().unwrap());
    drop(listener);
    let created = emulator
        .create_webhook(quo_api::NewWebhook::new(dead, [EventType::CallRinging]))
        .await
        .unwrap();
    let id = created.webhook.id.to_string();
    let delivery = emulator
        .trigger(TriggerRequest::new(EventType::CallRinging))
        .await
        .unwrap()
        .deliveries[0]
        .id
        .to_string();
    emulator.settle(SETTLE).await;
    let text = ok(&cli(&emulator, &["deliveries", "get", &id, &delivery]).await);
    let attempt = text.lines().find(|l| l.starts_with("atmpt_")).unwrap();
    assert!(
        attempt.contains(" none ") && attempt.contains("failed"),
        "{text}"
    );
    assert!(text.contains("next attempt:"), "{text}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_tail_prints_a_delivery_triggered_while_it_runs() {
    let emulator = emulator().await;
    let receiver = Receiver::start().await;
    let created = emulator
        .create_webhook(quo_api::NewWebhook::new(
            &receiver.url,
            [EventType::CallCompleted],
        ))
        .await
        .unwrap();
    let id = created.webhook.id.to_string();
    let before = emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap()
        .deliveries[0]
        .id
        .to_string();
    emulator.settle(SETTLE).await;

    let mut child = command(&[
        "deliveries",
        "tail",
        &id,
        "--interval",
        "0.2",
        "--max-polls",
        "15",
        "--json",
        "--base-url",
        &emulator.base_url(),
        "--api-key",
        emulator.api_key().expose(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines_tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // The first poll prints the delivery made before; only then is the next one made.
    let first = tokio::time::timeout(SETTLE, lines_rx.recv())
        .await
        .unwrap()
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["type"], "delivery");
    assert_eq!(first["data"]["id"], before.as_str());

    let during = emulator
        .trigger(TriggerRequest::new(EventType::CallCompleted))
        .await
        .unwrap()
        .deliveries[0]
        .id
        .to_string();
    let mut seen = Vec::new();
    while let Ok(Some(line)) = tokio::time::timeout(SETTLE, lines_rx.recv()).await {
        seen.push(serde_json::from_str::<serde_json::Value>(&line).unwrap());
    }
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success());
    assert!(
        seen.iter()
            .any(|e| e["type"] == "delivery" && e["data"]["id"] == during.as_str()),
        "{seen:?}"
    );
    let attempt = seen
        .iter()
        .find(|e| e["type"] == "attempt" && e["data"]["delivery"] == during.as_str())
        .unwrap_or_else(|| panic!("no attempt of {during}: {seen:?}"));
    assert_eq!(attempt["data"]["attempt"]["responseStatusCode"], 200);
    assert!(
        !seen
            .iter()
            .any(|e| e["data"]["delivery"] == before.as_str()),
        "attempts of deliveries settled before tail started are not printed"
    );
    emulator.shutdown().await;
}
