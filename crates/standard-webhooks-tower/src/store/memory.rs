//! [`MemoryStore`]: the in-process store.

use std::{
    fmt,
    sync::{
        Mutex, PoisonError, TryLockError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use dashmap::{DashMap, mapref::entry::Entry};
use tokio::time::Instant;

use super::{Claim, ClaimToken, Fenced, IdempotencyStore, StoreError, StoreFuture};

/// Sweep at most once per this many new keys (and per half the store's size, whichever is more),
/// so the cost of a sweep is spread over the claims that made it necessary.
const SWEEP_EVERY: usize = 4096;

/// An [`IdempotencyStore`] in this process's memory, for a receiver that runs as one process.
///
/// Records live in a sharded concurrent map ([`dashmap`]); a claim locks one shard for
/// a moment, so concurrent deliveries of different keys rarely contend. Replicas of a receiver
/// do not see each other's records: use `RedisStore` (feature `redis`) for those.
///
/// # Bounded
///
/// The store holds at most [`max_records`](Self::with_max_records) keys
/// ([`DEFAULT_MAX_RECORDS`](Self::DEFAULT_MAX_RECORDS) by default), in flight or completed. When it
/// is full and nothing has expired, [`claim`](IdempotencyStore::claim) of a new key answers
/// [`StoreError::Full`], which the layer turns into a 503 so the sender retries later: a delivery
/// is delayed, never lost or run twice. Completed records stay for the whole retention period, so
/// size the bound as (deliveries per second) × (retention in seconds): the default of one million
/// covers about 3.6 deliveries per second sustained over the default 76-hour retention. A record
/// takes roughly 100 bytes plus its key.
///
/// Expired records are swept out as claims go by (no background task): every few thousand new
/// keys, and whenever the store is full and some record may have expired.
///
/// Time is read from [`tokio::time::Instant`], so tests can run it with paused time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use standard_webhooks_tower::store::{Claim, Fenced, IdempotencyStore, MemoryStore, StoreError};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = MemoryStore::new().with_max_records(1);
/// let lease = Duration::from_secs(60);
///
/// let Claim::Acquired(token) = store.claim("msg_1", lease).await? else { unreachable!() };
/// // The store is full: a different key must wait (the layer answers 503).
/// assert!(matches!(store.claim("msg_2", lease).await, Err(StoreError::Full)));
///
/// // The handler failed: release the key so that the sender's retry runs it again.
/// assert_eq!(store.release("msg_1", &token).await?, Fenced::Applied);
/// assert!(matches!(store.claim("msg_2", lease).await?, Claim::Acquired(_)));
/// # Ok::<_, StoreError>(())
/// # }).unwrap();
/// ```
pub struct MemoryStore {
    records: DashMap<Box<str>, Record>,
    max_records: usize,
    /// Records held plus slots reserved by claims about to insert: never below `records.len()`,
    /// so concurrent claims cannot overshoot `max_records`.
    reserved: AtomicUsize,
    inserts_since_sweep: AtomicUsize,
    /// No record expires before this instant (see [`MemoryStore::now`]): a lower bound, kept so
    /// that a full store does not scan every record on every claim when nothing can be freed.
    next_expiry: AtomicU64,
    /// One sweep at a time: while a sweep runs, `next_expiry` is not yet a lower bound.
    sweep_lock: Mutex<()>,
    epoch: Instant,
}

/// One key's state, in 32 bytes: instants are nanoseconds since the store's epoch and the token
/// is kept as its 16 raw bytes (see [`packed`]).
#[derive(Clone, Copy)]
enum Record {
    InFlight { token: [u8; 16], expires: u64 },
    Completed { expires: u64 },
}

impl Record {
    fn expires(&self) -> u64 {
        match *self {
            Self::InFlight { expires, .. } | Self::Completed { expires } => expires,
        }
    }

    /// Whether `token` holds a lease that has not run out.
    fn is_held_by(&self, token: &ClaimToken, now: u64) -> bool {
        matches!(*self, Self::InFlight { token: t, expires } if t == packed(token) && expires > now)
    }
}

/// The token's 128 random bits, from its 32 hex digits.
fn packed(token: &ClaimToken) -> [u8; 16] {
    // Tokens only come from `ClaimToken::generate`, so every byte is a lowercase hex digit and
    // this is one-to-one.
    fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        }
    }
    let mut raw = [0u8; 16];
    for (byte, pair) in raw.iter_mut().zip(token.0.chunks_exact(2)) {
        *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
    }
    raw
}

