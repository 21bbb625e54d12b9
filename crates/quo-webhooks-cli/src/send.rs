//! `send`: genuine signed deliveries, as a sender would make them, for testing a receiver.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use clap::{Args, ValueEnum};
use futures_util::StreamExt;
use http::{HeaderMap, HeaderValue};
use quo_webhooks::{EventType, samples};

use crate::{
    KeyArgs,
    client::{HttpClient, parse_http_url},
    keys, parse_seconds, read_file,
};

#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The receiver's URL.
    #[arg(default_value = "http://127.0.0.1:8787/webhooks")]
    url: String,

    /// Send the sample payload of this event type (for example `call.completed`); with
    /// `--scheme legacy`, also a legacy sample's name (`legacy-v3-message-received`).
    #[arg(long, default_value = "message.received", conflicts_with = "body_file")]
    event: String,

    /// Send this file's bytes as the body instead of a sample.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,

    /// Which signature scheme to sign with.
    #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
    scheme: SchemeArg,

    #[command(flatten)]
    keys: KeyArgs,

    /// The `webhook-id` (standard scheme); a fresh one by default. Every repeat uses the same.
    #[arg(long, value_name = "ID")]
    id: Option<String>,

    /// How many times to deliver it (all with the same id, each signed anew, like retries).
    #[arg(long, default_value_t = 1, value_name = "N")]
    repeat: usize,

    /// How many deliveries may be in flight at once (to watch concurrent retries deduplicate).
    #[arg(long, default_value_t = 1, value_name = "N")]
    concurrency: usize,

    /// Send a wrong signature, to see the receiver refuse it.
    #[arg(long)]
    tamper: bool,

    /// Time limit for each answer, in seconds.
    #[arg(long, default_value = "15", value_parser = parse_seconds, value_name = "SECONDS")]
    timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemeArg {
    /// Standard Webhooks `webhook-id` / `webhook-timestamp` / `webhook-signature` (`v1`).
    Standard,
    /// Quo's legacy `openphone-signature`.
    Legacy,
}

enum Signer {
    Standard(standard_webhooks::Secret),
    Legacy(standard_webhooks::LegacySecret),
}

pub(crate) async fn run(args: SendArgs) -> Result<(), String> {
    let url = parse_http_url(&args.url)?;
    if args.repeat == 0 || args.concurrency == 0 {
        return Err("--repeat and --concurrency must be at least 1".to_owned());
    }
    let body = Bytes::from(match &args.body_file {
        Some(path) => read_file(path)?,
        None => sample(&args.event, args.scheme)?.as_bytes().to_vec(),
    });
    let signer = Arc::new(match args.scheme {
        SchemeArg::Standard => Signer::Standard(keys::signing_secret(&args.keys)?),
        SchemeArg::Legacy => Signer::Legacy(keys::signing_legacy_key(&args.keys)?),
    });
    let id: Arc<str> = args.id.clone().unwrap_or_else(fresh_id).into();
    let client = HttpClient::new(args.timeout)?;
    let tamper = args.tamper;

    let attempts = futures_util::stream::iter(1..=args.repeat)
        .map(|n| {
            let (client, url, body, signer, id) = (
                client.clone(),
                url.clone(),
                body.clone(),
                signer.clone(),
                id.clone(),
            );
            async move {
                let headers = sign_headers(&signer, &id, &body, tamper)?;
                let started = Instant::now();
                let reply = client.post(&url, headers, body).await;
                Ok::<_, String>((n, started.elapsed(), reply))
            }
        })
        .buffer_unordered(args.concurrency);
    futures_util::pin_mut!(attempts);
    let mut failed = 0;
    while let Some(result) = attempts.next().await {
        let (n, elapsed, reply) = result?;
        match reply {
            Ok(reply) => {
                let replayed = if reply.headers.contains_key("idempotent-replayed") {
                    " (duplicate)"
                } else {
                    ""
                };
                println!(
                    "#{n} {}{replayed} in {:.1} ms: {}",
                    reply.status,
                    elapsed.as_secs_f64() * 1000.0,
                    String::from_utf8_lossy(&reply.body).trim_end()
                );
            }
            Err(e) => {
                failed += 1;
                println!("#{n} failed: {e}");
            }
        }
    }
    if failed > 0 {
        return Err(format!(
            "{failed} of {} deliveries got no answer",
            args.repeat
        ));
    }
    Ok(())
}

