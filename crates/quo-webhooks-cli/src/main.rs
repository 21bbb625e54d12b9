//! `quo-webhooks`: a verifying, deduplicating receiver for Quo (formerly OpenPhone) and any
//! Standard Webhooks sender, and a sender of genuine signed deliveries for testing.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use api::Failure;

mod api;
mod client;
mod duration;
mod emulator;
mod framing;
mod keys;
mod metrics;
mod observed_store;
mod redact;
mod send;
mod serve;
mod server;
mod sign;
mod sink;

/// Receive Quo webhooks safely, send signed test deliveries, and manage subscriptions.
///
/// `serve` runs an HTTP receiver that accepts only genuine deliveries (Standard Webhooks
/// `webhook-*` / `svix-*` headers, or Quo's legacy `openphone-signature`), runs each delivery
/// once however often it is retried, and hands it on: to standard output, to an internal URL,
/// or to a Redis stream. `send` delivers signed sample events to any receiver. `webhooks` and
/// `deliveries` manage subscriptions and read their delivery history through Quo's API.
#[derive(Debug, Parser)]
#[command(name = "quo-webhooks", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a verifying, deduplicating webhook receiver.
    Serve(serve::ServeArgs),
    /// Run a local stand-in for Quo's webhook API and delivery engine (`emulator trigger`
    /// makes an event happen on a running one).
    Emulator(emulator::EmulatorArgs),
    /// Send signed deliveries to a receiver and print each answer.
    Send(send::SendArgs),
    /// Print the signature headers for a body (for curl and other HTTP clients).
    Sign(sign::SignArgs),
    /// Check a captured request and say why it fails, if it does.
    Verify(sign::VerifyArgs),
    /// Manage secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Manage webhook subscriptions through Quo's API (list, get, create, update, delete,
    /// rotate, test).
    Webhooks(api::webhooks::WebhooksArgs),
    /// Read a webhook's delivery history through Quo's API, retry deliveries, tail new ones.
    Deliveries(api::deliveries::DeliveriesArgs),
    /// Migrate from Quo's legacy webhooks to the new ones, one step of Quo's migration guide
    /// per subcommand (check, create, receiver, enable, compare, finish; rollback).
    Migrate(api::migrate::MigrateArgs),
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Print a new random signing secret.
    Generate {
        /// The kind of key to make.
        #[arg(long, value_enum, default_value_t = KeyKind::Whsec)]
        kind: KeyKind,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyKind {
    /// A Standard Webhooks `whsec_` secret (32 random bytes).
    Whsec,
    /// A Quo legacy signing key (base64 of 32 random bytes).
    Legacy,
    /// An ed25519 `whsk_` signing key; its `whpk_` public key is printed on a second line.
    Ed25519,
}

/// Secrets, shared by the commands that verify or sign.
#[derive(Debug, Clone, Args)]
struct KeyArgs {
    /// Standard Webhooks secret(s) (`whsec_...`); comma-separated while the sender rotates.
    #[arg(
        long = "secret",
        env = "QUO_WEBHOOK_SECRET",
        value_name = "WHSEC",
        hide_env_values = true
    )]
    secret: Option<String>,
    /// Quo legacy signing key(s) (base64, as the Quo app shows it); comma-separated.
    #[arg(
        long = "legacy-key",
        env = "QUO_LEGACY_SIGNING_KEY",
        value_name = "BASE64",
        hide_env_values = true
    )]
    legacy_key: Option<String>,
}

/// How far a timestamp may be from now, in seconds.
fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| format!("{s:?} is not a whole number of seconds"))
}

fn read_file(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Exit code 2: the command line cannot be run as given (clap uses it too).
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Failure> = match cli.command {
        Command::Serve(args) => run_async(serve::run(args)).map_err(Failure::from),
        Command::Send(args) => run_async(send::run(args)).map_err(Failure::from),
        Command::Emulator(args) => run_async(emulator::run(args)).map_err(Failure::from),
        Command::Sign(args) => sign::sign(args).map_err(Failure::from),
        Command::Verify(args) => sign::verify(args).map_err(Failure::from),
        Command::Secret(SecretCommand::Generate { kind }) => {
            keys::generate(kind);
            Ok(())
        }
        Command::Webhooks(args) => run_async(api::webhooks::run(args)),
        Command::Deliveries(args) => run_async(api::deliveries::run(args)),
        Command::Migrate(args) => run_async(api::migrate::run(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_async<E: From<String>>(fut: impl Future<Output = Result<(), E>>) -> Result<(), E> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| E::from(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(fut);
    // Do not wait for tasks still running (a write to a stalled standard output, a connection
    // past the shutdown grace period): the process is done.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}
