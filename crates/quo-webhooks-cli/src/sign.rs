//! `sign` (headers for a body, for curl users) and `verify` (check a captured request).

use std::{
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use clap::Args;
use standard_webhooks::{Verifier, VerifyError};

use crate::{
    KeyArgs, keys, parse_seconds, read_file,
    send::{SchemeArg, fresh_id, sample},
};

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The body to sign, from a file (use the exact bytes you will send).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["body", "event"])]
    body_file: Option<PathBuf>,

    /// The body to sign, given inline.
    #[arg(long, value_name = "TEXT", conflicts_with = "event")]
    body: Option<String>,

    /// Sign the sample payload of this event type.
    #[arg(long, value_name = "TYPE")]
    event: Option<String>,

    /// Which signature scheme to sign with.
    #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
    scheme: SchemeArg,

    #[command(flatten)]
    keys: KeyArgs,

    /// The `webhook-id`; a fresh one by default.
    #[arg(long)]
    id: Option<String>,

    /// Unix time to sign at (seconds); now by default.
    #[arg(long, value_name = "UNIX_SECONDS")]
    timestamp: Option<u64>,

    /// Also print a curl command that sends the body to this URL.
    #[arg(long, value_name = "URL")]
    curl: Option<String>,
}

pub(crate) fn sign(args: SignArgs) -> Result<(), String> {
    let (body, body_arg) = match (&args.body_file, &args.body, &args.event) {
        (Some(path), _, _) => (read_file(path)?, format!("@{}", path.display())),
        (None, Some(text), _) => (text.clone().into_bytes(), shell_quote(text)),
        (None, None, event) => {
            let json = sample(event.as_deref().unwrap_or("message.received"), args.scheme)?;
            (json.as_bytes().to_vec(), shell_quote(json))
        }
    };
    let now = args.timestamp.map_or_else(
        || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
        },
        Ok,
    );
    let now = now.map_err(|_| "the system clock is before 1970".to_owned())?;
    let headers: Vec<(&str, String)> = match args.scheme {
        SchemeArg::Standard => {
            let secret = keys::signing_secret(&args.keys)?;
            let id = args.id.clone().unwrap_or_else(fresh_id);
            let signature = secret.sign(&id, now, &body);
            vec![
                ("webhook-id", id),
                ("webhook-timestamp", now.to_string()),
                ("webhook-signature", signature),
            ]
        }
        SchemeArg::Legacy => {
            let key = keys::signing_legacy_key(&args.keys)?;
            let ms = now.saturating_mul(1000);
            vec![("openphone-signature", key.sign(ms, &body))]
        }
    };
    for (name, value) in &headers {
        println!("{name}: {value}");
    }
    if let Some(url) = &args.curl {
        let mut line = format!(
            "curl -sS -X POST {} -H 'content-type: application/json'",
            shell_quote(url)
        );
        for (name, value) in &headers {
            line.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
        }
        line.push_str(&format!(" --data-binary {body_arg}"));
        println!("{line}");
    }
    Ok(())
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// A file of captured request headers, one `Name: value` per line (a request line on top
    /// is skipped). If the file also holds the body after a blank line, that body is used.
    #[arg(long, value_name = "FILE")]
    headers_file: Option<PathBuf>,

    /// A captured header, `Name: value`; repeat for several.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    header: Vec<String>,

    /// The captured body's exact bytes.
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,

    #[command(flatten)]
    keys: KeyArgs,

    /// Check as if the clock read this Unix time (seconds), for old captures.
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,

    /// How far the timestamp may be from "now", in seconds.
    #[arg(long, default_value = "300", value_parser = parse_seconds, value_name = "SECONDS")]
    tolerance: Duration,
}