impl MemoryStore {
    /// The bound on records used by [`new`](Self::new).
    pub const DEFAULT_MAX_RECORDS: usize = 1_000_000;

    /// An empty store holding at most [`DEFAULT_MAX_RECORDS`](Self::DEFAULT_MAX_RECORDS) keys.
    #[must_use]
    pub fn new() -> Self {
        Self {
            records: DashMap::new(),
            max_records: Self::DEFAULT_MAX_RECORDS,
            reserved: AtomicUsize::new(0),
            inserts_since_sweep: AtomicUsize::new(0),
            next_expiry: AtomicU64::new(u64::MAX),
            sweep_lock: Mutex::new(()),
            epoch: Instant::now(),
        }
    }

    /// Hold at most `max_records` keys (in flight or completed, including expired ones not yet
    /// swept). With `0`, every claim answers [`StoreError::Full`].
    #[must_use]
    pub fn with_max_records(mut self, max_records: usize) -> Self {
        self.max_records = max_records;
        self
    }

    /// How many records the store holds, including expired ones not yet swept out.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the store holds no records.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Nanoseconds since the epoch; saturates rather than wrapping (after 584 years).
    fn now(&self) -> u64 {
        nanos(Instant::now().saturating_duration_since(self.epoch))
    }

    fn claim_now(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let now = self.now();
        let expires = now.saturating_add(nanos(lease));

        // The common case for retries: the key exists, and no key is allocated.
        if let Some(mut record) = self.records.get_mut(key) {
            return Ok(self.claim_existing(&mut record, now, expires));
        }

        self.sweep_if_due(now);
        if !self.reserve() {
            self.sweep_for_space(now);
            if !self.reserve() {
                return Err(StoreError::Full);
            }
        }
        let token = ClaimToken::generate();
        match self.records.entry(Box::from(key)) {
            Entry::Occupied(mut occupied) => {
                // A concurrent claim inserted the key after our lookup: it did the counting.
                self.reserved.fetch_sub(1, Ordering::Relaxed);
                Ok(self.claim_existing(occupied.get_mut(), now, expires))
            }
            Entry::Vacant(vacant) => {
                vacant.insert(Record::InFlight {
                    token: packed(&token),
                    expires,
                });
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                self.inserts_since_sweep.fetch_add(1, Ordering::Relaxed);
                Ok(Claim::Acquired(token))
            }
        }
    }

    /// Claim a key that has a record; the caller holds its shard's lock.
    fn claim_existing(&self, record: &mut Record, now: u64, expires: u64) -> Claim {
        match *record {
            Record::InFlight { expires: until, .. } if until > now => Claim::InFlight {
                retry_after: Some(Duration::from_nanos(until - now)),
            },
            Record::Completed { expires: until } if until > now => Claim::Completed,
            // Expired, in flight (the process died) or completed (retention over): take it fresh.
            _ => {
                let token = ClaimToken::generate();
                *record = Record::InFlight {
                    token: packed(&token),
                    expires,
                };
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                Claim::Acquired(token)
            }
        }
    }

    fn complete_now(&self, key: &str, token: &ClaimToken, retention: Duration) -> Fenced {
        let now = self.now();
        match self.records.get_mut(key) {
            Some(mut record) if record.is_held_by(token, now) => {
                let expires = now.saturating_add(nanos(retention));
                *record = Record::Completed { expires };
                self.next_expiry.fetch_min(expires, Ordering::SeqCst);
                Fenced::Applied
            }
            _ => Fenced::Stale,
        }
    }

