//! `quo-webhooks migrate`: the six steps of Quo's migration guide, from legacy webhooks to the
//! new ones, against the real API or the emulator.
//!
//! State lives in the two APIs, not in a local file, so the steps can run from different
//! machines: the new subscription that replaces a legacy webhook carries the label
//! `migrated-from:WH...` (see [`quo_api::model::legacy::migrated_label`]), and `finish` runs
//! the same checks as `compare` again before it deletes anything.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::{Args, Subcommand};
use http::{HeaderMap, HeaderValue, header};
use quo_api::model::legacy::{migrated_from, migrated_label};
use quo_api::{
    Client, DeliveryFilter, DeliveryStatus, LegacyFamily, LegacyWebhook, NewWebhook, ResourceIds,
    Webhook, WebhookStatus, WebhookUpdate,
};
use serde::Serialize;
use serde_json::Value;
use standard_webhooks::{LegacySecret, Secret};

use super::{ApiArgs, Failure, print_json, print_table, table};
use crate::client::{HttpClient, parse_http_url};

/// Rehearse or run Quo's six-step migration from legacy webhooks to the new ones.
#[derive(Debug, Args)]
pub(crate) struct MigrateArgs {
    #[command(flatten)]
    api: ApiArgs,
    /// Print what each step would do, and do nothing.
    #[arg(long, global = true)]
    dry_run: bool,
    #[command(subcommand)]
    command: MigrateCommand,
}

#[derive(Debug, Subcommand)]
enum MigrateCommand {
    /// Step 1: send a signed test delivery of each scheme to the receiver and report whether
    /// it verifies both.
    Check(CheckArgs),
    /// Step 2: create the new subscription for each legacy webhook, disabled.
    Create(Select),
    /// Step 3: print what to configure in the receiver (`serve`).
    Receiver(Select),
    /// Step 4: enable the new subscription(s).
    Enable(Select),
    /// Disable the new subscription(s) again: legacy-only, as before step 4.
    Rollback(Select),
    /// Step 5: compare the new subscription's deliveries for parity.
    Compare(CompareArgs),
    /// Step 6: delete the legacy webhook, only after `compare` passes (or `--force`).
    Finish(FinishArgs),
}

/// Which legacy webhooks a step is about: all of them, those to one URL, or one.
#[derive(Debug, Clone, Args)]
struct Select {
    /// Only legacy webhooks delivering to this URL.
    #[arg(long)]
    url: Option<String>,
    /// Only this legacy webhook (`WH...`).
    #[arg(long, value_name = "WH...")]
    legacy_id: Option<String>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// The receiver to test.
    #[arg(long)]
    url: String,
    /// The new subscription's `whsec_` secret, as the receiver is configured with it.
    #[arg(
        long,
        env = "QUO_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "WHSEC"
    )]
    secret: Option<String>,
    /// The legacy signing key; by default that of the legacy webhook delivering to `--url`.
    #[arg(
        long,
        env = "QUO_LEGACY_SIGNING_KEY",
        hide_env_values = true,
        value_name = "BASE64"
    )]
    legacy_key: Option<String>,
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    select: Select,
    /// A receiver running `quo-webhooks serve`: its base URL, to read what it processed
    /// through each system from `/metrics`.
    #[arg(long, value_name = "URL")]
    serve_url: Option<String>,
    /// Deliveries read per subscription at most.
    #[arg(long, default_value_t = 500)]
    max: usize,
}

#[derive(Debug, Args)]
struct FinishArgs {
    #[command(flatten)]
    select: Select,
    /// As for `compare`.
    #[arg(long, value_name = "URL")]
    serve_url: Option<String>,
    /// Delete even if `compare` does not pass.
    #[arg(long)]
    force: bool,
}

