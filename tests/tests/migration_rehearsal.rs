//! The migration rehearsal: the emulator with a legacy webhook, our `serve` verifying both
//! schemes with correlation dedupe, and the six `migrate` steps run as the CLI, in order.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quo_api::client::Client;
use quo_api::{LegacyFamily, NewLegacyWebhook, WebhookStatus};
use quo_emulator::{Emulator, TriggerRequest};
use quo_webhooks::EventType;
use serde_json::Value;
use standard_webhooks::Secret;

const KEY: &str = "rehearsal-key";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `serve` as a child process; a thread counts the processed deliveries per event id.
struct Serve {
    child: Child,
    processed: Arc<Mutex<Vec<(String, String)>>>,
}

impl Serve {
    fn start(port: u16, legacy_key: &str, secret: Option<&str>) -> Self {
        let mut command = Command::new(e2e::cli_binary());
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--legacy-key", legacy_key, "--dedupe-on", "correlation"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(secret) = secret {
            command.args(["--secret", secret]);
        }
        let mut child = command.spawn().unwrap();
        let processed = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = Arc::clone(&processed);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let value: Value = serde_json::from_str(&line).unwrap();
                let id = value["event"]["id"].as_str().unwrap().to_owned();
                let scheme = value["scheme"].as_str().unwrap().to_owned();
                sink.lock().unwrap().push((id, scheme));
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "serve did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, processed }
    }

    fn counts(&self) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for (id, _) in self.processed.lock().unwrap().iter() {
            *out.entry(id.clone()).or_insert(0) += 1;
        }
        out
    }

    fn stop(mut self) -> Vec<(String, String)> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(50));
        self.processed.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `quo-webhooks migrate ARGS` against the emulator, off the async runtime's threads.