/// The sample body for `--event`.
pub(crate) fn sample(event: &str, scheme: SchemeArg) -> Result<&'static str, String> {
    let known = || {
        EventType::KNOWN
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match scheme {
        SchemeArg::Standard => {
            let event_type: EventType = event
                .parse()
                .map_err(|_| format!("unknown event type {event:?}; known: {}", known()))?;
            samples::get(&event_type)
                .ok_or_else(|| format!("unknown event type {event:?}; known: {}", known()))
        }
        SchemeArg::Legacy => {
            let by_type = match event {
                "message.received" => Some(samples::LEGACY_V4_MESSAGE_RECEIVED),
                "call.completed" => Some(samples::LEGACY_V4_CALL_COMPLETED),
                "call.summary.completed" | "callSummary" => Some(samples::LEGACY_CALL_SUMMARY),
                "call.transcript.completed" | "callTranscript" => {
                    Some(samples::LEGACY_CALL_TRANSCRIPT)
                }
                _ => None,
            };
            by_type
                .or_else(|| {
                    samples::legacy()
                        .find(|(name, _)| *name == event)
                        .map(|(_, json)| json)
                })
                .ok_or_else(|| {
                    let names: Vec<&str> = samples::legacy().map(|(name, _)| name).collect();
                    format!(
                        "no legacy sample for {event:?}; legacy samples: message.received, \
                         call.completed, call.summary.completed, call.transcript.completed, {} \
                         (or use --body-file)",
                        names.join(", ")
                    )
                })
        }
    }
}

fn sign_headers(signer: &Signer, id: &str, body: &[u8], tamper: bool) -> Result<HeaderMap, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_owned())?;
    let mut headers = HeaderMap::new();
    let value = |s: String| HeaderValue::try_from(s).map_err(|e| format!("bad header value: {e}"));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("user-agent", HeaderValue::from_static("quo-webhooks-cli"));
    match signer {
        Signer::Standard(secret) => {
            let ts = now.as_secs();
            let mut sig = secret.sign(id, ts, body);
            if tamper {
                sig = tampered(&sig);
            }
            headers.insert("webhook-id", value(id.to_owned())?);
            headers.insert("webhook-timestamp", value(ts.to_string())?);
            headers.insert("webhook-signature", value(sig)?);
        }
        Signer::Legacy(key) => {
            let ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
            let mut sig = key.sign(ms, body);
            if tamper {
                sig = tampered(&sig);
            }
            headers.insert("openphone-signature", value(sig)?);
        }
    }
    Ok(headers)
}

/// The same signature with one base64 character changed, so it stays well-formed but wrong.
fn tampered(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    // The first character of the base64 part: right after the last ',' or ';'.
    let at = signature.rfind([',', ';']).map_or(0, |i| i + 1);
    if let Some(c) = chars.get_mut(at) {
        *c = if *c == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

/// A fresh `msg_` id, like the ones senders make: 96 random bits in hex.
pub(crate) fn fresh_id() -> String {
    let mut raw = [0u8; 12];
    if getrandom::fill(&mut raw).is_err() {
        // No OS randomness (unsupported platforms only): the clock still gives distinct ids.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        raw.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tampering_changes_exactly_one_character_of_the_signature() {
        let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let t = tampered(sig);
        assert_eq!(t.len(), sig.len());
        assert_eq!(
            t.chars().zip(sig.chars()).filter(|(a, b)| a != b).count(),
            1
        );
        assert!(t.starts_with("v1,"));
        let legacy = "hmac;1;1700000000000;AAAA";
        assert_eq!(tampered(legacy), "hmac;1;1700000000000;BAAA");
    }

    #[test]
    fn every_known_event_type_has_a_sample() {
        for t in EventType::KNOWN {
            assert!(sample(&t.to_string(), SchemeArg::Standard).is_ok(), "{t}");
        }
        assert!(sample("call.nonsense", SchemeArg::Standard).is_err());
        assert!(sample("message.received", SchemeArg::Legacy).is_ok());
        assert!(sample("legacy-v3-message-received", SchemeArg::Legacy).is_ok());
        assert!(sample("call.ringing", SchemeArg::Legacy).is_err());
    }

    #[test]
    fn fresh_ids_differ() {
        assert_ne!(fresh_id(), fresh_id());
        assert!(fresh_id().starts_with("msg_"));
    }
}
