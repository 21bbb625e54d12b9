//! The client's one error type.

use std::{fmt, time::Duration};

use http::StatusCode;

use crate::ErrorBody;

/// Why a request to the management API failed.
///
/// No variant ever holds the API key or a signing key: text that came back from the server (an
/// error message, a snippet of a body that could not be read) has both removed before it is
/// stored here.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status and its error body (`400`, `401`, `404`, `422`,
    /// `500`, ...).
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// Quo's error body: message, field errors, docs link.
        body: Box<ErrorBody>,
    },
    /// The API answered `429 Too Many Requests` (more than 10 requests per second per key),
    /// after any retries the [`RetryPolicy`](crate::client::RetryPolicy) allowed.
    RateLimited {
        /// The wait the API asked for in `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
        /// The error body, when it sent one.
        body: Option<Box<ErrorBody>>,
    },
    /// No complete answer within the client's timeout. Not retried automatically: the attempt
    /// already waited the whole timeout.
    Timeout {
        /// The timeout that passed.
        after: Duration,
    },
    /// The request could not be sent or its answer not read: DNS, TCP, TLS, a connection
    /// closed mid-answer.
    Connection {
        /// What went wrong, from the innermost cause.
        message: String,
    },
    /// An answer that is not what the API sends: malformed JSON, an HTML page from a proxy, a
    /// body too large. `snippet` shows the start of what came back, bounded and with any key
    /// removed.
    Decode {
        /// The HTTP status of the answer.
        status: StatusCode,
        /// Why it could not be read.
        message: String,
        /// The start of the body (at most [`SNIPPET_CHARS`] characters).
        snippet: String,
    },
    /// The client was configured with something unusable (an empty API key, a base URL that is
    /// not `http(s)://host`, TLS roots that cannot be loaded), or a request could not be built.
    Config {
        /// What is wrong.
        message: String,
    },
}

/// The most characters of an unreadable body kept in [`Error::Decode`].
pub const SNIPPET_CHARS: usize = 200;

impl Error {
    /// The HTTP status of the answer, when there was one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Self::Timeout { .. } | Self::Connection { .. } | Self::Config { .. } => None,
        }
    }

    /// Quo's error body, when the answer carried one.
    #[must_use]
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Api { body, .. } => Some(body),
            Self::RateLimited { body, .. } => body.as_deref(),
            _ => None,
        }
    }

    /// Whether the API answered `404 Not Found` (also Quo's answer for another workspace's id).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api { status, body } => {
                write!(f, "the Quo API answered {status}: ")?;
                if body.title.is_empty() && body.message.is_empty() && body.errors.is_empty() {
                    f.write_str("no message")?;
                } else if body.title.is_empty()
                    || Some(body.title.as_str()) == status.canonical_reason()
                {
                    // The title repeats the status text; say the rest.
                    let mut rest = body.as_ref().clone();
                    rest.title = String::new();
                    write!(f, "{rest}")?;
                } else {
                    write!(f, "{body}")?;
                }
                if let Some(docs) = &body.docs {
                    write!(f, " (see {docs})")?;
                }
                Ok(())
            }
            Self::RateLimited { retry_after, body } => {
                f.write_str("rate limited by the Quo API (429 Too Many Requests)")?;
                if let Some(message) = body.as_ref().map(|b| &b.message).filter(|m| !m.is_empty()) {
                    write!(f, ": {message}")?;
                }
                match retry_after {
                    Some(wait) => write!(f, "; it asked to retry after {}", seconds(*wait)),
                    None => f.write_str("; no Retry-After given"),
                }
            }
            Self::Timeout { after } => {
                write!(f, "no answer from the Quo API within {}", seconds(*after))
            }
            Self::Connection { message } => {
                write!(f, "cannot talk to the Quo API: {message}")
            }
            Self::Decode {
                status,
                message,
                snippet,
            } => {
                write!(
                    f,
                    "unreadable answer from the Quo API ({status}): {message}; it began {snippet:?}"
                )
            }
            Self::Config { message } => write!(f, "invalid client configuration: {message}"),
        }
    }
}

impl std::error::Error for Error {}

fn seconds(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.3} s", duration.as_secs_f64())
    }
}

/// The start of `body` as text for [`Error::Decode`]: at most [`SNIPPET_CHARS`] characters,
/// invalid UTF-8 replaced, with `api_key` and anything that looks like a `whsec_` key removed.
pub(crate) fn snippet(body: &[u8], api_key: &str) -> String {
    // Look at a bounded prefix only; a few bytes more than needed so a cut key is still found.
    let head = &body[..body.len().min(SNIPPET_CHARS * 4 + api_key.len())];
    let text = redact(&String::from_utf8_lossy(head), api_key);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() || head.len() < body.len() {
        out.push('…');
    }
    out
}

/// `text` with every occurrence of `api_key` and every `whsec_` key replaced by `[redacted]`.
pub(crate) fn redact(text: &str, api_key: &str) -> String {
    let mut text = if api_key.is_empty() {
        text.to_owned()
    } else {
        text.replace(api_key, "[redacted]")
    };
    let mut from = 0;
    while let Some(at) = text[from..].find("whsec_").map(|i| i + from) {
        let start = at + "whsec_".len();
        let end = text[start..]
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'))
            })
            .map_or(text.len(), |i| i + start);
        text.replace_range(at..end, "whsec_[redacted]");
        from = at + "whsec_[redacted]".len();
    }
    text
}

/// Every message and field-error text of a server's error body, redacted as [`redact`] does.
pub(crate) fn redact_body(mut body: ErrorBody, api_key: &str) -> ErrorBody {
    body.title = redact(&body.title, api_key);
    body.message = redact(&body.message, api_key);
    for error in &mut body.errors {
        error.message = redact(&error.message, api_key);
        error.path = redact(&error.path, api_key);
        if let Some(value) = &error.value {
            let text = value.to_string();
            let clean = redact(&text, api_key);
            if clean != text {
                error.value = Some(serde_json::Value::String(clean));
            }
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_removes_the_api_key_and_signing_keys() {
        let text = "bad key sk_live_123 and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, ok";
        assert_eq!(
            redact(text, "sk_live_123"),
            "bad key [redacted] and whsec_[redacted], ok"
        );
        assert_eq!(
            redact("whsec_abc whsec_", ""),
            "whsec_[redacted] whsec_[redacted]"
        );
    }

    #[test]
    fn snippet_is_bounded_and_marks_the_cut() {
        let body = "<html>".repeat(1000);
        let s = snippet(body.as_bytes(), "k");
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"short", "k"), "short");
        assert_eq!(snippet(&[0xff, b'a'], "k"), "\u{fffd}a");
    }

    #[test]
    fn display_of_each_kind() {
        let body = ErrorBody::validation(vec![crate::FieldError::new(
            "/query/limit",
            "must be <= 50",
        )]);
        let e = Error::Api {
            status: StatusCode::BAD_REQUEST,
            body: Box::new(body),
        };
        assert_eq!(
            e.to_string(),
            "the Quo API answered 400 Bad Request: Validation failed for 1 field.; /query/limit must be <= 50 (see https://quo.com/docs)"
        );
        let e = Error::RateLimited {
            retry_after: Some(Duration::from_millis(1500)),
            body: None,
        };
        assert_eq!(
            e.to_string(),
            "rate limited by the Quo API (429 Too Many Requests); it asked to retry after 1.500 s"
        );
        assert_eq!(
            Error::Timeout {
                after: Duration::from_secs(2)
            }
            .to_string(),
            "no answer from the Quo API within 2 s"
        );
    }
}