pub(crate) async fn run(args: MigrateArgs) -> Result<(), Failure> {
    let client = args.api.client()?;
    let json = args.api.json;
    let dry = args.dry_run;
    match args.command {
        MigrateCommand::Check(check) => run_check(&client, check, dry).await,
        MigrateCommand::Create(select) => run_create(&client, &select, dry, json).await,
        MigrateCommand::Receiver(select) => run_receiver(&client, &select).await,
        MigrateCommand::Enable(select) => {
            set_status(&client, &select, WebhookStatus::Enabled, dry).await
        }
        MigrateCommand::Rollback(select) => {
            set_status(&client, &select, WebhookStatus::Disabled, dry).await
        }
        MigrateCommand::Compare(compare) => {
            let report = compare_report(
                &client,
                &compare.select,
                compare.serve_url.as_deref(),
                compare.max,
            )
            .await?;
            if dry {
                println!("dry run: compare only reads; nothing to change");
            }
            print_report(&report, json)?;
            if report.passed {
                Ok(())
            } else {
                Err(Failure::Failed("parity check failed".to_owned()))
            }
        }
        MigrateCommand::Finish(finish) => run_finish(&client, finish, dry).await,
    }
}

/// The legacy webhooks `select` names.
async fn legacy_selected(client: &Client, select: &Select) -> Result<Vec<LegacyWebhook>, Failure> {
    let all = client.legacy_webhooks().list().await?;
    let chosen: Vec<LegacyWebhook> = all
        .into_iter()
        .filter(|w| select.url.as_deref().is_none_or(|u| w.url == u))
        .filter(|w| select.legacy_id.as_deref().is_none_or(|id| w.id == id))
        .collect();
    Ok(chosen)
}

/// The new subscriptions that replace legacy webhooks, by legacy id.
async fn migrated(client: &Client) -> Result<BTreeMap<String, Webhook>, Failure> {
    let mut out = BTreeMap::new();
    for webhook in client.webhooks().list().await? {
        if let Some(legacy) = webhook.label.as_deref().and_then(migrated_from) {
            out.insert(legacy.to_owned(), webhook);
        }
    }
    Ok(out)
}

/// The new subscriptions `select` names (by their legacy webhook, which may be gone).
async fn migrated_selected(client: &Client, select: &Select) -> Result<Vec<Webhook>, Failure> {
    let all = migrated(client).await?;
    let chosen: Vec<Webhook> = all
        .into_iter()
        .filter(|(legacy, w)| {
            select.url.as_deref().is_none_or(|u| w.url == u)
                && select.legacy_id.as_deref().is_none_or(|id| legacy == id)
        })
        .map(|(_, w)| w)
        .collect();
    if chosen.is_empty() {
        return Err(Failure::Failed(
            "no migrated subscription found (labelled migrated-from:WH...): run `migrate create` first"
                .to_owned(),
        ));
    }
    Ok(chosen)
}

