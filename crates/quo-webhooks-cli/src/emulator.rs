//! `emulator`: Quo's webhook API and delivery engine on this machine; `emulator trigger`:
//! make an event happen on a running one.

use std::{net::SocketAddr, time::Duration};

use bytes::Bytes;
use clap::{Args, Subcommand};
use http::{HeaderMap, HeaderValue, header};
use quo_emulator::config::{self, DEFAULT_RETRY_SCHEDULE};
use quo_emulator::{ApiKey, Config, DbLocation, Emulator, Faults};

use crate::client::{HttpClient, parse_http_url};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct EmulatorArgs {
    #[command(subcommand)]
    command: Option<EmulatorCommand>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Make an event happen on a running emulator: it is built from the documented sample of
    /// its type (fresh ids and times) and delivered to every enabled webhook subscribed to it.
    Trigger(TriggerArgs),
}

/// Where Quo documents a behaviour the emulator does exactly that; where it does not, it
/// follows Svix (Quo's sender): the retry schedule, ±20% jitter, the 15 s timeout, 4 KiB of
/// each answer kept, 24 h of signing with the old key after a rotation, no automatic
/// disabling, 3xx is a failure. Attempts are signed with real time, even after the virtual
/// clock has moved (POST /emulator/clock/advance).
#[derive(Debug, Args)]
struct RunArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8788", value_name = "ADDR:PORT")]
    listen: SocketAddr,

    /// The API key clients must send as `Authorization`; a random one is made and printed
    /// once when none is given.
    #[arg(long, env = "QUO_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: Option<String>,

    /// The SQLite file that keeps webhooks, keys, deliveries and attempts across restarts;
    /// `:memory:` for a throwaway run.
    #[arg(long, default_value = "quo-emulator.sqlite", value_name = "PATH")]
    db: String,

    /// Delays of the retries after the immediate first attempt, with units (ms, s, m, h, d).
    /// The default is Svix's: eight attempts over about 27.6 hours.
    #[arg(long, default_value = DEFAULT_RETRY_SCHEDULE, value_name = "DELAYS")]
    retry_schedule: String,

    /// Retry exactly on schedule instead of spreading each delay by ±20%.
    #[arg(long)]
    no_jitter: bool,

    /// How long an attempt waits for the receiver's answer.
    #[arg(long, default_value = "15s", value_parser = config::parse_duration, value_name = "DURATION")]
    attempt_timeout: Duration,

    /// How long the old key still signs (a second `v1` signature) after a rotation.
    #[arg(long, default_value = "24h", value_parser = config::parse_duration, value_name = "DURATION")]
    rotation_grace: Duration,

    /// Requests per second per API key on Quo's endpoints (Quo documents 10); 0 turns the
    /// limit off.
    #[arg(long, default_value_t = config::DEFAULT_RATE_LIMIT, value_name = "N")]
    rate_limit: u32,

    /// Largest request body accepted, in bytes (413 above it).
    #[arg(long, default_value_t = config::DEFAULT_BODY_LIMIT, value_name = "BYTES")]
    body_limit: usize,

    /// Attempts in flight at once to one webhook (a dead receiver holds no more than this).
    #[arg(long, default_value_t = 32, value_name = "N")]
    per_endpoint_concurrency: usize,

    /// Fault injection (not Quo's behaviour): send every attempt twice at once, same
    /// `webhook-id` and signature. Only the first answer is recorded.
    #[arg(long)]
    fault_duplicate: bool,

    /// Fault injection: after every attempt, replay it signed with a timestamp this much
    /// older (such as 10m), which a receiver must reject. Not recorded.
    #[arg(long, value_parser = config::parse_duration, value_name = "DURATION")]
    fault_replay_old: Option<Duration>,

    /// Fault injection: hold each first attempt for a random time up to this long, so that
    /// deliveries arrive out of order.
    #[arg(long, value_parser = config::parse_duration, value_name = "DURATION")]
    fault_reorder: Option<Duration>,

    /// Fault injection: add this many seconds (negative: subtract) to every
    /// `webhook-timestamp`, like a sender with a wrong clock.
    #[arg(
        long,
        default_value_t = 0,
        allow_hyphen_values = true,
        value_name = "SECONDS"
    )]
    fault_clock_skew: i64,
}

