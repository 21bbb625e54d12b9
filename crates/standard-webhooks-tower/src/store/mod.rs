//! Idempotency stores: where the [`Idempotency`](crate::Idempotency) layer records which
//! deliveries are running and which are done.
//!
//! The contract (SPEC section 4, "claim, then complete or release"):
//!
//! 1. [`claim`](IdempotencyStore::claim) takes a key with a short lease and a fresh
//!    [`ClaimToken`]. Exactly one of any number of concurrent claims of a free key wins, on
//!    every replica that shares the store.
//! 2. [`complete`](IdempotencyStore::complete) marks the key done for the retention period, but
//!    only if the caller's token still holds the lease (fencing): an attempt whose lease expired
//!    cannot overwrite a newer claim.
//! 3. [`release`](IdempotencyStore::release) frees the key, again only for the token holder, so
//!    the sender's next retry runs the handler.
//! 4. [`renew`](IdempotencyStore::renew) extends the lease while the handler still runs, again
//!    only for the token holder, so that a slow handler keeps its claim.
//! 5. A lease that is neither completed, released nor renewed expires by itself (the process
//!    died).
//!
//! Stores: [`MemoryStore`] (one process, the default) and, with the `redis` feature,
//! `RedisStore` (many replicas; with `redis-cluster`, over a Redis Cluster).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use standard_webhooks_tower::store::{Claim, IdempotencyStore, MemoryStore};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! let Claim::Acquired(token) = store.claim("msg_1", Duration::from_secs(60)).await? else {
//!     panic!("a fresh key is free");
//! };
//! // A retry racing the first attempt sees it in flight.
//! assert!(matches!(store.claim("msg_1", Duration::from_secs(60)).await?, Claim::InFlight { .. }));
//! store.complete("msg_1", &token, Duration::from_secs(76 * 3600)).await?;
//! // Later retries see it done.
//! assert_eq!(store.claim("msg_1", Duration::from_secs(60)).await?, Claim::Completed);
//! # Ok::<_, standard_webhooks_tower::store::StoreError>(())
//! # }).unwrap();
//! ```

use std::{error::Error as StdError, fmt, future::Future, pin::Pin, sync::Arc, time::Duration};

mod memory;
pub use memory::MemoryStore;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::{RedisConnection, RedisStore};

/// The boxed future every store method returns, so that stores work as `Arc<dyn IdempotencyStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A record of which deliveries are in flight and which are done. See the [module docs](self).
///
/// Keys arrive already namespaced by the layer. Implementations must make `claim` atomic across
/// every process that shares the store.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Try to take `key` for `lease`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer; the layer then fails closed (503) by default.
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim>;

    /// Mark `key` completed for `retention`, if `token` still holds its lease.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced>;

    /// Free `key`, if `token` still holds its lease.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced>;

    /// Extend the lease on `key` to `lease` from now, if `token` still holds it. The layer calls
    /// this while a handler runs, so that a lease always outlives its handler however long that
    /// takes, while a process that dies frees its keys after one (short) lease.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced>;

    /// Whether the store answers at all, for health checks. The default says yes, which is
    /// right for stores in the process's own memory.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached.
    fn health(&self) -> StoreFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }
}

impl<T: IdempotencyStore + ?Sized> IdempotencyStore for Arc<T> {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        (**self).claim(key, lease)
    }
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        (**self).complete(key, token, retention)
    }
    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        (**self).release(key, token)
    }
    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        lease: Duration,
    ) -> StoreFuture<'a, Fenced> {
        (**self).renew(key, token, lease)
    }
    fn health(&self) -> StoreFuture<'_, ()> {
        (**self).health()
    }
}

/// What [`IdempotencyStore::claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The key was free and is now ours until the lease ends; run the handler.
    Acquired(ClaimToken),
    /// Another attempt holds the lease right now.
    InFlight {
        /// How long until that lease ends, when the store knows.
        retry_after: Option<Duration>,
    },
    /// The key was processed to success already; do not run the handler again.
    Completed,
}

/// The answer to [`complete`](IdempotencyStore::complete) and
/// [`release`](IdempotencyStore::release).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fenced {
    /// The token held the lease and the change was made.
    Applied,
    /// The token no longer held the lease (it expired, and perhaps another attempt claimed the
    /// key): nothing was changed.
    Stale,
}

/// A fresh value that names one claim; `complete` and `release` compare it.
///
/// 128 bits printed as 32 lowercase hex digits: a random 64-bit value drawn once per process,
/// then a per-process counter. Unique within a process by the counter and across processes by
/// the random half; tokens only fence claims against each other, so they need to be unique, not
/// secret, and this avoids a system call per delivery.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken([u8; 32]);

impl ClaimToken {
    /// A new token, never equal to another one of this process or (but for a 2^-64 chance)
    /// of any other.
    #[must_use]
    pub fn generate() -> Self {
        use std::sync::{
            OnceLock,
            atomic::{AtomicU64, Ordering},
        };
        static PROCESS: OnceLock<u64> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let process = *PROCESS.get_or_init(|| {
            getrandom::u64().unwrap_or_else(|_| {
                // No OS randomness (only on unsupported platforms): the clock and the process
                // id still make collisions between processes unlikely.
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                nanos ^ (u64::from(std::process::id()) << 32)
            })
        });
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut hex = [0u8; 32];
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let raw = (u128::from(process) << 64) | u128::from(count);
        for (i, digit) in hex.iter_mut().enumerate() {
            let nibble = (raw >> (124 - 4 * i)) & 0xf;
            *digit = DIGITS[nibble as usize];
        }
        Self(hex)
    }

    /// The token as text (32 lowercase hex digits).
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written into the array.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClaimToken").field(&self.as_str()).finish()
    }
}

/// A store could not answer.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or answered with an error.
    Unavailable(Box<dyn StdError + Send + Sync>),
    /// The store did not answer within the layer's time limit.
    Timeout,
    /// The store is at its configured capacity and cannot record another key until some expire.
    Full,
}

impl StoreError {
    /// Wrap any error as [`StoreError::Unavailable`].
    pub fn unavailable(err: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self::Unavailable(err.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable(e) => write!(f, "idempotency store unavailable: {e}"),
            Self::Timeout => f.write_str("idempotency store did not answer in time"),
            Self::Full => f.write_str("idempotency store is full"),
        }
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Unavailable(e) => Some(&**e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_hex() {
        let a = ClaimToken::generate();
        let b = ClaimToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn store_is_object_safe() {
        fn takes(_: Arc<dyn IdempotencyStore>) {}
        takes(Arc::new(MemoryStore::new()));
    }
}