async fn run_check(client: &Client, args: CheckArgs, dry: bool) -> Result<(), Failure> {
    let url = parse_http_url(&args.url).map_err(Failure::Usage)?;
    let legacy_key: LegacySecret = match &args.legacy_key {
        Some(text) => text
            .parse()
            .map_err(|_| Failure::Usage("--legacy-key is not a base64 legacy key".to_owned()))?,
        None => {
            let hooks = legacy_selected(
                client,
                &Select {
                    url: Some(args.url.clone()),
                    legacy_id: None,
                },
            )
            .await?;
            hooks.into_iter().find_map(|w| w.key).ok_or_else(|| {
                Failure::Failed(format!(
                    "no legacy webhook with a key delivers to {}: pass --legacy-key",
                    args.url
                ))
            })?
        }
    };
    let secret: Option<Secret> = match &args.secret {
        Some(text) => Some(
            text.parse()
                .map_err(|_| Failure::Usage("--secret is not a whsec_ secret".to_owned()))?,
        ),
        None => None,
    };
    println!("step 1: send a signed test delivery of each scheme to {url}");
    if dry {
        println!("dry run: nothing sent");
        return Ok(());
    }
    let http = HttpClient::new(Duration::from_secs(15)).map_err(Failure::Failed)?;
    let id = crate::send::fresh_id();
    let event_id = format!("EVmigrationcheck{}", &id[4..]);
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let ms = u64::try_from(ms).unwrap_or(u64::MAX);
    let legacy_body = serde_json::json!({
        "id": event_id, "object": "event", "apiVersion": "v4",
        "createdAt": quo_api::model::time::format(jiff::Timestamp::now()),
        "type": "message.received",
        "data": {"object": {"id": format!("ACmigrationcheck{}", &id[4..]), "object": "message",
                 "from": "+15550001111", "to": ["+15550002222"], "direction": "incoming",
                 "text": "quo-webhooks migrate check", "status": "received"}}
    })
    .to_string();
    let mut headers = json_headers();
    if let Ok(value) = HeaderValue::from_str(&legacy_key.sign(ms, legacy_body.as_bytes())) {
        headers.insert("openphone-signature", value);
    }
    let legacy = http
        .post(&url, headers, Bytes::from(legacy_body))
        .await
        .map(|r| {
            (
                r.status.as_u16(),
                String::from_utf8_lossy(&r.body).into_owned(),
            )
        });
    let mut results = vec![("legacy (openphone-signature)", legacy)];
    match &secret {
        Some(secret) => {
            let new_body = serde_json::json!({
                "id": event_id, "apiVersion": quo_api::API_VERSION,
                "createdAt": quo_api::model::time::format(jiff::Timestamp::now()),
                "type": "message.received",
                "data": {"resource": {"id": format!("ACmigrationcheck{}n", &id[4..]),
                         "direction": "incoming", "text": "quo-webhooks migrate check",
                         "status": "received"},
                         "context": {"senderIdentifier": "+15550001111",
                                     "recipientIdentifiers": ["+15550002222"]},
                         "links": {"quo": null}}
            })
            .to_string();
            let ts = ms / 1000;
            let mut headers = json_headers();
            if let (Ok(id_value), Ok(sig)) = (
                HeaderValue::from_str(&id),
                HeaderValue::from_str(&secret.sign(&id, ts, new_body.as_bytes())),
            ) {
                headers.insert("webhook-id", id_value);
                headers.insert("webhook-timestamp", HeaderValue::from(ts));
                headers.insert("webhook-signature", sig);
            }
            let new = http
                .post(&url, headers, Bytes::from(new_body))
                .await
                .map(|r| {
                    (
                        r.status.as_u16(),
                        String::from_utf8_lossy(&r.body).into_owned(),
                    )
                });
            results.push(("new (webhook-signature)", new));
        }
        None => results.push((
            "new (webhook-signature)",
            Err("not checked: pass --secret with the new subscription's whsec_ secret".to_owned()),
        )),
    }
    let mut t = table(["SCHEME", "RESULT", "ANSWER"]);
    let mut ok = true;
    for (scheme, result) in &results {
        let (verdict, answer) = match result {
            Ok((status, body)) if (200..300).contains(status) => (
                "verified",
                format!("{status} {}", super::one_line(body, 60)),
            ),
            Ok((status, body)) => {
                ok = false;
                (
                    "REJECTED",
                    format!("{status} {}", super::one_line(body, 60)),
                )
            }
            Err(e) => {
                ok = false;
                ("NOT VERIFIED", super::one_line(e, 80))
            }
        };
        t.add_row([scheme.to_string(), verdict.to_owned(), answer]);
    }
    print_table(&t);
    if ok {
        println!("the receiver verifies both schemes: go on with `migrate create`");
        Ok(())
    } else {
        Err(Failure::Failed(
            "the receiver does not verify both schemes: fix it before enabling the new subscription"
                .to_owned(),
        ))
    }
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers
}

async fn run_create(
    client: &Client,
    select: &Select,
    dry: bool,
    json: bool,
) -> Result<(), Failure> {
    let legacy = legacy_selected(client, select).await?;
    if legacy.is_empty() {
        return Err(Failure::Failed("no legacy webhook matches".to_owned()));
    }
    let existing = migrated(client).await?;
    let mut created = Vec::new();
    for hook in &legacy {
        let events = LegacyFamily::new_event_types(&hook.events);
        let resource_ids = ResourceIds::phone_numbers(hook.resource_ids.iter().cloned());
        let events_text: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        if let Some(new) = existing.get(&hook.id) {
            println!(
                "legacy {} already has its new subscription {} ({}); nothing to do",
                hook.id, new.id, new.status
            );
            continue;
        }
        println!(
            "step 2: create a disabled subscription to {} for {} (resourceIds {:?}), label {}",
            hook.url,
            events_text.join(","),
            resource_ids.to_vec(),
            migrated_label(&hook.id)
        );
        if dry || events.is_empty() {
            continue;
        }
        let new = NewWebhook::new(&hook.url, events)
            .resource_ids(resource_ids)
            .label(migrated_label(&hook.id))
            .status(WebhookStatus::Disabled);
        let made = client.webhooks().create(&new).await?;
        if !json {
            println!(
                "created subscription {} (disabled); its secret, shown this once:\n{}",
                made.webhook.id,
                made.key.to_whsec_string()
            );
        }
        created.push(made);
    }
    if dry {
        println!("dry run: nothing created");
    } else if json {
        print_json(&created)?;
    }
    Ok(())
}

