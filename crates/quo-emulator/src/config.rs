//! What the emulator can be told: the retry schedule, time limits, limits on requests, the
//! store, and the fault injections that are off unless asked for.

use std::time::Duration;

use quo_api::ApiKey;

/// Svix's schedule (SPEC §4): after the immediate first attempt, retries 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h and 10 h later: eight attempts in about 27.6 hours.
pub const DEFAULT_RETRY_SCHEDULE: &str = "5s,5m,30m,2h,5h,10h,10h";

/// How long an attempt waits for the receiver's answer (senders expect one within ~15 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the old key still signs after a rotation, as at Svix.
pub const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Requests per second per API key that Quo documents.
pub const DEFAULT_RATE_LIMIT: u32 = 10;

/// The largest request body the API takes (Quo documents none), in bytes.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How much of a receiver's answer body an attempt keeps (SPEC §6: 4 KiB).
pub const RESPONSE_BODY_LIMIT: usize = 4096;

/// The workspace id every emulated webhook belongs to.
pub const DEFAULT_ORG_ID: &str = "OR1emulator";

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbLocation {
    /// A SQLite file (created if missing), in WAL mode.
    File(std::path::PathBuf),
    /// An in-memory database that goes with the process.
    Memory,
}

impl DbLocation {
    /// `:memory:` for [`Memory`](Self::Memory), anything else a file path.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        if text == ":memory:" {
            Self::Memory
        } else {
            Self::File(text.into())
        }
    }
}

/// Behaviours beyond Quo's that help test a receiver's defences. Each is off by default and
/// none changes what the API answers or records.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    /// Send every attempt twice at once (same `webhook-id`, same signature): a receiver must
    /// run its handler once. Only the first request's outcome is recorded.
    pub duplicate: bool,
    /// After every attempt, send the same delivery again signed with a timestamp this far in
    /// the past: a receiver must reject it. Its outcome is not recorded.
    pub replay_old: Option<Duration>,
    /// Hold every first attempt for a random time up to this long, so that deliveries arrive
    /// in a different order from the one their events were made in.
    pub reorder_window: Option<Duration>,
    /// Add this many seconds (negative: subtract) to every `webhook-timestamp`, as a sender
    /// with a wrong clock would.
    pub clock_skew_secs: i64,
}

/// The emulator's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The key clients must send as `Authorization`.
    pub api_key: ApiKey,
    /// Delays of the retries after the first attempt.
    pub retry_schedule: Vec<Duration>,
    /// Spread each retry delay by ±20%.
    pub jitter: bool,
    /// How long one attempt may take.
    pub attempt_timeout: Duration,
    /// How long the previous key still signs after a rotation.
    pub rotation_grace: Duration,
    /// Requests per second per key; 0 turns the limit off.
    pub rate_limit: u32,
    /// The largest request body, in bytes.
    pub body_limit: usize,
    /// Where the store lives.
    pub db: DbLocation,
    /// Attempts in flight at once, over all endpoints.
    pub max_in_flight: usize,
    /// Attempts in flight at once to one webhook.
    pub per_endpoint_concurrency: usize,
    /// The workspace id of every webhook.
    pub org_id: String,
    /// Fault injection, off by default.
    pub faults: Faults,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            api_key: crate::ids::generate_api_key(),
            retry_schedule: parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap_or_default(),
            jitter: true,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            rotation_grace: DEFAULT_ROTATION_GRACE,
            rate_limit: DEFAULT_RATE_LIMIT,
            body_limit: DEFAULT_BODY_LIMIT,
            db: DbLocation::Memory,
            max_in_flight: 512,
            per_endpoint_concurrency: 32,
            org_id: DEFAULT_ORG_ID.to_owned(),
            faults: Faults::default(),
        }
    }
}

/// Reads a duration with a unit: `300ms`, `5s`, `5m`, `2h`, `1d` (whole numbers).
///
/// # Errors
///
/// A message saying what is wrong, when the text is not a whole number followed by one of
/// `ms`, `s`, `m`, `h`, `d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit (use ms, s, m, h or d, as in 5s)"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a whole number"))?;
    let secs = |mult: u64| {
        n.checked_mul(mult)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("{text:?} is too long"))
    };
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => secs(1),
        "m" => secs(60),
        "h" => secs(3600),
        "d" => secs(86_400),
        _ => Err(format!(
            "{text:?} has an unknown unit {unit:?} (use ms, s, m, h or d)"
        )),
    }
}

/// Reads a comma-separated retry schedule such as `5s,5m,30m`. An empty text means no
/// retries (one attempt only).
///
/// # Errors
///
/// The first entry that [`parse_duration`] refuses.
pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',').map(parse_duration).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_is_svix_eight_attempts() {
        let schedule = parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap();
        assert_eq!(schedule.len(), 7);
        let total: Duration = schedule.iter().sum();
        assert_eq!(
            total.as_secs(),
            5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000
        );
        assert_eq!(Config::default().retry_schedule, schedule);
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration(" 1d").unwrap(), Duration::from_secs(86400));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("s").is_err());
        assert_eq!(
            parse_schedule("300ms,600ms").unwrap(),
            [Duration::from_millis(300), Duration::from_millis(600)]
        );
        assert!(parse_schedule("").unwrap().is_empty());
        assert!(parse_schedule("1s,,2s").is_err());
    }
}