#[derive(Debug, Args)]
struct TriggerArgs {
    /// The event type, such as call.completed.
    #[arg(long, value_name = "TYPE")]
    event: String,

    /// The Quo number it is about (webhooks filtered on resourceIds hear only theirs).
    #[arg(long, value_name = "PN...")]
    phone_number_id: Option<String>,

    /// JSON merged into the event's `data`, such as '{"resource":{"duration":7}}'.
    #[arg(long, value_name = "JSON")]
    data: Option<String>,

    /// Deliver through one system only (both, legacy and new, by default).
    #[arg(long, value_parser = ["new", "legacy"], value_name = "SYSTEM")]
    only: Option<String>,

    /// The running emulator.
    #[arg(long, default_value = "http://127.0.0.1:8788", value_name = "URL")]
    url: String,

    /// Its API key.
    #[arg(long, env = "QUO_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: String,
}

pub(crate) async fn run(args: EmulatorArgs) -> Result<(), String> {
    match args.command {
        Some(EmulatorCommand::Trigger(trigger)) => run_trigger(trigger).await,
        None => run_server(args.run).await,
    }
}

async fn run_server(args: RunArgs) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();

    let mut config = Config::default();
    let generated = args.api_key.is_none();
    if let Some(key) = args.api_key {
        config.api_key = ApiKey::new(key).map_err(|e| e.to_string())?;
    }
    config.retry_schedule = config::parse_schedule(&args.retry_schedule)
        .map_err(|e| format!("--retry-schedule: {e}"))?;
    config.jitter = !args.no_jitter;
    config.attempt_timeout = args.attempt_timeout;
    config.rotation_grace = args.rotation_grace;
    config.rate_limit = args.rate_limit;
    config.body_limit = args.body_limit;
    config.per_endpoint_concurrency = args.per_endpoint_concurrency.max(1);
    config.db = DbLocation::parse(&args.db);
    let mut faults = Faults::default();
    faults.duplicate = args.fault_duplicate;
    faults.replay_old = args.fault_replay_old;
    faults.reorder_window = args.fault_reorder;
    faults.clock_skew_secs = args.fault_clock_skew;
    config.faults = faults;
    let key_text = generated.then(|| config.api_key.expose().to_owned());

    let emulator = Emulator::builder()
        .config(config)
        .listen(args.listen)
        .start()
        .await
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let base = emulator.base_url();
    println!(
        "quo-webhooks emulator: Quo's webhook API on {base} (store: {})",
        args.db
    );
    if let Some(key) = key_text {
        println!("API key (shown once; pass --api-key or QUO_API_KEY to choose one): {key}");
    }
    println!("send it as `Authorization: KEY` with `x-quo-api-version: 2026-03-30`");
    println!("delivery dashboard: {base}/ (sign in with the API key)");
    crate::server::shutdown_signal().await;
    println!("stopping: finishing attempts in flight");
    emulator.shutdown().await;
    Ok(())
}

async fn run_trigger(args: TriggerArgs) -> Result<(), String> {
    let base = args.url.trim_end_matches('/');
    let url = parse_http_url(&format!("{base}/emulator/events"))?;
    let mut body = serde_json::json!({ "type": args.event });
    if let Some(pn) = args.phone_number_id {
        body["phoneNumberId"] = serde_json::Value::String(pn);
    }
    if let Some(only) = args.only {
        body["only"] = serde_json::Value::String(only);
    }
    if let Some(data) = args.data {
        body["data"] =
            serde_json::from_str(&data).map_err(|e| format!("--data is not JSON: {e}"))?;
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&args.api_key)
            .map_err(|_| "the API key is not a valid header value".to_owned())?,
    );
    headers.insert(
        quo_api::VERSION_HEADER,
        HeaderValue::from_static(quo_api::API_VERSION),
    );
    let reply = HttpClient::new(Duration::from_secs(30))?
        .post(&url, headers, Bytes::from(body.to_string()))
        .await?;
    let text = String::from_utf8_lossy(&reply.body);
    if reply.status.is_success() {
        println!("{text}");
        Ok(())
    } else {
        Err(format!("the emulator answered {}: {text}", reply.status))
    }
}
