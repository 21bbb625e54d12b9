//! `webhooks` and `deliveries`: Quo's webhook management API from the command line.
//!
//! Human output is an aligned table; `--json` prints the API's JSON for scripts. Exit codes:
//! 0 ok, 1 the API (or the network) said no, 2 usage.

pub(crate) mod deliveries;
pub(crate) mod migrate;
pub(crate) mod webhooks;

use std::time::Duration;

use clap::Args;
use comfy_table::{ContentArrangement, Table, presets};
use quo_api::{
    Error,
    client::{Client, RateLimit, RetryPolicy},
};
use serde::Serialize;

use crate::parse_seconds;

/// Why a command failed, and so its exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line cannot be run as given (exit code 2).
    Usage(String),
    /// The command ran and failed: the API's error, the network, output (exit code 1).
    Failed(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Failed(error.to_string())
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

/// The options every management command takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct ApiArgs {
    /// Quo API key (sent raw in `Authorization`).
    #[arg(
        long,
        env = "QUO_API_KEY",
        hide_env_values = true,
        value_name = "KEY",
        global = true
    )]
    api_key: Option<String>,

    /// The API's base URL; `http://127.0.0.1:8788` for the local emulator.
    #[arg(
        long,
        env = "QUO_API_BASE_URL",
        default_value = quo_api::DEFAULT_BASE_URL,
        value_name = "URL",
        global = true
    )]
    base_url: String,

    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// Time limit for each request, in seconds.
    #[arg(long, default_value = "30", value_parser = parse_seconds, value_name = "SECONDS", global = true)]
    timeout: Duration,

    /// How many times a failed GET or DELETE is retried (POST and PATCH never are).
    #[arg(long, default_value_t = 3, value_name = "N", global = true)]
    retries: u32,
}

impl ApiArgs {
    /// The client these options describe. With `RUST_LOG` set (`RUST_LOG=quo_api=debug`), each
    /// request's span (method, path, status, duration; never the key) is logged to stderr.
    pub(crate) fn client(&self) -> Result<Client, Failure> {
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() {
            // A subscriber may already be set (never in this binary); keep the first one then.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .try_init();
        }
        let key = self
            .api_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Failure::Usage("no API key: pass --api-key or set QUO_API_KEY".to_owned())
            })?;
        Client::builder()
            .api_key(key)
            .base_url(&self.base_url)
            .timeout(self.timeout)
            .retry_policy(RetryPolicy::default().max_retries(self.retries))
            // `tail` and `list --all` make many requests: stay under Quo's limit.
            .rate_limit(RateLimit::QUO)
            .build()
            .map_err(|e| match e {
                Error::Config { .. } => Failure::Usage(e.to_string()),
                other => other.into(),
            })
    }
}

/// A table without borders whose columns line up, as `kubectl get` prints.
pub(crate) fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    align_left(&mut table);
    table
}

/// A two-column table of names and values.
pub(crate) fn fields(rows: Vec<(&str, String)>) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    for (name, value) in rows {
        table.add_row([format!("{name}:"), value]);
    }
    align_left(&mut table);
    table
}

/// Columns start at the margin and are two spaces apart.
fn align_left(table: &mut Table) {
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
}

/// Prints a table without trailing spaces.
pub(crate) fn print_table(table: &Table) {
    println!("{}", table.trim_fmt());
}

/// Prints `value` as pretty JSON.
pub(crate) fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Failed(format!("cannot print JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// One line of text from `text`, at most `max` characters, for a table cell.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.trim();
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        flat.to_owned()
    }
}

/// A timestamp as the API writes it.
pub(crate) fn time(timestamp: jiff::Timestamp) -> String {
    quo_api::model::time::format(timestamp)
}

/// Reads an RFC 3339 instant for `--created-before` and `--created-after`.
pub(crate) fn parse_time(s: &str) -> Result<jiff::Timestamp, String> {
    quo_api::model::time::parse(s).map_err(|_| {
        format!("{s:?} is not an RFC 3339 date-time (for example 2026-04-13T12:00:00Z)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_flattens_and_cuts() {
        assert_eq!(one_line("a\nb\tc", 10), "a b c");
        assert_eq!(one_line("abcdefghij", 5), "abcd…");
        assert_eq!(one_line("  ok  ", 5), "ok");
    }

    #[test]
    fn tables_line_up_without_borders() {
        let mut t = table(["ID", "STATUS"]);
        t.add_row(["1", "enabled"]);
        t.add_row(["123", "disabled"]);
        let text = t.trim_fmt();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["ID   STATUS", "1    enabled", "123  disabled"]);
    }
}