async fn run_receiver(client: &Client, select: &Select) -> Result<(), Failure> {
    let legacy = legacy_selected(client, select).await?;
    let keys: Vec<String> = legacy
        .iter()
        .filter_map(|w| w.key.as_ref().map(LegacySecret::to_base64))
        .collect();
    println!("step 3: the receiver verifies both schemes and runs each business event once.");
    println!("With `quo-webhooks serve`:\n");
    println!("  quo-webhooks serve \\");
    println!(
        "    --legacy-key '{}' \\",
        if keys.is_empty() {
            "<legacy key>".to_owned()
        } else {
            keys.join(",")
        }
    );
    println!("    --secret '<the whsec_ secret `migrate create` printed>' \\");
    println!("    --dedupe-on correlation");
    println!(
        "\nIn your own code: verify both headers (standard_webhooks::Verifier with .secret() and \
         .legacy_secret()), dedupe retries on webhook-id, and correlate across systems with \
         quo_webhooks::CorrelationRules (see the quo-webhooks crate docs, module `correlation`)."
    );
    Ok(())
}

async fn set_status(
    client: &Client,
    select: &Select,
    status: WebhookStatus,
    dry: bool,
) -> Result<(), Failure> {
    for webhook in migrated_selected(client, select).await? {
        println!(
            "{}: set subscription {} ({}) from {} to {status}",
            if status == WebhookStatus::Enabled {
                "step 4"
            } else {
                "rollback"
            },
            webhook.id,
            webhook.url,
            webhook.status
        );
        if !dry {
            client
                .webhooks()
                .update(
                    webhook.id.clone(),
                    &WebhookUpdate::new().status(status.clone()),
                )
                .await?;
        }
    }
    if dry {
        println!("dry run: nothing changed");
    } else if status == WebhookStatus::Disabled {
        println!("rolled back: only the legacy webhooks deliver");
    }
    Ok(())
}

/// Per event type: the new system's deliveries and the guide's parity checks.
#[derive(Debug, Default, Clone, Serialize)]
struct TypeRow {
    delivered: u64,
    failed: u64,
    pending: u64,
    missing_contact_ids: u64,
    null_links_quo: u64,
    missing_identifiers: u64,
}

/// What `serve` processed, by system, for one event type.
#[derive(Debug, Default, Clone, Serialize)]
struct ServeRow {
    processed_new: u64,
    processed_legacy: u64,
    duplicates: u64,
}

/// What arrived at `serve` through each system, for one event type: its parity counts, read
/// from `quo_webhooks_parity_*` (present while `serve` runs with both systems' keys).
#[derive(Debug, Default, Clone, Serialize)]
struct ParityRow {
    /// Verified deliveries through the legacy system, retries included.
    arrived_legacy: u64,
    /// Verified deliveries through the new system, retries included.
    arrived_new: u64,
    /// Business events that arrived through both systems.
    twins: u64,
    /// Twins whose mapped fields agree.
    matched: u64,
    /// Twins that disagree on a mapped field.
    mismatched: u64,
    /// Retries of a business event through one system.
    duplicates: u64,
    /// Events forgotten before their twin came, by the system that delivered them.
    unpaired_legacy: u64,
    unpaired_new: u64,
    /// Mismatched twins per field (new-format path).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    field_mismatches: BTreeMap<String, u64>,
}

/// What `serve`'s `/metrics` says.
#[derive(Debug, Default)]
struct ServeMetrics {
    rows: BTreeMap<String, ServeRow>,
    rejected: u64,
    /// `None` when `serve` does not count parity (it was not given both systems' keys).
    parity: Option<BTreeMap<String, ParityRow>>,
    waiting: u64,
}