pub(crate) fn verify(args: VerifyArgs) -> Result<(), String> {
    if args.keys.secret.is_none() && args.keys.legacy_key.is_none() {
        return Err(
            "no key to verify with: pass --secret / --legacy-key or set QUO_WEBHOOK_SECRET / \
             QUO_LEGACY_SIGNING_KEY"
                .to_owned(),
        );
    }
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let capture = args.headers_file.as_ref().map(read_file).transpose()?;
    let mut captured_body = None;
    if let Some(raw) = &capture {
        let (head, body) = split_capture(raw);
        captured_body = body;
        headers.extend(parse_header_lines(head)?);
    }
    for h in &args.header {
        headers.extend(parse_header_lines(h.as_bytes())?);
    }
    let body = match (&args.body_file, captured_body) {
        (Some(path), _) => read_file(path)?,
        (None, Some(body)) => body.to_vec(),
        (None, None) => {
            return Err(
                "no body: pass --body-file, or a capture with the body after its headers"
                    .to_owned(),
            );
        }
    };
    let (verifier, _): (Verifier, _) = keys::verifier(&args.keys, args.tolerance)?;
    let now = match args.now {
        Some(secs) => UNIX_EPOCH + Duration::from_secs(secs),
        None => SystemTime::now(),
    };
    match verifier.verify_at(headers.as_slice(), &body, now) {
        Ok(v) => {
            println!(
                "valid: id {}, scheme {}, key #{}, signed at {} ({} bytes of body)",
                v.id().unwrap_or("(legacy: none)"),
                v.scheme(),
                v.key_index() + 1,
                v.timestamp(),
                body.len()
            );
            Ok(())
        }
        Err(e) => Err(format!("invalid: {e}{}", hint(&e))),
    }
}

/// What usually causes each failure, for someone staring at a capture.
fn hint(e: &VerifyError) -> &'static str {
    match e {
        VerifyError::NoMatchingSignature => {
            " (wrong secret, or the body is not byte-for-byte what was signed: re-serialised JSON, \
             changed line endings or a trailing newline all break it)"
        }
        VerifyError::TimestampOutsideTolerance { .. } => {
            " (for an old capture, pass --now with a time near its timestamp)"
        }
        VerifyError::MissingHeader { .. } => {
            " (Standard Webhooks needs webhook-id, webhook-timestamp and webhook-signature; \
             Quo legacy deliveries carry openphone-signature)"
        }
        VerifyError::NoKeyForScheme(_) => {
            " (the request is signed with a scheme you gave no key for: --secret for webhook-*, \
             --legacy-key for openphone-signature)"
        }
        _ => "",
    }
}

/// Headers and, after the first blank line, the body (if any).
fn split_capture(raw: &[u8]) -> (&[u8], Option<&[u8]>) {
    for sep in [&b"\r\n\r\n"[..], b"\n\n"] {
        if let Some(at) = raw.windows(sep.len()).position(|w| w == sep) {
            return (&raw[..at], Some(&raw[at + sep.len()..]));
        }
    }
    (raw, None)
}

fn parse_header_lines(text: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            if n == 0 {
                continue; // a request line such as "POST /webhooks HTTP/1.1"
            }
            return Err(format!("header line {} has no ':'", n + 1));
        };
        let name = String::from_utf8_lossy(&line[..colon])
            .trim()
            .to_ascii_lowercase();
        if name.contains(' ') {
            if n == 0 {
                continue;
            }
            return Err(format!("header line {} has a malformed name", n + 1));
        }
        let value = line[colon + 1..].trim_ascii().to_vec();
        out.push((name, value));
    }
    Ok(out)
}

/// Single-quote for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_split_into_headers_and_body() {
        let raw = b"POST /webhooks HTTP/1.1\r\nWebhook-Id: msg_1\r\nwebhook-timestamp: 5\r\n\r\n{\"a\": 1}\n";
        let (head, body) = split_capture(raw);
        assert_eq!(body, Some(&b"{\"a\": 1}\n"[..]));
        let headers = parse_header_lines(head).unwrap();
        assert_eq!(headers[0], ("webhook-id".to_owned(), b"msg_1".to_vec()));
        assert_eq!(headers.len(), 2);
        assert!(parse_header_lines(b"a: b\nnot a header").is_err());
    }

    #[test]
    fn shell_quoting_survives_single_quotes() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
