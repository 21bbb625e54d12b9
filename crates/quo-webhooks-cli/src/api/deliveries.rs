//! `quo-webhooks deliveries list|get|retry|tail`.

use std::{
    collections::{HashMap, HashSet},
    time::Duration,
};

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use quo_api::{
    Attempt, Delivery, DeliveryFilter, DeliveryStatus, DeliverySummary, Envelope, Page,
    client::Client,
};
use quo_webhooks::EventType;
use serde_json::json;

use super::{ApiArgs, Failure, fields, one_line, parse_time, print_json, print_table, table, time};

/// Read a webhook's delivery history and retry deliveries.
#[derive(Debug, Args)]
pub(crate) struct DeliveriesArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[command(subcommand)]
    command: DeliveriesCommand,
}

#[derive(Debug, Subcommand)]
enum DeliveriesCommand {
    /// List a webhook's deliveries, newest first.
    List(ListArgs),
    /// Show one delivery: the event as sent and every attempt with the receiver's answer.
    Get {
        /// The webhook's id.
        webhook_id: String,
        /// The delivery's id (`msg_...`).
        delivery_id: String,
    },
    /// Queue a new attempt of a delivery.
    Retry {
        /// The webhook's id.
        webhook_id: String,
        /// The delivery's id (`msg_...`).
        delivery_id: String,
    },
    /// Print new deliveries and attempts as they happen, until Ctrl-C.
    Tail(TailArgs),
}

#[derive(Debug, Args)]
struct FilterArgs {
    /// Only deliveries in this status.
    #[arg(long, value_parser = ["pending", "sending", "success", "failed"])]
    status: Option<String>,
    /// Only deliveries of these event types: repeat the flag or separate with commas.
    #[arg(long = "event", value_name = "TYPE", value_delimiter = ',')]
    events: Vec<String>,
    /// Only deliveries created before this instant (RFC 3339).
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    created_before: Option<jiff::Timestamp>,
    /// Only deliveries created after this instant (RFC 3339).
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    created_after: Option<jiff::Timestamp>,
}

