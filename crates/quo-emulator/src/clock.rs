//! Time. One injected [`Clock`] gives the emulator's time for scheduling, `createdAt` and
//! `nextAttemptAt`; [`VirtualClock`] can be moved forward so that a test walks a 27-hour retry
//! schedule in milliseconds.
//!
//! Signatures are the exception: every attempt's `webhook-timestamp` is the real wall-clock
//! time ([`Clock::wall`]), so that a receiver checking its tolerance accepts it even after the
//! virtual clock has been moved a day ahead.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use quo_emulator::{Clock, VirtualClock};
//!
//! let clock = VirtualClock::new();
//! let before = clock.now();
//! clock.advance(Duration::from_secs(3600));
//! assert!(clock.now().duration_since(before).as_secs() >= 3600);
//! // The wall clock does not move.
//! assert!(clock.wall().duration_since(before).as_secs() < 3600);
//! ```

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// Where the emulator's time comes from.
pub trait Clock: Send + Sync + Debug + 'static {
    /// The emulator's time: schedules, `createdAt`, `nextAttemptAt`, rotation grace.
    fn now(&self) -> Timestamp;

    /// Real wall-clock time, for `webhook-timestamp`.
    fn wall(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The system's clock plus an offset that only grows: [`advance`](Self::advance) moves it
/// forward. The emulator always runs on one; until it is advanced it tells real time.
#[derive(Debug, Default)]
pub struct VirtualClock {
    offset_ms: AtomicI64,
}

impl VirtualClock {
    /// A clock at real time.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock `by` forward.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// How far ahead of real time the clock is.
    #[must_use]
    pub fn offset(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.offset_ms.load(Ordering::SeqCst)).unwrap_or(0))
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        let offset = SignedDuration::from_millis(self.offset_ms.load(Ordering::SeqCst));
        Timestamp::now()
            .checked_add(offset)
            .unwrap_or(Timestamp::MAX)
    }
}

/// Milliseconds since the Unix epoch, as the store keeps instants.
pub(crate) fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The instant `ms` milliseconds after the Unix epoch (clamped into jiff's range).
pub(crate) fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millisecond_round_trip() {
        let t = Timestamp::from_millisecond(1_776_000_000_123).unwrap();
        assert_eq!(from_ms(to_ms(t)), t);
    }

    #[test]
    fn advance_accumulates() {
        let clock = VirtualClock::new();
        clock.advance(Duration::from_secs(5));
        clock.advance(Duration::from_millis(500));
        assert_eq!(clock.offset(), Duration::from_millis(5500));
    }
}