async fn migrate(base: &str, args: &[&str]) -> Output {
    let mut all = vec![
        "migrate".to_owned(),
        "--api-key".to_owned(),
        KEY.to_owned(),
        "--base-url".to_owned(),
        base.to_owned(),
    ];
    all.extend(args.iter().map(|s| (*s).to_owned()));
    tokio::task::spawn_blocking(move || {
        Command::new(e2e::cli_binary()).args(&all).output().unwrap()
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct Rig {
    emu: Emulator,
    base: String,
    client: Client,
    port: u16,
    receiver: String,
    legacy_id: String,
    legacy_key: String,
}

async fn rig() -> Rig {
    let emu = Emulator::builder()
        .api_key(KEY)
        .rate_limit(0)
        .retry_schedule([Duration::from_secs(5), Duration::from_secs(60)])
        .no_jitter()
        .start()
        .await
        .unwrap();
    let base = emu.base_url();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&base)
        .build()
        .unwrap();
    let port = free_port();
    let receiver = format!("http://127.0.0.1:{port}/webhooks");
    let legacy = client
        .legacy_webhooks()
        .create(
            LegacyFamily::Messages,
            &NewLegacyWebhook::new(&receiver, vec![EventType::MessageReceived]),
        )
        .await
        .unwrap();
    Rig {
        emu,
        base,
        client,
        port,
        receiver,
        legacy_id: legacy.id.clone(),
        legacy_key: legacy.key.unwrap().to_base64(),
    }
}

/// The new secret `migrate create` printed (the line starting `whsec_`).
fn printed_secret(output: &Output) -> String {
    stdout(output)
        .lines()
        .find(|l| l.starts_with("whsec_"))
        .unwrap()
        .to_owned()
}

async fn trigger(emu: &Emulator, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let t = emu
            .trigger(TriggerRequest::new(EventType::MessageReceived))
            .await
            .unwrap();
        ids.push(t.event.id.clone());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_rehearsal_processes_every_event_once_and_removes_legacy() {
    let rig = rig().await;
    let settle = Duration::from_secs(10);
    // Legacy only: the receiver knows the legacy key.
    let serve = Serve::start(rig.port, &rig.legacy_key, None);
    let mut events = trigger(&rig.emu, 2).await;
    rig.emu.settle(settle).await;

    // Step 2 (dry run first: nothing is created), then for real.
    let dry = migrate(&rig.base, &["--dry-run", "create"]).await;
    assert!(dry.status.success(), "{dry:?}");
    assert!(rig.client.webhooks().list().await.unwrap().is_empty());
    let created = migrate(&rig.base, &["create", "--url", &rig.receiver]).await;
    assert!(created.status.success(), "{created:?}");
    let secret = printed_secret(&created);
    let subs = rig.client.webhooks().list().await.unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].status, WebhookStatus::Disabled);
    assert_eq!(
        subs[0].label.as_deref(),
        Some(&*format!("migrated-from:{}", rig.legacy_id))
    );
    assert_eq!(subs[0].events, [EventType::MessageReceived]);

    // Step 3: the receiver is configured with both secrets and correlation dedupe.
    let step3 = migrate(&rig.base, &["receiver"]).await;
    assert!(stdout(&step3).contains("--dedupe-on correlation"));
    assert!(stdout(&step3).contains(&rig.legacy_key));
    let mut processed = serve.stop();
    let serve = Serve::start(rig.port, &rig.legacy_key, Some(&secret));

    // Step 1: the receiver verifies both schemes.
    let check = migrate(
        &rig.base,
        &["check", "--url", &rig.receiver, "--secret", &secret],
    )
    .await;
    assert!(check.status.success(), "{}", stdout(&check));
    assert_eq!(
        stdout(&check).matches("  verified  ").count(),
        2,
        "{}",
        stdout(&check)
    );

    // Step 4: both systems deliver.
    let enable = migrate(&rig.base, &["enable"]).await;
    assert!(enable.status.success(), "{enable:?}");
    events.extend(trigger(&rig.emu, 3).await);
    rig.emu.settle(settle).await;
    // A twin that arrived while the other was being processed got 409 and is retried: let
    // those retries land before the receiver restarts (its memory store starts empty).
    rig.emu.advance(Duration::from_secs(6)).await;

    // Failures and retries through both systems: the receiver is down for two events.
    processed.extend(serve.stop());
    events.extend(trigger(&rig.emu, 2).await);
    rig.emu.settle(settle).await;
    let serve = Serve::start(rig.port, &rig.legacy_key, Some(&secret));
    rig.emu.advance(Duration::from_secs(6)).await;
    rig.emu.advance(Duration::from_secs(61)).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while events
        .iter()
        .any(|e| !serve.counts().contains_key(e) && !processed.iter().any(|(p, _)| p == e))
    {
        assert!(Instant::now() < deadline, "not every event arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Step 5: parity, with what serve processed through each system.
    let serve_url = format!("http://127.0.0.1:{}", rig.port);
    let compare = migrate(&rig.base, &["--json", "compare", "--serve-url", &serve_url]).await;
    let report: Value = serde_json::from_slice(&compare.stdout).unwrap();
    assert_eq!(report["passed"], true, "{report}");
    assert!(compare.status.success());
    assert_eq!(report["types"]["message.received"]["delivered"], 5);
    // What arrived at this serve (started after the receiver outage): the two events of the
    // outage, each through both systems, paired as twins that agree; a twin answered 409
    // while the other was processed comes again, as a retry.
    let parity = &report["serve_parity"]["message.received"];
    assert_eq!(parity["twins"], 2, "{report}");
    assert_eq!(parity["matched"], 2, "{report}");
    assert_eq!(parity["mismatched"], 0, "{report}");
    let n = |field: &str| parity[field].as_u64().unwrap();
    assert!(
        n("arrived_legacy") >= 2 && n("arrived_new") >= 2,
        "{report}"
    );
    assert_eq!(
        n("arrived_legacy") + n("arrived_new"),
        4 + n("duplicates"),
        "{report}"
    );
    assert_eq!(report["serve_waiting"], 0, "{report}");
    let table = migrate(&rig.base, &["compare", "--serve-url", &serve_url]).await;
    assert!(
        stdout(&table).contains("parity: PASSED"),
        "{}",
        stdout(&table)
    );
    assert!(
        stdout(&table).contains("what arrived at serve through each system"),
        "{}",
        stdout(&table)
    );

    // Step 6.
    let finish = migrate(&rig.base, &["finish"]).await;
    assert!(finish.status.success(), "{finish:?}");
    assert!(
        rig.client
            .legacy_webhooks()
            .list()
            .await
            .unwrap()
            .is_empty()
    );
    // After the cut-over only the new subscription delivers.
    events.extend(trigger(&rig.emu, 1).await);
    rig.emu.settle(settle).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    processed.extend(serve.stop());

    // Every business event processed exactly once by the receiver (test deliveries aside).
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (id, _) in &processed {
        *counts.entry(id.as_str()).or_insert(0) += 1;
    }
    for event in &events {
        assert_eq!(
            counts.get(event.as_str()),
            Some(&1),
            "event {event}: {processed:?}"
        );
    }
    // Both systems were heard.
    assert!(processed.iter().any(|(_, s)| s == "legacy"));
    assert!(processed.iter().any(|(_, s)| s == "v1"));
    rig.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_breaks_new_verification_is_caught_and_rolled_back() {
    let rig = rig().await;
    let settle = Duration::from_secs(10);
    let created = migrate(&rig.base, &["create"]).await;
    assert!(created.status.success(), "{created:?}");
    let secret = printed_secret(&created);
    let wrong = Secret::generate().to_whsec_string();
    let serve = Serve::start(rig.port, &rig.legacy_key, Some(&wrong));

    let check = migrate(
        &rig.base,
        &["check", "--url", &rig.receiver, "--secret", &secret],
    )
    .await;
    assert!(!check.status.success());
    assert!(stdout(&check).contains("REJECTED"), "{}", stdout(&check));

    // Enabled anyway: compare catches it.
    assert!(migrate(&rig.base, &["enable"]).await.status.success());
    let events = trigger(&rig.emu, 2).await;
    rig.emu.settle(settle).await;
    let serve_url = format!("http://127.0.0.1:{}", rig.port);
    let compare = migrate(&rig.base, &["--json", "compare", "--serve-url", &serve_url]).await;
    assert!(!compare.status.success());
    let report: Value = serde_json::from_slice(&compare.stdout).unwrap();
    assert_eq!(report["passed"], false);
    // The two events, and the new-scheme delivery of `check`.
    assert_eq!(report["serve_rejected"], 3, "{report}");
    assert_eq!(report["types"]["message.received"]["delivered"], 0);
    // serve heard these events through the legacy system only: no twin, all still waiting.
    let parity = &report["serve_parity"]["message.received"];
    assert_eq!(parity["arrived_legacy"], 3, "{report}");
    assert_eq!(parity["arrived_new"], 0, "{report}");
    assert_eq!(parity["twins"], 0, "{report}");
    assert_eq!(report["serve_waiting"], 3, "{report}");
    // finish refuses while compare fails.
    let finish = migrate(&rig.base, &["finish"]).await;
    assert!(!finish.status.success());
    assert_eq!(rig.client.legacy_webhooks().list().await.unwrap().len(), 1);

    // Rollback: legacy only, as before.
    let rollback = migrate(&rig.base, &["rollback"]).await;
    assert!(rollback.status.success(), "{rollback:?}");
    let subs = rig.client.webhooks().list().await.unwrap();
    assert_eq!(subs[0].status, WebhookStatus::Disabled);
    let after = rig
        .emu
        .trigger(TriggerRequest::new(EventType::MessageReceived))
        .await
        .unwrap();
    assert!(after.deliveries.is_empty());
    assert_eq!(after.legacy_webhooks, std::slice::from_ref(&rig.legacy_id));
    rig.emu.settle(settle).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let processed = serve.stop();
    for event in events.iter().chain([&after.event.id]) {
        let n = processed.iter().filter(|(id, _)| id == event).count();
        assert_eq!(n, 1, "legacy still processes {event}");
    }
    rig.emu.shutdown().await;
}
