//! `quo-webhooks webhooks list|get|create|update|delete|rotate|test`.

use clap::{Args, Subcommand};
use quo_api::{
    CreatedWebhook, Envelope, NewWebhook, ResourceIds, RotatedKey, Webhook, WebhookStatus,
    WebhookUpdate,
};
use quo_webhooks::EventType;

use super::{ApiArgs, Failure, fields, print_json, print_table, table, time};

/// Manage webhook subscriptions through Quo's API.
#[derive(Debug, Args)]
pub(crate) struct WebhooksArgs {
    #[command(flatten)]
    api: ApiArgs,
    #[command(subcommand)]
    command: WebhooksCommand,
}

#[derive(Debug, Subcommand)]
enum WebhooksCommand {
    /// List the workspace's webhooks.
    List,
    /// Show one webhook.
    Get {
        /// The webhook's id.
        id: String,
    },
    /// Create a webhook and print its signing key (shown this once).
    Create(CreateArgs),
    /// Change a webhook's URL, events, phone numbers, label or status.
    Update(UpdateArgs),
    /// Delete a webhook.
    Delete {
        /// The webhook's id.
        id: String,
    },
    /// Give a webhook a new signing key and print it (shown this once).
    Rotate {
        /// The webhook's id.
        id: String,
    },
    /// Send a real, signed delivery of a sample event to the webhook's URL.
    Test {
        /// The webhook's id.
        id: String,
        /// The event type whose sample to send.
        #[arg(long, default_value = "message.received", value_name = "TYPE")]
        event: String,
    },
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Where deliveries go (HTTPS at Quo).
    #[arg(long)]
    url: String,
    /// Event types to receive: repeat the flag or separate with commas.
    #[arg(
        long = "event",
        value_name = "TYPE",
        required = true,
        value_delimiter = ','
    )]
    events: Vec<String>,
    /// Only message and call events of these phone numbers (`PN...`); every number by default.
    #[arg(long = "resource-id", value_name = "PN", value_delimiter = ',')]
    resource_ids: Vec<String>,
    /// A label for people.
    #[arg(long)]
    label: Option<String>,
    /// Create it disabled (test it before it receives real events).
    #[arg(long)]
    disabled: bool,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// The webhook's id.
    id: String,
    /// A new URL.
    #[arg(long)]
    url: Option<String>,
    /// A new set of event types, replacing the whole set.
    #[arg(long = "event", value_name = "TYPE", value_delimiter = ',')]
    events: Vec<String>,
    /// A new phone number filter, replacing the old one.
    #[arg(
        long = "resource-id",
        value_name = "PN",
        value_delimiter = ',',
        conflicts_with = "all_numbers"
    )]
    resource_ids: Vec<String>,
    /// Clear the phone number filter: every number.
    #[arg(long)]
    all_numbers: bool,
    /// A new label.
    #[arg(long, conflicts_with = "clear_label")]
    label: Option<String>,
    /// Remove the label.
    #[arg(long)]
    clear_label: bool,
    /// Enable delivery.
    #[arg(long, conflicts_with = "disable")]
    enable: bool,
    /// Disable delivery (test events are still sent).
    #[arg(long)]
    disable: bool,
}

pub(crate) async fn run(args: WebhooksArgs) -> Result<(), Failure> {
    let json = args.api.json;
    let client = args.api.client()?;
    let webhooks = client.webhooks();
    match args.command {
        WebhooksCommand::List => {
            let list = webhooks.list().await?;
            if json {
                return print_json(&Envelope::new(list));
            }
            if list.is_empty() {
                eprintln!("no webhooks");
                return Ok(());
            }
            let mut out = table([
                "ID", "STATUS", "URL", "EVENTS", "NUMBERS", "LABEL", "CREATED",
            ]);
            for w in &list {
                out.add_row([
                    w.id.to_string(),
                    w.status.to_string(),
                    w.url.clone(),
                    join(&w.events),
                    w.resource_ids.to_vec().join(","),
                    w.label.clone().unwrap_or_default(),
                    time(w.created_at),
                ]);
            }
            print_table(&out);
        }
        WebhooksCommand::Get { id } => {
            let webhook = webhooks.get(id).await?;
            print_webhook(&webhook, json)?;
        }
        WebhooksCommand::Create(create) => {
            let events = event_types(&create.events)?;
            let mut new = NewWebhook::new(create.url, events);
            if !create.resource_ids.is_empty() {
                new = new.resource_ids(ResourceIds::phone_numbers(create.resource_ids));
            }
            if let Some(label) = create.label {
                new = new.label(label);
            }
            if create.disabled {
                new = new.status(WebhookStatus::Disabled);
            }
            let created = webhooks.create(&new).await?;
            print_created(&created, json)?;
        }
        WebhooksCommand::Update(update) => {
            let id = update.id.clone();
            let update = to_update(update)?;
            let webhook = webhooks.update(id, &update).await?;
            print_webhook(&webhook, json)?;
        }
        WebhooksCommand::Delete { id } => {
            webhooks.delete(id.as_str()).await?;
            if !json {
                println!("deleted webhook {id}");
            }
        }
        WebhooksCommand::Rotate { id } => {
            let rotated = webhooks.rotate(id.as_str()).await?;
            print_rotated(&id, &rotated, json)?;
        }
        WebhooksCommand::Test { id, event } => {
            let event_type = event_types(&[event])?.remove(0);
            let sample = webhooks.send_test(id.as_str(), event_type).await?;
            if json {
                return print_json(&sample);
            }
            println!(
                "sent a test {} to webhook {id} (sample event {}).",
                sample.event_type, sample.id
            );
            println!("Delivery is asynchronous; see what the receiver answered with:");
            println!("  quo-webhooks deliveries list {id}");
        }
    }
    Ok(())
}