    fn release_now(&self, key: &str, token: &ClaimToken) -> Fenced {
        let now = self.now();
        match self
            .records
            .remove_if(key, |_, record| record.is_held_by(token, now))
        {
            Some(_) => {
                self.reserved.fetch_sub(1, Ordering::Relaxed);
                Fenced::Applied
            }
            None => Fenced::Stale,
        }
    }

    /// Take a slot for a new key, if the store is not full.
    fn reserve(&self) -> bool {
        self.reserved
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < self.max_records).then_some(n + 1)
            })
            .is_ok()
    }

    /// The amortised sweep: only after enough new keys, only if something may have expired, and
    /// never waiting for a sweep already running.
    fn sweep_if_due(&self, now: u64) {
        let due = SWEEP_EVERY.max(self.reserved.load(Ordering::Relaxed) / 2);
        if self.inserts_since_sweep.load(Ordering::Relaxed) < due
            || now < self.next_expiry.load(Ordering::SeqCst)
        {
            return;
        }
        let _guard = match self.sweep_lock.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        self.sweep(now);
    }

    /// Before answering Full: wait for any running sweep, then sweep if something may have expired.
    fn sweep_for_space(&self, now: u64) {
        let _guard = self
            .sweep_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if now >= self.next_expiry.load(Ordering::SeqCst) {
            self.sweep(now);
        }
    }

    /// Remove every record expired at `now`. The caller holds `sweep_lock`.
    fn sweep(&self, now: u64) {
        // Reset first: records written while the sweep runs lower it again themselves.
        self.next_expiry.store(u64::MAX, Ordering::SeqCst);
        self.inserts_since_sweep.store(0, Ordering::Relaxed);
        let mut removed = 0;
        let mut earliest = u64::MAX;
        self.records.retain(|_, record| {
            let expires = record.expires();
            if expires <= now {
                removed += 1;
                false
            } else {
                earliest = earliest.min(expires);
                true
            }
        });
        self.reserved.fetch_sub(removed, Ordering::Relaxed);
        self.next_expiry.fetch_min(earliest, Ordering::SeqCst);
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: keys are message ids, which do not belong in logs.
        f.debug_struct("MemoryStore")
            .field("records", &self.len())
            .field("max_records", &self.max_records)
            .finish_non_exhaustive()
    }
}