impl FilterArgs {
    fn filter(&self) -> DeliveryFilter {
        let mut filter = DeliveryFilter::new();
        if let Some(status) = &self.status {
            filter = filter.status(DeliveryStatus::from(status.as_str()));
        }
        if !self.events.is_empty() {
            filter = filter.event_types(self.events.iter().map(|e| EventType::from(e.trim())));
        }
        if let Some(before) = self.created_before {
            filter = filter.created_before(before);
        }
        if let Some(after) = self.created_after {
            filter = filter.created_after(after);
        }
        filter
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The webhook's id.
    webhook_id: String,
    /// Page size, 1 to 50 (default 10, or 50 with --all to make fewer requests).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50))]
    limit: Option<u32>,
    /// Every page, not just the first.
    #[arg(long, conflicts_with = "after")]
    all: bool,
    /// Start after this cursor (the `nextCursor` of the previous page).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Debug, Args)]
struct TailArgs {
    /// The webhook's id.
    webhook_id: String,
    /// Seconds between two polls.
    #[arg(long, default_value = "2", value_parser = parse_interval, value_name = "SECONDS")]
    interval: Duration,
    /// Stop after this many polls (default: run until Ctrl-C).
    #[arg(long, value_name = "N")]
    max_polls: Option<u64>,
    #[command(flatten)]
    filter: FilterArgs,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && (0.01..=3600.0).contains(&seconds) => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err(format!(
            "{s:?} is not a number of seconds from 0.01 to 3600"
        )),
    }
}

pub(crate) async fn run(args: DeliveriesArgs) -> Result<(), Failure> {
    let json = args.api.json;
    let client = args.api.client()?;
    match args.command {
        DeliveriesCommand::List(list) => run_list(&client, list, json).await,
        DeliveriesCommand::Get {
            webhook_id,
            delivery_id,
        } => {
            let delivery = client.deliveries(webhook_id).get(delivery_id).await?;
            if json {
                return print_json(&Envelope::new(&delivery));
            }
            print_delivery(&delivery);
            Ok(())
        }
        DeliveriesCommand::Retry {
            webhook_id,
            delivery_id,
        } => {
            client
                .deliveries(webhook_id.as_str())
                .retry(delivery_id.as_str())
                .await?;
            if json {
                return print_json(&json!({}));
            }
            println!("queued a retry of {delivery_id}; see the new attempt with:");
            println!("  quo-webhooks deliveries get {webhook_id} {delivery_id}");
            Ok(())
        }
        DeliveriesCommand::Tail(tail) => run_tail(&client, tail, json).await,
    }
}

async fn run_list(client: &Client, args: ListArgs, json: bool) -> Result<(), Failure> {
    let limit = args.limit.unwrap_or(if args.all { 50 } else { 10 });
    let mut filter = args.filter.filter().limit(limit);
    if let Some(after) = args.after {
        filter = filter.after(after);
    }
    let deliveries = client.deliveries(args.webhook_id);
    let page = if args.all {
        let all: Vec<DeliverySummary> = deliveries.stream(filter).try_collect().await?;
        Page::new(all, None)
    } else {
        deliveries.list(&filter).await?
    };
    if json {
        return print_json(&page);
    }
    if page.data.is_empty() {
        eprintln!("no deliveries");
    } else {
        let mut out = table(["ID", "EVENT", "STATUS", "CREATED", "NEXT ATTEMPT"]);
        for d in &page.data {
            out.add_row([
                d.id.to_string(),
                d.event_type.to_string(),
                d.status.to_string(),
                time(d.created_at),
                d.next_attempt_at.map_or_else(|| "-".to_owned(), time),
            ]);
        }
        print_table(&out);
    }
    if let Some(cursor) = &page.next_cursor {
        eprintln!("more deliveries: add --after {cursor} for the next page, or --all");
    }
    Ok(())
}

fn print_delivery(d: &Delivery) {
    let mut rows = vec![
        ("id", d.id.to_string()),
        ("event type", d.event_type.to_string()),
        (
            "status",
            d.status
                .as_ref()
                .map_or_else(|| "-".to_owned(), ToString::to_string),
        ),
        ("created", time(d.created_at)),
        ("event id", d.request_body.id.clone()),
    ];
    if let Some(next) = d.next_attempt_at {
        rows.push(("next attempt", time(next)));
    }
    print_table(&fields(rows));
    println!();
    if d.attempts.is_empty() {
        println!("no attempts yet");
        return;
    }
    let mut out = table([
        "ATTEMPT", "TIME", "STATUS", "CODE", "DURATION", "TRIGGER", "URL", "RESPONSE",
    ]);
    for a in &d.attempts {
        out.add_row(attempt_row(a));
    }
    print_table(&out);
}

fn attempt_row(a: &Attempt) -> [String; 8] {
    [
        a.id.to_string(),
        time(a.timestamp),
        a.status.to_string(),
        if a.response_status_code == 0 {
            "none".to_owned()
        } else {
            a.response_status_code.to_string()
        },
        format!("{} ms", a.response_duration_ms),
        a.trigger_type.to_string(),
        a.url.clone(),
        a.response_body
            .as_deref()
            .map_or_else(|| "-".to_owned(), |b| one_line(b, 120)),
    ]
}

/// What `tail` has printed of one delivery.
struct Watched {
    status: DeliveryStatus,
    attempts: HashSet<String>,
}

async fn run_tail(client: &Client, args: TailArgs, json: bool) -> Result<(), Failure> {
    let filter = args.filter.filter().limit(50);
    let deliveries = client.deliveries(args.webhook_id.as_str());
    // Only the deliveries of the latest page are kept, so memory stays bounded.
    let mut watched: HashMap<String, Watched> = HashMap::new();
    let mut polls = 0u64;
    eprintln!(
        "watching deliveries of webhook {} every {:?}; Ctrl-C to stop",
        args.webhook_id, args.interval
    );
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let first = polls == 0;
        let page = deliveries.list(&filter).await?;
        let mut next: HashMap<String, Watched> = HashMap::with_capacity(page.data.len());
        // Oldest first, so the output reads in order.
        for summary in page.data.iter().rev() {
            let id = summary.id.to_string();
            let known = watched.remove(&id);
            let is_new = known.is_none();
            let mut entry = known.unwrap_or_else(|| Watched {
                status: summary.status.clone(),
                attempts: HashSet::new(),
            });
            let changed = entry.status != summary.status;
            let settled = matches!(
                summary.status,
                DeliveryStatus::Success | DeliveryStatus::Failed
            );
            if is_new || changed {
                print_event(
                    json,
                    "delivery",
                    &json!({"id": id, "eventType": summary.event_type, "status": summary.status,
                            "createdAt": time(summary.created_at)}),
                    &format!(
                        "{}  delivery {id}  {}  {}",
                        time(summary.created_at),
                        summary.event_type,
                        summary.status
                    ),
                );
            }
            // Attempts change while a delivery is in flight, or as it settles. Deliveries that
            // had settled before `tail` started are not looked into.
            if !settled || (changed && !first) || (is_new && !first) {
                let detail = deliveries.get(summary.id.clone()).await?;
                for attempt in detail.attempts.iter().rev() {
                    if entry.attempts.insert(attempt.id.to_string()) {
                        let row = attempt_row(attempt);
                        print_event(
                            json,
                            "attempt",
                            &json!({"delivery": id, "attempt": attempt}),
                            &format!(
                                "{}  attempt  {} of {id}  {}  {} in {}  {}  {}",
                                row[1], row[0], row[2], row[3], row[4], row[5], row[7]
                            ),
                        );
                    }
                }
            }
            entry.status = summary.status.clone();
            next.insert(id, entry);
        }
        watched = next;
        polls += 1;
        if args.max_polls.is_some_and(|max| polls >= max) {
            return Ok(());
        }
        tokio::select! {
            _ = &mut stop => return Ok(()),
            () = tokio::time::sleep(args.interval) => {}
        }
    }
}

fn print_event(json: bool, kind: &str, value: &serde_json::Value, text: &str) {
    if json {
        println!("{}", json!({ "type": kind, "data": value }));
    } else {
        println!("{text}");
    }
}