fn to_update(args: UpdateArgs) -> Result<WebhookUpdate, Failure> {
    let mut update = WebhookUpdate::new();
    if let Some(url) = args.url {
        update = update.url(url);
    }
    if !args.events.is_empty() {
        update = update.events(event_types(&args.events)?);
    }
    if args.all_numbers {
        update = update.resource_ids(ResourceIds::All);
    } else if !args.resource_ids.is_empty() {
        update = update.resource_ids(ResourceIds::phone_numbers(args.resource_ids));
    }
    if let Some(label) = args.label {
        update = update.label(label);
    } else if args.clear_label {
        update = update.clear_label();
    }
    if args.enable {
        update = update.status(WebhookStatus::Enabled);
    } else if args.disable {
        update = update.status(WebhookStatus::Disabled);
    }
    if update.is_empty() {
        return Err(Failure::Usage(
            "nothing to change: pass at least one of --url, --event, --resource-id, \
             --all-numbers, --label, --clear-label, --enable, --disable"
                .to_owned(),
        ));
    }
    Ok(update)
}

/// Event types as given; an unknown one is a usage error (Quo would refuse it too), so a typo
/// is caught before anything is sent.
fn event_types(names: &[String]) -> Result<Vec<EventType>, Failure> {
    let mut types = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let event_type = EventType::from(name);
        if !event_type.is_known() {
            let known: Vec<String> = EventType::KNOWN.iter().map(ToString::to_string).collect();
            return Err(Failure::Usage(format!(
                "unknown event type {name:?}; known: {}",
                known.join(", ")
            )));
        }
        if !types.contains(&event_type) {
            types.push(event_type);
        }
    }
    if types.is_empty() {
        return Err(Failure::Usage("no event type given".to_owned()));
    }
    Ok(types)
}

fn join(events: &[EventType]) -> String {
    events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

fn webhook_fields(w: &Webhook) -> Vec<(&'static str, String)> {
    vec![
        ("id", w.id.to_string()),
        ("status", w.status.to_string()),
        ("url", w.url.clone()),
        ("events", join(&w.events)),
        ("numbers", w.resource_ids.to_vec().join(",")),
        ("label", w.label.clone().unwrap_or_else(|| "-".to_owned())),
        ("api version", w.api_version.clone()),
        ("org", w.org_id.clone()),
        ("created", time(w.created_at)),
        ("updated", time(w.updated_at)),
    ]
}

fn print_webhook(webhook: &Webhook, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&Envelope::new(webhook));
    }
    print_table(&fields(webhook_fields(webhook)));
    Ok(())
}

/// How to hand a key to the receiver, printed after the key itself.
const KEY_ADVICE: &str = "This key is shown only once: store it now (the API never shows it again; \
`rotate` makes a new one).\nGive it to the receiver: QUO_WEBHOOK_SECRET=<the key above> \
quo-webhooks serve   (or: quo-webhooks serve --secret <the key above>)";

fn print_created(created: &CreatedWebhook, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&Envelope::new(created));
    }
    print_table(&fields(webhook_fields(&created.webhook)));
    println!();
    println!("signing key: {}", created.key.to_whsec_string().as_str());
    println!("{KEY_ADVICE}");
    Ok(())
}

fn print_rotated(id: &str, rotated: &RotatedKey, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(&Envelope::new(rotated));
    }
    println!(
        "new signing key of webhook {id}: {}",
        rotated.key.to_whsec_string().as_str()
    );
    println!("{KEY_ADVICE}");
    println!("While receivers switch over, `serve` accepts both: --secret <new key>,<old key>.");
    Ok(())
}