impl IdempotencyStore for MemoryStore {
    fn claim<'a>(&'a self, key: &'a str, lease: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move { self.claim_now(key, lease) })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a ClaimToken,
        retention: Duration,
    ) -> StoreFuture<'a, Fenced> {
        Box::pin(async move { Ok(self.complete_now(key, token, retention)) })
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a ClaimToken) -> StoreFuture<'a, Fenced> {
        Box::pin(async move { Ok(self.release_now(key, token)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);

    async fn acquire(store: &MemoryStore, key: &str, lease: Duration) -> ClaimToken {
        match store.claim(key, lease).await.unwrap() {
            Claim::Acquired(token) => token,
            other => panic!("expected Acquired for {key}, got {other:?}"),
        }
    }

    #[test]
    fn record_stays_small() {
        assert_eq!(size_of::<Record>(), 32);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_reports_time_left_on_the_lease() {
        let store = MemoryStore::new();
        acquire(&store, "k", LEASE).await;
        tokio::time::advance(Duration::from_secs(20)).await;
        assert_eq!(
            store.claim("k", LEASE).await.unwrap(),
            Claim::InFlight {
                retry_after: Some(Duration::from_secs(40))
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn full_store_rejects_new_keys_until_records_expire() {
        let store = MemoryStore::new().with_max_records(3);
        for key in ["a", "b", "c"] {
            acquire(&store, key, LEASE).await;
        }
        assert!(matches!(
            store.claim("d", LEASE).await,
            Err(StoreError::Full)
        ));
        // Keys already held still answer normally when full.
        assert!(matches!(
            store.claim("a", LEASE).await.unwrap(),
            Claim::InFlight { .. }
        ));

        tokio::time::advance(LEASE).await;
        acquire(&store, "d", LEASE).await;
        // The sweep before reporting Full removed all three expired leases.
        assert_eq!(store.len(), 1);
        acquire(&store, "e", LEASE).await;
        acquire(&store, "f", LEASE).await;
        assert!(matches!(
            store.claim("g", LEASE).await,
            Err(StoreError::Full)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn completed_records_count_towards_the_bound_until_retention_ends() {
        let store = MemoryStore::new().with_max_records(1);
        let token = acquire(&store, "a", LEASE).await;
        store
            .complete("a", &token, Duration::from_secs(3600))
            .await
            .unwrap();
        tokio::time::advance(LEASE * 2).await;
        assert!(matches!(
            store.claim("b", LEASE).await,
            Err(StoreError::Full)
        ));
        tokio::time::advance(Duration::from_secs(3600)).await;
        acquire(&store, "b", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn release_frees_a_slot_in_a_full_store() {
        let store = MemoryStore::new().with_max_records(1);
        let token = acquire(&store, "a", LEASE).await;
        assert_eq!(store.release("a", &token).await.unwrap(), Fenced::Applied);
        acquire(&store, "b", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn zero_capacity_store_is_always_full() {
        let store = MemoryStore::new().with_max_records(0);
        assert!(matches!(
            store.claim("a", LEASE).await,
            Err(StoreError::Full)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn expired_records_are_swept_as_new_keys_arrive() {
        let store = MemoryStore::new();
        for i in 0..SWEEP_EVERY {
            acquire(&store, &format!("old-{i}"), Duration::from_secs(1)).await;
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        acquire(&store, "new", LEASE).await;
        assert_eq!(store.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_is_swept_before_it_expires() {
        let store = MemoryStore::new();
        for i in 0..=SWEEP_EVERY {
            acquire(&store, &format!("k-{i}"), LEASE).await;
        }
        assert_eq!(store.len(), SWEEP_EVERY + 1);
        assert_eq!(store.reserved.load(Ordering::Relaxed), SWEEP_EVERY + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn complete_after_own_lease_expired_is_stale_even_if_unclaimed() {
        let store = MemoryStore::new();
        let token = acquire(&store, "k", LEASE).await;
        tokio::time::advance(LEASE).await;
        assert_eq!(
            store.complete("k", &token, LEASE).await.unwrap(),
            Fenced::Stale
        );
        assert_eq!(store.release("k", &token).await.unwrap(), Fenced::Stale);
        acquire(&store, "k", LEASE).await;
    }

    #[tokio::test(start_paused = true)]
    async fn huge_durations_saturate_instead_of_overflowing() {
        let store = MemoryStore::new();
        let token = acquire(&store, "k", Duration::MAX).await;
        store.complete("k", &token, Duration::MAX).await.unwrap();
        tokio::time::advance(Duration::from_secs(10 * 365 * 24 * 3600)).await;
        assert_eq!(store.claim("k", LEASE).await.unwrap(), Claim::Completed);
    }

    #[test]
    fn concurrent_claims_of_new_keys_have_one_winner_each() {
        let store = MemoryStore::new();
        let winners: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_time()
                            .build()
                            .unwrap();
                        (0..200)
                            .filter(|i| {
                                let key = format!("k-{i}");
                                matches!(
                                    rt.block_on(store.claim(&key, LEASE)).unwrap(),
                                    Claim::Acquired(_)
                                )
                            })
                            .count()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(winners, 200);
        assert_eq!(store.reserved.load(Ordering::Relaxed), 200);
    }

    #[test]
    fn debug_shows_counts_not_keys() {
        let store = MemoryStore::new();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(store.claim("secret-message-id", LEASE))
            .unwrap();
        let debug = format!("{store:?}");
        assert!(debug.contains("records: 1"), "{debug}");
        assert!(!debug.contains("secret-message-id"), "{debug}");
    }

    #[test]
    fn packed_token_keeps_all_128_bits() {
        let token = ClaimToken::generate();
        let hex: String = packed(&token).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, token.as_str());
    }
}