#[derive(Debug, Serialize)]
struct Report {
    subscriptions: Vec<String>,
    types: BTreeMap<String, TypeRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serve: Option<BTreeMap<String, ServeRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serve_rejected: Option<u64>,
    /// What arrived through each system and matched as twins, per event type.
    #[serde(skip_serializing_if = "Option::is_none")]
    serve_parity: Option<BTreeMap<String, ParityRow>>,
    /// Business events that arrived through one system so far (their twin may still come).
    #[serde(skip_serializing_if = "Option::is_none")]
    serve_waiting: Option<u64>,
    problems: Vec<String>,
    passed: bool,
}

async fn compare_report(
    client: &Client,
    select: &Select,
    serve_url: Option<&str>,
    max: usize,
) -> Result<Report, Failure> {
    let subs = migrated_selected(client, select).await?;
    let mut types: BTreeMap<String, TypeRow> = BTreeMap::new();
    for sub in &subs {
        let handler = client.deliveries(sub.id.clone());
        let mut filter = DeliveryFilter::new().limit(50);
        let mut seen = 0;
        loop {
            let page = handler.list(&filter).await?;
            for summary in &page.data {
                seen += 1;
                if summary
                    .event_id
                    .as_deref()
                    .is_none_or(|id| id.starts_with("EV-test"))
                {
                    continue;
                }
                let row = types.entry(summary.event_type.to_string()).or_default();
                match summary.status {
                    DeliveryStatus::Success => row.delivered += 1,
                    DeliveryStatus::Failed => row.failed += 1,
                    _ => row.pending += 1,
                }
                let delivery = handler.get(summary.id.clone()).await?;
                let body = serde_json::to_value(&delivery.request_body).unwrap_or(Value::Null);
                parity(&body, row);
            }
            match page.next_cursor {
                Some(cursor) if seen < max => filter = filter.after(cursor),
                _ => break,
            }
        }
    }
    let mut problems = Vec::new();
    if types.is_empty() {
        problems.push("no deliveries yet: enable the subscription and let events flow".to_owned());
    }
    for (t, row) in &types {
        if row.failed > 0 {
            problems.push(format!("{t}: {} deliveries failed", row.failed));
        }
        if row.pending > 0 {
            problems.push(format!(
                "{t}: {} deliveries not yet delivered (retrying)",
                row.pending
            ));
        }
        if row.missing_contact_ids > 0 {
            problems.push(format!(
                "{t}: {} without context.contacts.ids",
                row.missing_contact_ids
            ));
        }
        if row.null_links_quo > 0 {
            problems.push(format!("{t}: {} with links.quo null", row.null_links_quo));
        }
        if row.missing_identifiers > 0 {
            problems.push(format!(
                "{t}: {} without senderIdentifier/recipientIdentifiers",
                row.missing_identifiers
            ));
        }
    }
    let mut serve = None;
    let mut serve_rejected = None;
    let mut serve_parity = None;
    let mut serve_waiting = None;
    if let Some(url) = serve_url {
        let metrics = read_serve(url).await?;
        if metrics.rejected > 0 {
            problems.push(format!(
                "serve rejected {} deliveries (signature or format)",
                metrics.rejected
            ));
        }
        if let Some(parity) = &metrics.parity {
            for (t, row) in parity {
                if row.mismatched > 0 {
                    let fields: Vec<&str> = row
                        .field_mismatches
                        .iter()
                        .filter(|(_, n)| **n > 0)
                        .map(|(f, _)| f.as_str())
                        .collect();
                    problems.push(format!(
                        "{t}: {} of {} twins disagree between the systems ({})",
                        row.mismatched,
                        row.twins,
                        fields.join(", ")
                    ));
                }
                // An event only the legacy system delivered would be lost after `finish`.
                if row.unpaired_legacy > 0 {
                    problems.push(format!(
                        "{t}: {} events arrived through the legacy system only",
                        row.unpaired_legacy
                    ));
                }
            }
            serve_waiting = Some(metrics.waiting);
        }
        serve = Some(metrics.rows);
        serve_rejected = Some(metrics.rejected);
        serve_parity = metrics.parity;
    }
    Ok(Report {
        subscriptions: subs.iter().map(|s| s.id.to_string()).collect(),
        types,
        serve,
        serve_rejected,
        serve_parity,
        serve_waiting,
        passed: problems.is_empty(),
        problems,
    })
}

