//! A client-side limit on how fast requests start.

use std::{sync::Mutex, time::Duration};

use tokio::time::Instant;

/// At most `n` requests started per second by one [`Client`](super::Client) and its clones,
/// evenly spaced, so a busy program stays under Quo's limit (10 requests per second per key)
/// instead of collecting `429`s. Requests over the rate wait their turn, in order.
///
/// Spacing them evenly (no bursts) keeps every one-second window at or under `n`.
///
/// ```
/// use quo_api::client::RateLimit;
///
/// let quo = RateLimit::QUO; // 10 per second
/// let slower = RateLimit::per_second(2);
/// # let _ = (quo, slower);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    interval: Duration,
}

impl RateLimit {
    /// Quo's documented limit: 10 requests per second per key.
    pub const QUO: Self = Self {
        interval: Duration::from_millis(100),
    };

    /// At most `requests` per second (`0` is taken as 1).
    #[must_use]
    pub fn per_second(requests: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / requests.max(1),
        }
    }

    /// The time between two request starts.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// The shared state of a [`RateLimit`]: when the next request may start.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            interval: limit.interval,
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's turn. The turn is taken before waiting, so concurrent callers
    /// are served in the order they arrived.
    pub(crate) async fn acquire(&self) {
        let slot = {
            // A poisoned lock only means another caller panicked between two lines that
            // cannot panic; the instant inside is still valid.
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |at| at.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_interval() {
        let limiter = RateLimiter::new(RateLimit::QUO);
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..11 {
            limiter.acquire().await;
            starts.push(start.elapsed());
        }
        assert_eq!(starts[0], Duration::ZERO);
        assert_eq!(starts[10], Duration::from_secs(1));
        // Never more than 10 starts in any window shorter than a second.
        for pair in starts.windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(100));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_lets_the_next_request_go_at_once() {
        let limiter = RateLimiter::new(RateLimit::per_second(2));
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let before = Instant::now();
        limiter.acquire().await;
        assert_eq!(before.elapsed(), Duration::ZERO);
        assert_eq!(RateLimit::per_second(0).interval(), Duration::from_secs(1));
    }
}
