//! Which failed requests are tried again, and how long to wait first.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

/// When and how often a failed request is sent again.
///
/// Only requests that are safe to repeat are retried: `GET` and `DELETE`. `POST` and `PATCH`
/// never are, because a repeated `create` would make a second subscription (and a repeated
/// `rotate` a second key, a repeated `retry` a second attempt): their failures come back to the
/// caller at once, who knows whether repeating them is right.
///
/// Retried: `429`, `502`, `503`, `504` and connection failures. Not retried: timeouts (the
/// attempt already waited the whole timeout) and every other status. The wait before retry
/// `n` (from 0) is a random duration between half and all of
/// `min(initial_backoff * 2^n, max_backoff)` ("equal jitter"), or the server's `Retry-After`
/// when it sent one. Retrying stops after `max_retries`, or when the next wait would end past
/// `max_elapsed` from the first attempt.
///
/// A retried `DELETE` whose first attempt did delete (its answer was lost) gets `404`.
///
/// ```
/// use std::time::Duration;
/// use quo_api::client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_elapsed(Duration::from_secs(10));
/// let never = RetryPolicy::none();
/// # let _ = (policy, never);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Three retries, starting at 250 ms, each wait at most 8 s, all within 30 s.
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How many times a request may be sent again after its first attempt.
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry, doubled for each one after.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait computed by backoff (a `Retry-After` may ask for longer).
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The total time, from the first attempt, after which no retry is started.
    #[must_use]
    pub fn max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    pub(crate) fn retries(&self) -> u32 {
        self.max_retries
    }

    pub(crate) fn elapsed_budget(&self) -> Duration {
        self.max_elapsed
    }

    /// The wait before retry `retry` (0 for the first), with jitter.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        let base = self
            .initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        let half = base / 2;
        half + jitter(base - half)
    }
}

/// A uniformly random duration in `[0, up_to]`.
fn jitter(up_to: Duration) -> Duration {
    let nanos = u64::try_from(up_to.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    // Without OS randomness (unsupported platforms only), no jitter rather than no request.
    let random = getrandom::u64().unwrap_or(0);
    Duration::from_nanos(random % (nanos + 1))
}

/// Whether `method` may be sent twice with the effect of once.
pub(crate) fn is_repeatable(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::DELETE | Method::HEAD)
}

/// Whether an answer with `status` is worth trying again.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// The wait a `Retry-After` header asks for: delta-seconds, or an HTTP date (from `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::try_from(now).ok()?;
    let wait = now.duration_until(at);
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..200 {
            let first = policy.backoff(0);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first));
            let second = policy.backoff(1);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
            let capped = policy.backoff(40);
            assert!((Duration::from_millis(175)..=Duration::from_millis(350)).contains(&capped));
        }
    }

    #[test]
    fn backoff_is_random() {
        let policy = RetryPolicy::default().initial_backoff(Duration::from_secs(1));
        let waits: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(0)).collect();
        assert!(waits.len() > 1);
    }

    #[test]
    fn only_get_and_delete_are_repeatable() {
        assert!(is_repeatable(&Method::GET));
        assert!(is_repeatable(&Method::DELETE));
        assert!(!is_repeatable(&Method::POST));
        assert!(!is_repeatable(&Method::PATCH));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 06 Nov 1994 08:49:37
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(3)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:47 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(10)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:27 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }
}