/// The guide's step 5 checks on one new delivery's body.
fn parity(body: &Value, row: &mut TypeRow) {
    let event_type = body.get("type").and_then(Value::as_str).unwrap_or("");
    let is_message = event_type.starts_with("message.");
    let has_contacts = event_type.starts_with("message.")
        || matches!(event_type, "call.completed" | "call.recording.completed");
    if has_contacts
        && body
            .pointer("/data/context/contacts/ids")
            .and_then(Value::as_array)
            .is_none()
    {
        row.missing_contact_ids += 1;
    }
    // Every legacy event of these families carried `deepLink`.
    if body.pointer("/data/links/quo").is_none_or(Value::is_null) {
        row.null_links_quo += 1;
    }
    if is_message {
        let sender = body
            .pointer("/data/context/senderIdentifier")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        let recipients = body
            .pointer("/data/context/recipientIdentifiers")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty());
        if !(sender && recipients) {
            row.missing_identifiers += 1;
        }
    }
}

/// Reads `serve`'s `/metrics`: processed deliveries by system and event type, duplicates
/// and rejections (`quo_webhooks_deliveries_total`), and the parity counts
/// (`quo_webhooks_parity_*`) when `serve` runs with both systems' keys.
async fn read_serve(base: &str) -> Result<ServeMetrics, Failure> {
    let url = parse_http_url(&format!("{}/metrics", base.trim_end_matches('/')))
        .map_err(Failure::Usage)?;
    let http = HttpClient::new(Duration::from_secs(10)).map_err(Failure::Failed)?;
    let reply = http.get(&url).await.map_err(Failure::Failed)?;
    if !reply.status.is_success() {
        return Err(Failure::Failed(format!("{url} answered {}", reply.status)));
    }
    Ok(parse_metrics(&String::from_utf8_lossy(&reply.body)))
}

/// One sample line of the text exposition: its name, labels and value (a whole, non-negative
/// number; counters and these gauges are written as such). Comments and other lines: `None`.
fn sample(line: &str) -> Option<(&str, BTreeMap<&str, &str>, u64)> {
    if line.starts_with('#') {
        return None;
    }
    let (head, value) = line.rsplit_once(' ')?;
    let (name, labels) = match head.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}')?),
        None => (head, ""),
    };
    // Label values here are event types, systems, outcomes and field paths: no commas or
    // quotes inside them.
    let labels = labels
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.trim(), v.trim().trim_matches('"')))
        })
        .collect();
    let n = value.trim().parse::<f64>().ok()?;
    let n = if n.is_finite() && n >= 0.0 {
        n as u64
    } else {
        0
    };
    Some((name, labels, n))
}

