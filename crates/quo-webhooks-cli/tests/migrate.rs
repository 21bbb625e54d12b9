//! `quo-webhooks migrate`, each step with `--dry-run` (it prints the plan and changes nothing,
//! in either API, and sends nothing), and `emulator trigger --only` reaching one system.
//! The whole rehearsal, steps for real, is `tests/tests/migration_rehearsal.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{Router, extract::State, http::HeaderMap, routing::post};
use quo_api::client::Client;
use quo_api::{LegacyFamily, NewLegacyWebhook, WebhookStatus};
use quo_emulator::Emulator;
use quo_webhooks::EventType;

const BIN: &str = env!("CARGO_BIN_EXE_quo-webhooks");
const KEY: &str = "migrate-dry-run-key";

/// The signature scheme of each request a receiver got (`legacy` or `new`).
type Seen = Arc<Mutex<Vec<&'static str>>>;

async fn receiver() -> (String, Seen) {
    async fn receive(State(seen): State<Seen>, headers: HeaderMap) -> &'static str {
        let scheme = if headers.contains_key("openphone-signature") {
            "legacy"
        } else {
            "new"
        };
        seen.lock().unwrap().push(scheme);
        "ok"
    }
    let seen = Seen::default();
    let app = Router::new()
        .route("/webhooks", post(receive))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// Runs `quo-webhooks ARGS` against the emulator with a clean environment, off the runtime.
async fn cli(emulator: &Emulator, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("QUO_API_KEY", KEY)
        .env("QUO_API_BASE_URL", emulator.base_url())
        .env_remove("QUO_WEBHOOK_SECRET")
        .env_remove("QUO_LEGACY_SIGNING_KEY")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[track_caller]
fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}; stderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

async fn emulator() -> (Emulator, Client) {
    let emulator = Emulator::builder()
        .db(":memory:")
        .api_key(KEY)
        .rate_limit(0)
        .retry_schedule([Duration::from_secs(60)])
        .no_jitter()
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    (emulator, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_step_with_dry_run_prints_its_plan_and_changes_nothing() {
    let (emulator, client) = emulator().await;
    let (url, seen) = receiver().await;
    let legacy = client
        .legacy_webhooks()
        .create(
            LegacyFamily::Messages,
            &NewLegacyWebhook::new(&url, vec![EventType::MessageReceived]),
        )
        .await
        .unwrap();
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    // Step 1: the plan names the receiver; nothing reaches it.
    let out = ok(&cli(
        &emulator,
        &[
            "migrate",
            "--dry-run",
            "check",
            "--url",
            &url,
            "--secret",
            secret,
        ],
    )
    .await);
    assert!(out.contains(&url), "{out}");
    assert!(out.contains("dry run: nothing sent"), "{out}");

    // Step 2: the plan names the legacy webhook, its URL and events; no subscription appears.
    let out = ok(&cli(&emulator, &["migrate", "create", "--dry-run"]).await);
    assert!(
        out.contains(&format!("migrated-from:{}", legacy.id)),
        "{out}"
    );
    assert!(out.contains("message.received"), "{out}");
    assert!(out.contains("dry run: nothing created"), "{out}");
    assert!(client.webhooks().list().await.unwrap().is_empty());

    // Now for real, so that the later steps have a subscription to (not) change.
    ok(&cli(&emulator, &["migrate", "create"]).await);
    let status = || async { client.webhooks().list().await.unwrap()[0].status.clone() };
    assert_eq!(status().await, WebhookStatus::Disabled);

    // Step 4 and rollback: the status stays as it was.
    let out = ok(&cli(&emulator, &["migrate", "enable", "--dry-run"]).await);
    assert!(out.contains("from disabled to enabled"), "{out}");
    assert!(out.contains("dry run: nothing changed"), "{out}");
    assert_eq!(status().await, WebhookStatus::Disabled);
    ok(&cli(&emulator, &["migrate", "enable"]).await);
    assert_eq!(status().await, WebhookStatus::Enabled);
    let out = ok(&cli(&emulator, &["migrate", "rollback", "--dry-run"]).await);
    assert!(out.contains("from enabled to disabled"), "{out}");
    assert_eq!(status().await, WebhookStatus::Enabled);

    // Step 6, even forced: the legacy webhook is still there.
    let out = ok(&cli(&emulator, &["migrate", "finish", "--dry-run", "--force"]).await);
    assert!(out.contains(&legacy.id), "{out}");
    assert!(out.contains("dry run: nothing deleted"), "{out}");
    let left = client.legacy_webhooks().list().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, legacy.id);

    // No step sent the receiver anything.
    emulator.settle(Duration::from_secs(5)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_trigger_only_reaches_one_system() {
    let (emulator, client) = emulator().await;
    let (url, seen) = receiver().await;
    client
        .legacy_webhooks()
        .create(
            LegacyFamily::Messages,
            &NewLegacyWebhook::new(&url, vec![EventType::MessageReceived]),
        )
        .await
        .unwrap();
    ok(&cli(&emulator, &["migrate", "create"]).await);
    ok(&cli(&emulator, &["migrate", "enable"]).await);
    let base = emulator.base_url();
    let trigger = |only: &'static str| {
        let base = base.clone();
        let emulator = &emulator;
        async move {
            let mut args = vec!["emulator", "trigger", "--event", "message.received"];
            args.extend(["--url", base.as_str()]);
            if !only.is_empty() {
                args.extend(["--only", only]);
            }
            ok(&cli(emulator, &args).await)
        }
    };
    let scheme_counts = |seen: &Seen| {
        let seen = seen.lock().unwrap();
        let legacy = seen.iter().filter(|s| **s == "legacy").count();
        (legacy, seen.len() - legacy)
    };

    trigger("legacy").await;
    emulator.settle(Duration::from_secs(5)).await;
    assert_eq!(scheme_counts(&seen), (1, 0));
    trigger("new").await;
    emulator.settle(Duration::from_secs(5)).await;
    assert_eq!(scheme_counts(&seen), (1, 1));
    trigger("").await;
    emulator.settle(Duration::from_secs(5)).await;
    assert_eq!(scheme_counts(&seen), (2, 2));

    // A system that is neither is a usage error, not a silent "both".
    let out = cli(
        &emulator,
        &[
            "emulator",
            "trigger",
            "--event",
            "message.received",
            "--url",
            &base,
            "--only",
            "old",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert_eq!(scheme_counts(&seen), (2, 2));
}