fn parse_metrics(text: &str) -> ServeMetrics {
    let mut out = ServeMetrics::default();
    let mut parity: BTreeMap<String, ParityRow> = BTreeMap::new();
    let mut has_parity = false;
    for (name, labels, n) in text.lines().filter_map(sample) {
        let label = |k: &str| labels.get(k).copied().unwrap_or_default();
        let event_type = label("event_type").to_owned();
        let legacy = label("system") == "legacy";
        match name {
            "quo_webhooks_deliveries_total" => {
                let outcome = label("outcome");
                if outcome == "rejected" {
                    out.rejected += n;
                    continue;
                }
                let row = out.rows.entry(event_type).or_default();
                match (outcome, label("scheme")) {
                    ("processed", "legacy") => row.processed_legacy += n,
                    ("processed", _) => row.processed_new += n,
                    ("duplicate", _) => row.duplicates += n,
                    _ => {}
                }
            }
            "quo_webhooks_parity_waiting" => {
                has_parity = true;
                out.waiting = n;
            }
            _ if name.starts_with("quo_webhooks_parity_") => {
                has_parity = true;
                if event_type.is_empty() {
                    continue;
                }
                let field = label("field").to_owned();
                let row = parity.entry(event_type).or_default();
                match name {
                    "quo_webhooks_parity_arrived_total" if legacy => row.arrived_legacy += n,
                    "quo_webhooks_parity_arrived_total" => row.arrived_new += n,
                    "quo_webhooks_parity_twins_total" => row.twins += n,
                    "quo_webhooks_parity_matched_total" => row.matched += n,
                    "quo_webhooks_parity_mismatched_total" => row.mismatched += n,
                    "quo_webhooks_parity_duplicates_total" => row.duplicates += n,
                    "quo_webhooks_parity_unpaired_total" if legacy => row.unpaired_legacy += n,
                    "quo_webhooks_parity_unpaired_total" => row.unpaired_new += n,
                    "quo_webhooks_parity_field_mismatches_total" => {
                        *row.field_mismatches.entry(field).or_default() += n;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out.parity = has_parity.then_some(parity);
    out
}

fn print_report(report: &Report, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(report);
    }
    println!(
        "step 5: parity of subscription(s) {}",
        report.subscriptions.join(", ")
    );
    let mut t = table([
        "EVENT TYPE",
        "DELIVERED",
        "FAILED",
        "PENDING",
        "NO CONTACT IDS",
        "LINKS.QUO NULL",
        "NO IDENTIFIERS",
    ]);
    for (event_type, r) in &report.types {
        t.add_row([
            event_type.clone(),
            r.delivered.to_string(),
            r.failed.to_string(),
            r.pending.to_string(),
            r.missing_contact_ids.to_string(),
            r.null_links_quo.to_string(),
            r.missing_identifiers.to_string(),
        ]);
    }
    print_table(&t);
    if let Some(serve) = &report.serve {
        println!("\nwhat serve processed:");
        let mut t = table(["EVENT TYPE", "VIA NEW", "VIA LEGACY", "DUPLICATES"]);
        for (event_type, r) in serve {
            t.add_row([
                event_type.clone(),
                r.processed_new.to_string(),
                r.processed_legacy.to_string(),
                r.duplicates.to_string(),
            ]);
        }
        print_table(&t);
        println!("rejected: {}", report.serve_rejected.unwrap_or(0));
        match &report.serve_parity {
            Some(parity) => {
                println!("\nwhat arrived at serve through each system:");
                let mut t = table([
                    "EVENT TYPE",
                    "VIA LEGACY",
                    "VIA NEW",
                    "TWINS",
                    "MATCHED",
                    "MISMATCHED",
                    "RETRIES",
                    "LEGACY ONLY",
                    "NEW ONLY",
                ]);
                for (event_type, r) in parity {
                    t.add_row([
                        event_type.clone(),
                        r.arrived_legacy.to_string(),
                        r.arrived_new.to_string(),
                        r.twins.to_string(),
                        r.matched.to_string(),
                        r.mismatched.to_string(),
                        r.duplicates.to_string(),
                        r.unpaired_legacy.to_string(),
                        r.unpaired_new.to_string(),
                    ]);
                }
                print_table(&t);
                println!(
                    "waiting for their twin: {}",
                    report.serve_waiting.unwrap_or(0)
                );
            }
            None => println!(
                "serve counts no parity: run it with both --secret and --legacy-key to see \
                 what arrives through each system"
            ),
        }
    }
    if report.passed {
        println!("\nparity: PASSED");
    } else {
        println!("\nparity: FAILED");
        for p in &report.problems {
            println!("  - {p}");
        }
    }
    Ok(())
}

async fn run_finish(client: &Client, args: FinishArgs, dry: bool) -> Result<(), Failure> {
    let legacy = legacy_selected(client, &args.select).await?;
    if legacy.is_empty() {
        return Err(Failure::Failed("no legacy webhook matches".to_owned()));
    }
    let migrated = migrated(client).await?;
    for hook in &legacy {
        let Some(new) = migrated.get(&hook.id) else {
            return Err(Failure::Failed(format!(
                "legacy {} has no new subscription: run `migrate create` first",
                hook.id
            )));
        };
        if new.status != WebhookStatus::Enabled && !args.force {
            return Err(Failure::Failed(format!(
                "subscription {} is {}: enable it first, or events would be lost",
                new.id, new.status
            )));
        }
    }
    if !args.force {
        let report = compare_report(client, &args.select, args.serve_url.as_deref(), 500).await?;
        if !report.passed {
            print_report(&report, false)?;
            return Err(Failure::Failed(
                "compare does not pass: not deleting the legacy webhook (use --force to override)"
                    .to_owned(),
            ));
        }
    }
    for hook in &legacy {
        println!(
            "step 6: delete legacy webhook {} ({}); it cannot be restored",
            hook.id, hook.url
        );
        if !dry {
            client.legacy_webhooks().delete(&hook.id).await?;
        }
    }
    if dry {
        println!("dry run: nothing deleted");
    } else {
        println!("migration finished: only the new subscription(s) deliver");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_read_by_system() {
        let text = "quo_webhooks_deliveries_total{outcome=\"processed\",scheme=\"legacy\",event_type=\"call.completed\"} 2\n\
                    quo_webhooks_deliveries_total{outcome=\"processed\",scheme=\"v1\",event_type=\"call.completed\"} 1\n\
                    quo_webhooks_deliveries_total{outcome=\"duplicate\",scheme=\"v1\",event_type=\"call.completed\"} 1\n\
                    quo_webhooks_deliveries_total{outcome=\"rejected\",scheme=\"-\",event_type=\"-\"} 3\n";
        let metrics = parse_metrics(text);
        assert_eq!(metrics.rejected, 3);
        let row = &metrics.rows["call.completed"];
        assert_eq!(
            (row.processed_legacy, row.processed_new, row.duplicates),
            (2, 1, 1)
        );
        assert!(metrics.parity.is_none());
    }

    /// The parity counts go through `serve`'s own exposition and back: twins, a retry, an
    /// event seen through one system only, and a mismatched field.
    #[test]
    fn parity_counts_round_trip_through_the_metrics_text() {
        use quo_webhooks::{EventType, parse_any, samples};
        use std::sync::Arc;
        let checker = Arc::new(quo_webhooks::parity::ParityChecker::new());
        let legacy = parse_any(samples::LEGACY_V4_MESSAGE_RECEIVED.as_bytes()).unwrap();
        let new = parse_any(
            samples::get(&EventType::MessageReceived)
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        checker.observe(&legacy);
        checker.observe(&legacy); // a retry
        checker.observe(&new);
        // Another message whose new delivery carries other text: a mismatched twin.
        let mut legacy_other: Value =
            serde_json::from_str(samples::LEGACY_V4_MESSAGE_RECEIVED).unwrap();
        legacy_other["data"]["object"]["id"] = "ACother".into();
        let mut new_other: Value =
            serde_json::from_str(samples::get(&EventType::MessageReceived).unwrap()).unwrap();
        new_other["data"]["resource"]["id"] = "ACother".into();
        new_other["data"]["resource"]["text"] = "other".into();
        checker.observe(&quo_webhooks::AnyEvent::from_value(legacy_other).unwrap());
        checker.observe(&quo_webhooks::AnyEvent::from_value(new_other).unwrap());
        // Through the new system only (so far).
        checker.observe(
            &parse_any(samples::get(&EventType::ContactDeleted).unwrap().as_bytes()).unwrap(),
        );

        let text = crate::metrics::Metrics::new(Some(checker)).render();
        let metrics = parse_metrics(&text);
        let parity = metrics.parity.expect("parity counts in the exposition");
        let m = &parity["message.received"];
        assert_eq!(
            (m.arrived_legacy, m.arrived_new, m.twins, m.duplicates),
            (3, 2, 2, 1),
            "{text}"
        );
        assert_eq!((m.matched, m.mismatched), (1, 1), "{text}");
        assert_eq!(m.field_mismatches.get("resource.text"), Some(&1), "{text}");
        let d = &parity["contact.deleted"];
        assert_eq!((d.arrived_legacy, d.arrived_new, d.twins), (0, 1, 0));
        assert_eq!(metrics.waiting, 1);
        // Without both keys, serve exposes none.
        let plain = parse_metrics(&crate::metrics::Metrics::new(None).render());
        assert!(plain.parity.is_none());
    }

    #[test]
    fn parity_flags_what_the_guide_names() {
        let mut row = TypeRow::default();
        let good = serde_json::json!({"type": "message.received", "data": {
            "context": {"contacts": {"ids": ["CT1"]}, "senderIdentifier": "+1",
                        "recipientIdentifiers": ["+2"]},
            "links": {"quo": "https://x"}}});
        parity(&good, &mut row);
        assert_eq!(
            (
                row.missing_contact_ids,
                row.null_links_quo,
                row.missing_identifiers
            ),
            (0, 0, 0)
        );
        let bad = serde_json::json!({"type": "message.received", "data": {"links": {"quo": null}}});
        parity(&bad, &mut row);
        assert_eq!(
            (
                row.missing_contact_ids,
                row.null_links_quo,
                row.missing_identifiers
            ),
            (1, 1, 1)
        );
    }
}
